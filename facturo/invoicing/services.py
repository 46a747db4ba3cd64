"""Use cases for invoices and credit notes. Interfaces call these and nothing deeper."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.charges.models import Charge, ChargeState
from facturo.charges.services import create_charges
from facturo.core.errors import FieldError
from facturo.core.money import ZERO, minor_units, quantize
from facturo.core.vat import VatCategory
from facturo.db import bulk
from facturo.errors import Conflict, NotFound, ValidationFailed
from facturo.inputs import Reader
from facturo.ledger.services import AccountBook, open_in_ledger, write_entries
from facturo.parties.models import Customer

from .drafting import CHARGE_FIELDS, Grouping, apply_totals, build_drafts, draft_from_charges
from .issuing import IssueResult, _settle, default_series, issue_invoices
from .models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceState, InvoiceVatLine
from .postings import write_off_entry

__all__ = [
    "Grouping",
    "IssueResult",
    "approve",
    "create_credit_note",
    "create_draft",
    "creditable_net",
    "delete_draft",
    "draft_from_charges",
    "get_invoice",
    "invoices",
    "issue",
    "issue_invoices",
    "receivables_per_customer",
    "receivables_total",
    "set_allowances_charges",
    "write_off",
]


def get_invoice(ctx: Context, invoice_id: int, *, for_update: bool = False) -> Invoice:
    ctx.require(Action.VIEW)
    query = Invoice.objects.filter(administration=ctx.administration, pk=invoice_id)
    if for_update:
        query = query.select_for_update(of=("self",))
    invoice = query.select_related("customer", "corrects", "series").first()
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found")
    return invoice


def find_invoice(ctx: Context, number: str) -> Invoice:
    ctx.require(Action.VIEW)
    invoice = Invoice.objects.filter(administration=ctx.administration, number=number).first()
    if invoice is None:
        raise NotFound(f"invoice {number!r} not found")
    return invoice


INVOICE_SORTS = {
    "-id": ("-id",),
    "id": ("id",),
    "number": ("number", "id"),
    "-number": ("-number", "-id"),
    "issue_date": ("issue_date", "id"),
    "-issue_date": ("-issue_date", "-id"),
}
STATUS_FILTERS = {
    "draft": Q(state=InvoiceState.DRAFT),
    "approved": Q(state=InvoiceState.APPROVED),
    "issued": Q(state=InvoiceState.ISSUED),
    "open": Q(state=InvoiceState.ISSUED, settlement="open"),
    "partially_paid": Q(settlement="partially_paid"),
    "paid": Q(settlement="paid"),
    "credited": Q(settlement="credited"),
    "written_off": Q(settlement="written_off"),
    "unpaid": Q(state=InvoiceState.ISSUED, amount_open__gt=0),
}


def invoices(
    ctx: Context,
    *,
    status: str = "",
    customer_id: int | None = None,
    kind: str = "",
    search: str = "",
    issued_from: date | None = None,
    issued_to: date | None = None,
    sort: str = "-id",
) -> QuerySet[Invoice]:
    ctx.require(Action.VIEW)
    query = Invoice.objects.filter(administration=ctx.administration).select_related("customer")
    if status:
        query = query.filter(STATUS_FILTERS.get(status, Q(pk__in=[])))
    if customer_id:
        query = query.filter(customer_id=customer_id)
    if kind:
        query = query.filter(kind=kind)
    if issued_from:
        query = query.filter(issue_date__gte=issued_from)
    if issued_to:
        query = query.filter(issue_date__lte=issued_to)
    if search:
        query = query.filter(Q(number__startswith=search) | Q(customer__name__istartswith=search))
    return query.order_by(*INVOICE_SORTS.get(sort, INVOICE_SORTS["-id"]))


def invoices_for_contract(
    ctx: Context, reference: str, *, limit: int = 50
) -> tuple[list[Invoice], list[tuple[int, str, str]]]:
    """The newest invoices that bill a contract reference, and the (invoice id, source kind,
    source id) of the charges behind their lines for that contract."""
    ctx.require(Action.VIEW)
    found = list(
        Invoice.objects.filter(administration=ctx.administration)
        .filter(Q(contract_reference=reference) | Q(lines__contract_reference=reference))
        .distinct()
        .order_by("-id")[:limit]
    )
    sources = list(
        InvoiceLine.objects.filter(invoice__in=found, contract_reference=reference, charge__isnull=False).values_list(
            "invoice_id", "charge__source_kind", "charge__source_id"
        )
    )
    return found, sources


def _draft(ctx: Context, invoice_id: int) -> Invoice:
    invoice = get_invoice(ctx, invoice_id, for_update=True)
    if invoice.state == InvoiceState.ISSUED:
        raise Conflict(f"invoice {invoice.number} is issued and cannot change; make a credit note")
    return invoice


def create_draft(ctx: Context, data: Mapping[str, Any]) -> Invoice:
    """A manual invoice. Its lines become charges first, so every invoice line has one source
    of truth and the same checks as imported charges."""
    ctx.require(Action.DRAFT_INVOICES)
    reader = Reader(data)
    customer_id = reader.integer("customer_id", required=True)
    lines = data.get("lines") or []
    if not isinstance(lines, Sequence) or isinstance(lines, str) or not lines:
        reader.error("lines", "needs at least one line")
    if (
        customer_id is not None
        and not Customer.objects.filter(administration=ctx.administration, pk=customer_id).exists()
    ):
        reader.error("customer_id", f"no customer with id {customer_id} in this administration")
    reader.raise_if_errors()
    rows = [{**line, "customer_id": customer_id} for line in lines]
    with transaction.atomic():
        batch = create_charges(ctx, rows, source_kind="manual", path="lines[{i}].")
        ids = [c.pk for c in batch.created]
        Charge.objects.filter(pk__in=ids).update(state=ChargeState.INVOICED)
        charges = bulk.fetch(Charge.objects.filter(pk__in=ids).order_by("id"), *CHARGE_FIELDS)
        language, reference = Customer.objects.values_list("language", "buyer_reference").get(pk=customer_id)
        book = AccountBook(ctx.administration.pk)
        draft = build_drafts(ctx, book, [(language, reference, "manual", charges)])[0]
        invoice = Invoice.objects.get(pk=draft.invoice.id)
        for name in ("buyer_reference", "order_reference", "note"):
            if name in data:
                setattr(invoice, name, Reader(data).text(name, max_length=2000 if name == "note" else 100))
        invoice.save(update_fields=["buyer_reference", "order_reference", "note"])
        if data.get("allowances_charges"):
            set_allowances_charges(ctx, invoice.pk, data["allowances_charges"])
            invoice.refresh_from_db()
        return invoice


def set_allowances_charges(ctx: Context, invoice_id: int, items: Sequence[Mapping[str, Any]]) -> Invoice:
    """Replace a draft's document-level allowances and charges and recompute its totals."""
    ctx.require(Action.DRAFT_INVOICES)
    with transaction.atomic():
        invoice = _draft(ctx, invoice_id)
        book = AccountBook(ctx.administration.pk)
        readers, rows = [], []
        for index, item in enumerate(items):
            reader = Reader(item, prefix=f"allowances_charges[{index}].")
            readers.append(reader)
            is_charge = reader.boolean("is_charge")
            amount = reader.decimal("amount", required=True, min_value=ZERO, places=2)
            reason = reader.text("reason", required=True)
            category = reader.choice("vat_category", [c.value for c in VatCategory], required=True)
            rate = reader.decimal("vat_rate", required=True, min_value=ZERO, places=2)
            if category and rate is not None:
                if (category == VatCategory.S) != (rate > 0):
                    reader.error("vat_rate", f"{rate}% does not go with VAT category {category}")
            rows.append(
                InvoiceAllowanceCharge(
                    invoice=invoice,
                    is_charge=is_charge,
                    amount=amount or ZERO,
                    reason=reason,
                    vat_category=category,
                    vat_rate=rate or ZERO,
                    revenue_account=book.role("revenue"),
                )
            )
        errors = [e for r in readers for e in r.errors]
        if errors:
            raise ValidationFailed(errors)
        InvoiceAllowanceCharge.objects.filter(invoice=invoice).delete()
        InvoiceAllowanceCharge.objects.bulk_create(rows)
        _recompute(invoice)
        return invoice


