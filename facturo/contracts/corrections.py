"""Correcting invoiced periods after a retroactive change (annex, termination, suspension,
indexation taking effect inside a period that was already invoiced).

For each such period the schedule computes again what the period is worth under the
contract's current terms, with the contract type's proration; the difference with what was
invoiced (and corrected before) is settled once: a credit note on the original invoice for
what is no longer due, a correction charge (invoiced by the run like any charge) for what is
due on top. Each correction row is unique per change, line and period, and the change is
marked corrected in the same transaction, so a run repeated or taken twice corrects nothing
twice. The pure part (`corrections_for`) is what the preview shows and the run bills."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from facturo.administrations.access import Context
from facturo.catalog.services import RateTable
from facturo.charges.models import Charge, ChargeState
from facturo.charges.services import unique_key
from facturo.core.periods import Period
from facturo.db import bulk
from facturo.errors import Conflict, ValidationFailed

from .models import BilledPeriod, PeriodCorrection, RetroactiveChange
from .schedule import ContractRow, DuePeriod, LineRow, due_periods

CORRECTION_SOURCE = "correction"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class BilledRow:
    """An invoiced (or skipped) period of a line and what it came to so far."""

    period: Period
    amount: Decimal


@dataclass
class DueCorrection:
    contract: ContractRow
    line: LineRow
    period: Period
    billed: Decimal
    due: Decimal
    version: int

    @property
    def amount(self) -> Decimal:
        return self.due - self.billed


def period_now(contract: ContractRow, line: LineRow, period: Period, billed_starts: Sequence[date]) -> DuePeriod | None:
    """The period as the schedule computes it today (None when nothing of it is due any more,
    e.g. it lies wholly after a termination)."""
    # The schedule starts after the latest claimed period: claiming the earlier ones makes it
    # compute just this period onwards. A day after the period's end, it is due either way.
    earlier = {start for start in billed_starts if start < period.start}
    for due in due_periods(contract, line, period.end + timedelta(days=1), earlier):
        if due.period.start == period.start:
            return due
    return None


def corrections_for(
    contract: ContractRow, since: date, billed: dict[int, list[BilledRow]], version: int
) -> list[DueCorrection]:
    """The contract's invoiced periods ending on or after `since` whose worth changed."""
    result: list[DueCorrection] = []
    for line in contract.lines:
        rows = billed.get(line.id, [])
        starts = [r.period.start for r in rows]
        for row in rows:
            if row.period.end < since:
                continue
            now = period_now(contract, line, row.period, starts)
            due = now.amount if now is not None else Decimal(0)
            if due != row.amount:
                result.append(DueCorrection(contract, line, row.period, row.amount, due, version))
    return result


def pending_changes(contract_ids: Sequence[int]) -> dict[int, list[RetroactiveChange]]:
    pending: dict[int, list[RetroactiveChange]] = defaultdict(list)
    if not contract_ids:
        return pending
    for change in RetroactiveChange.objects.filter(bulk.among("contract_id", sorted(contract_ids)), run_id=None):
        pending[change.contract_id].append(change)
    return pending


def billed_rows(contract_ids: Sequence[int]) -> dict[int, list[BilledRow]]:
    """Per line, its claimed periods with what they came to (corrections included); all of
    them, as `period_now` needs every claimed start of the line."""
    corrected = {
        (r["line_id"], r["period_start"]): r["s"]
        for r in PeriodCorrection.objects.filter(bulk.among("contract_id", sorted(contract_ids)))
        .values("line_id", "period_start")
        .annotate(s=Sum("amount"))
    }
    result: dict[int, list[BilledRow]] = defaultdict(list)
    for r in (
        BilledPeriod.objects.filter(bulk.among("contract_id", sorted(contract_ids)))
        .order_by("line_id", "period_start")
        .values_list("line_id", "period_start", "period_end", "amount")
    ):
        line_id, start, end, amount = r
        result[line_id].append(BilledRow(Period(start, end), amount + corrected.get((line_id, start), Decimal(0))))
    return result


def due_corrections(contracts: Sequence[ContractRow]) -> tuple[list[DueCorrection], dict[int, list[RetroactiveChange]]]:
    """Every correction the pending retroactive changes of `contracts` call for."""
    pending = pending_changes([c.id for c in contracts])
    if not pending:
        return [], pending
    since = {cid: min(c.effective_from for c in changes) for cid, changes in pending.items()}
    billed = billed_rows(sorted(pending))
    result: list[DueCorrection] = []
    for contract in contracts:
        changes = pending.get(contract.id)
        if changes:
            version = max(c.version for c in changes)
            result += corrections_for(contract, since[contract.id], billed, version)
    return result, pending


