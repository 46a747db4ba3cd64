"""Warnings of a statement import, stored as a code with parameters and worded in the
reader's language when shown (the clerk who imports and the one who looks later may read
different languages)."""

from typing import Any

from django.utils.translation import gettext as _

OPENING_DIFFERS = "opening_differs"


def opening_differs(number: int, sequence: str, opening: Any, balance: Any, account: str) -> dict[str, Any]:
    return {
        "code": OPENING_DIFFERS,
        "params": {"number": number, "sequence": sequence, "opening": str(opening), "balance": str(balance),
                   "account": account},
    }


def describe(note: dict[str, Any]) -> str:
    params = note.get("params", {})
    if note.get("code") == OPENING_DIFFERS:
        return _(
            "statement %(number)s (%(sequence)s): opening balance %(opening)s differs from the ledger balance "
            "%(balance)s of %(account)s; the first statement sets the bank's view"
        ) % params
    return str(note.get("text", note.get("code", "")))
