"""What a billing run does around billing the due periods: before, it renews the contracts
that renew automatically and applies the indexations that fell due (both become versions in
the contracts' annex history); the preview lists those and the corrections of invoiced
periods that retroactive changes call for (billed by `contracts.corrections`)."""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q

from facturo.administrations.access import Context
from facturo.contracts import corrections
from facturo.contracts.indexation import DueIndexation, IndexedPrice, apply_due_indexations
from facturo.contracts.models import Contract, RetroactiveChange
from facturo.contracts.renewal import renew_due
from facturo.contracts.schedule import load_contracts

LIST_LIMIT = 1000


def _price(value: Decimal) -> str:
    """A unit price with two decimals, or the more it has (prices are kept to four)."""
    cents = value.quantize(Decimal("0.01"))
    return str(cents if cents == value else value.normalize())


def prepare(ctx: Context, run_date: date, condition: Q | None = None) -> None:
    """Indexations and renewals due on the run date for the contracts matching `condition`
    (the chunk's customers), in the chunk's transaction: done with it or not at all."""
    apply_due_indexations(ctx, run_date, condition)
    renew_due(ctx, run_date, condition)


def preview(
    ctx: Context,
    run_date: date,
    indexations: Sequence[DueIndexation],
    indexed: Mapping[int, Mapping[date, Sequence[IndexedPrice]]],
) -> dict[str, Any]:
    """Corrections, indexations (from the run's assessment: `indexed` holds the prices each
    indexation sets per line) and renewals the run will make."""
    pending = RetroactiveChange.objects.filter(contract__administration=ctx.administration, run_id=None)
    contract_ids = sorted(set(pending.values_list("contract_id", flat=True)))
    found = corrections.preview(load_contracts(ctx.administration.pk, Q(pk__in=contract_ids))) if contract_ids else []
    renewals = Contract.objects.filter(
        administration=ctx.administration, auto_renew=True, end_date__lt=run_date, termination_date__isnull=True
    ).order_by("number")
    return {
        "corrections_count": len(found),
        "corrections_total": str(sum((Decimal(c["amount"]) for c in found), Decimal("0.00"))),
        "corrections": found[:LIST_LIMIT],
        "indexations_count": len(indexations),
        "indexations": [
            {
                "contract": i.number,
                "on": i.on.isoformat(),
                "basis": i.basis,
                "problem": i.problem,
                "lines": [
                    {"line": p.line, "old_price": _price(p.old_price), "new_price": _price(p.new_price)}
                    for p in indexed.get(i.contract_id, {}).get(i.on, [])
                ],
            }
            for i in indexations[:LIST_LIMIT]
        ],
        "renewals": [
            {"contract": c.number, "end_date": c.end_date.isoformat() if c.end_date else ""}
            for c in renewals[:LIST_LIMIT]
        ],
    }
