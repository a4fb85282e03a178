"""Draw the podcast feed's default artwork, web/static/podcast.png: 1400 x 1400 px (Apple asks for
1400-3000 px, square, RGB), the player's blue with a play button and a sound wave; and the pages'
icon, web/static/favicon.ico (a 32 px blue disc with a white play triangle, a PNG inside an ICO).
Pure Python (zlib): run it again after changing a colour.

    python script/artwork.py
"""
from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

SIZE = 1400
BLUE, WHITE, LIGHT = (11, 92, 173), (255, 255, 255), (120, 170, 225)
OUT = Path(__file__).resolve().parent.parent / "web" / "static" / "podcast.png"
FAVICON = OUT.with_name("favicon.ico")
ICON = 32


def pixel(x: int, y: int) -> tuple[int, int, int]:
    cx, cy = SIZE / 2, SIZE * 0.42
    if math.hypot(x - cx, y - cy) <= 300:  # the play button: a white disc, a blue triangle
        px, py = x - (cx - 90), y - cy
        inside = px >= 0 and abs(py) <= 180 - px * 180 / 300 and px <= 300
        return BLUE if inside else WHITE
    if SIZE * 0.74 <= y <= SIZE * 0.86:  # a sound wave: bars whose height follows a sine
        bar, gap = 28, 22
        i, offset = divmod(int(x - 150), bar + gap)
        if 0 <= i < 22 and offset < bar:
            height = SIZE * 0.06 * (0.35 + 0.65 * abs(math.sin(i * 0.9)))
            if abs(y - SIZE * 0.8) <= height:
                return LIGHT
    return BLUE


def icon_pixel(x: int, y: int) -> tuple[int, int, int, int]:
    """The favicon, 4x supersampled: a blue disc, a white play triangle, transparent around."""
    hits = {"blue": 0, "white": 0}
    for sy in range(4):
        for sx in range(4):
            u, v = x + (sx + 0.5) / 4, y + (sy + 0.5) / 4
            if math.hypot(u - ICON / 2, v - ICON / 2) > ICON / 2:
                continue
            px, py = u - ICON * 0.38, v - ICON / 2
            inside = 0 <= px <= ICON * 0.36 and abs(py) <= ICON * 0.22 * (1 - px / (ICON * 0.36))
            hits["white" if inside else "blue"] += 1
    covered = hits["blue"] + hits["white"]
    if not covered:
        return (0, 0, 0, 0)
    mix = [round((b * hits["blue"] + w * hits["white"]) / covered) for b, w in zip(BLUE, WHITE, strict=True)]
    return (*mix, round(255 * covered / 16))


def ico(png_bytes: bytes, size: int) -> bytes:
    """An ICO file holding one PNG image (every browser reads these)."""
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png_bytes), 6 + 16)
    return header + entry + png_bytes


def png(width: int, height: int, rows: list[bytes], color_type: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    rows = [b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)]
    OUT.write_bytes(png(SIZE, SIZE, rows))
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")
    icon_rows = [b"".join(bytes(icon_pixel(x, y)) for x in range(ICON)) for y in range(ICON)]
    FAVICON.write_bytes(ico(png(ICON, ICON, icon_rows, color_type=6), ICON))
    print(f"{FAVICON}: {FAVICON.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
