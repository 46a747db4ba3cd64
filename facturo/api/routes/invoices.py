from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from facturo.core.errors import ValidationFailed
from facturo.errors import Conflict
from facturo.invoicing import services
from facturo.invoicing.services import STATUS_FILTERS, Grouping

from .. import serializers
from ..pagination import MAX_LIMIT, Page, paginate
from ..schemas import (
    CreditNoteIn,
    DraftFromChargesIn,
    DraftRunOut,
    Id,
    InvoiceCreate,
    InvoiceDetail,
    InvoiceSummary,
    IssueIn,
    WriteOffIn,
)
from .common import LINE_CUSTOMER, context, errors, remap_paths

router = Router(tags=["invoices"])

InvoiceStatus = Literal[tuple(STATUS_FILTERS)]  # type: ignore[valid-type]


def _detail(ctx, invoice_id: int):  # type: ignore[no-untyped-def]
    return serializers.invoice_detail(ctx, services.get_invoice(ctx, invoice_id))


@router.get(
    "/{admin}/invoices",
    response={200: Page[InvoiceSummary], **errors()},
    summary="List invoices and credit notes, newest first",
)
def list_invoices(
    request: HttpRequest,
    admin: str,
    status: InvoiceStatus | None = None,
    customer_id: Id | None = None,
    kind: Literal["invoice", "credit_note"] | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    search: str = Query("", description="Start of the number or of the customer's name"),  # type: ignore[type-arg]
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
    cursor: str | None = None,
):
    ctx = context(request, admin)
    query = services.invoices(
        ctx,
        status=status or "",
        customer_id=customer_id,
        kind=kind or "",
        search=search,
        issued_from=issued_from,
        issued_to=issued_to,
    )
    return paginate(query, limit, cursor, serializers.invoice_summary)


@router.post(
    "/{admin}/invoices",
    response={201: InvoiceDetail, **errors()},
    summary="Create a draft invoice by hand",
    description="Each line becomes a charge first, with the same checks as any charge.",
)
def create_invoice(request: HttpRequest, admin: str, payload: InvoiceCreate):
    ctx = context(request, admin)
    data = payload.model_dump(exclude_unset=True)
    data["lines"] = [line.model_dump(exclude_unset=True) for line in payload.lines]
    if "allowances_charges" in data:
        data["allowances_charges"] = [a.model_dump() for a in payload.allowances_charges]
    try:
        invoice = services.create_draft(ctx, data)
    except ValidationFailed as failed:
        # The service copies customer_id onto every line; report it once, where the caller sent it.
        raise remap_paths(failed, lambda p: "customer_id" if LINE_CUSTOMER.match(p) else p) from None
    return Status(201, _detail(ctx, invoice.pk))


@router.post(
    "/{admin}/invoices/draft-from-charges",
    response={200: DraftRunOut, **errors()},
    summary="Turn open charges into draft invoices",
)
def draft_from_charges(request: HttpRequest, admin: str, payload: DraftFromChargesIn):
    ctx = context(request, admin)
    result = services.draft_from_charges(
        ctx, Grouping(payload.grouping), customer_ids=payload.customer_ids, up_to=payload.up_to
    )
    return {"invoices": result.invoices, "charges": result.charges}


@router.get("/{admin}/invoices/{invoice_id}", response={200: InvoiceDetail, **errors()}, summary="One invoice")
def get_invoice(request: HttpRequest, admin: str, invoice_id: Id):
    ctx = context(request, admin)
    return _detail(ctx, invoice_id)


@router.delete("/{admin}/invoices/{invoice_id}", response={204: None, **errors()}, summary="Delete a draft")
def delete_invoice(request: HttpRequest, admin: str, invoice_id: Id):
    ctx = context(request, admin)
    services.delete_draft(ctx, invoice_id)
    return Status(204, None)


@router.post("/{admin}/invoices/{invoice_id}/approve", response={200: InvoiceDetail, **errors()}, summary="Approve")
def approve_invoice(request: HttpRequest, admin: str, invoice_id: Id):
    ctx = context(request, admin)
    invoice = services.get_invoice(ctx, invoice_id)
    if not services.approve(ctx, [invoice.pk]):
        raise Conflict(f"{invoice} is {invoice.state}; only a draft can be approved")
    return _detail(ctx, invoice_id)


@router.post(
    "/{admin}/invoices/{invoice_id}/issue",
    response={200: InvoiceDetail, **errors()},
    summary="Issue: number it, book it, make it final",
)
def issue_invoice(request: HttpRequest, admin: str, invoice_id: Id, payload: IssueIn | None = None):
    ctx = context(request, admin)
    services.issue(ctx, invoice_id, issue_date=payload.issue_date if payload else None)
    return _detail(ctx, invoice_id)


@router.post(
    "/{admin}/invoices/{invoice_id}/credit-notes",
    response={201: InvoiceDetail, **errors()},
    summary="Draft a credit note against an issued invoice",
    description="Send `full: true`, or `lines: [{line_id, quantity}]`, or `amount` with `vat_category` "
    "and `vat_rate`; plus a `reason`. The credit note is a draft: issue it like an invoice.",
)
def create_credit_note(request: HttpRequest, admin: str, invoice_id: Id, payload: CreditNoteIn):
    ctx = context(request, admin)
    data = payload.model_dump(exclude_none=True)
    credit = services.create_credit_note(ctx, invoice_id, data)
    return Status(201, _detail(ctx, credit.pk))


@router.post(
    "/{admin}/invoices/{invoice_id}/write-off",
    response={200: InvoiceDetail, **errors()},
    summary="Write off what is still open",
)
def write_off(request: HttpRequest, admin: str, invoice_id: Id, payload: WriteOffIn):
    ctx = context(request, admin)
    services.write_off(ctx, invoice_id, payload.reason, on=payload.on)
    return _detail(ctx, invoice_id)