def _recompute(invoice: Invoice) -> None:
    lines = list(invoice.lines.all())
    allowances = list(invoice.allowances_charges.all())
    try:
        vat_rows = apply_totals(invoice, lines, allowances)
    except ValueError as exc:
        raise ValidationFailed([FieldError("allowances_charges", str(exc))]) from None
    InvoiceLine.objects.bulk_update(lines, ["gross_amount", "allowance_amount", "net_amount"])
    InvoiceVatLine.objects.filter(invoice=invoice).delete()
    for row in vat_rows:
        row.invoice_id = invoice.pk
    bulk.insert(InvoiceVatLine, vat_rows)
    invoice.save()


def delete_draft(ctx: Context, invoice_id: int) -> None:
    ctx.require(Action.DRAFT_INVOICES)
    with transaction.atomic():
        invoice = _draft(ctx, invoice_id)
        charge_ids = list(invoice.lines.exclude(charge=None).values_list("charge_id", flat=True))
        invoice.lines.all().delete()
        Charge.objects.filter(pk__in=charge_ids).update(state=ChargeState.OPEN)
        invoice.delete()


def approve(ctx: Context, invoice_ids: Sequence[int]) -> int:
    ctx.require(Action.APPROVE_INVOICES)
    with transaction.atomic():
        drafts = list(
            Invoice.objects.select_for_update().filter(
                administration=ctx.administration, pk__in=list(invoice_ids), state=InvoiceState.DRAFT
            )
        )
        now = timezone.now()
        for invoice in drafts:
            invoice.state, invoice.approved_at, invoice.approved_by = InvoiceState.APPROVED, now, ctx.user
            invoice.save(update_fields=["state", "approved_at", "approved_by"])
        return len(drafts)


