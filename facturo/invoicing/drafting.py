"""Turning open charges into draft invoices, set-based and in chunks.

Each chunk is one transaction: it takes its charges with a conditional UPDATE
(open → invoiced) and creates the drafts; if another run took any of the same
charges first, the chunk rolls back and is retried, so no charge lands twice."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from facturo.administrations.access import Action, Context
from facturo.administrations.models import DocumentKind
from facturo.audit import log_bulk
from facturo.catalog.services import exemption_for
from facturo.charges.models import Charge, ChargeState
from facturo.core.totals import AllowanceChargeInput, LineInput, compute_totals
from facturo.core.vat import VatCategory
from facturo.db import bulk
from facturo.errors import Conflict
from facturo.ledger.models import AccountRole
from facturo.ledger.services import AccountBook
from facturo.parties.models import Customer

from .models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceState, InvoiceVatLine

Progress = Callable[[int], None]


class Grouping(StrEnum):
    PER_CUSTOMER = "per_customer"
    PER_CONTRACT = "per_contract"
    PER_SITE = "per_site"
    COLLECTIVE_PERIOD = "collective_period"


def group_key(rule: Grouping, charge: Charge) -> str:
    base = f"{charge.customer_id}|{charge.currency}"
    if rule == Grouping.PER_CONTRACT:
        return f"{base}|contract:{charge.contract_reference}"
    if rule == Grouping.PER_SITE:
        return f"{base}|site:{charge.site_id or ''}"
    if rule == Grouping.COLLECTIVE_PERIOD:
        day = charge.period_start or charge.service_date
        return f"{base}|period:{day.strftime('%Y-%m') if day else ''}"
    return base


@dataclass(frozen=True)
class DraftRunResult:
    invoices: int
    charges: int
    invoice_ids: tuple[int, ...] = ()


def _open_charges(ctx: Context, up_to: date | None) -> "Q":
    """Open charges, and deferred ones whose date has come: a deferral postpones, never forgets."""
    due = Q(state=ChargeState.DEFERRED, deferred_until__lte=timezone.localdate())
    condition = Q(administration=ctx.administration) & (Q(state=ChargeState.OPEN) | due)
    if up_to is not None:
        condition &= (
            Q(period_start__lte=up_to)
            | Q(period_start__isnull=True, service_date__lte=up_to)
            | Q(period_start__isnull=True, service_date__isnull=True)
        )
    return condition


def draft_from_charges(
    ctx: Context,
    rule: Grouping = Grouping.PER_CUSTOMER,
    *,
    customer_ids: Sequence[int] | None = None,
    charge_ids: Sequence[int] | None = None,
    up_to: date | None = None,
    chunk_customers: int = 500,
    progress: Progress | None = None,
) -> DraftRunResult:
    ctx.require(Action.DRAFT_INVOICES)
    condition = _open_charges(ctx, up_to)
    if charge_ids is not None:
        # One array parameter on PostgreSQL: a billing chunk passes thousands of charges, and
        # an IN list of as many placeholders costs more to build and split than to run.
        condition &= bulk.among("id", list(charge_ids))
    # Chunks filter on their own customers only, so a long customer list is sent once.
    customers: list[int] = []
    wanted = sorted(set(customer_ids)) if customer_ids is not None else None
    for part in [wanted[i : i + 5000] for i in range(0, len(wanted), 5000)] if wanted is not None else [None]:
        query = Charge.objects.filter(condition)
        if part is not None:
            query = query.filter(customer_id__in=part)
        customers += query.order_by("customer_id").values_list("customer_id", flat=True).distinct()
    book = AccountBook(ctx.administration.pk)
    invoices = charges = 0
    invoice_ids: list[int] = []
    for start in range(0, len(customers), chunk_customers):
        chunk = customers[start : start + chunk_customers]
        for attempt in range(3):
            try:
                made, taken = _draft_chunk(ctx, rule, condition & bulk.among("customer_id", chunk), book)
                invoice_ids.extend(made)
                break
            except _ChargesTaken:
                if attempt == 2:
                    raise Conflict("another run keeps taking the same charges; try again later") from None
        invoices += len(made)
        charges += taken
        if progress:
            progress(len(chunk))
    return DraftRunResult(invoices=invoices, charges=charges, invoice_ids=tuple(invoice_ids))


class _ChargesTaken(Exception):
    pass


CHARGE_FIELDS = (
    "id",
    "customer_id",
    "item_id",
    "item__revenue_account_id",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "currency",
    "vat_category",
    "vat_rate",
    "service_date",
    "period_start",
    "period_end",
    "site_id",
    "contract_reference",
    "payment_terms_days",
    "delivery_channel",
)


def _draft_chunk(ctx: Context, rule: Grouping, condition: Q, book: AccountBook) -> tuple[list[int], int]:
    with transaction.atomic():
        rows = bulk.fetch(Charge.objects.filter(condition).order_by("customer_id", "id"), *CHARGE_FIELDS)
        if not rows:
            return [], 0
        taken = Charge.objects.filter(
            bulk.among("id", [c.id for c in rows]), state__in=(ChargeState.OPEN, ChargeState.DEFERRED)
        ).update(state=ChargeState.INVOICED, deferred_until=None)
        if taken != len(rows):
            raise _ChargesTaken
        groups: dict[str, list[Any]] = defaultdict(list)
        for charge in rows:
            groups[group_key(rule, charge)].append(charge)
        customers = {
            pk: (language, reference)
            for pk, language, reference in Customer.objects.filter(
                bulk.among("id", sorted({c.customer_id for c in rows}))
            ).values_list("id", "language", "buyer_reference")
        }
        drafts = build_drafts(ctx, book, [(*customers[g[0].customer_id], key, g) for key, g in groups.items()])
        log_bulk(
            Invoice,
            [d.invoice for d in drafts],
            lambda i: {"state": [None, "draft"]},
            ctx.user,
            LogEntry.Action.CREATE,
        )
        return [d.invoice.id for d in drafts], len(rows)


@dataclass
class Draft:
    invoice: Any
    lines: list[Any]
    vat_lines: list[Any]


def build_drafts(
    ctx: Context, book: AccountBook, groups: Iterable[tuple[str, str, str, list[Any]]]
) -> list[Draft]:
    """Create draft invoices (with lines, totals and VAT breakdown) for groups of charges
    the caller has already marked invoiced; a group is (customer language, the customer's
    standing buyer reference, grouping key, charges of one customer) as rows of CHARGE_FIELDS."""
    default_revenue = book.role(AccountRole.REVENUE).pk
    exemptions: dict[tuple[str, str], tuple[str, str]] = {}
    created_by = ctx.user.pk if ctx.user.is_authenticated else None
    drafts: list[Draft] = []
    for language, buyer_reference, key, charges in groups:
        first = charges[0]
        invoice = bulk.Row(
            administration_id=ctx.administration.pk,
            customer_id=first.customer_id,
            kind=DocumentKind.INVOICE,
            state=InvoiceState.DRAFT,
            currency=first.currency,
            language=language,
            buyer_reference=buyer_reference,
            grouping_key=key[:200],
            created_by_id=created_by,
            contract_reference="",
            payment_terms_days=None,
            delivery_channel="",
            site_id=None,
            period_start=None,
            period_end=None,
        )
        contracts = {c.contract_reference for c in charges}
        if len(contracts) == 1:
            invoice.contract_reference = contracts.pop()
        invoice.payment_terms_days, invoice.delivery_channel = source_overrides(charges)
        sites = {c.site_id for c in charges}
        if len(sites) == 1:
            invoice.site_id = sites.pop()
        starts = [c.period_start or c.service_date for c in charges if c.period_start or c.service_date]
        ends = [c.period_end or c.service_date for c in charges if c.period_end or c.service_date]
        if starts and ends:
            invoice.period_start, invoice.period_end = min(starts), max(ends)
        lines = [
            bulk.Row(
                position=index + 1,
                charge_id=charge.id,
                corrects_line_id=None,
                item_id=charge.item_id,
                description=charge.description,
                quantity=charge.quantity,
                unit=charge.unit,
                unit_price=charge.unit_price,
                discount_percent=charge.discount_percent,
                vat_category=charge.vat_category,
                vat_rate=charge.vat_rate,
                period_start=charge.period_start or charge.service_date,
                period_end=charge.period_end or charge.service_date,
                site_id=charge.site_id,
                contract_reference=charge.contract_reference,
                revenue_account_id=charge.item__revenue_account_id or default_revenue,
            )
            for index, charge in enumerate(charges)
        ]
        vat_lines = apply_totals(invoice, lines, [], exemptions)
        drafts.append(Draft(invoice, lines, vat_lines))
    now = timezone.now()
    for draft, invoice_id in zip(drafts, bulk.allocate_ids(Invoice, len(drafts)), strict=True):
        draft.invoice.id, draft.invoice.created_at = invoice_id, now
        for row in (*draft.lines, *draft.vat_lines):
            row.invoice_id = invoice_id
    bulk.insert(Invoice, [d.invoice for d in drafts], with_pk=True)
    bulk.insert(InvoiceLine, [line for d in drafts for line in d.lines])
    bulk.insert(InvoiceVatLine, [v for d in drafts for v in d.vat_lines])
    return drafts


def source_overrides(charges: Sequence[Any]) -> tuple[int | None, str]:
    """The payment terms and delivery channel an invoice takes from its charges' sources
    (contracts): each applies only when every charge on the invoice carries the same value.
    Where the charges disagree (contracts with different terms on one collective invoice, or
    contract charges beside charges without an override) the invoice falls back to the
    customer's own terms or channel: the one agreement that covers all its lines."""
    terms = {c.payment_terms_days for c in charges}
    channels = {c.delivery_channel for c in charges}
    return (terms.pop() if len(terms) == 1 else None), (channels.pop() if len(channels) == 1 else "")


