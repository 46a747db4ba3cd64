"""Issuing: numbers, snapshots, due dates, payment references, hash chain, ledger entries.

Everything for a chunk happens in one transaction, and its numbers are taken under the
administration's chain-head row lock in that same transaction, so numbers are consecutive per
series and fiscal year with no gap and no duplicate, whatever crashes or runs in parallel.

The lock is held from numbering until the commit, so parallel issuers of one administration
wait for each other only there. Everything that does not depend on the number happens
before it: reading and checking the documents, snapshots, due dates, the hashed document
body, the ledger amounts per account, and the foreign-key checks of what the transaction
wrote before (a billing run's charges and drafts). Under the lock: the numbers, the chain,
one set-based update of the invoices, the journal entries and audit rows (they name the
number), then the caller commits."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import Administration, DocumentKind, InvoiceSeries, NumberSequence
from facturo.audit import log_bulk
from facturo.core.chain import GENESIS, plain_json
from facturo.core.money import ZERO, quantize
from facturo.core.numbering import fiscal_year, format_number
from facturo.core.references import payment_reference_for
from facturo.core.settlement import settlement_status
from facturo.core.terms import PaymentTerms, TermsBasis, due_date
from facturo.db import bulk
from facturo.db.constraints import check_pending_constraints
from facturo.errors import Conflict, NotFound
from facturo.ledger.services import AccountBook, open_in_ledger, write_entries

from .content import canonical_body, canonical_header, document_hash_from_body
from .exchange import Conversions
from .models import ChainHead, Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceState, InvoiceVatLine
from .postings import issue_entry, sales_side

ISSUE_FIELDS = [
    "state",
    "settlement",
    "series",
    "number",
    "fiscal_year",
    "sequence",
    "issue_date",
    "due_date",
    "payment_reference",
    "tax_currency",
    "exchange_rate",
    "exchange_rate_date",
    "tax_total_accounting",
    "seller_snapshot",
    "buyer_snapshot",
    "chain_index",
    "chain_prev_hash",
    "chain_hash",
    "amount_open",
    "amount_credited",
    "issued_at",
    "issued_by",
]


@dataclass
class IssueResult:
    """`issued` holds light rows (id, number, kind, tax_inclusive, ...) in issuing order."""

    issued: list[Any] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def seller_snapshot(admin: Administration) -> dict[str, Any]:
    return {
        "name": admin.name,
        "street": admin.street,
        "postal_code": admin.postal_code,
        "city": admin.city,
        "country": admin.country,
        "vat_number": admin.vat_number,
        "registration_number": admin.registration_number,
        "iban": admin.iban,
        "bic": admin.bic,
        "email": admin.email,
        "phone": admin.phone,
    }


BUYER_FIELDS = (
    "number",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_number",
    "registration_number",
    "email",
    "peppol_scheme",
    "peppol_id",
    "category",
    "language",
)


def buyer_snapshot(customer: Any) -> dict[str, Any]:
    """The buyer as the document shows it; frozen into the invoice when it is issued."""
    return {f: getattr(customer, f) for f in BUYER_FIELDS}


def default_series(admin: Administration, kind: str) -> InvoiceSeries:
    series = InvoiceSeries.objects.filter(administration=admin, document_kind=kind, is_default=True).first()
    if series is None:
        raise NotFound(f"the administration has no default {kind.replace('_', ' ')} series")
    return series


def _refusal(invoice: Any, has_lines: bool, admin: Administration) -> str | None:
    if invoice.state == InvoiceState.ISSUED:
        return "is already issued"
    if admin.requires_approval and invoice.state != InvoiceState.APPROVED:
        return "needs approval before it can be issued"
    if not has_lines:
        return "has no lines"
    if invoice.kind == DocumentKind.INVOICE and invoice.tax_inclusive < 0:
        return "has a negative total: make a credit note instead"
    if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.corrects_id is None:
        return "is a credit note without the invoice it corrects"
    if not invoice.customer__is_active:
        return f"customer {invoice.customer__number} is inactive"
    return None


def issue_invoices(
    ctx: Context,
    invoice_ids: Sequence[int],
    *,
    issue_date: date | None = None,
    chunk_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> IssueResult:
    ctx.require(Action.ISSUE_INVOICES)
    on = issue_date or timezone.localdate()
    result = IssueResult()
    ids = sorted(set(invoice_ids))
    book = AccountBook(ctx.administration.pk)
    ChainHead.objects.get_or_create(administration=ctx.administration, defaults={"last_hash": GENESIS})
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        try:
            _issue_chunk(ctx, chunk, on, book, result)
        except Conflict as refusal:
            # The chunk rolled back as a whole; earlier chunks stay issued and are reported.
            for invoice_id in chunk:
                result.refused.setdefault(invoice_id, str(refusal))
        if progress:
            progress(len(chunk))
    missing = set(ids) - {i.id for i in result.issued} - set(result.refused)
    for invoice_id in missing:
        result.refused[invoice_id] = "not found in this administration"
    return result


INVOICE_FIELDS = (
    "id",
    "administration_id",
    "kind",
    "state",
    "corrects_id",
    "corrects__number",
    "corrects__currency",
    "corrects__exchange_rate",
    "corrects__exchange_rate_date",
    "series_id",
    "customer_id",
    "currency",
    "buyer_reference",
    "order_reference",
    "contract_reference",
    "payment_terms_days",
    "line_total",
    "allowance_total",
    "charge_total",
    "tax_exclusive",
    "tax_total",
    "tax_inclusive",
    "customer__is_active",
    "customer__payment_terms_days",
    "customer__payment_terms_basis",
    *(f"customer__{f}" for f in BUYER_FIELDS),
)
LINE_FIELDS = (
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "vat_category",
    "vat_rate",
    "net_amount",
    "period_start",
    "period_end",
    "site_id",
    "revenue_account_id",
)
ALLOWANCE_FIELDS = ("invoice_id", "is_charge", "amount", "reason", "vat_category", "vat_rate", "revenue_account_id")
VAT_FIELDS = ("invoice_id", "category", "rate", "taxable_amount", "tax_amount")


def invoice_terms(invoice: Any) -> PaymentTerms:
    """The invoice's own terms (a contract's override, counted from the invoice date) when
    drafting gave it one, else the customer's terms and basis."""
    if invoice.payment_terms_days is not None:
        return PaymentTerms(invoice.payment_terms_days, TermsBasis.INVOICE_DATE)
    return PaymentTerms(invoice.customer__payment_terms_days, TermsBasis(invoice.customer__payment_terms_basis))


