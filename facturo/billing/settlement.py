"""Advance contracts: fixed advances are billed by the run like any line; at the end of a
settlement period the actual amount is compared with the advances invoiced for it, and the
difference becomes a settlement invoice (more was used) or credit notes on the advance
invoices (less was used). Each period is settled once (unique in the database)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from facturo.administrations.access import Action, Context
from facturo.charges.models import Charge, ChargeState
from facturo.charges.services import create_charges
from facturo.contracts.charging import CONTRACT_SOURCE
from facturo.contracts.services import get_contract
from facturo.core.errors import FieldError
from facturo.errors import Conflict, ValidationFailed
from facturo.invoicing import services as invoicing

from .models import AdvanceSettlement

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SettlementResult:
    settlement: AdvanceSettlement
    documents: list[str]


def advances_invoiced(ctx: Context, contract_number: str, start: date, end: date) -> tuple[Decimal, list[Charge]]:
    """Net advances invoiced for service inside start..end (from the contract's charges)."""
    charges = list(
        Charge.objects.filter(
            administration=ctx.administration,
            source_kind=CONTRACT_SOURCE,
            contract_reference=contract_number,
            state=ChargeState.INVOICED,
            period_start__gte=start,
            period_end__lte=end,
        ).order_by("-period_start", "-id")
    )
    total = sum(((c.quantity * c.unit_price).quantize(CENT, rounding=ROUND_HALF_UP) for c in charges), Decimal(0))
    return total, charges


def _check(contract: Any, start: date, end: date, actual: Decimal) -> None:
    errors = []
    if not contract.type.is_advance:
        errors.append(FieldError("contract", f"{contract.number} is not an advance contract"))
    elif not contract.lines.exists():
        # Advances are what the run billed from the contract's lines: without a line nothing
        # was advanced, and a settlement of nothing would only block the period.
        errors.append(
            FieldError("contract", f"{contract.number} has no lines, so no advances to settle: add one by annex")
        )
    if end < start:
        errors.append(FieldError("period_end", "is before period_start"))
    if actual < 0:
        errors.append(FieldError("actual", "must not be negative"))
    if errors:
        raise ValidationFailed(errors)


@dataclass(frozen=True)
class SettlementPreview:
    contract: str
    period_start: date
    period_end: date
    actual: Decimal
    advances: Decimal
    difference: Decimal
    outcome: str  # "invoice", "credit_note" or "nothing"
    advance_invoices: list[str]
    settled_before: bool


def preview(ctx: Context, contract_id: int, start: date, end: date, actual: Decimal) -> SettlementPreview:
    """What settling the period would do, without doing it: the advances invoiced for it,
    the difference, and whether a settlement invoice or a credit note follows."""
    ctx.require(Action.VIEW)
    contract = get_contract(ctx, contract_id)
    _check(contract, start, end, actual)
    advances, charges = advances_invoiced(ctx, contract.number, start, end)
    difference = (actual - advances).quantize(CENT)
    invoices = sorted(
        {c.invoice_line.invoice.number or "" for c in charges if getattr(c, "invoice_line", None) is not None}
    )
    return SettlementPreview(
        contract.number,
        start,
        end,
        actual,
        advances,
        difference,
        "invoice" if difference > 0 else "credit_note" if difference < 0 else "nothing",
        invoices,
        AdvanceSettlement.objects.filter(contract=contract, period_start=start).exists(),
    )


def settlements_of(ctx: Context, contract_id: int) -> list[AdvanceSettlement]:
    ctx.require(Action.VIEW)
    return list(AdvanceSettlement.objects.filter(administration=ctx.administration, contract_id=contract_id))


def settle(
    ctx: Context, contract_id: int, start: date, end: date, actual: Decimal, *, issue_date: date | None = None
) -> SettlementResult:
    """Settle an advance contract's period: a settlement invoice for a shortfall, credit
    notes on the latest advance invoices for an excess, nothing for an exact match."""
    ctx.require(Action.ISSUE_INVOICES)
    contract = get_contract(ctx, contract_id)
    _check(contract, start, end, actual)
    line = contract.lines.order_by("position").first()  # names the settlement
    if line is None:  # deleted since the check
        raise Conflict(f"{contract.number} has no lines any more, so no advances to settle")
    with transaction.atomic():
        advances, charges = advances_invoiced(ctx, contract.number, start, end)
        if not charges:
            raise ValidationFailed(
                [FieldError("period_start", f"no advances of {contract.number} are invoiced in this period")]
            )
        difference = (actual - advances).quantize(CENT)
        try:
            with transaction.atomic():
                settlement = AdvanceSettlement.objects.create(
                    administration=ctx.administration,
                    contract=contract,
                    period_start=start,
                    period_end=end,
                    actual=actual,
                    advances=advances,
                    difference=difference,
                )
        except IntegrityError:
            raise Conflict(f"{contract.number} is already settled from {start.isoformat()}") from None
        documents: list[str] = []
        vat_category, vat_rate = charges[0].vat_category, charges[0].vat_rate
        if difference > 0:
            batch = create_charges(
                ctx,
                [
                    {
                        "reference": f"{contract.pk}:{start.isoformat()}",
                        "customer_id": contract.customer_id,
                        "description": f"{line.description}: settlement {start.isoformat()}..{end.isoformat()} "
                        f"(actual {actual}, advances {advances})",
                        "quantity": "1",
                        "unit_price": str(difference),
                        "vat_category": vat_category,
                        "vat_rate": str(vat_rate),
                        "period_start": start,
                        "period_end": end,
                        "contract_reference": contract.number,
                    }
                ],
                source_kind="settlement",
            )
            # The settlement is billed on the contract's payment terms and delivery channel.
            Charge.objects.filter(pk__in=[c.pk for c in batch.created]).update(
                payment_terms_days=contract.payment_terms_days, delivery_channel=contract.delivery_channel
            )
            drafted = invoicing.draft_from_charges(ctx, charge_ids=[c.pk for c in batch.created])
            if ctx.administration.requires_approval:
                invoicing.approve(ctx, list(drafted.invoice_ids))
            result = invoicing.issue_invoices(ctx, list(drafted.invoice_ids), issue_date=issue_date)
            if result.refused:
                raise Conflict(f"the settlement invoice was refused: {result.refused}")
            documents = [i.number for i in result.issued]
        elif difference < 0:
            documents = _credit(ctx, contract.number, charges, -difference, vat_category, vat_rate, issue_date)
        settlement.documents = documents
        settlement.save(update_fields=["documents"])
        return SettlementResult(settlement, documents)


def _credit(
    ctx: Context,
    number: str,
    charges: list[Charge],
    amount: Decimal,
    vat_category: str,
    vat_rate: Decimal,
    issue_date: date | None,
) -> list[str]:
    """Credit `amount` (net) on the advance invoices of the period, newest first."""
    documents: list[str] = []
    left = amount
    seen: set[int] = set()
    for charge in charges:
        invoice_line = getattr(charge, "invoice_line", None)
        if invoice_line is None or invoice_line.invoice_id in seen:
            continue
        seen.add(invoice_line.invoice_id)
        invoice = invoicing.get_invoice(ctx, invoice_line.invoice_id)
        creditable = sum((line.net_amount for line in invoice.lines.filter(Q(contract_reference=number))), Decimal(0))
        part = min(left, creditable)
        if part <= 0:
            continue
        credit = invoicing.create_credit_note(
            ctx,
            invoice.pk,
            {
                "amount": str(part),
                "vat_category": vat_category,
                "vat_rate": str(vat_rate),
                "reason": f"Settlement of advances {number}",
                "description": f"Settlement of advances {number}",
            },
        )
        if ctx.administration.requires_approval:
            invoicing.approve(ctx, [credit.pk])
        issued = invoicing.issue(ctx, credit.pk, issue_date=issue_date)
        documents.append(issued.number or "")
        left -= part
        if left <= 0:
            break
    if left > 0:
        raise Conflict(f"only {amount - left} of {amount} could be credited on the advance invoices")
    return documents