def issue(ctx: Context, invoice_id: int, issue_date: date | None = None) -> Invoice:
    """Issue one document; a refusal is an error the caller shows."""
    result = issue_invoices(ctx, [invoice_id], issue_date=issue_date)
    if invoice_id in result.refused:
        invoice = get_invoice(ctx, invoice_id)
        raise Conflict(f"{invoice} {result.refused[invoice_id]}")
    return get_invoice(ctx, invoice_id)


def create_credit_note(ctx: Context, invoice_id: int, data: Mapping[str, Any]) -> Invoice:
    """A draft credit note against an issued invoice.

    `data` holds either `full: true`, or `lines: [{line_id, quantity}]` (part of some lines),
    or `amount` with `vat_category` and `vat_rate` (a net amount under one VAT rate of the
    invoice). Nobody can credit more than was invoiced and not yet credited."""
    ctx.require(Action.CREDIT_INVOICES)
    with transaction.atomic():
        original = get_invoice(ctx, invoice_id, for_update=True)
        if original.state != InvoiceState.ISSUED or original.kind != DocumentKind.INVOICE:
            raise Conflict("only an issued invoice can be credited")
        reader = Reader(data)
        reason = reader.text("reason", max_length=300)
        credit_lines = _credit_lines(reader, original, data)
        reader.raise_if_errors()
        credit = Invoice.objects.create(
            administration=ctx.administration,
            customer=original.customer,
            kind=DocumentKind.CREDIT_NOTE,
            corrects=original,
            series=default_series(ctx.administration, DocumentKind.CREDIT_NOTE),
            currency=original.currency,
            language=original.language,
            buyer_reference=original.buyer_reference,
            order_reference=original.order_reference,
            contract_reference=original.contract_reference,
            # It goes out the way the invoice it corrects went, on the same terms.
            payment_terms_days=original.payment_terms_days,
            delivery_channel=original.delivery_channel,
            period_start=original.period_start,
            period_end=original.period_end,
            note=reason,
            created_by=ctx.user if ctx.user.is_authenticated else None,
        )
        for position, line in enumerate(credit_lines, start=1):
            line.invoice, line.position = credit, position
        InvoiceLine.objects.bulk_create(credit_lines)
        if data.get("full"):
            InvoiceAllowanceCharge.objects.bulk_create(
                [
                    InvoiceAllowanceCharge(
                        invoice=credit,
                        is_charge=a.is_charge,
                        amount=a.amount,
                        reason=a.reason,
                        vat_category=a.vat_category,
                        vat_rate=a.vat_rate,
                        revenue_account_id=a.revenue_account_id,
                    )
                    for a in original.allowances_charges.all()
                ]
            )
        _recompute(credit)
        remaining = original.tax_inclusive - _credited_so_far(original, exclude=credit.pk)
        if credit.tax_inclusive > remaining:
            raise ValidationFailed(
                [FieldError("amount", f"credits {credit.tax_inclusive}, but only {remaining} is left to credit")]
            )
        return credit


