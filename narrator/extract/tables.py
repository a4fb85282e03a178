"""Data tables in a story (standings, results, polls), told from layout tables by their structure and
read briefly: the caption, the column headings once, then row by row, long tables capped."""
from __future__ import annotations

import re

import lxml.html

from ..safetext import one_line as clean

# --- Data tables (issue 27) ----------------------------------------------------------------

TABLE_MIN_ROWS = 2
"""A data table has at least this many rows of data under its header: a single row is a label
and its value, or a layout box (test_extract's one-row "Ward / Votes" table stays unread)."""

TABLE_COLUMN_AGREEMENT = 0.8
"""...and at least this share of its rows have the table's usual number of columns (counting
colspans), at least two: a grid of data, not a layout of boxes."""

TABLE_MAX_CELL_CHARS = 200
TABLE_MAX_MEAN_CELL_CHARS = 60
"""...and short cells: none longer than TABLE_MAX_CELL_CHARS and on average at most
TABLE_MAX_MEAN_CELL_CHARS (the dev page's stats tables average 14, their longest cell is 85;
a layout table holding the story has cells of whole paragraphs)."""

TABLE_NUMERIC_SHARE = 0.25
"""...and either header cells (<th>, <thead>) or at least this share of numeric cells
("28", "85%", "1:32.4", "2-1"): what standings, results and polls are made of."""

TABLE_MAX_LINK_SHARE = 0.6
"""A table with more of its text in links than this is a list of links laid out in a grid
(other stories, a site map), not data, whatever its shape."""

TABLE_SAMPLE_ROWS = 200
"""A table is told data or layout by its first this many rows with words in them: enough to see
its shape, and a table of 50,000 rows is judged as fast as one of 200."""

TABLE_MAX_ROWS = 30
"""A data table is read up to this many rows; then a line says how many more it has. A league
of 20 or 24 teams is read whole; a marathon's 500 finishers are not read one by one."""

NUMERIC_CELL_RE = re.compile(r"[^\w]*\d[\d\s.,:;%/+\-–−()]*(?:[a-z]{1,3}|pts?|kg|km|m|s)?\.?\W*", re.I)
"""A cell that is a number, a score, a time, a share or a count with a short unit."""

Row = list[tuple[lxml.html.HtmlElement, str]]
"""A table row: each cell with its text."""


def _rows(table: lxml.html.HtmlElement) -> tuple[list, list, list]:
    """The table's own <tr> elements as (head, body, foot), in reading order (a <tfoot> written
    before the <tbody> is still read after it)."""
    head: list = []
    body: list = []
    foot: list = []
    for child in table:
        if child.tag == "tr":
            body.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows = [tr for tr in child if tr.tag == "tr"]
            (head if child.tag == "thead" else foot if child.tag == "tfoot" else body).extend(rows)
    return head, body, foot


def _cells(tr: lxml.html.HtmlElement) -> Row:
    return [(c, clean(c.text_content())) for c in tr if c.tag in ("td", "th")]


def _grid(table: lxml.html.HtmlElement, limit: int) -> tuple[Row, list[Row], int]:
    """The table's heading row (its <thead>'s last row, or a first row of <th> cells), its first
    `limit` rows with words in them (body, then foot), and how many more such rows it has."""
    head, body, foot = _rows(table)
    headings = _cells(head[-1]) if head else []
    rows: list[Row] = []
    more = 0
    for tr in body + foot:
        if len(rows) >= limit:
            more += bool(tr.text_content().strip())
            continue
        row = _cells(tr)
        if not any(t for _, t in row):
            continue
        if not head and not headings and not rows and all(c.tag == "th" for c, _ in row):
            headings = row  # a first row of headings without a <thead>
            continue
        rows.append(row)
    return headings, rows, more


def _width(row: Row) -> int:
    width = 0
    for cell, _ in row:
        try:
            width += max(1, min(int(cell.get("colspan") or 1), 100))
        except ValueError:
            width += 1
    return width


def _numeric(text: str) -> bool:
    return len(text) <= 40 and NUMERIC_CELL_RE.fullmatch(text) is not None


def is_data_table(table: lxml.html.HtmlElement) -> bool:
    """A grid of short cells with headings or numbers, at least TABLE_MIN_ROWS rows of the same
    width, not mostly links and holding no other table: data. Anything else is layout. A long
    table is judged by its first TABLE_SAMPLE_ROWS rows."""
    if (table.get("role") or "").lower() in ("presentation", "none") or table.find(".//table") is not None:
        return False
    headings, rows, _ = _grid(table, TABLE_SAMPLE_ROWS)
    if len(rows) < TABLE_MIN_ROWS:
        return False
    widths = [_width(r) for r in rows]
    usual = max(set(widths), key=widths.count)
    if usual < 2 or widths.count(usual) < len(rows) * TABLE_COLUMN_AGREEMENT:
        return False
    filled = [t for r in [headings, *rows] for _, t in r if t]
    chars = sum(map(len, filled))
    if (max(map(len, filled)) > TABLE_MAX_CELL_CHARS
            or chars > TABLE_MAX_MEAN_CELL_CHARS * len(filled)):
        return False
    links = sum(len(clean(a.text_content())) for r in [headings, *rows] for c, _ in r for a in c.iter("a"))
    if links > chars * TABLE_MAX_LINK_SHARE:
        return False
    headed = bool(headings) or any(c.tag == "th" for r in rows for c, _ in r)
    numbers = sum(1 for t in filled if _numeric(t))
    return headed or numbers >= len(filled) * TABLE_NUMERIC_SHARE


def _line(texts: list[str]) -> str:
    """Cells said one after another, a comma between them, the row closed with a full stop."""
    line = ", ".join(t for t in texts if t)
    return line if not line or line[-1] in ".!?" else line + "."


def read_table(table: lxml.html.HtmlElement) -> list[str]:
    """The lines a listener hears for a data table: its caption, its column headings once (the last
    heading row: the one naming the columns), then each row's cells, up to TABLE_MAX_ROWS rows and
    a line saying how many more there are. A footer row repeating the headings is not read again."""
    headings, rows, more = _grid(table, TABLE_MAX_ROWS + 1)
    lines: list[str] = []
    caption = table.find("caption")
    if caption is not None and (text := clean(caption.text_content())):
        lines.append(_line([text]))
    names = [t for _, t in headings]
    if any(names):
        lines.append(_line(names))
    texts = [line for r in rows if (line := [t for _, t in r]) != names]
    for line in texts[:TABLE_MAX_ROWS]:
        lines.append(_line(line))
    more += max(0, len(texts) - TABLE_MAX_ROWS)
    if more:
        lines.append(f"The table has {more} more {'row' if more == 1 else 'rows'}, not read here.")
    return lines
