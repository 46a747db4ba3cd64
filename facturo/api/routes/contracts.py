"""Contracts, usage and billing runs over the API; the services hold every rule."""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from facturo.billing import services as billing
from facturo.billing import settlement
from facturo.contracts import alerts as contract_alerts
from facturo.contracts import renewal, services
from facturo.contracts import usage as usage_services
from facturo.contracts.models import Contract

from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import DateIn, DecimalIn, Id, In, VatCategoryIn
from .common import context, errors

router = Router(tags=["contracts"])

FrequencyIn = Literal["monthly", "quarterly", "half_yearly", "yearly", "every_n_months"]
UsageKindIn = Literal["guard_hours", "pickup", "delivery", "callout"]


class ContractLineIn(In):
    item: str | None = Field(None, description="Item code")
    description: str | None = None
    quantity: DecimalIn | None = None
    unit_price: DecimalIn | None = None
    vat_category: VatCategoryIn | None = None
    site: str | None = Field(None, description="Site code")
    frequency: FrequencyIn | None = None
    every_months: int | None = Field(None, ge=1, le=120)
    timing: Literal["advance", "arrears"] | None = None
    alignment: Literal["calendar", "anniversary"] | None = None
    first_billing_date: DateIn | None = None
    start_date: DateIn | None = None
    end_date: DateIn | None = None


class SuspensionIn(In):
    start_date: DateIn
    end_date: DateIn
    reason: str = Field(max_length=200)


class UsageRateIn(In):
    kind: UsageKindIn
    item: str | None = None
    description: str | None = None
    rate: DecimalIn
    night_rate: DecimalIn | None = None
    weekend_rate: DecimalIn | None = None
    holiday_rate: DecimalIn | None = None
    minimum_charge: DecimalIn | None = None


class ContractIn(In):
    number: str | None = Field(None, max_length=30)
    customer: str | None = Field(None, description="Customer number (or customer_id)")
    customer_id: Id | None = None
    type: str = Field(description="Contract type code, e.g. maintenance, monitoring, rent")
    description: str | None = None
    start_date: DateIn
    end_date: DateIn | None = None
    notice_months: int | None = Field(None, ge=0, le=120)
    auto_renew: bool | None = None
    renewal_months: int | None = Field(None, ge=1, le=120)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    delivery_channel: Literal["email", "peppol", "print"] | None = None
    grouping: Literal["own", "customer", "site"] | None = None
    responsible: str | None = Field(None, description="Username who gets the alerts by e-mail")
    indexation: Literal["percentage", "index"] | None = None
    indexation_percent: DecimalIn | None = None
    indexation_series: str | None = None
    indexation_month: int | None = Field(None, ge=1, le=12)
    sites: list[str] = Field(default_factory=list, max_length=1000)
    lines: list[ContractLineIn] = Field(max_length=500)
    suspensions: list[SuspensionIn] = Field(default_factory=list, max_length=100)
    usage_rates: list[UsageRateIn] = Field(default_factory=list, max_length=10)


class LineChangeIn(In):
    line: int = Field(ge=1, le=100000)
    unit_price: DecimalIn | None = None
    quantity: DecimalIn | None = None
    site: str | None = None


class AnnexIn(In):
    effective_from: DateIn
    description: str = Field(max_length=300)
    changes: list[LineChangeIn] = Field(default_factory=list, max_length=500)
    remove: list[int] = Field(default_factory=list, max_length=500)
    lines: list[ContractLineIn] = Field(default_factory=list, max_length=500)
    sites: list[str] = Field(default_factory=list, max_length=1000)


class TerminateIn(In):
    termination_date: DateIn
    reason: str = Field(max_length=200)


class TermsOut(Schema):
    version: int
    effective_from: date
    quantity: str
    unit_price: str
    site: str
    is_removed: bool


class LineOut(Schema):
    position: int
    description: str
    frequency: str
    timing: str
    alignment: str
    vat_category: str
    terms: list[TermsOut]


class AnnexOut(Schema):
    version: int
    effective_from: date
    description: str


class ContractOut(Schema):
    id: int
    number: str
    customer: str
    type: str
    start_date: date
    end_date: date | None
    termination_date: date | None
    termination_reason: str
    version: int
    grouping: str
    payment_terms_days: int | None = Field(None, description="Days after the invoice date; null = customer's")
    delivery_channel: str = Field("", description="Empty = the customer's channel")
    lines: list[LineOut]
    annexes: list[AnnexOut]
    sites: list[str]


