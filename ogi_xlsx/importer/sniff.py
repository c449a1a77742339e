"""What kind of file a report is (from its bytes, not only its name) and how its text is encoded."""

from __future__ import annotations

import re

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_-]{2,20})""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}encoding\s*=\s*["']([A-Za-z0-9_-]+)""")


def sniff(head: bytes, suffix: str) -> str:
    """ "pdf", "zip" (.docx), "ole" (.doc / .wps), "html", "text" or "unknown"."""
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head.startswith((b"{\\rtf", b"\xff\xd8", b"\x89PNG", b"GIF8")):
        return "unknown"
    low = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<meta", b"<head", b"<body", b"<table", b"<div", b"<p")) or (
        suffix in (".html", ".htm") and low.startswith(b"<")
    ):
        return "html"
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"
    return "text"


def declared_encoding(data: bytes) -> str | None:
    """The charset an HTML page declares (``<meta charset>``), if any."""
    m = _META_CHARSET.search(data[:8192]) or _XML_ENCODING.search(data[:200])
    return m.group(1).decode("ascii").lower() if m else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): BOM, then the declared charset, then UTF-8, then charset-normalizer, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    if declared:
        name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(declared, declared)
        try:
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Imported only here: a file that is neither declared nor UTF-8 (an undeclared GBK page).
    from charset_normalizer import from_bytes

    # A sample is enough to tell GBK from Big5 and the like; detecting on 10 MB takes seconds.
    best = from_bytes(data[:65536]).best()
    name = best.encoding if best is not None else "gb18030"
    if name in ("gb2312", "gbk", "cp936"):
        name = "gb18030"
    try:
        return data.decode(name, "replace"), name
    except LookupError:  # pragma: no cover - charset-normalizer names Python codecs
        return data.decode("gb18030", "replace"), "gb18030"


def report_suffix(head: bytes, names: list[str] | None = None) -> str | None:
    """The suffix a published report stored without its name is read with (".pdf", ".docx", ".html",
    ".txt"), or None when the bytes are not a published report (an .xlsx, a JSON return …).

    ``head``: the file's first bytes (64 KB is plenty); ``names``: a zip's member names.
    """
    kind = sniff(head, "")
    if kind == "pdf":
        return ".pdf"
    if kind == "zip":
        return ".docx" if names is not None and "word/document.xml" in names else None
    if kind == "html":
        return ".html"
    if kind == "text":
        text, _ = decode(head)
        stripped = text.lstrip("\ufeff \t\r\n")
        if stripped.startswith(("{", "[")):  # a JSON return document
            return None
        return ".txt" if "政府信息公开" in text or "政府信息公開" in text else None
    return None
