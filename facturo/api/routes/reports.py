from decimal import Decimal

from django.http import HttpRequest
from ninja import Router

from facturo.invoicing.services import receivables_per_customer
from facturo.ledger.services import trial_balance

from .. import serializers
from ..schemas import ReceivablesOut, TrialBalanceOut
from .common import context, errors

router = Router(tags=["reports"])


@router.get("/{admin}/receivables", response={200: ReceivablesOut, **errors()}, summary="Open amount per customer")
def receivables(request: HttpRequest, admin: str):
    ctx = context(request, admin)
    rows = receivables_per_customer(ctx)
    return {
        "data": [
            {
                "customer": {"id": r.customer_id, "number": r.number, "name": r.name},
                "open_amount": serializers.money(r.open_amount),
                "documents": r.documents,
            }
            for r in rows
        ],
        "total": serializers.money(sum((r.open_amount for r in rows), Decimal(0))),
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
