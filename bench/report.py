"""Shared by the benchmark scripts: print a table and append it to bench/RESULTS.md."""
from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews timings."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def publish(title: str, rows: list[str], write: bool = True) -> str:
    """Print `rows` under a heading with the date, machine and command; append to RESULTS.md."""
    command = "python " + " ".join([os.path.relpath(sys.argv[0], RESULTS.parent.parent), *sys.argv[1:]])
    head = (f"## {title}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average {load_average()} at the end\n\n"
            f"Command: `{command}`\n")
    table = head + "\n" + "\n".join(rows) + "\n"
    print(table)
    if write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + table)
    return table


def append_section(heading: str, report: str) -> None:
    """Append `report` to RESULTS.md under `heading` ("## ..."): after the last section if that is this
    heading already, else under a new copy of it (others may have written after ours). Append only."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    report = ("\n" if headings and headings[-1] == heading else f"\n{heading}\n\n") + report
    with RESULTS.open("a", encoding="utf-8") as f:
        if not text.endswith("\n"):
            f.write("\n")
        f.write(report)