def _issue_chunk(ctx: Context, ids: Sequence[int], on: date, book: AccountBook, result: IssueResult) -> None:
    admin = ctx.administration
    now = timezone.now()
    issued_by = ctx.user.pk if ctx.user.is_authenticated else None
    with transaction.atomic():
        # Only documents still to issue are locked: an issued one in the list must not hold a
        # row lock that a concurrent credit note on it waits for.
        invoices = bulk.fetch(
            Invoice.objects.select_for_update(of=("self",))
            .filter(bulk.among("id", ids), administration=admin, state__in=(InvoiceState.DRAFT, InvoiceState.APPROVED))
            .order_by("id"),
            *INVOICE_FIELDS,
        )
        fetched = {i.id for i in invoices}
        for invoice_id in Invoice.objects.filter(
            administration=admin, pk__in=[i for i in ids if i not in fetched], state=InvoiceState.ISSUED
        ).values_list("pk", flat=True):
            result.refused[invoice_id] = "is already issued"
        lines = _by_invoice(bulk.fetch(InvoiceLine.objects.filter(bulk.among("invoice_id", ids)), *LINE_FIELDS))
        allowances = _by_invoice(
            bulk.fetch(InvoiceAllowanceCharge.objects.filter(bulk.among("invoice_id", ids)), *ALLOWANCE_FIELDS)
        )
        vat_lines = _by_invoice(bulk.fetch(InvoiceVatLine.objects.filter(bulk.among("invoice_id", ids)), *VAT_FIELDS))
        ready = []
        conversions = Conversions.for_invoices(admin, invoices, on)  # BT-111: one rate lookup per batch
        for invoice in invoices:
            reason = _refusal(invoice, bool(lines[invoice.id]), admin) or conversions.refusal(invoice)
            if reason:
                result.refused[invoice.id] = reason
            else:
                ready.append(invoice)
        if not ready:
            return
        # What does not depend on the number is prepared before the chain-head lock, so
        # that parallel issuers of one administration overlap everything but numbering.
        seller = seller_snapshot(admin)
        for invoice in ready:
            invoice.seller_snapshot = seller
            terms = invoice_terms(invoice)
            invoice.issue_date = on
            invoice.due_date = due_date(on, terms)
            conversions.apply(invoice)
            invoice.buyer_snapshot = {f: getattr(invoice, f"customer__{f}") for f in BUYER_FIELDS}
            invoice.state = InvoiceState.ISSUED
            invoice.issued_at = now
            invoice.issued_by_id = issued_by
            invoice.body_json = plain_json(
                canonical_body(
                    invoice, lines[invoice.id], allowances[invoice.id], vat_lines[invoice.id], invoice.corrects__number
                )
            )
            invoice.sales = sales_side(book, lines[invoice.id], allowances[invoice.id], vat_lines[invoice.id])
        series_by_id = InvoiceSeries.objects.in_bulk({i.series_id for i in ready if i.series_id})
        defaults = {k: default_series(admin, k) for k in sorted({i.kind for i in ready if i.series_id is None})}
        # The lock is held until the commit: the foreign-key checks of what the transaction
        # wrote so far (a billing run's charges and drafts) run now, beside other issuers,
        # instead of at the commit while they wait.
        check_pending_constraints()
        head = ChainHead.objects.select_for_update().get(administration=admin)
        year = fiscal_year(on, admin.fiscal_year_start_month, admin.fiscal_year_start_day)
        sequences: dict[int, NumberSequence] = {}
        originals = _lock_originals(admin, [i.corrects_id for i in ready if i.corrects_id])
        applied: dict[int, Decimal] = {}
        # Foreign-currency originals: what their receivables hold in the ledger, for a credit
        # note that closes one (it takes that, not its converted amount, so nothing is left).
        in_ledger = open_in_ledger(admin.pk, [o.pk for o in originals.values() if o.tax_currency])
        applied_in_ledger: dict[int, Decimal] = {}
        for invoice in ready:
            series = series_by_id[invoice.series_id] if invoice.series_id else defaults[invoice.kind]
            sequence = sequences.get(series.pk) or _lock_sequence(series, year, on)
            sequences[series.pk] = sequence
            sequence.last_value += 1
            head.last_index += 1
            invoice.series_id = series.pk
            invoice.fiscal_year = year
            invoice.sequence = sequence.last_value
            invoice.number = format_number(series.pattern, year=year, seq=sequence.last_value, series=series.code)
            invoice.chain_index = head.last_index
            invoice.payment_reference = payment_reference_for(
                admin.country, (year % 100) * 10**8 + head.last_index % 10**8
            )
            invoice.amount_credited = ZERO
            if invoice.kind == DocumentKind.CREDIT_NOTE:
                original = originals[invoice.corrects_id]
                take = max(ZERO, min(invoice.tax_inclusive, original.amount_open))
                applied[invoice.id] = take
                original.amount_credited += take
                _settle(original)
                if original.pk in in_ledger:
                    closing = original.amount_open == ZERO and take > ZERO
                    converted = quantize(take * invoice.exchange_rate, admin.currency)
                    booked = in_ledger[original.pk] if closing else converted
                    in_ledger[original.pk] -= booked
                    applied_in_ledger[invoice.id] = booked
                invoice.amount_credited = take
                invoice.amount_open = invoice.tax_inclusive - take
                invoice.settlement = settlement_status(invoice.tax_inclusive, ZERO, take, ZERO).value
            else:
                invoice.amount_open = invoice.tax_inclusive
                invoice.settlement = settlement_status(invoice.tax_inclusive, ZERO, ZERO, ZERO).value
            invoice.chain_prev_hash = head.last_hash
            invoice.chain_hash = document_hash_from_body(head.last_hash, invoice.body_json, canonical_header(invoice))
            head.last_hash = invoice.chain_hash
        bulk.update(Invoice, ready, ISSUE_FIELDS)
        bulk.update(Invoice, list(originals.values()), ["amount_credited", "amount_open", "settlement"])
        for sequence in sequences.values():
            sequence.save(update_fields=["last_value"])
        head.save(update_fields=["last_index", "last_hash"])
        write_entries(
            admin.pk,
            book,
            [issue_entry(book, i, i.sales, applied.get(i.id, ZERO), applied_in_ledger.get(i.id)) for i in ready],
        )
        log_bulk(
            Invoice,
            ready,
            lambda i: {"state": ["draft", "issued"], "number": [None, i.number]},
            ctx.user,
            describe=lambda i: i.number,
        )
        result.issued.extend(ready)