class ContractSummary(Schema):
    id: int
    number: str
    customer: str
    type: str
    start_date: date
    last_day: date | None
    version: int


class UsageRowIn(In):
    reference: str = Field(max_length=60)
    contract: str | None = None
    site: str
    kind: UsageKindIn
    date: DateIn
    start: str | None = Field(None, description="HH:MM")
    end: str | None = Field(None, description="HH:MM")
    quantity: DecimalIn | None = None
    card: str | None = None
    note: str | None = None


class UsageBatchIn(In):
    rows: list[UsageRowIn] = Field(max_length=10000)


class UsageBatchOut(Schema):
    created: int
    already_present: list[str]


class RunIn(In):
    run_date: DateIn


class RunOut(Schema):
    id: int
    run_date: date
    state: str
    chunks_done: int
    chunks_total: int
    invoices: int
    charges: int
    preview: dict[str, Any]


class AlertOut(Schema):
    kind: str
    due: date
    subject: str
    message: str


class AlertsOut(Schema):
    data: list[AlertOut]


class CompletenessOut(Schema):
    run: int
    invoiced_periods: int
    skipped_periods: int
    caught_up_periods: int
    still_due_periods: int
    not_billed_count: int
    skipped: list[dict[str, Any]]
    not_billed: list[dict[str, Any]]
    refused: dict[str, str]
    corrections: list[dict[str, Any]] = Field(
        description="Invoiced periods not corrected (the change stays pending) or credited in part, with the reason"
    )


class RenewIn(In):
    months: int | None = Field(None, ge=1, le=120, description="The term; default: the contract's renewal term")


class CorrectionOut(Schema):
    line: int
    period_start: date
    period_end: date
    version: int
    billed: str
    due: str
    amount: str = Field(description="due - billed: negative is credited, positive charged")
    reason: str
    original_invoice: str
    original_line_id: int | None
    credit_note: str
    charge_id: int | None
    run_id: int | None


class PendingChangeOut(Schema):
    kind: str
    effective_from: date
    version: int
    description: str


class CorrectionsOut(Schema):
    data: list[CorrectionOut]
    pending: list[PendingChangeOut] = Field(description="Changes the next billing run will correct")


class SettlementIn(In):
    period_start: DateIn
    period_end: DateIn
    actual: DecimalIn = Field(description="The actual net amount for the period")
    issue_date: DateIn | None = None


class SettlementPreviewOut(Schema):
    contract: str
    period_start: date
    period_end: date
    actual: str
    advances: str
    difference: str
    outcome: Literal["invoice", "credit_note", "nothing"]
    advance_invoices: list[str]
    settled_before: bool


class SettlementOut(Schema):
    id: int
    period_start: date
    period_end: date
    actual: str
    advances: str
    difference: str
    documents: list[str]


def _settlement(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "actual": str(s.actual),
        "advances": str(s.advances),
        "difference": str(s.difference),
        "documents": s.documents,
    }


def _contract(ctx: Any, contract: Contract) -> dict[str, Any]:
    contract = services.get_contract(ctx, contract.pk)
    return {
        "id": contract.pk,
        "number": contract.number,
        "customer": contract.customer.number,
        "type": contract.type.code,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "termination_date": contract.termination_date,
        "termination_reason": contract.termination_reason,
        "version": contract.version,
        "grouping": contract.grouping,
        "payment_terms_days": contract.payment_terms_days,
        "delivery_channel": contract.delivery_channel,
        "lines": [
            {
                "position": view.line.position,
                "description": view.line.description,
                "frequency": view.line.frequency,
                "timing": view.line.timing,
                "alignment": view.line.alignment,
                "vat_category": view.line.vat_category,
                "terms": [
                    {
                        "version": t.version,
                        "effective_from": t.effective_from,
                        "quantity": str(t.quantity),
                        "unit_price": str(t.unit_price),
                        "site": t.site,
                        "is_removed": t.is_removed,
                    }
                    for t in view.terms
                ],
            }
            for view in services.contract_lines(ctx, contract)
        ],
        "annexes": [
            {"version": a.version, "effective_from": a.effective_from, "description": a.description}
            for a in contract.annexes.all()
        ],
        "sites": sorted(contract.sites.values_list("site__code", flat=True)),
    }


