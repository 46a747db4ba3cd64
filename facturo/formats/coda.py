"""Belgian CODA statements (Febelfin, version 2): fixed-width records of 128 characters.

Records read: 0 header, 1 old balance, 21/22/23 movement, 31/32 information, 8 new balance,
9 trailer. A structured communication (type 101/102) becomes the line's structured reference
in its ``+++ddd/dddd/ddddd+++`` form. Positions below are 1-based as in the specification."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .statement import (
    DEFAULT_MAX_BYTES,
    Balance,
    Statement,
    StatementFormatError,
    StatementLine,
    check_size,
    compact_iban,
)

RECORD_LENGTH = 128
# Transaction code types (position 54) that detail a globalised amount booked elsewhere.
_DETAIL_TYPES = {"5", "6", "7", "8"}


def _field(record: str, start: int, end: int) -> str:
    return record[start - 1 : end]


def _date(text: str, where: str) -> date | None:
    if not text.strip() or text == "000000":
        return None
    if not text.isdigit():
        raise StatementFormatError(f"date {text!r} is not DDMMYY", where)
    try:
        return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        raise StatementFormatError(f"date {text!r} does not exist", where) from None


def _amount(sign: str, digits: str, where: str) -> Decimal:
    if sign not in ("0", "1") or not digits.isdigit():
        raise StatementFormatError(f"amount {sign}{digits!r} is not a signed 15-digit amount", where)
    value = Decimal(int(digits)) / 1000
    cents = value.quantize(Decimal("0.01"))
    if cents != value:
        raise StatementFormatError(f"amount {value} has fractions of a cent", where)
    return -cents if sign == "1" else cents


def _account(record: str, where: str) -> tuple[str, str]:
    structure = record[1]
    zone = _field(record, 6, 42)
    if structure == "0":
        return zone[0:12].strip(), zone[13:16].strip()
    if structure in ("1", "2", "3"):
        return compact_iban(zone[0:34]), zone[34:37].strip()
    raise StatementFormatError(f"account structure {structure!r} is not 0 to 3", where)


def _communication(kind: str, text: str) -> tuple[str, str]:
    """(structured reference, free text) of a communication zone."""
    if kind == "1":
        code = text[:3]
        if code in ("101", "102"):
            digits = text[3:15]
            if digits.isdigit():
                return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++", ""
        return "", " ".join(text[3:].split())
    return "", " ".join(text.split())


@dataclass
class _Movement:
    sequence: str
    amount: Decimal
    value_date: date | None
    booking_date: date | None
    code_type: str
    bank_reference: str
    comm_kind: str
    comm: list[str] = field(default_factory=list)
    name: str = ""
    iban: str = ""
    bic: str = ""
    end_to_end: str = ""
    r_type: str = ""
    reason: str = ""
    details: list["_Movement"] = field(default_factory=list)

    def line(self, fallback: date) -> StatementLine:
        structured, text = _communication(self.comm_kind, "".join(self.comm))
        return StatementLine(
            amount=self.amount,
            booking_date=self.booking_date or fallback,
            value_date=self.value_date,
            counterparty_name=self.name,
            counterparty_iban=self.iban,
            counterparty_bic=self.bic,
            structured_reference=structured,
            remittance=text,
            bank_reference=self.bank_reference,
            end_to_end_id=self.end_to_end,
            return_reason=self.reason,
            is_return=bool(self.r_type.strip()) or bool(self.reason),
        )


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Statement]:
    check_size(data, max_bytes)
    text = bytes(data).decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")
    statements: list[Statement] = []
    account = currency = sequence = ""
    opening: Balance | None = None
    movements: list[_Movement] = []
    current: _Movement | None = None
    seen_header = False
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        where = f"line {number}"
        if len(raw) < RECORD_LENGTH:
            raise StatementFormatError(f"record is {len(raw)} characters, CODA records are 128", where)
        record = raw[:RECORD_LENGTH]
        kind = record[0]
        if kind == "0":
            seen_header = True
            movements, current, opening = [], None, None
        elif not seen_header:
            raise StatementFormatError("the file does not start with a header record (0)", where)
        elif kind == "1":
            account, currency = _account(record, where)
            sequence = _field(record, 3, 5).strip()
            opening = Balance(
                _amount(_field(record, 43, 43), _field(record, 44, 58), where), _date(_field(record, 59, 64), where)
            )
        elif kind == "2":
            article = record[1]
            if article == "1":
                movement = _Movement(
                    sequence=_field(record, 3, 6),
                    amount=_amount(_field(record, 32, 32), _field(record, 33, 47), where),
                    value_date=_date(_field(record, 48, 53), where),
                    booking_date=_date(_field(record, 116, 121), where),
                    code_type=_field(record, 54, 54),
                    bank_reference=_field(record, 11, 31).strip(),
                    comm_kind=_field(record, 62, 62),
                    comm=[_field(record, 63, 115)],
                )
                parent = movements[-1] if movements else None
                if movement.code_type in _DETAIL_TYPES and parent is not None:
                    parent.details.append(movement)
                else:
                    movements.append(movement)
                current = movement
            elif current is None:
                raise StatementFormatError(f"record 2{article} without a preceding record 21", where)
            elif article == "2":
                current.comm.append(_field(record, 11, 63))
                current.end_to_end = _field(record, 64, 98).strip()
                current.bic = _field(record, 99, 109).strip()
                current.r_type = _field(record, 113, 113)
                current.reason = _field(record, 114, 117).strip()
            elif article == "3":
                current.iban = compact_iban(_field(record, 11, 47)[:34])
                if current.iban and current.iban[-3:].isalpha() and len(current.iban) > 16:
                    current.iban = current.iban[:-3]
                current.name = _field(record, 48, 82).strip()
                current.comm.append(_field(record, 83, 125))
            else:
                raise StatementFormatError(f"unknown movement record 2{article}", where)
        elif kind == "3":
            if current is None:
                raise StatementFormatError("information record without a movement", where)
            # Information records add to the movement's communication when it had none.
            if record[1] == "1" and not "".join(current.comm).strip():
                current.comm_kind = _field(record, 40, 40)
                current.comm = [_field(record, 41, 113)]
        elif kind == "4":
            continue  # free communication records: not part of any movement
        elif kind == "8":
            if opening is None:
                raise StatementFormatError("new balance (8) without an old balance (1)", where)
            closing = Balance(
                _amount(_field(record, 43, 43), _field(record, 44, 58), where), _date(_field(record, 59, 64), where)
            )
            fallback = closing.date or opening.date or date.today()
            lines: list[StatementLine] = []
            for movement in movements:
                if movement.details and sum(d.amount for d in movement.details) == movement.amount:
                    lines.extend(d.line(fallback) for d in movement.details)
                else:
                    lines.append(movement.line(fallback))
            statements.append(
                Statement(
                    account_iban=account,
                    currency=currency,
                    identification=sequence,
                    sequence=sequence,
                    opening=opening,
                    closing=closing,
                    lines=tuple(lines),
                    format="coda",
                )
            )
            movements, current, opening = [], None, None
        elif kind == "9":
            seen_header = False
        else:
            raise StatementFormatError(f"unknown record type {kind!r}", where)
    if opening is not None or movements:
        raise StatementFormatError("the file ends before the new balance record (8)", "end of file")
    if not statements:
        raise StatementFormatError("no statement found (records 0, 1 … 8, 9)", "line 1")
    return statements
