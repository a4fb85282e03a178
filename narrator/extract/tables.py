"""Data tables in a story (standings, results, polls), told from layout tables by their structure and
read briefly: the caption, the column headings once, then row by row, long tables capped."""
from __future__ import annotations

import lxml.html

from . import rules
from .page import clean


def _rows(table: lxml.html.HtmlElement) -> tuple[list, list, list]:
    """The table's own rows as (head, body, foot) lists of cell lists, in reading order (a <tfoot>
    written before the <tbody> is still read after it)."""
    head: list[list] = []
    body: list[list] = []
    foot: list[list] = []
    for child in table:
        if child.tag == "tr":
            body.append(_cells(child))
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows = [_cells(tr) for tr in child if tr.tag == "tr"]
            (head if child.tag == "thead" else foot if child.tag == "tfoot" else body).extend(rows)
    while body and not head and all(c.tag == "th" for c in body[0]) and body[0]:
        head.append(body.pop(0))  # a first row of headings without a <thead>
    return head, body, foot


def _cells(tr: lxml.html.HtmlElement) -> list:
    return [c for c in tr if c.tag in ("td", "th")]


def _width(row: list) -> int:
    width = 0
    for cell in row:
        try:
            width += max(1, min(int(cell.get("colspan") or 1), 100))
        except ValueError:
            width += 1
    return width


def _text(cell: lxml.html.HtmlElement) -> str:
    return clean(cell.text_content())


def _numeric(text: str) -> bool:
    return len(text) <= 40 and rules.NUMERIC_CELL_RE.fullmatch(text) is not None


def is_data_table(table: lxml.html.HtmlElement) -> bool:
    """A grid of short cells with headings or numbers, at least TABLE_MIN_ROWS rows of the same
    width, not mostly links and holding no other table: data. Anything else is layout."""
    if (table.get("role") or "").lower() in ("presentation", "none") or table.find(".//table") is not None:
        return False
    head, body, foot = _rows(table)
    body = [r for r in body if any(_text(c) for c in r)]
    if len(body) < rules.TABLE_MIN_ROWS:
        return False
    widths = [_width(r) for r in body]
    usual = max(set(widths), key=widths.count)
    if usual < 2 or widths.count(usual) < len(body) * rules.TABLE_COLUMN_AGREEMENT:
        return False
    texts = [_text(c) for r in head + body + foot for c in r]
    filled = [t for t in texts if t]
    chars = sum(map(len, filled))
    if not filled or max(map(len, filled)) > rules.TABLE_MAX_CELL_CHARS or (
            chars > rules.TABLE_MAX_MEAN_CELL_CHARS * len(filled)):
        return False
    links = sum(len(clean(a.text_content())) for a in table.iter("a"))
    if links > chars * rules.TABLE_MAX_LINK_SHARE:
        return False
    headed = bool(head) or any(c.tag == "th" for r in body for c in r)
    numbers = sum(1 for t in filled if _numeric(t))
    return headed or numbers >= len(filled) * rules.TABLE_NUMERIC_SHARE


def _line(texts: list[str]) -> str:
    """Cells said one after another, a comma between them, the row closed with a full stop."""
    line = ", ".join(t for t in texts if t)
    return line if not line or line[-1] in ".!?" else line + "."


def read_table(table: lxml.html.HtmlElement) -> list[str]:
    """The lines a listener hears for a data table: its caption, its column headings once (the last
    heading row: the one naming the columns), then each row's cells, up to TABLE_MAX_ROWS rows and
    a line saying how many more there are. A footer row repeating the headings is not read again."""
    head, body, foot = _rows(table)
    lines: list[str] = []
    caption = table.find("caption")
    if caption is not None and (text := _text(caption)):
        lines.append(_line([text]))
    headings = [_text(c) for c in head[-1]] if head else []
    if any(headings):
        lines.append(_line(headings))
    rows = [r for r in body + foot if any(_text(c) for c in r)]
    rows = [r for r in rows if [_text(c) for c in r] != headings]
    for row in rows[:rules.TABLE_MAX_ROWS]:
        lines.append(_line([_text(c) for c in row]))
    if len(rows) > rules.TABLE_MAX_ROWS:
        more = len(rows) - rules.TABLE_MAX_ROWS
        lines.append(f"The table has {more} more {'row' if more == 1 else 'rows'}, not read here.")
    return lines
