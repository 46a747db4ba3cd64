"""Bank statements as plain dataclasses: what CAMT.053, MT940 and CODA files have in common.

Amounts are signed Decimals: positive is money in (credit on the account), negative money out.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Files above this size are refused before parsing (a day's statement is far smaller).
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class StatementFormatError(ValueError):
    """A file that is not a well-formed statement; the message names the element or line."""

    def __init__(self, message: str, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Balance:
    amount: Decimal
    date: date | None


@dataclass(frozen=True)
class StatementLine:
    amount: Decimal
    booking_date: date
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    structured_reference: str = ""
    remittance: str = ""
    bank_reference: str = ""
    end_to_end_id: str = ""
    return_reason: str = ""
    # A return / refusal of an earlier collection or transfer (R-transaction).
    is_return: bool = False


@dataclass(frozen=True)
class Statement:
    account_iban: str
    currency: str
    identification: str
    sequence: str
    opening: Balance
    closing: Balance
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)
    format: str = ""

    @property
    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class StreamedStatement:
    """A statement whose lines are read as they are consumed, so that booking the first lines
    of a large file can start while the rest is still being read. `head` holds no lines;
    `most_lines` is at least the number of lines `lines` yields (a bound known up front)."""

    head: Statement
    lines: Iterator[StatementLine]
    most_lines: int


def check_size(data: bytes, max_bytes: int) -> None:
    if not isinstance(data, bytes | bytearray):
        raise TypeError("statement data must be bytes")
    if len(data) > max_bytes:
        raise StatementFormatError(f"file of {len(data)} bytes is larger than the limit of {max_bytes} bytes")
    if not data.strip():
        raise StatementFormatError("the file is empty")


def compact_iban(value: str) -> str:
    return "".join(value.split()).upper()