def _credited_so_far(original: Invoice, exclude: int | None = None) -> Decimal:
    query = Invoice.objects.filter(corrects=original).exclude(pk=exclude)
    return query.aggregate(s=Sum("tax_inclusive"))["s"] or ZERO


def creditable_net(invoice: Invoice, vat_rate: Decimal) -> Decimal:
    """The largest net amount under `vat_rate` that a credit note can still take off `invoice`
    (the check of `create_credit_note` is on the total with VAT: what is left of it after the
    credit notes made so far, by hand or by a run)."""
    if not invoice.is_issued or invoice.kind != DocumentKind.INVOICE:
        raise Conflict(f"{invoice} is not an issued invoice: only an issued invoice can be credited")
    left = invoice.tax_inclusive - _credited_so_far(invoice)
    if left <= 0:
        return ZERO
    step = Decimal(1).scaleb(-minor_units(invoice.currency))
    net = (left * 100 / (100 + vat_rate)).quantize(step, rounding=ROUND_DOWN)
    while net > 0 and net + quantize(net * vat_rate / 100, invoice.currency) > left:
        net -= step
    return max(net, ZERO)


def _credit_lines(reader: Reader, original: Invoice, data: Mapping[str, Any]) -> list[InvoiceLine]:
    lines = {line.pk: line for line in original.lines.all()}
    credited = dict(
        InvoiceLine.objects.filter(corrects_line__invoice=original)
        .values_list("corrects_line_id")
        .annotate(q=Sum("quantity"))
    )

    def copy(line: InvoiceLine, quantity: Decimal) -> InvoiceLine:
        return InvoiceLine(
            corrects_line=line,
            item_id=line.item_id,
            description=line.description,
            quantity=quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            period_start=line.period_start,
            period_end=line.period_end,
            site_id=line.site_id,
            contract_reference=line.contract_reference,
            revenue_account_id=line.revenue_account_id,
        )

    if data.get("full"):
        if credited or _credited_so_far(original):
            reader.error("full", "the invoice is already partly credited; credit the rest per line or amount")
            return []
        return [copy(line, line.quantity) for line in lines.values()]
    if data.get("lines"):
        result = []
        for index, row in enumerate(data["lines"]):
            line_reader = Reader(row, prefix=f"lines[{index}].")
            line_id = line_reader.integer("line_id", required=True)
            quantity = line_reader.decimal("quantity", required=True, min_value=Decimal("0.0001"))
            line = lines.get(line_id or -1)
            if line_id is not None and line is None:
                line_reader.error("line_id", f"line {line_id} is not on invoice {original.number}")
            elif line is not None and quantity is not None:
                left = line.quantity - credited.get(line.pk, ZERO)
                if quantity > left:
                    line_reader.error("quantity", f"only {left.normalize()} of this line is left to credit")
                else:
                    result.append(copy(line, quantity))
            reader.errors.extend(line_reader.errors)
        return result
    if reader.has("amount"):
        amount = reader.decimal("amount", required=True, min_value=Decimal("0.01"), places=2)
        category = reader.choice("vat_category", [c.value for c in VatCategory], required=True)
        rate = reader.decimal("vat_rate", required=True, min_value=ZERO, places=2)
        match = next((line for line in lines.values() if line.vat_category == category and line.vat_rate == rate), None)
        if category and rate is not None and match is None:
            reader.error("vat_rate", f"invoice {original.number} has no {category} {rate}% lines")
        if amount is None or match is None:
            return []
        credit_line = copy(match, Decimal(1))
        credit_line.description = reader.text("description", max_length=300) or f"Credit on {original.number}"
        credit_line.unit, credit_line.unit_price, credit_line.discount_percent = "C62", amount, ZERO
        credit_line.period_start = credit_line.period_end = None
        return [credit_line]
    reader.error("lines", "say what to credit: full, lines, or amount")
    return []


