"""Suggestions for a statement line waiting to be reconciled: the matcher's proposals, and for
a line the matcher cannot place (only an amount, an unknown IBAN), the open items ranked by
amount, the payer's name and the due date (`core.candidates`). Nothing here books: the clerk
confirms a suggestion on the reconciliation screen."""

from decimal import Decimal
from typing import Any

from django.db.models import Q

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.core.candidates import Candidate, LineFacts, normalise_name, rank
from facturo.core.matching import BankLine, MatchSettings, OpenItem
from facturo.invoicing.models import Invoice, InvoiceState
from facturo.parties.models import Customer

from . import services
from .models import StatementLine

MAX_NAME_CUSTOMERS = 50
MAX_CANDIDATES = 500


def _amount_window(amount: Decimal, settings: MatchSettings) -> tuple[Decimal, Decimal]:
    """Open amounts a payment of `amount` may settle within the tolerance: from the amount
    itself up to what a full discount or the bank costs could have taken off."""
    paid = abs(amount)
    by_discount = paid * 100 / (100 - settings.discount_max_percent)
    return paid, max(by_discount, paid + settings.bank_costs_max).quantize(Decimal("0.01"))


def _name_customers(ctx: Context, counterparty_name: str) -> list[int]:
    """Customers whose name holds one of the telling words of the payer's name (a coarse,
    indexed-free pre-selection; the ranking compares the names properly)."""
    words = sorted({w for w in normalise_name(counterparty_name).split() if len(w) >= 4}, key=len, reverse=True)[:3]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(name__icontains=word)
    return list(
        Customer.objects.filter(condition, administration=ctx.administration).values_list("id", flat=True)[
            :MAX_NAME_CUSTOMERS
        ]
    )


def candidates_for(ctx: Context, line: StatementLine, settings: MatchSettings) -> list[Candidate]:
    """Open items of the line's currency and side whose amount fits, or whose customer's name
    resembles the payer's."""
    low, high = _amount_window(line.amount, settings)
    condition = Q(amount_open__gte=low, amount_open__lte=high)
    customers = _name_customers(ctx, line.counterparty_name)
    if customers:
        condition |= Q(customer_id__in=customers)
    kind = DocumentKind.INVOICE if line.amount > 0 else DocumentKind.CREDIT_NOTE
    rows = (
        Invoice.objects.filter(
            condition,
            administration=ctx.administration,
            state=InvoiceState.ISSUED,
            kind=kind,
            currency=line.currency,
            amount_open__gt=0,
        )
        .order_by("due_date", "id")
        .values_list("id", "number", "customer_id", "amount_open", "payment_reference", "due_date", "customer__name")[
            :MAX_CANDIDATES
        ]
    )
    sign = 1 if line.amount > 0 else -1
    return [
        Candidate(OpenItem(pk, number, customer_id, sign * open_amount, line.currency, reference), name, due)
        for pk, number, customer_id, open_amount, reference, due, name in rows
    ]


def _json(proposal: Any, numbers: dict[int, str]) -> dict[str, Any]:
    return {
        "customer_id": proposal.customer_id,
        "score": proposal.score,
        "allocations": [
            {"invoice_id": a.item_id, "number": numbers[a.item_id], "amount": str(a.amount)}
            for a in proposal.allocations
        ],
        "difference": str(proposal.difference),
        "difference_kind": proposal.difference_kind.value,
        "evidence": [{"rule": e.rule, "detail": e.detail, "points": e.points} for e in proposal.evidence],
        "ranked": True,
    }


def suggestions(ctx: Context, line_id: int, settings: MatchSettings | None = None) -> list[dict[str, Any]]:
    """What to show for a line: the matcher's proposals first; then, for what they leave open,
    the ranked candidates (marked `ranked`), none of them an invoice already proposed."""
    ctx.require(Action.VIEW)
    settings = settings or MatchSettings()
    line = services.get_line(ctx, line_id)
    proposals = services.suggestions_for(ctx, line_id, settings)
    if any(p["score"] >= settings.auto_threshold for p in proposals):
        return proposals
    proposed = {a["invoice_id"] for p in proposals for a in p["allocations"]}
    candidates = [c for c in candidates_for(ctx, line, settings) if c.item.id not in proposed]
    facts = LineFacts(
        BankLine(line.amount, line.currency, line.counterparty_iban, line.structured_reference, line.remittance),
        line.counterparty_name,
        line.booking_date,
    )
    numbers = {c.item.id: c.item.number for c in candidates}
    return proposals + [_json(p, numbers) for p in rank(facts, candidates, settings, limit=5 - min(len(proposals), 2))]