def apply_totals(
    invoice: Any,
    lines: Sequence[Any],
    allowances: Sequence[InvoiceAllowanceCharge],
    exemptions: dict[tuple[str, str], tuple[str, str]] | None = None,
) -> list[bulk.Row]:
    """Compute EN 16931 totals into the invoice and its lines; return the VAT breakdown rows."""
    totals = compute_totals(
        [
            LineInput(
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_category=VatCategory(line.vat_category),
                vat_rate=line.vat_rate,
                discount_percent=line.discount_percent,
            )
            for line in lines
        ],
        [
            AllowanceChargeInput(
                is_charge=a.is_charge,
                amount=a.amount,
                vat_category=VatCategory(a.vat_category),
                vat_rate=a.vat_rate,
            )
            for a in allowances
        ],
        currency=invoice.currency,
    )
    for line, result in zip(lines, totals.lines, strict=True):
        line.gross_amount = result.gross_amount
        line.allowance_amount = result.allowance_amount
        line.net_amount = result.net_amount
    invoice.line_total = totals.line_total
    invoice.allowance_total = totals.allowance_total
    invoice.charge_total = totals.charge_total
    invoice.tax_exclusive = totals.tax_exclusive
    invoice.tax_total = totals.tax_total
    invoice.tax_inclusive = totals.tax_inclusive
    cache = exemptions if exemptions is not None else {}
    rows = []
    for vat in totals.vat_breakdown:
        key = (vat.category.value, invoice.language)
        if key not in cache:
            cache[key] = exemption_for(vat.category.value, invoice.language)
        code, text = cache[key]
        rows.append(
            bulk.Row(
                invoice_id=getattr(invoice, "id", None),
                category=vat.category.value,
                rate=vat.rate,
                taxable_amount=vat.taxable_amount,
                tax_amount=vat.tax_amount,
                exemption_code=code,
                exemption_text=text,
            )
        )
    return rows