def write_off(ctx: Context, invoice_id: int, reason: str, on: date | None = None) -> Invoice:
    """Write off what is still open on an invoice, booked to the write-off account."""
    ctx.require(Action.WRITE_OFF)
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", "is required for a write-off")])
    with transaction.atomic():
        invoice = get_invoice(ctx, invoice_id, for_update=True)
        if invoice.state != InvoiceState.ISSUED or invoice.kind != DocumentKind.INVOICE:
            raise Conflict("only an issued invoice can be written off")
        amount = invoice.amount_open
        if amount <= 0:
            raise Conflict(f"invoice {invoice.number} has nothing open to write off")
        book = AccountBook(ctx.administration.pk)
        # A foreign-currency invoice leaves the ledger with what its receivable holds.
        in_ledger = open_in_ledger(ctx.administration.pk, [invoice.pk]) if invoice.tax_currency else {}
        write_entries(
            ctx.administration.pk,
            book,
            [
                write_off_entry(
                    book,
                    invoice,
                    amount,
                    on or timezone.localdate(),
                    reason,
                    in_ledger.get(invoice.pk),
                )
            ],
        )
        invoice.amount_written_off += amount
        _settle(invoice)
        invoice.save(update_fields=["amount_written_off", "amount_open", "settlement"])
        return invoice


@dataclass(frozen=True)
class CustomerReceivable:
    customer_id: int
    number: str
    name: str
    open_amount: Decimal
    documents: int


def _open_documents(ctx: Context) -> QuerySet[Invoice]:
    return Invoice.objects.filter(administration=ctx.administration, state=InvoiceState.ISSUED).exclude(amount_open=0)


def receivables_per_customer(ctx: Context, *, offset: int = 0, limit: int | None = None) -> list[CustomerReceivable]:
    """Open items per customer: invoices' open amounts less credit notes not yet applied.

    Ordered by customer name; `offset`/`limit` page through it for screens."""
    ctx.require(Action.VIEW)
    rows = (
        _open_documents(ctx)
        .values("customer_id", "customer__number", "customer__name")
        .annotate(
            debit=Sum("amount_open", filter=Q(kind=DocumentKind.INVOICE)),
            credit=Sum("amount_open", filter=Q(kind=DocumentKind.CREDIT_NOTE)),
            documents=Count("id"),
        )
        .order_by("customer__name", "customer_id")
    )
    rows = rows[offset : offset + limit] if limit is not None else rows[offset:]
    return [
        CustomerReceivable(
            r["customer_id"],
            r["customer__number"],
            r["customer__name"],
            (r["debit"] or ZERO) - (r["credit"] or ZERO),
            r["documents"],
        )
        for r in rows
    ]


def receivables_total(ctx: Context) -> Decimal:
    """The sum of all open items; equals the ledger's receivables balance."""
    ctx.require(Action.VIEW)
    totals = _open_documents(ctx).aggregate(
        debit=Sum("amount_open", filter=Q(kind=DocumentKind.INVOICE)),
        credit=Sum("amount_open", filter=Q(kind=DocumentKind.CREDIT_NOTE)),
    )
    return (totals["debit"] or ZERO) - (totals["credit"] or ZERO)


def signed_open_amount(invoice: Invoice) -> Decimal:
    return -invoice.amount_open if invoice.kind == DocumentKind.CREDIT_NOTE else invoice.amount_open
