"""Reading untrusted input (forms, API payloads, CSV rows) into typed values.

A Reader collects every problem with the path of the field it concerns, so a caller
reports all errors at once and writes nothing when there is any.
"""

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from facturo.core.errors import FieldError, ValidationFailed

MISSING = object()
MAX_CSV_BYTES = 50 * 1024 * 1024
# Characters XML 1.0 cannot carry (so no e-invoice could) and PostgreSQL text refuses (NUL):
# C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE/U+FFFF.
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored or written into a document, or None when it can."""
    found = UNSAFE_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return f"contains the control character U+{ord(found.group()):04X}, which invoices cannot carry"


def unsafe_texts(data: Any, path: str = "") -> list[FieldError]:
    """Every string (keys included) in nested JSON-like data that `text_problem` refuses,
    with its path in the API's notation ("lines[0].description")."""
    errors: list[FieldError] = []
    if isinstance(data, str):
        problem = text_problem(data)
        if problem:
            errors.append(FieldError(path, problem))
    elif isinstance(data, Mapping):
        for key, value in data.items():
            key_text = str(key)
            child = f"{path}.{key_text}" if path else key_text
            if text_problem(key_text):
                errors.append(FieldError(path or "body", f"has a field name that {text_problem(key_text)}"))
                continue
            errors.extend(unsafe_texts(value, child))
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            errors.extend(unsafe_texts(value, f"{path}[{index}]"))
    return errors


class Reader:
    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(self.path(name), message))

    def has(self, name: str) -> bool:
        value = self.data.get(name, MISSING)
        return value is not MISSING and value is not None and value != ""

    def _raw(self, name: str, required: bool) -> Any:
        if not self.has(name):
            if required:
                self.error(name, "is required")
            return None
        value = self.data[name]
        return value.strip() if isinstance(value, str) else value

    def text(self, name: str, *, required: bool = False, max_length: int = 200, default: str = "") -> str:
        value = self._raw(name, required)
        if value is None:
            return default
        value = str(value)
        problem = text_problem(value)
        if problem:
            # PostgreSQL text cannot hold NUL (a lookup with one fails as a server error) and
            # no e-invoice can carry a control character.
            self.error(name, problem)
            return default
        if len(value) > max_length:
            self.error(name, f"is longer than {max_length} characters")
        return value

    def decimal(
        self,
        name: str,
        *,
        required: bool = False,
        default: Decimal | None = None,
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
        places: int = 4,
        whole_digits: int = 10,
    ) -> Decimal | None:
        value = self._raw(name, required)
        if value is None:
            return default
        if isinstance(value, (float, bool)):
            # Floats cannot carry money exactly (invariant 6): refuse them instead of guessing.
            self.error(name, f"{value!r} must be sent as a decimal string, e.g. \"12.50\"")
            return None
        try:
            number = Decimal(str(value).replace(" ", ""))
        except InvalidOperation:
            self.error(name, f"{value!r} is not a number")
            return None
        if not number.is_finite():
            self.error(name, f"{value!r} is not a number")
            return None
        if -number.as_tuple().exponent > places:  # type: ignore[operator]
            self.error(name, f"has more than {places} decimals")
            return None
        if number.adjusted() >= whole_digits:
            self.error(name, f"is too large (at most {whole_digits} digits before the decimal point)")
            return None
        if min_value is not None and number < min_value:
            self.error(name, f"must be at least {min_value}")
        if max_value is not None and number > max_value:
            self.error(name, f"must be at most {max_value}")
        return number

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        default: int | None = None,
        min_value: int | None = None,
        max_value: int | None = None,
    ) -> int | None:
        value = self._raw(name, required)
        if value is None:
            return default
        try:
            number = int(str(value))
        except ValueError:
            self.error(name, f"{value!r} is not a whole number")
            return None
        if min_value is not None and number < min_value:
            self.error(name, f"must be at least {min_value}")
        if max_value is not None and number > max_value:
            self.error(name, f"must be at most {max_value}")
        return number

    def date(self, name: str, *, required: bool = False, default: date | None = None) -> date | None:
        value = self._raw(name, required)
        if value is None:
            return default
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.error(name, f"{value!r} is not a date (use YYYY-MM-DD)")
            return None

    def choice(self, name: str, choices: Iterable[str], *, required: bool = False, default: str = "") -> str:
        allowed = list(choices)
        value = self._raw(name, required)
        if value is None:
            return default
        if str(value) not in allowed:
            self.error(name, f"{value!r} is not one of {', '.join(allowed)}")
            return default
        return str(value)

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self._raw(name, False)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in {"1", "true", "yes", "on", "y"}:
            return True
        if text in {"0", "false", "no", "off", "n"}:
            return False
        self.error(name, f"{value!r} is not yes or no")
        return default

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(list(self.errors))


def raise_all(readers: Iterable[Reader]) -> None:
    errors = [e for r in readers for e in r.errors]
    if errors:
        raise ValidationFailed(errors)


def read_csv_rows(content: bytes | str, columns: Collection[str], required: Iterable[str]) -> list[dict[str, str]]:
    """CSV rows as dicts keyed by the (lower-cased) header, each with its file line as `_line`.

    Problems with the file itself (size, encoding, header, width) raise with their place;
    the delimiter is a semicolon when the first lines hold more of those than commas."""
    if isinstance(content, bytes):
        if len(content) > MAX_CSV_BYTES:
            raise ValidationFailed([FieldError("file", f"is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")])
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed([FieldError("file", f"is not UTF-8 (byte {exc.start})")]) from None
    else:
        text = content
    sample = text[:4096]
    reader = csv.reader(io.StringIO(text), delimiter=";" if sample.count(";") > sample.count(",") else ",")
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed([FieldError("file", "is empty")]) from None
    errors = [FieldError(f"header, column {h!r}", "is not a known column") for h in header if h not in columns]
    errors += [FieldError("header", f"column {c!r} is missing") for c in required if c not in header]
    if errors:
        raise ValidationFailed(errors)
    rows: list[dict[str, str]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                errors.append(
                    FieldError(f"row {reader.line_num}", f"has {len(values)} fields, the header has {len(header)}")
                )
                continue
            row = dict(zip(header, values, strict=True))
            errors.extend(
                FieldError(f"row {reader.line_num}, column {column!r}", problem)
                for column, value in row.items()
                if (problem := text_problem(value))
            )
            rows.append({"_line": str(reader.line_num), **row})
    except csv.Error as exc:
        errors.append(FieldError(f"row {reader.line_num}", f"is not valid CSV ({exc})"))
    if errors:
        raise ValidationFailed(errors)
    if not rows:
        raise ValidationFailed([FieldError("file", "has a header but no rows")])
    return rows