def preview(contracts: Sequence[ContractRow]) -> list[dict[str, str | int]]:
    """The corrections the run will make, JSON-ready, for the run's preview."""
    found, pending = due_corrections(contracts)
    reasons = {cid: "; ".join(c.description for c in changes) for cid, changes in pending.items()}
    return [
        {
            "contract": c.contract.number,
            "line": c.line.position,
            "period_start": c.period.start.isoformat(),
            "period_end": c.period.end.isoformat(),
            "billed": str(c.billed),
            "due": str(c.due),
            "amount": str(c.amount),
            "kind": "credit" if c.amount < 0 else "charge",
            "version": c.version,
            "reason": reasons.get(c.contract.id, "")[:300],
        }
        for c in found
    ]


@dataclass
class CorrectionResult:
    charge_ids: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    credit_notes: list[str] = field(default_factory=list)
    corrections: int = 0
    # Contract × period the run could not correct, or credited in part, with the reason: for
    # the run's completeness report.
    notes: list[dict[str, str | int]] = field(default_factory=list)

    @property
    def charges(self) -> int:
        return sum(len(ids) for ids in self.charge_ids.values())

    def add(self, other: "CorrectionResult") -> None:
        for preference, ids in other.charge_ids.items():
            self.charge_ids[preference] += ids
        self.credit_notes += other.credit_notes
        self.corrections += other.corrections
        self.notes += other.notes


def _note(correction: DueCorrection, reason: str) -> dict[str, str | int]:
    period = correction.period
    return {
        "contract": correction.contract.number,
        "line": correction.line.position,
        "period": f"{period.start.isoformat()}..{period.end.isoformat()}",
        "reason": reason[:500],
    }


def _original_charge(line_id: int, period: Period) -> Charge | None:
    """The invoiced charge of the period's last piece: the invoice line a correction points at."""
    return (
        Charge.objects.filter(
            source_kind="contract",
            source_id__startswith=f"{line_id}.v",
            period_start__gte=period.start,
            period_end__lte=period.end,
        )
        .select_related("invoice_line__invoice")
        .order_by("-period_start", "-id")
        .first()
    )


def bill_corrections(
    ctx: Context, contracts: Sequence[ContractRow], run_date: date, run_id: int | None, currency: dict[int, str]
) -> CorrectionResult:
    """Correct the invoiced periods of `contracts` touched by pending retroactive changes
    (inside the caller's transaction): credit notes are issued here, extra charges are
    returned per grouping preference for the run to invoice.

    Each contract is corrected in a savepoint of its own: when one of its periods cannot be
    corrected (its invoice is not issued, no VAT rate), its corrections are rolled back and
    noted with the reason, its changes stay pending for a later run, and the other contracts
    of the chunk are corrected and billed."""
    result = CorrectionResult()
    found, pending = due_corrections(contracts)
    if not pending:
        return result
    latest = {cid: max(changes, key=lambda c: c.pk) for cid, changes in pending.items()}
    rates = RateTable(ctx.administration.country)
    per_contract: dict[int, list[DueCorrection]] = defaultdict(list)
    for correction in found:
        per_contract[correction.contract.id].append(correction)
    corrected: list[int] = []
    for contract_id in sorted(pending):
        attempt = CorrectionResult()
        try:
            with transaction.atomic():
                for correction in per_contract.get(contract_id, []):
                    _correct(ctx, correction, latest[contract_id], run_date, run_id, rates, currency, attempt)
        except (Conflict, ValidationFailed) as exc:
            result.notes += [
                _note(c, f"not corrected: {exc}; the change stays pending for the next run")
                for c in per_contract[contract_id]
            ]
            continue
        result.add(attempt)
        corrected.append(contract_id)
    changes = [c.pk for contract_id in corrected for c in pending[contract_id]]
    if RetroactiveChange.objects.filter(pk__in=changes, run_id=None).update(run_id=run_id or 0) != len(changes):
        raise Conflict("these changes were corrected at the same moment by another run; run again")
    return result


