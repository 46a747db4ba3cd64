from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router

from facturo.invoicing.services import receivables_per_customer, receivables_total
from facturo.ledger.services import trial_balance

from .. import serializers
from ..schemas import ReceivablesOut, TrialBalanceOut
from .common import context, errors

router = Router(tags=["reports"])


@router.get("/{admin}/receivables", response={200: ReceivablesOut, **errors()}, summary="Open amount per customer")
def receivables(
    request: HttpRequest,
    admin: str,
    offset: int = Query(0, ge=0, le=10**9),  # type: ignore[type-arg]
    limit: int = Query(500, ge=1, le=500),  # type: ignore[type-arg]
):
    """Customers by name with what they owe; `total` covers all of them, `next_offset` pages on."""
    ctx = context(request, admin)
    rows = receivables_per_customer(ctx, offset=offset, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "data": [
            {
                "customer": {"id": r.customer_id, "number": r.number, "name": r.name},
                "open_amount": serializers.money(r.open_amount),
                "documents": r.documents,
            }
            for r in rows
        ],
        "total": serializers.money(receivables_total(ctx)),
        "next_offset": offset + limit if more else None,
    }


@router.get("/{admin}/trial-balance", response={200: TrialBalanceOut, **errors()}, summary="Trial balance")
def trial_balance_report(request: HttpRequest, admin: str):
    ctx = context(request, admin)
    rows = trial_balance(ctx)
    return {
        "data": [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "debit": serializers.money(r.debit),
                "credit": serializers.money(r.credit),
                "balance": serializers.money(r.balance),
            }
            for r in rows
        ],
        "debit_total": serializers.money(sum((r.debit for r in rows), Decimal(0))),
        "credit_total": serializers.money(sum((r.credit for r in rows), Decimal(0))),
    }