def _by_invoice(query: Iterable[Any]) -> defaultdict[int, list[Any]]:
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for row in query:
        grouped[row.invoice_id].append(row)
    return grouped


def _lock_sequence(series: InvoiceSeries, year: int, on: date) -> NumberSequence:
    NumberSequence.objects.get_or_create(series=series, fiscal_year=year)
    sequence = NumberSequence.objects.select_for_update().get(series=series, fiscal_year=year)
    # Dates never go backwards within a series, so the last number carries the latest date:
    # one lookup on the unique (series, fiscal_year, sequence) index, not a scan of the year.
    last_date = (
        Invoice.objects.filter(series=series, fiscal_year=year, sequence=sequence.last_value)
        .values_list("issue_date", flat=True)
        .first()
    )
    if last_date and on < last_date:
        raise Conflict(
            f"series {series.code} already has an invoice dated {last_date.isoformat()}; "
            f"numbers must follow the dates, so issue on or after that day"
        )
    return sequence


def _lock_originals(admin: Administration, ids: list[int]) -> dict[int, Invoice]:
    if not ids:
        return {}
    return {i.pk: i for i in Invoice.objects.select_for_update().filter(administration=admin, pk__in=ids)}


def _settle(invoice: Invoice) -> None:
    invoice.amount_open = (
        invoice.tax_inclusive - invoice.amount_paid - invoice.amount_credited - invoice.amount_written_off
    )
    invoice.settlement = settlement_status(
        invoice.tax_inclusive, invoice.amount_paid, invoice.amount_credited, invoice.amount_written_off
    ).value
