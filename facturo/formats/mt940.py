"""SWIFT MT940 customer statements, parsed with the `mt-940` package.

The package reads the tags (:20:, :25:, :28C:, :60F:, :61:, :86:, :62F:); this module turns
its result into our dataclasses and reads the structured :86: field of the banks we know:

* SEPA style of the Dutch banks (ING, ABN AMRO, Rabobank): ``/EREF/…/CNTP/IBAN/BIC/NAME/…/
  /REMI/USTD//text/`` or ``/REMI/STRD/CUR/reference/``, ``/TRTP/…/IBAN/…/NAME/…``,
  ``/ORDP//NAME/…``, ``/RTRN/reason/``;
* subfield style of Polish and German banks: ``~20``…``~29`` text, ``~30`` bank, ``~31``/``~38``
  account, ``~32``/``~33`` name (``?`` in place of ``~`` too);
* free text (Belgian banks among others): kept as remittance; structured communications in it
  are found by the matcher."""

import logging
import re
from datetime import date
from decimal import Decimal

import mt940 as mt940_package

from .statement import (
    DEFAULT_MAX_BYTES,
    Balance,
    Statement,
    StatementFormatError,
    StatementLine,
    check_size,
    compact_iban,
)

# The package logs every tag it fails to match; our errors say what is wrong, so its messages
# go nowhere unless the application configures the "mt940" logger.
_package_logger = logging.getLogger("mt940")
_package_logger.addHandler(logging.NullHandler())
_package_logger.propagate = False

_KEYS = (
    "EREF|CNTP|REMI|TRTP|IBAN|BIC|NAME|ORDP|BENM|MARF|CSID|RTRN|PREF|ADDR|ULTC|ULTD|ULTB|PURP|BUSP|"
    "ISDT|CHGS|EXCH|OCMT|SVCL|CDTRREFTP|CDTRREF|KREF|FX"
)
_SWIFT_SPLIT = re.compile(rf"/({_KEYS})/")
_SUBFIELD = re.compile(r"[~?](\d\d)")
_IBAN_LIKE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


def _block_starts(text: str) -> list[int]:
    """Line numbers (1-based) where each statement (:20:) starts."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(":20:")]


def parse_details(details: str) -> dict[str, str]:
    """The fields of a structured :86: text: name, iban, bic, remittance, structured_reference,
    end_to_end_id, return_reason (missing ones are absent)."""
    out: dict[str, str] = {}
    compact = details.replace("\r", "").replace("\n", "")
    if _SWIFT_SPLIT.search(compact):
        parts = _SWIFT_SPLIT.split(compact)
        for key, raw in zip(parts[1::2], parts[2::2], strict=True):
            value = raw[:-1] if raw.endswith("/") else raw
            if key == "CNTP":
                sub = value.split("/")
                sub += [""] * (4 - len(sub))
                out.setdefault("iban", sub[0])
                out.setdefault("bic", sub[1])
                out.setdefault("name", sub[2])
            elif key == "REMI":
                if value.startswith("STRD/"):
                    out["structured_reference"] = value.split("/")[-1]
                elif value.startswith("USTD/"):
                    out["remittance"] = value[5:].lstrip("/")
                else:
                    out["remittance"] = value
            elif key == "EREF":
                if value.strip() and value.strip() != "NOTPROVIDED":
                    out["end_to_end_id"] = value.strip()
            elif key == "RTRN":
                out["return_reason"] = value.strip("/").split("/")[0]
            elif key in ("IBAN", "BIC", "NAME") and value.strip("/"):
                out.setdefault(key.lower(), value.strip("/"))
        return {k: v.strip() for k, v in out.items() if v.strip()}
    if _SUBFIELD.search(compact):
        fields: dict[str, list[str]] = {}
        for match in _SUBFIELD.finditer(compact):
            start = match.end()
            following = _SUBFIELD.search(compact, start)
            fields.setdefault(match.group(1), []).append(compact[start : following.start() if following else None])
        text = "".join("".join(fields.get(f"{n}", [])) for n in [*range(20, 30), *range(60, 64)])
        name = "".join(fields.get("32", []) + fields.get("33", []))
        account = "".join(fields.get("38", [])) or "".join(fields.get("31", []))
        if account and _IBAN_LIKE.match(compact_iban(account)):
            out["iban"] = compact_iban(account)
        elif account and account.isdigit() and len(account) == 26:
            out["iban"] = "PL" + account  # Polish banks give the NRB, the IBAN without "PL"
        if text:
            out["remittance"] = text
        if name:
            out["name"] = name
        if fields.get("30"):
            out["bic"] = fields["30"][0]
        return {k: v.strip() for k, v in out.items() if v.strip()}
    # Banks wrap :86: at a fixed width, so a line break is not a word break.
    text = " ".join(compact.split())
    return {"remittance": text} if text else {}


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return None


def _balance(data: dict[str, object], *names: str) -> tuple[Balance, str] | None:
    for name in names:
        bal = data.get(name)
        if bal is not None:
            amount = bal.amount  # type: ignore[attr-defined]
            return Balance(Decimal(amount.amount), _date(bal.date)), str(amount.currency)  # type: ignore[attr-defined]
    return None


def _located(exc: Exception, block: str, first_line: int) -> StatementFormatError:
    """The package's error as ours, naming the tag and the line where its value starts."""
    args = exc.args
    if len(args) == 3 and isinstance(args[2], str):
        tag = getattr(args[1], "id", "?")
        value = args[2]
        offset = block.find(value) if value else -1
        line = first_line + block.count("\n", 0, offset) if offset >= 0 else first_line
        return StatementFormatError(f":{tag}: cannot read {value[:60]!r}", f"line {line}")
    return StatementFormatError(f"not a valid MT940 statement: {str(exc)[:200]}", f"line {first_line}")


