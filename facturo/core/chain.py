"""Canonical JSON and a hash chain for tamper-evident invoice records."""

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from uuid import UUID

import orjson

GENESIS = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")

_Json = None | bool | int | str | list["_Json"] | dict[str, "_Json"]


def _plain(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot serialize non-finite Decimal {value}")
    if value.is_zero():
        value = value.copy_abs()
    return format(value, "f")


_SCALARS = (str, int, bool, type(None))


def _normalize(value: object, path: str) -> _Json:
    # The common case (strings, numbers, nested lists and dicts) is walked without
    # building paths; a path is only spelled out for the error message.
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, float):
        raise TypeError(f"{path}: floats are not allowed, use Decimal")
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        result: dict[str, _Json] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be str, got {type(key).__name__}")
            result[key] = item if isinstance(item, _SCALARS) else _normalize(item, f"{path}.{key}")
        return result
    if isinstance(value, (list, tuple)):
        return [
            item if isinstance(item, _SCALARS) else _normalize(item, f"{path}[{i}]") for i, item in enumerate(value)
        ]
    raise TypeError(f"{path}: cannot serialize {type(value).__name__}")


def canonical_json(data: Mapping[str, object]) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, no whitespace.

    Decimals become strings in plain notation (``"1E+2"`` -> ``"100"``), dates
    and datetimes ISO strings, UUIDs their canonical string; lists and tuples
    become arrays. Floats raise ``TypeError``, NaN/Infinity ``ValueError``.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a mapping, not {type(data).__name__}")
    return _encode(_normalize(data, "$"))


def plain_json(data: Mapping[str, object]) -> bytes:
    """`canonical_json` of data that is already plain JSON (str, int, bool, None, lists and
    dicts with str keys), without walking it first: the bulk issuing path formats its
    numbers and dates itself, and the walk cost more than the encoding.

    orjson writes the same bytes as `json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)` for such data (property-tested), so chains written before it
    still verify. Integers beyond 64 bits, which orjson refuses, go through `json`.
    Anything else orjson cannot encode raises ``TypeError``; floats are the one type it
    would take silently, which is why `canonical_json` keeps its walk for data from outside."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a mapping, not {type(data).__name__}")
    return _encode(data)


def _encode(data: object) -> bytes:
    try:
        return orjson.dumps(data, option=_ORJSON_OPTIONS)
    except TypeError:
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")


# Dates, datetimes and dataclasses are refused rather than written in orjson's own way;
# `_normalize` turns dates into the ISO strings the chain has always hashed.
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def chain_hash(previous_hash: str, content: bytes) -> str:
    """sha256 hex digest of ``previous_hash`` (ASCII) followed by ``content``.

    ``previous_hash`` must be 64 lower-case hex digits (a previous result, or
    :data:`GENESIS`).
    """
    if not isinstance(previous_hash, str) or not _HEX64.fullmatch(previous_hash):
        raise ValueError(f"previous hash must be 64 lower-case hex digits: {previous_hash!r}")
    if not isinstance(content, bytes):
        raise TypeError(f"content must be bytes, not {type(content).__name__}")
    return hashlib.sha256(previous_hash.encode("ascii") + content).hexdigest()