def _correct(
    ctx: Context,
    correction: DueCorrection,
    change: RetroactiveChange,
    run_date: date,
    run_id: int | None,
    rates: RateTable,
    currency: dict[int, str],
    result: CorrectionResult,
) -> None:
    contract, line, period = correction.contract, correction.line, correction.period
    original = _original_charge(line.id, period)
    invoice_line = getattr(original, "invoice_line", None) if original is not None else None
    row = PeriodCorrection(
        administration_id=ctx.administration.pk,
        change=change,
        contract_id=contract.id,
        line_id=line.id,
        period_start=period.start,
        period_end=period.end,
        billed=correction.billed,
        due=correction.due,
        amount=correction.amount,
        version=correction.version,
        original_invoice=invoice_line.invoice.number or "" if invoice_line is not None else "",
        original_line_id=invoice_line.pk if invoice_line is not None else None,
        run_id=run_id,
    )
    what = (
        f"{line.description}: correction {period.start.isoformat()}..{period.end.isoformat()} "
        f"(contract {contract.number} v{correction.version}"
    )
    if invoice_line is not None:
        what += f", invoice {row.original_invoice} line {invoice_line.position}"
    what = f"{what})"[:300]
    if correction.amount < 0:
        if invoice_line is None or original is None:
            raise Conflict(
                f"contract {contract.number} line {line.position}: the period {period} is to be credited, "
                "but its invoice is not issued yet"
            )
        row.credit_note = _credit(ctx, correction, original, invoice_line.invoice, change, what, run_date, result)
    else:
        vat_rate = original.vat_rate if original is not None else None
        if vat_rate is None:
            vat_rate = rates.rate(line.vat_category, line.vat_kind, period.start)
        if vat_rate is None:
            raise Conflict(f"contract {contract.number} line {line.position}: no VAT rate on {period.start}")
        sid = f"{line.id}.v{correction.version}.c{change.pk}"
        charge = Charge.objects.create(
            administration_id=ctx.administration.pk,
            customer_id=contract.customer_id,
            item_id=line.item_id,
            description=what,
            quantity=Decimal(1),
            unit="C62",
            unit_price=correction.amount,
            currency=currency.get(contract.customer_id, "EUR"),
            vat_category=original.vat_category if original is not None else line.vat_category,
            vat_rate=vat_rate,
            period_start=period.start,
            period_end=period.end,
            contract_reference=contract.number,
            payment_terms_days=contract.payment_terms_days,
            delivery_channel=contract.delivery_channel,
            source_kind=CORRECTION_SOURCE,
            source_id=sid,
            unique_key=unique_key(CORRECTION_SOURCE, sid, period.start, period.end),
            state=ChargeState.OPEN,
        )
        row.charge_id = charge.pk
        result.charge_ids[contract.grouping].append(charge.pk)
    row.save()  # unique per change, line and period: a second attempt fails and rolls back
    result.corrections += 1


def _credit(
    ctx: Context,
    correction: DueCorrection,
    original: Charge,
    invoice: Any,
    change: RetroactiveChange,
    what: str,
    run_date: date,
    result: CorrectionResult,
) -> str:
    """Credit what the period is no longer worth on its invoice, but never more than the
    invoice still holds: credit notes made by hand before count. The part a hand credit
    already gave back is not credited twice (nor charged back: a credit by hand is a person's
    decision); the period is corrected either way, and a short credit is noted for the
    report. Returns the credit note's number ("" when nothing was left to credit)."""
    from facturo.invoicing import services as invoicing

    wanted = -correction.amount
    # Locked before reading what is left, as the credit note locks it: a credit made by hand
    # meanwhile is counted, not refused halfway.
    invoice = invoicing.get_invoice(ctx, invoice.pk, for_update=True)
    creditable = invoicing.creditable_net(invoice, original.vat_rate)
    amount = min(wanted, creditable)
    number = ""
    if amount > 0:
        credit = invoicing.create_credit_note(
            ctx,
            invoice.pk,
            {
                "amount": str(amount),
                "vat_category": original.vat_category,
                "vat_rate": str(original.vat_rate),
                "reason": change.description,
                "description": what,
            },
        )
        if ctx.administration.requires_approval:
            invoicing.approve(ctx, [credit.pk])
        number = invoicing.issue(ctx, credit.pk, issue_date=run_date).number or ""
        result.credit_notes.append(number)
    if amount < wanted:
        held = f"only {amount} was left to credit" if amount > 0 else "nothing was left to credit"
        result.notes.append(
            _note(
                correction,
                f"{wanted} no longer due; invoice {invoice.number} was credited before (by hand) and {held}: "
                f"{wanted - amount} not credited again",
            )
        )
    return number