def _statement(block: str, first_line: int) -> Statement:
    transactions = mt940_package.models.Transactions()
    try:
        transactions.parse(block)
    except Exception as exc:  # the package raises various errors on bad input
        raise _located(exc, block, first_line) from None
    data = transactions.data
    account = str(data.get("account_identification") or "").strip()
    if not account:
        raise StatementFormatError("no account identification (:25:)", f"line {first_line}")
    opening = _balance(data, "final_opening_balance", "intermediate_opening_balance")
    closing = _balance(data, "final_closing_balance", "intermediate_closing_balance")
    if opening is None:
        raise StatementFormatError("no opening balance (:60F: or :60M:)", f"line {first_line}")
    if closing is None:
        raise StatementFormatError("no closing balance (:62F: or :62M:)", f"line {first_line}")
    # :25: holds "IBAN", "IBAN CCY", "IBANCCY" or "BIC/IBAN" depending on the bank.
    iban = compact_iban(account.split("/")[-1])
    currency = closing[1]
    if iban.endswith(currency) and len(iban) > 18:
        iban = iban[: -len(currency)]
    lines: list[StatementLine] = []
    for number, tx in enumerate(transactions, 1):
        t = tx.data
        amount = t.get("amount")
        booking = _date(t.get("entry_date")) or _date(t.get("date"))
        if amount is None or booking is None:
            raise StatementFormatError(f"transaction {number} (:61:) has no amount or date", f"line {first_line}")
        details = parse_details(str(t.get("transaction_details") or ""))
        status = str(t.get("status") or "")
        reason = details.get("return_reason", "")
        lines.append(
            StatementLine(
                amount=Decimal(amount.amount),
                booking_date=booking,
                value_date=_date(t.get("date")),
                counterparty_name=details.get("name", ""),
                counterparty_iban=compact_iban(details.get("iban", "")),
                counterparty_bic=details.get("bic", ""),
                structured_reference=details.get("structured_reference", ""),
                remittance=details.get("remittance", ""),
                bank_reference=str(t.get("bank_reference") or t.get("customer_reference") or "").strip(),
                end_to_end_id=details.get("end_to_end_id", ""),
                return_reason=reason,
                is_return=bool(reason) or status.startswith("R"),
            )
        )
    statement_number = str(data.get("statement_number") or "").strip()
    sequence = str(data.get("sequence_number") or "").strip()
    return Statement(
        account_iban=iban,
        currency=currency,
        identification=str(data.get("transaction_reference") or "").strip(),
        sequence=statement_number + (f"/{sequence}" if sequence and sequence != "1" else ""),
        opening=opening[0],
        closing=closing[0],
        lines=tuple(lines),
        format="mt940",
    )


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Statement]:
    check_size(data, max_bytes)
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        text = bytes(data).decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Some banks wrap the file in a SWIFT envelope ({1:…}{4: … -}); the tags are what counts.
    lines = text.split("\n")
    starts = _block_starts(text)
    if not starts:
        raise StatementFormatError("no statement found (a line starting with :20:)", "line 1")
    statements = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        block = "\n".join(line for line in lines[start - 1 : end] if line.strip() not in ("-", "-}"))
        if ":62F:" not in block and ":62M:" not in block:
            raise StatementFormatError("the statement ends without a closing balance (:62F:)", f"line {start}")
        statements.append(_statement(block + "\n", start))
    return statements
