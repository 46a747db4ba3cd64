"""Documents and delivery: download the PDF and e-invoices of an issued invoice, send or
schedule it, follow the outbox, retry and resend, print batches, layout preview."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from facturo.core.errors import FieldError, ValidationFailed
from facturo.documents import einvoice, services
from facturo.documents.models import Channel, Sending, SendingState
from facturo.documents.rendering import TemplateError
from facturo.errors import Conflict

from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import Id
from .common import context, errors

router = Router(tags=["documents"])


def _binary(mime: str) -> dict[str, Any]:
    return {"responses": {"200": {"description": "the document", "content": {mime: {"schema": {
        "type": "string", "format": "binary"}}}}}}


class ProblemOut(Schema):
    rule: str
    path: str
    message: str


class EventOut(Schema):
    at: datetime
    kind: str
    message: str


class SendingOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    customer_id: int
    channel: str
    generation: int
    state: str
    recipient: str
    scheduled_at: datetime
    next_attempt_at: datetime
    attempts: int
    sent_at: datetime | None
    transmission_id: str
    last_error: str
    problems: list[ProblemOut]
    print_batch_id: int | None


class SendingDetail(SendingOut):
    events: list[EventOut]


class SendIn(Schema):
    at: datetime | None = Field(None, description="When to send (with a time zone); empty: now")
    channels: list[Literal["email", "peppol", "ksef", "print"]] | None = Field(
        None, description="Override the customer's channels"
    )


class ScheduleIn(Schema):
    issued_from: date | None = None
    issued_to: date | None = None
    at: datetime | None = None


class BounceIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class LayoutIn(Schema):
    kind: Literal["invoice", "credit_note"] = "invoice"
    language: Literal["", "nl", "en", "fr", "pl"] = ""
    customer_id: Id | None = None
    source: str = Field(..., min_length=1, max_length=200_000)


class LayoutOut(Schema):
    id: int
    kind: str
    language: str
    customer_id: int | None


class PrintBatchOut(Schema):
    id: int
    created_at: datetime
    documents: int
    pages: int


class SendResult(Schema):
    sendings: list[SendingOut]


class PrintBatchList(Schema):
    data: list[PrintBatchOut]


def _sending(s: Sending) -> dict[str, Any]:
    return {
        "id": s.pk, "invoice_id": s.invoice_id, "invoice_number": s.invoice.number or "",
        "customer_id": s.customer_id, "channel": s.channel, "generation": s.generation, "state": s.state,
        "recipient": s.recipient, "scheduled_at": s.scheduled_at, "next_attempt_at": s.next_attempt_at,
        "attempts": s.attempts, "sent_at": s.sent_at, "transmission_id": s.transmission_id,
        "last_error": s.last_error, "problems": s.problems or [], "print_batch_id": s.print_batch_id,
    }


def _detail(s: Sending) -> dict[str, Any]:
    return {**_sending(s), "events": [
        {"at": e.at, "kind": e.kind, "message": e.text()} for e in services.events(s)]}


def _file(content: bytes, mime: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _rejected(exc: Exception) -> ValidationFailed | None:
    if einvoice.available() and isinstance(exc, einvoice.rejected_type()):
        return ValidationFailed([FieldError(p["path"] or "invoice", f"{p['rule']}: {p['message']}")
                                 for p in einvoice.problems_of(exc)])
    return None


@router.get("/{admin}/invoices/{invoice_id}/pdf", response=errors(), openapi_extra=_binary("application/pdf"),
            summary="The PDF of an issued invoice or credit note")
def invoice_pdf(request: HttpRequest, admin: str, invoice_id: Id):
    ctx = context(request, admin)
    try:
        content = services.invoice_pdf(ctx, invoice_id)
    except TemplateError as exc:
        raise Conflict(f"the layout has an error: {exc}") from None
    return _file(content, "application/pdf", services.pdf_filename(services._issued(ctx, invoice_id)))


@router.get("/{admin}/invoices/{invoice_id}/einvoice/{fmt}", response=errors(),
            openapi_extra=_binary("application/xml"),
            summary="An e-invoice of an issued invoice: peppol, nlcius, ksef or cii (facturx gives the PDF)",
            description="409 when the format does not apply to the invoice; 422 with every broken rule when the "
            "invoice cannot be a valid e-invoice.")
def invoice_einvoice(request: HttpRequest, admin: str, invoice_id: Id,
                     fmt: Literal["peppol", "nlcius", "ksef", "cii", "facturx"]):
    ctx = context(request, admin)
    invoice = services._issued(ctx, invoice_id)
    try:
        if fmt == "facturx":
            name = f"{services.file_stem(invoice)}.facturx.pdf"
            return _file(services.facturx_pdf(ctx, invoice_id), "application/pdf", name)
        content = services.einvoice_xml(ctx, invoice_id, fmt)
    except Exception as exc:
        failed = _rejected(exc)
        if failed:
            raise failed from None
        raise
    return _file(content, "application/xml", einvoice.FILE_NAMES[fmt].format(number=services.file_stem(invoice)))


@router.post("/{admin}/invoices/{invoice_id}/send", response={201: SendResult, **errors()},
             summary="Send an issued invoice now or at a moment",
             description="Creates one outbox item per channel (the customer's, plus KSeF for a Polish "
             "administration). An item already waiting for the invoice and channel is not duplicated. An "
             "e-invoice that fails validation comes back with state `rejected` and its problems.")
def send_invoice(request: HttpRequest, admin: str, invoice_id: Id, payload: SendIn | None = None):
    ctx = context(request, admin)
    payload = payload or SendIn()
    if payload.at is not None and payload.at.tzinfo is None:
        raise ValidationFailed([FieldError("at", "needs a time zone, e.g. 2027-04-01T07:00:00+02:00")])
    created = services.schedule(ctx, [invoice_id], at=payload.at, channels_override=payload.channels)
    return Status(201, {"sendings": [_sending(s) for s in created]})


@router.post("/{admin}/outbox/schedule", response={201: SendResult, **errors()},
             summary="Schedule every issued, never sent invoice of a period")
def schedule_period(request: HttpRequest, admin: str, payload: ScheduleIn):
    ctx = context(request, admin)
    if payload.at is not None and payload.at.tzinfo is None:
        raise ValidationFailed([FieldError("at", "needs a time zone")])
    created = services.schedule_unsent(ctx, issued_from=payload.issued_from, issued_to=payload.issued_to,
                                       at=payload.at)
    return Status(201, {"sendings": [_sending(s) for s in created]})


OutboxState = Literal[tuple([*SendingState.values, "problems", "stuck"])]  # type: ignore[valid-type]


@router.get("/{admin}/outbox", response={200: Page[SendingOut], **errors()}, summary="The outbox, newest first")
def list_outbox(
    request: HttpRequest,
    admin: str,
    state: OutboxState | None = None,
    channel: Literal[tuple(Channel.values)] | None = None,  # type: ignore[valid-type]
    invoice_id: Id | None = None,
    customer_id: Id | None = None,
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    query = services.outbox(ctx, state=state or "", channel=channel or "", invoice_id=invoice_id,
                            customer_id=customer_id)
    return paginate(query, limit, cursor, _sending)


@router.get("/{admin}/outbox/{sending_id}", response={200: SendingDetail, **errors()},
            summary="One outbox item with its history")
def get_sending(request: HttpRequest, admin: str, sending_id: Id):
    ctx = context(request, admin)
    return _detail(services.get_sending(ctx, sending_id))


@router.post("/{admin}/outbox/{sending_id}/bounce", response={200: SendingDetail, **errors()},
             summary="Record a bounce report for a sent e-mail")
def bounce(request: HttpRequest, admin: str, sending_id: Id, payload: BounceIn):
    ctx = context(request, admin)
    return _detail(services.record_bounce(ctx, sending_id, payload.reason))


@router.post("/{admin}/outbox/{sending_id}/{action}", response={200: SendingDetail, **errors()},
             summary="retry (failed/rejected), resend (sent/bounced, as a new item), cancel (scheduled) or "
             "release (outcome unknown for 15 minutes: mark failed)")
def sending_action(
    request: HttpRequest, admin: str, sending_id: Id, action: Literal["retry", "resend", "cancel", "release"]
):
    ctx = context(request, admin)
    actions = {"retry": services.retry, "resend": services.resend, "cancel": services.cancel,
               "release": services.release_stuck}
    return _detail(actions[action](ctx, sending_id))


@router.get("/{admin}/print-batches", response={200: PrintBatchList, **errors()}, summary="Print batches")
def list_print_batches(request: HttpRequest, admin: str):
    ctx = context(request, admin)
    return {"data": [{"id": b.pk, "created_at": b.created_at, "documents": b.documents, "pages": b.pages}
                     for b in services.print_batches(ctx)[:200]]}


@router.get("/{admin}/print-batches/{batch_id}/pdf", response=errors(), openapi_extra=_binary("application/pdf"),
            summary="The merged PDF of a print batch")
def print_batch_pdf(request: HttpRequest, admin: str, batch_id: Id):
    ctx = context(request, admin)
    return _file(services.print_batch_pdf(ctx, batch_id), "application/pdf", f"print-batch-{batch_id}.pdf")


def _layout_error(exc: TemplateError) -> ValidationFailed:
    return ValidationFailed([FieldError("source", str(exc))])


@router.post("/{admin}/layouts/preview", response=errors(), openapi_extra=_binary("application/pdf"),
             summary="Render a layout with a real issued invoice",
             description="422 with the line and column of the error when the layout is wrong.")
def preview_layout(request: HttpRequest, admin: str, payload: LayoutIn):
    ctx = context(request, admin)
    try:
        pdf = services.preview_template(ctx, payload.source, kind=payload.kind, customer_id=payload.customer_id)
    except TemplateError as exc:
        raise _layout_error(exc) from None
    return _file(pdf, "application/pdf", "preview.pdf")


@router.post("/{admin}/layouts", response={201: LayoutOut, **errors()},
             summary="Store a layout for the administration or one customer (checked first)")
def save_layout(request: HttpRequest, admin: str, payload: LayoutIn):
    ctx = context(request, admin)
    data = payload.model_dump()
    template = services.save_template(ctx, {**data, "customer_id": data["customer_id"] or ""})
    return Status(201, {"id": template.pk, "kind": template.kind, "language": template.language,
                        "customer_id": template.customer_id})
