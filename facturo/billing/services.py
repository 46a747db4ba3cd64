"""The billing run: preview, approval, then chunks of customers from charges to issued invoices.

A run belongs to an administration and a run date. Its preview is computed from the same
schedule the chunks bill from. Approval cuts the customers into chunks; each chunk is one
transaction (claim periods, create charges, draft by the contracts' grouping, approve when
the administration requires it, issue), so a chunk is done entirely or not at all. Workers
take pending chunks with row locks that skip locked rows, so several workers (processes,
machines) share one run; a run killed at any point resumes by taking the chunks still
pending, and numbering stays gapless because numbers are taken inside the chunk's
transaction."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from facturo.administrations.access import Action, Context, context_for
from facturo.contracts.charging import bill_contracts
from facturo.contracts.corrections import bill_corrections
from facturo.contracts.indexation import DueIndexation, IndexedPrice, due_indexations, index_in_memory
from facturo.contracts.models import BilledPeriod, Contract, GroupingPreference, UsageRate, UsageRecord
from facturo.contracts.schedule import (
    ContractRow,
    claimed_periods,
    customer_slices,
    due_periods,
    line_span,
    load_contracts,
    next_due,
)
from facturo.contracts.usage import attach_usage
from facturo.core.errors import FieldError
from facturo.db import bulk
from facturo.errors import Conflict, NotFound, ValidationFailed
from facturo.invoicing import services as invoicing
from facturo.parties.models import Customer

from . import run_extras
from .models import BillingRun, ChunkState, RunChunk, RunState

GROUPING_RULES = {
    GroupingPreference.OWN: invoicing.Grouping.PER_CONTRACT,
    GroupingPreference.CUSTOMER: invoicing.Grouping.PER_CUSTOMER,
    GroupingPreference.SITE: invoicing.Grouping.PER_SITE,
}
LIST_LIMIT = 1000
CHUNK_CUSTOMERS = 500
ASSESS_SLICE = 10_000  # contracts the assessment holds in memory at once


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


# --- assessment: what is due, what is not and why ------------------------------------------------


@dataclass
class Assessment:
    per_type: dict[str, dict[str, Any]]
    per_customer: dict[int, Decimal]
    periods: int
    amount: Decimal
    not_billed: list[dict[str, Any]]
    caught_up: list[dict[str, Any]]
    usage_records: int
    contracts_billed: int
    # The indexations due on the run date, and the prices the run will set by them (per
    # contract and day): the assessment prices the periods after them, as the run bills.
    indexations: list[DueIndexation] = field(default_factory=list)
    indexed: dict[int, dict[date, list[IndexedPrice]]] = field(default_factory=dict)


def assess(ctx: Context, run_date: date, contracts: list[ContractRow] | None = None) -> Assessment:
    """Every active contract × due period on `run_date`: what will be billed, and for each
    active contract that will not be, the reason."""
    per_type: dict[str, dict[str, Any]] = {}
    per_customer: dict[int, Decimal] = defaultdict(Decimal)
    not_billed: list[dict[str, Any]] = []
    caught_up: list[dict[str, Any]] = []
    periods = billed_contracts = 0
    amount = Decimal(0)
    usage = _usage_due(ctx, run_date)
    indexations = due_indexations(ctx, run_date)
    due_for: dict[int, list[DueIndexation]] = defaultdict(list)
    for due in indexations:
        due_for[due.contract_id].append(due)
    indexed: dict[int, dict[date, list[IndexedPrice]]] = {}
    for contract, claimed in _with_claims(ctx, contracts):
        if contract.start_date > run_date:
            continue
        if contract.id in due_for:
            indexed[contract.id] = index_in_memory(contract, due_for[contract.id])
        ended = contract.last_day is not None and contract.last_day < run_date
        contract_amount = Decimal(0)
        reasons: list[str] = []
        for line in contract.lines:
            dues = due_periods(contract, line, run_date, claimed.get(line.id, set()))
            for due in dues:
                if due.skip_reason:
                    reasons.append(f"line {line.position} {due.period}: {due.skip_reason}")
                    continue
                periods += 1
                contract_amount += due.amount
                if due.caught_up:
                    caught_up.append(
                        {
                            "contract": contract.number,
                            "line": line.position,
                            "period_start": due.period.start.isoformat(),
                            "period_end": due.period.end.isoformat(),
                            "amount": _money(due.amount),
                        }
                    )
            if not dues:
                first, last = line_span(contract, line)
                following = next_due(contract, line, run_date)
                if last is not None and last < first:
                    reasons.append(f"line {line.position}: never active")
                elif following is not None:
                    reasons.append(f"line {line.position}: billed through its current period; next due {following}")
                else:
                    reasons.append(f"line {line.position}: ended {last}, fully billed")
        usage_amount = usage.get(contract.id, Decimal(0))
        contract_amount += usage_amount
        if contract_amount:
            billed_contracts += 1
            amount += contract_amount
            per_customer[contract.customer_id] += contract_amount
            entry = per_type.setdefault(
                contract.type_code, {"name": contract.type_name, "amount": Decimal(0), "contracts": 0}
            )
            entry["amount"] += contract_amount
            entry["contracts"] += 1
        elif not ended:
            not_billed.append(
                {
                    "contract": contract.number,
                    "contract_id": contract.id,
                    "customer_id": contract.customer_id,
                    "type": contract.type_code,
                    "reason": "; ".join(reasons) or "no lines",
                }
            )
    return Assessment(
        per_type,
        dict(per_customer),
        periods,
        amount,
        not_billed,
        caught_up,
        _usage_count(ctx, run_date),
        billed_contracts,
        indexations,
        indexed,
    )


def _with_claims(
    ctx: Context, contracts: list[ContractRow] | None
) -> Iterator[tuple[ContractRow, dict[int, set[date]]]]:
    """The contracts (by default all of the administration's, read a slice of customers at a
    time so that memory stays bounded however many there are), each with the claimed periods
    of its slice."""
    slices: Iterable[list[ContractRow]]
    if contracts is not None:
        slices = [contracts]
    else:
        admin_id = ctx.administration.pk
        slices = (load_contracts(admin_id, customers=span) for span in customer_slices(admin_id, ASSESS_SLICE))
    for rows in slices:
        claimed = claimed_periods([line.id for c in rows for line in c.lines])
        for contract in rows:
            yield contract, claimed


def _usage_due(ctx: Context, run_date: date) -> dict[int, Decimal]:
    """Unbilled usage per contract, rated the way the run rates it."""
    from facturo.contracts.charging import rate_record
    from facturo.core.rating import public_holiday

    country = ctx.administration.country
    is_holiday = public_holiday(country) if country in ("NL", "BE", "PL") else (lambda _d: False)
    records = list(
        UsageRecord.objects.filter(
            administration=ctx.administration, billed=False, day__lte=run_date, contract__isnull=False
        )
    )
    if not records:
        return {}
    rates = {
        (r.contract_id, r.kind): r
        for r in UsageRate.objects.filter(contract_id__in=sorted({r.contract_id for r in records}))
    }
    result: dict[int, Decimal] = defaultdict(Decimal)
    for record in records:
        rate = rates.get((record.contract_id, record.kind))
        if rate is None:
            continue
        for _, _, quantity, price in rate_record(record, rate, is_holiday):
            result[record.contract_id] += (quantity * price).quantize(Decimal("0.01"))
    return result


def _usage_count(ctx: Context, run_date: date) -> int:
    return UsageRecord.objects.filter(
        administration=ctx.administration, billed=False, day__lte=run_date, contract__isnull=False
    ).count()


def _previous_run(ctx: Context, before: int | None = None) -> BillingRun | None:
    """The last finished run that billed something: the previous period to compare with."""
    query = BillingRun.objects.filter(administration=ctx.administration, state=RunState.DONE, charges__gt=0)
    if before is not None:
        query = query.filter(pk__lt=before)
    return query.order_by("-run_date", "-id").first()


def preview_data(ctx: Context, run_date: date) -> dict[str, Any]:
    """Totals per contract type and customer, the change against the previous run, the
    contracts not billed with their reasons and the caught-up periods, as JSON-ready data."""
    assessment = assess(ctx, run_date)
    previous = _previous_run(ctx)
    prev_type: dict[str, Decimal] = {}
    prev_customer: dict[int, Decimal] = {}
    if previous is not None:
        billed = BilledPeriod.objects.filter(administration=ctx.administration, run_id=previous.pk, state="billed")
        prev_type = {
            r["contract__type__code"]: r["s"] for r in billed.values("contract__type__code").annotate(s=Sum("amount"))
        }
        prev_customer = {
            r["contract__customer_id"]: r["s"] for r in billed.values("contract__customer_id").annotate(s=Sum("amount"))
        }
    top = sorted(assessment.per_customer.items(), key=lambda kv: (-kv[1], kv[0]))[:200]
    names = {
        c.pk: (c.number, c.name) for c in Customer.objects.filter(pk__in=[k for k, _ in top]).only("number", "name")
    }
    numbers = {
        c["id"]: c["number"]
        for c in Customer.objects.filter(pk__in=[n["customer_id"] for n in assessment.not_billed[:LIST_LIMIT]]).values(
            "id", "number"
        )
    }
    return {
        "run_date": run_date.isoformat(),
        "previous_run": {"id": previous.pk, "run_date": previous.run_date.isoformat()} if previous else None,
        "total": _money(assessment.amount),
        "periods": assessment.periods,
        "contracts": assessment.contracts_billed,
        "customers": len(assessment.per_customer),
        "usage_records": assessment.usage_records,
        "per_type": [
            {
                "type": code,
                "name": values["name"],
                "contracts": values["contracts"],
                "amount": _money(values["amount"]),
                "previous": _money(prev_type.get(code, Decimal(0))) if previous else None,
                "change": _money(values["amount"] - prev_type.get(code, Decimal(0))) if previous else None,
            }
            for code, values in sorted(assessment.per_type.items())
        ],
        "per_customer": [
            {
                "customer_id": customer_id,
                "number": names.get(customer_id, ("", ""))[0],
                "name": names.get(customer_id, ("", ""))[1],
                "amount": _money(value),
                "previous": _money(prev_customer.get(customer_id, Decimal(0))) if previous else None,
            }
            for customer_id, value in top
        ],
        "not_billed_count": len(assessment.not_billed),
        "not_billed": [
            {**n, "customer": numbers.get(n["customer_id"], "")} for n in assessment.not_billed[:LIST_LIMIT]
        ],
        "usage_without_contract": UsageRecord.objects.filter(
            administration=ctx.administration, billed=False, contract__isnull=True
        ).count(),
        "caught_up_count": len(assessment.caught_up),
        "caught_up": assessment.caught_up[:LIST_LIMIT],
        **run_extras.preview(ctx, run_date, assessment.indexations, assessment.indexed),
    }


# --- runs ----------------------------------------------------------------------------------------


def get_run(ctx: Context, run_id: int) -> BillingRun:
    ctx.require(Action.VIEW)
    run = BillingRun.objects.filter(administration=ctx.administration, pk=run_id).first()
    if run is None:
        raise NotFound(f"billing run {run_id} not found")
    return run


def runs(ctx: Context) -> Any:
    ctx.require(Action.VIEW)
    return BillingRun.objects.filter(administration=ctx.administration).order_by("-id")


def start_run(ctx: Context, run_date: date) -> BillingRun:
    """A run in preview. Only one run per administration is open at a time."""
    ctx.require(Action.DRAFT_INVOICES)
    latest = BillingRun.objects.filter(administration=ctx.administration, state=RunState.DONE).order_by("-run_date")
    last = latest.first()
    if last is not None and run_date < last.run_date:
        raise ValidationFailed(
            [FieldError("run_date", f"is before the last run's date {last.run_date.isoformat()}; runs go forward")]
        )
    attach_usage(ctx)  # usage kept without a contract, whose site a contract covers now
    preview = preview_data(ctx, run_date)
    try:
        with transaction.atomic():
            return BillingRun.objects.create(
                administration=ctx.administration,
                run_date=run_date,
                preview=preview,
                created_by=ctx.user if ctx.user.is_authenticated else None,
            )
    except IntegrityError:
        open_run = BillingRun.objects.filter(
            administration=ctx.administration, state__in=[RunState.PREVIEW, RunState.APPROVED, RunState.RUNNING]
        ).first()
        raise Conflict(f"{open_run} is still open; finish or cancel it first") from None


def cancel_run(ctx: Context, run_id: int) -> BillingRun:
    ctx.require(Action.DRAFT_INVOICES)
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=get_run(ctx, run_id).pk)
        if run.state != RunState.PREVIEW:
            raise Conflict(f"{run} is {run.state}; only a preview can be cancelled")
        run.state = RunState.CANCELLED
        run.save(update_fields=["state"])
        return run


def approve_run(
    ctx: Context, run_id: int, *, enqueue: bool = True, chunk_customers: int = CHUNK_CUSTOMERS
) -> BillingRun:
    """Approve the preview: cut the customers into chunks and (by default) queue one task
    per chunk for the workers."""
    ctx.require(Action.ISSUE_INVOICES)
    if ctx.administration.requires_approval:
        ctx.require(Action.APPROVE_INVOICES)
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=get_run(ctx, run_id).pk)
        if run.state != RunState.PREVIEW:
            raise Conflict(f"{run} is {run.state}; only a preview can be approved")
        customers = list(
            Contract.objects.filter(administration=ctx.administration, start_date__lte=run.run_date)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
            .distinct()
        )
        with_usage = (
            UsageRecord.objects.filter(
                administration=ctx.administration, billed=False, day__lte=run.run_date, contract__isnull=False
            )
            .values_list("contract__customer_id", flat=True)
            .distinct()
        )
        customers = sorted({*customers, *with_usage})
        chunks = [
            RunChunk(run=run, index=index, first_customer=part[0], last_customer=part[-1])
            for index, part in enumerate(
                customers[i : i + chunk_customers] for i in range(0, len(customers), chunk_customers)
            )
        ]
        RunChunk.objects.bulk_create(chunks)
        run.state = RunState.RUNNING if chunks else RunState.DONE
        run.approved_at, run.approved_by = timezone.now(), ctx.user if ctx.user.is_authenticated else None
        run.chunks_total = len(chunks)
        if not chunks:
            run.finished_at = timezone.now()
        run.save()
    if enqueue and chunks:
        from .tasks import run_chunk

        for chunk in chunks:
            transaction.on_commit(lambda chunk_id=chunk.pk: run_chunk.enqueue(run.pk, chunk_id))
    return run


def _run_context(run: BillingRun) -> Context:
    user = get_user_model().objects.get(pk=run.approved_by_id)
    return context_for(user, run.administration_id)


def process_chunk(run_id: int, chunk_id: int, *, on_done: Callable[[RunChunk], None] | None = None) -> bool:
    """Do one pending chunk of a running run; False when it is done or another worker holds it."""
    run = BillingRun.objects.select_related("administration").get(pk=run_id)
    if run.state != RunState.RUNNING:
        return False
    ctx = _run_context(run)
    failure: Exception | None = None
    with transaction.atomic():
        # Only the chunk's own row: ordered by the model's default (run, index), the query
        # would join the run and lock its row too, which every chunk in progress holds, so a
        # second worker would skip every chunk and stop while the first worked alone.
        chunk = (
            RunChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=chunk_id, run_id=run_id, state=ChunkState.PENDING)
            .order_by()
            .first()
        )
        if chunk is None:
            return False
        try:
            with transaction.atomic():
                _bill_chunk(ctx, run, chunk)
        except (Conflict, ValidationFailed) as exc:
            # Everything the chunk did is rolled back; it stays pending with the reason, for
            # the progress screens, and a later `work` retries it once the cause is fixed.
            failure = exc
            RunChunk.objects.filter(pk=chunk.pk).update(error=str(exc)[:2000])
    if failure is not None:
        raise failure
    if on_done is not None:
        on_done(chunk)
    return True


def _bill_chunk(ctx: Context, run: BillingRun, chunk: RunChunk) -> None:
    span = Q(customer_id__gte=chunk.first_customer, customer_id__lte=chunk.last_customer)
    run_extras.prepare(ctx, run.run_date, span)
    contracts = load_contracts(ctx.administration.pk, customers=(chunk.first_customer, chunk.last_customer))
    currency = dict(
        Customer.objects.filter(pk__gte=chunk.first_customer, pk__lte=chunk.last_customer).values_list("id", "currency")
    )
    billed = bill_contracts(ctx, contracts, run.run_date, run.pk, currency)
    corrected = bill_corrections(ctx, contracts, run.run_date, run.pk, currency)
    for preference, ids in corrected.charge_ids.items():
        billed.charge_ids[preference] += ids
    invoice_ids: list[int] = []
    for preference, charge_ids in billed.charge_ids.items():
        if charge_ids:
            drafted = invoicing.draft_from_charges(
                ctx, GROUPING_RULES[GroupingPreference(preference)], charge_ids=charge_ids, chunk_customers=100000
            )
            invoice_ids += drafted.invoice_ids
    if invoice_ids and ctx.administration.requires_approval:
        invoicing.approve(ctx, invoice_ids)
    result = invoicing.issue_invoices(ctx, invoice_ids, issue_date=run.run_date, chunk_size=max(len(invoice_ids), 1))
    refused = {str(k): v for k, v in result.refused.items()}
    issued = len(result.issued) + len(corrected.credit_notes)
    chunk.state, chunk.invoices, chunk.charges = ChunkState.DONE, issued, billed.charges
    chunk.finished_at, chunk.error = timezone.now(), ""
    chunk.save(update_fields=["state", "invoices", "charges", "finished_at", "error"])
    BillingRun.objects.filter(pk=run.pk).update(
        chunks_done=F("chunks_done") + 1,
        invoices=F("invoices") + issued,
        charges=F("charges") + billed.charges,
    )
    if refused or corrected.notes:
        locked = BillingRun.objects.select_for_update().get(pk=run.pk)
        locked.refused = {**locked.refused, **refused}
        locked.correction_notes = [*locked.correction_notes, *corrected.notes][:LIST_LIMIT]
        locked.save(update_fields=["refused", "correction_notes"])
    if not RunChunk.objects.filter(run_id=run.pk, state=ChunkState.PENDING).exists():
        BillingRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
            state=RunState.DONE, finished_at=timezone.now()
        )


def work(run_id: int, *, progress: Callable[[RunChunk], None] | None = None, limit: int | None = None) -> int:
    """Take pending chunks of a run until none is left (or `limit` chunks are done): what a
    CLI worker does; returns how many chunks this worker did."""
    done = 0
    while limit is None or done < limit:
        pending = list(
            RunChunk.objects.filter(run_id=run_id, state=ChunkState.PENDING)
            .order_by("index")
            .values_list("pk", flat=True)
        )
        if not pending:
            break
        took = False
        for chunk_id in pending:
            if process_chunk(run_id, chunk_id, on_done=progress):
                done += 1
                took = True
                if done == 1:
                    _refresh_statistics()
                if limit is not None and done >= limit:
                    break
        if not took:
            break
    return done


def _refresh_statistics() -> None:
    """On PostgreSQL, refresh the planner's statistics of the invoices after a worker's first
    chunk (between chunks, never inside one). A fresh administration's run grows the issued
    invoices from nothing before autovacuum looks; planned on "no issued invoices", the check
    on new invoice lines walks every issued invoice per line and chunks slow down tenfold.
    Once sampled, the estimates scale with the table's size."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoicing_invoice")


