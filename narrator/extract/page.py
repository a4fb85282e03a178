"""Reading the page: bytes decoded to text (BOM, HTTP and <meta> charsets, a guess), checked to be
markup, parsed by lxml without any network or file access; and the characters no listener can be read
(controls, surrogates, noncharacters) removed from every string taken from it."""
from __future__ import annotations

import codecs
import re
import warnings

import lxml.html
from bs4 import UnicodeDammit
from lxml import etree

from ..errors import ExtractionError
from ..safetext import remove_unsafe

WORD = re.compile(r"\w+")


_BINARY_MAGIC = (
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"PK\x03\x04", "a ZIP archive"), (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "a RIFF (audio/video) file"), (b"ID3", "an MP3 file"), (b"\x7fELF", "a program"),
)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)


_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_:.-]+)", re.I)


_WINDOWS_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252",
                    "iso8859-1": "cp1252", "latin1": "cp1252"}
"""As the HTML standard says, pages labelled Latin-1 or ASCII are decoded as Windows-1252."""


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _WINDOWS_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WINDOWS_ALIASES.get(name, name)


def decode(data: bytes | str, content_type: str = "") -> str:
    """Bytes -> text: BOM, then the HTTP header charset, the <meta> charset, UTF-8, and
    finally bs4's UnicodeDammit guess. Raises ExtractionError on binary data."""
    if isinstance(data, str):
        return data
    if not data.strip():
        raise ExtractionError("empty page: no bytes to read")
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise ExtractionError(f"not HTML: the data is {what}")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(name, "replace")
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 10:
        raise ExtractionError("not HTML: the data is binary")
    labels: list[str] = []
    if header := _HEADER_CHARSET.search(content_type or ""):
        labels.append(header.group(1))
    if meta := _META_CHARSET.search(head):
        labels.append(meta.group(1).decode("ascii", "replace"))
    labels.append("utf-8")
    for label in labels:
        codec = _codec(label)
        if codec is None or codec.startswith("utf-16") or codec.startswith("utf-32"):
            continue
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    dammit = UnicodeDammit(data, ["utf-8", "cp1252"], is_html=True)
    if dammit.unicode_markup is None:
        raise ExtractionError("not HTML: the bytes do not decode as text")
    return dammit.unicode_markup


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")


def check_markup(markup: str) -> None:
    if not markup.strip():
        raise ExtractionError("empty page")
    head = markup[:4096]
    if len(_CONTROL.findall(head)) > len(head) // 20:
        raise ExtractionError("not HTML: the data is binary")
    if not re.search(r"<\s*[a-zA-Z!?/]", head) and not re.search(r"<\s*[a-zA-Z]", markup[:200_000]):
        raise ExtractionError("not HTML: no markup found")


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


_KEEP_WHEN_FLAT = re.compile(
    r"<(/?)(?!(?:p|h[1-6]|br|li|ul|ol|blockquote|title|meta|html|head|body|script|style|article)\b)"
    r"[a-zA-Z][^>]*>")


def parse(markup: str) -> lxml.html.HtmlElement:
    markup = remove_unsafe(_XML_DECL.sub("", markup, count=1))  # line breaks are the parser's
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            root = lxml.html.document_fromstring(markup, parser=parser)
        except (etree.ParserError, ValueError) as e:
            raise ExtractionError(f"not HTML: {e}") from None
        if any("Excessive depth" in err.message for err in parser.error_log):
            # libxml2 stops at 2048 levels and drops the rest: keep the text, flatten the
            # generic containers and try once more.
            flat = _KEEP_WHEN_FLAT.sub(lambda m: "\n" if m.group(1) else " ", markup)
            parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                          huge_tree=True)
            try:
                root = lxml.html.document_fromstring(flat, parser=parser)
            except (etree.ParserError, ValueError) as e:
                raise ExtractionError(f"not HTML: {e}") from None
            if any("Excessive depth" in err.message for err in parser.error_log):
                raise ExtractionError("not HTML: the page is nested too deeply to read")
    return root
