"""Renewing a contract: each renewal is the next version in the annex history ("renewed
until ..."), so the timeline shows when and how far the end date moved. Contracts that renew
automatically are renewed by the billing run once their end date has passed."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from facturo.administrations.access import Action, Context
from facturo.core.errors import FieldError
from facturo.core.periods import add_months
from facturo.errors import ValidationFailed

from .models import Annex, Contract
from .services import get_contract


def _renew_once(ctx: Context, contract: Contract, months: int, automatic: bool) -> Annex:
    assert contract.end_date is not None
    start = contract.end_date + timedelta(days=1)
    new_end = add_months(start, months) - timedelta(days=1)
    version = contract.version + 1
    how = "automatically" if automatic else "by agreement"
    annex = Annex.objects.create(
        contract=contract,
        version=version,
        effective_from=start,
        description=f"Renewed {how} for {months} months: end {contract.end_date.isoformat()} → "
        f"{new_end.isoformat()}",
        created_by=ctx.user if ctx.user.is_authenticated else None,
    )
    contract.end_date, contract.version = new_end, version
    contract.save(update_fields=["end_date", "version"])
    return annex


def renew(ctx: Context, contract_id: int, months: int | None = None) -> Annex:
    """Renew a contract once, for `months` (default: its renewal term), from the day after
    its end date: a new version."""
    ctx.require(Action.MANAGE_MASTER_DATA)
    with transaction.atomic():
        contract = get_contract(ctx, contract_id, for_update=True)
        errors = []
        if contract.end_date is None:
            errors.append(FieldError("end_date", f"contract {contract.number} has no end date to renew"))
        if contract.termination_date is not None:
            errors.append(
                FieldError("termination_date", f"contract {contract.number} is terminated; it cannot be renewed")
            )
        if months is not None and not 1 <= months <= 120:
            errors.append(FieldError("months", "must be between 1 and 120"))
        if errors:
            raise ValidationFailed(errors)
        return _renew_once(ctx, contract, months or contract.renewal_months or 12, automatic=False)


def renew_due(ctx: Context, on: date, condition: Q | None = None) -> list[Annex]:
    """Renew every automatically renewing contract whose end date lies before `on`, as many
    terms as it takes (each one a version), in the caller's transaction."""
    query = Contract.objects.filter(
        administration=ctx.administration, auto_renew=True, end_date__lt=on, termination_date__isnull=True
    )
    if condition is not None:
        query = query.filter(condition)
    made: list[Annex] = []
    for contract in query.select_for_update().order_by("id"):
        while contract.end_date is not None and contract.end_date < on:
            made.append(_renew_once(ctx, contract, contract.renewal_months or 12, automatic=True))
    return made