def _summary(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "number": contract.number,
        "customer": contract.customer.number,
        "type": contract.type.code,
        "start_date": contract.start_date,
        "last_day": contract.last_day,
        "version": contract.version,
    }


def _run(run: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "run_date": run.run_date,
        "state": run.state,
        "chunks_done": run.chunks_done,
        "chunks_total": run.chunks_total,
        "invoices": run.invoices,
        "charges": run.charges,
        "preview": run.preview,
    }


def _dump(payload: In) -> dict[str, Any]:
    return payload.model_dump(exclude_none=True)


@router.get("/{admin}/contracts", response={200: Page[ContractSummary], **errors()}, summary="List contracts")
def list_contracts(
    request: HttpRequest,
    admin: str,
    search: str = "",
    type: str = "",
    status: Literal["active", "ended", "terminated", "suspended"] | None = None,
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    # PostgreSQL text cannot hold NUL: such a filter matches nothing.
    query = services.contracts(
        ctx, search=search.replace("\x00", ""), type_code=type.replace("\x00", ""), status=status or ""
    )
    return paginate(query, limit, cursor, _summary)


@router.post(
    "/{admin}/contracts",
    response={201: ContractOut, **errors()},
    summary="Create a contract with its lines, sites, suspensions and usage rates",
    description="All or nothing; every problem names its field (lines[1].end_date).",
)
def create_contract(request: HttpRequest, admin: str, payload: ContractIn):
    ctx = context(request, admin)
    return Status(201, _contract(ctx, services.create_contract(ctx, _dump(payload))))


@router.get("/{admin}/contracts/{contract_id}", response={200: ContractOut, **errors()}, summary="One contract")
def get_contract(request: HttpRequest, admin: str, contract_id: Id):
    ctx = context(request, admin)
    return _contract(ctx, services.get_contract(ctx, contract_id))


@router.post(
    "/{admin}/contracts/{contract_id}/annexes",
    response={201: ContractOut, **errors()},
    summary="Record an annex: the contract's next version from a date",
)
def add_annex(request: HttpRequest, admin: str, contract_id: Id, payload: AnnexIn):
    ctx = context(request, admin)
    services.add_annex(ctx, contract_id, _dump(payload))
    return Status(201, _contract(ctx, services.get_contract(ctx, contract_id)))


@router.post("/{admin}/contracts/{contract_id}/terminate", response={200: ContractOut, **errors()}, summary="Terminate")
def terminate(request: HttpRequest, admin: str, contract_id: Id, payload: TerminateIn):
    ctx = context(request, admin)
    contract = services.terminate(ctx, contract_id, payload.termination_date, payload.reason)
    return _contract(ctx, contract)


@router.post(
    "/{admin}/contracts/{contract_id}/suspensions",
    response={201: ContractOut, **errors()},
    summary="Suspend billing for a range of days",
)
def suspend(request: HttpRequest, admin: str, contract_id: Id, payload: SuspensionIn):
    ctx = context(request, admin)
    services.suspend(ctx, contract_id, _dump(payload))
    return Status(201, _contract(ctx, services.get_contract(ctx, contract_id)))


@router.post(
    "/{admin}/contracts/{contract_id}/renew",
    response={200: ContractOut, **errors()},
    summary="Renew a contract: its next version, the end date moved by the term",
)
def renew(request: HttpRequest, admin: str, contract_id: Id, payload: RenewIn):
    ctx = context(request, admin)
    renewal.renew(ctx, contract_id, payload.months)
    return _contract(ctx, services.get_contract(ctx, contract_id))


@router.get(
    "/{admin}/contracts/{contract_id}/corrections",
    response={200: CorrectionsOut, **errors()},
    summary="Corrections of invoiced periods after retroactive changes, and the changes still to correct",
)
def corrections(request: HttpRequest, admin: str, contract_id: Id):
    ctx = context(request, admin)
    contract = services.get_contract(ctx, contract_id)
    return {
        "data": [
            {
                "line": c.line.position,
                "period_start": c.period_start,
                "period_end": c.period_end,
                "version": c.version,
                "billed": str(c.billed),
                "due": str(c.due),
                "amount": str(c.amount),
                "reason": c.change.description,
                "original_invoice": c.original_invoice,
                "original_line_id": c.original_line_id,
                "credit_note": c.credit_note,
                "charge_id": c.charge_id,
                "run_id": c.run_id,
            }
            for c in services.corrections_of(ctx, contract)
        ],
        "pending": [
            {"kind": p.kind, "effective_from": p.effective_from, "version": p.version, "description": p.description}
            for p in services.pending_corrections(ctx, contract)
        ],
    }


@router.post(
    "/{admin}/contracts/{contract_id}/settlement-preview",
    response={200: SettlementPreviewOut, **errors()},
    summary="Preview settling an advance contract's period: actual against the advances invoiced",
)
def settlement_preview(request: HttpRequest, admin: str, contract_id: Id, payload: SettlementIn):
    ctx = context(request, admin)
    found = settlement.preview(ctx, contract_id, payload.period_start, payload.period_end, payload.actual)
    return {
        **found.__dict__,
        "actual": str(found.actual),
        "advances": str(found.advances),
        "difference": str(found.difference),
    }


@router.post(
    "/{admin}/contracts/{contract_id}/settlements",
    response={201: SettlementOut, **errors()},
    summary="Settle an advance contract's period: a settlement invoice or credit notes for the difference",
)
def settle(request: HttpRequest, admin: str, contract_id: Id, payload: SettlementIn):
    ctx = context(request, admin)
    result = settlement.settle(
        ctx, contract_id, payload.period_start, payload.period_end, payload.actual, issue_date=payload.issue_date
    )
    return Status(201, _settlement(result.settlement))


@router.post(
    "/{admin}/usage",
    response={201: UsageBatchOut, **errors()},
    summary="Record usage (guard hours, convoy tasks, call-outs), all or nothing",
    description="Each bad row is reported with its place (rows[3].site); a reference sent before "
    "is not recorded again.",
)
def record_usage(request: HttpRequest, admin: str, payload: UsageBatchIn):
    ctx = context(request, admin)
    result = usage_services.record_usage(ctx, [_dump(r) for r in payload.rows])
    return Status(201, {"created": len(result.created), "already_present": result.already_present})


@router.get("/{admin}/contract-alerts", response={200: AlertsOut, **errors()}, summary="Contract alerts")
def list_alerts(request: HttpRequest, admin: str, days: int = Query(60, ge=1, le=3650)):  # type: ignore[type-arg]
    ctx = context(request, admin)
    return {"data": [a.__dict__ for a in contract_alerts.alerts(ctx, days=days)]}


@router.post(
    "/{admin}/billing-runs",
    response={201: RunOut, **errors()},
    summary="Start a billing run: its preview",
    description="Totals per contract type and customer, the change against the previous run, the "
    "active contracts not billed with the reason, and the caught-up periods.",
)
def start_run(request: HttpRequest, admin: str, payload: RunIn):
    ctx = context(request, admin)
    return Status(201, _run(billing.start_run(ctx, payload.run_date)))


@router.get("/{admin}/billing-runs/{run_id}", response={200: RunOut, **errors()}, summary="A run and its progress")
def get_run(request: HttpRequest, admin: str, run_id: Id):
    ctx = context(request, admin)
    return _run(billing.get_run(ctx, run_id))


@router.post(
    "/{admin}/billing-runs/{run_id}/approve",
    response={200: RunOut, **errors()},
    summary="Approve a preview: its chunks are queued for the workers",
)
def approve_run(request: HttpRequest, admin: str, run_id: Id):
    ctx = context(request, admin)
    return _run(billing.approve_run(ctx, run_id))


@router.post("/{admin}/billing-runs/{run_id}/cancel", response={200: RunOut, **errors()}, summary="Cancel a preview")
def cancel_run(request: HttpRequest, admin: str, run_id: Id):
    ctx = context(request, admin)
    return _run(billing.cancel_run(ctx, run_id))


@router.get(
    "/{admin}/billing-runs/{run_id}/completeness",
    response={200: CompletenessOut, **errors()},
    summary="Every active contract × due period: invoiced, skipped or not billed, with reasons",
)
def completeness(request: HttpRequest, admin: str, run_id: Id):
    ctx = context(request, admin)
    return billing.completeness(ctx, run_id)