@dataclass(frozen=True)
class Progress:
    state: str
    chunks_done: int
    chunks_total: int
    invoices: int
    charges: int
    errors: tuple[str, ...] = ()

    @property
    def percent(self) -> int:
        return 100 if not self.chunks_total else int(100 * self.chunks_done / self.chunks_total)


def progress(ctx: Context, run_id: int) -> Progress:
    run = get_run(ctx, run_id)
    errors = tuple(
        f"chunk {index}: {error}"
        for index, error in RunChunk.objects.filter(run=run, state=ChunkState.PENDING)
        .exclude(error="")
        .values_list("index", "error")[:20]
    )
    return Progress(run.state, run.chunks_done, run.chunks_total, run.invoices, run.charges, errors)


def completeness(ctx: Context, run_id: int) -> dict[str, Any]:
    """After a run: every active contract × period due on the run date, invoiced, skipped
    (with its reason) or not billed (with its reason). Nothing is silently missed."""
    run = get_run(ctx, run_id)
    periods = BilledPeriod.objects.filter(administration=ctx.administration, run_id=run.pk)
    counts = {r["state"]: r["n"] for r in periods.values("state").annotate(n=Count("id"))}
    skipped = list(
        periods.filter(state="skipped")
        .values("contract__number", "line__position", "period_start", "period_end", "reason")
        .order_by("contract__number", "period_start")[:LIST_LIMIT]
    )
    remaining = assess(ctx, run.run_date)
    return {
        "run": run.pk,
        "invoiced_periods": counts.get("billed", 0),
        "skipped_periods": counts.get("skipped", 0),
        "caught_up_periods": periods.filter(caught_up=True).count(),
        "skipped": [
            {
                "contract": s["contract__number"],
                "line": s["line__position"],
                "period": f"{s['period_start'].isoformat()}..{s['period_end'].isoformat()}",
                "reason": s["reason"],
            }
            for s in skipped
        ],
        # Still due after the run (e.g. an inactive customer): deferred, with the reason.
        "still_due_periods": remaining.periods,
        "not_billed_count": len(remaining.not_billed),
        "not_billed": remaining.not_billed[:LIST_LIMIT],
        "refused": run.refused,
        # Invoiced periods not corrected (their change stays pending) or credited in part.
        "corrections": run.correction_notes,
    }


def periods_of(contract_ids: list[int]) -> dict[int, list[Any]]:
    """Billed periods per contract (for the contract card)."""
    result: dict[int, list[Any]] = defaultdict(list)
    for row in bulk.fetch(
        BilledPeriod.objects.filter(contract_id__in=contract_ids).order_by("period_start", "line_id"),
        "contract_id",
        "line_id",
        "period_start",
        "period_end",
        "state",
        "reason",
        "caught_up",
        "run_id",
        "amount",
    ):
        result[row.contract_id].append(row)
    return result
