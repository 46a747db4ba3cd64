"""ISO 20022 CAMT.054 (BankToCustomerDebitCreditNotification): single bookings announced before
the day's statement, used here for returned and refused direct debits (R-transactions).

Read with the same safe parser and entry reading as CAMT.053; a notification has no balances."""

from dataclasses import dataclass

from .camt053 import entry_lines, read_root
from .statement import DEFAULT_MAX_BYTES, StatementFormatError, StatementLine, compact_iban


@dataclass(frozen=True)
class Notification:
    account_iban: str
    currency: str
    identification: str
    lines: tuple[StatementLine, ...]


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Notification]:
    root = read_root(data, max_bytes, "camt.054")
    container = root.find("BkToCstmrDbtCdtNtfctn")
    if root.tag != "Document" or container is None:
        raise StatementFormatError("expected Document/BkToCstmrDbtCdtNtfctn", f"line {root.sourceline}")
    notifications = []
    for ntfctn in container.findall("Ntfctn"):
        acct = ntfctn.find("Acct")
        if acct is None:
            raise StatementFormatError("missing element Acct", f"line {ntfctn.sourceline}")
        iban = compact_iban(str(acct.findtext("Id/IBAN") or ""))
        if not iban:
            raise StatementFormatError("the account has no IBAN", f"line {acct.sourceline}")
        lines: list[StatementLine] = []
        for entry in ntfctn.findall("Ntry"):
            lines.extend(entry_lines(entry, None))
        currency = str(acct.findtext("Ccy") or "").strip()
        if not currency:
            amounts = ntfctn.find("Ntry/Amt")
            currency = str(amounts.get("Ccy") or "") if amounts is not None else ""
        notifications.append(Notification(iban, currency, str(ntfctn.findtext("Id") or "").strip(), tuple(lines)))
    if not notifications:
        raise StatementFormatError("the document holds no notification (Ntfctn)", "Document/BkToCstmrDbtCdtNtfctn")
    return notifications
