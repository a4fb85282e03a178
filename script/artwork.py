"""Draw the podcast feed's default artwork, web/static/podcast.png: 1400 x 1400 px (Apple asks for
1400-3000 px, square, RGB), the player's blue with a play button and a sound wave. Pure Python (zlib):
run it again after changing a colour.

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


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    rows = [b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)]
    OUT.write_bytes(png(SIZE, SIZE, rows))
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
