"""Recognise a bank file's format from its first bytes and parse it."""

from dataclasses import replace

from . import camt053, coda, mt940
from .statement import DEFAULT_MAX_BYTES, Statement, StatementFormatError, StreamedStatement

FORMATS = ("camt.053", "mt940", "coda")


def detect(data: bytes) -> str:
    head = bytes(data[:4096]).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "camt.053"
    if head.startswith(b"0") and (b"\n1" in head or len(head.split(b"\n", 1)[0].rstrip(b"\r")) == 128):
        return "coda"
    if b":20:" in head:
        return "mt940"
    raise StatementFormatError("not a CAMT.053, MT940 or CODA file", "line 1")


def parse(data: bytes, *, format: str = "", max_bytes: int = DEFAULT_MAX_BYTES) -> list[Statement]:
    kind = format or detect(data)
    if kind == "camt.053":
        return camt053.parse(data, max_bytes=max_bytes)
    if kind == "mt940":
        return mt940.parse(data, max_bytes=max_bytes)
    if kind == "coda":
        return coda.parse(data, max_bytes=max_bytes)
    raise StatementFormatError(f"unknown format {kind!r}; known: {', '.join(FORMATS)}")


def parse_streamed(data: bytes, *, format: str = "", max_bytes: int = DEFAULT_MAX_BYTES) -> list[StreamedStatement]:
    """Like `parse`, with each statement's lines read as they are consumed where the format
    allows it (CAMT.053); MT940 and CODA files are read whole first."""
    kind = format or detect(data)
    if kind == "camt.053":
        return camt053.parse_streamed(data, max_bytes=max_bytes)
    return [
        StreamedStatement(replace(s, lines=()), iter(s.lines), len(s.lines))
        for s in parse(data, format=kind, max_bytes=max_bytes)
    ]
