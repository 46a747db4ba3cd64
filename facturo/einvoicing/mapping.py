"""From an issued facturo invoice (its snapshots, lines, VAT rows and references) to the
EN 16931 semantic model the writers and the validator work on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from facturo.db.bulk import among
from facturo.formats.einvoice import codes
from facturo.formats.einvoice.model import (
    Address,
    AllowanceCharge,
    Attachment,
    Delivery,
    Document,
    DocumentKind,
    Identifier,
    Line,
    Party,
    PaymentMeans,
    PaymentMeansCode,
    PrecedingInvoice,
    Totals,
    VatBreakdown,
)
from facturo.invoicing.models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceVatLine

_ZERO = Decimal(0)
DISCOUNT_REASON = "Discount"
DISCOUNT_REASON_CODE = "95"  # UNCL 5189: discount


def seller_endpoint(snapshot: dict[str, Any]) -> Identifier | None:
    """The administration's PEPPOL address: its enterprise number in Belgium, KvK in the
    Netherlands, otherwise its VAT number under the country's VAT scheme."""
    country = snapshot.get("country", "")
    registration = snapshot.get("registration_number", "")
    vat = snapshot.get("vat_number", "")
    if country == "BE" and registration:
        return Identifier(registration, "0208")
    if country == "NL" and registration:
        return Identifier(registration, "0106")
    if vat and vat[:2] in codes.VAT_EAS_BY_COUNTRY:
        return Identifier(vat, codes.VAT_EAS_BY_COUNTRY[vat[:2]])
    return None


def buyer_endpoint(snapshot: dict[str, Any]) -> Identifier | None:
    """The customer's PEPPOL endpoint as recorded; else one derived from their enterprise
    number (BE, 0208) or VAT number (the country's VAT scheme); None for consumers."""
    if snapshot.get("peppol_scheme") and snapshot.get("peppol_id"):
        return Identifier(snapshot["peppol_id"], snapshot["peppol_scheme"])
    if snapshot.get("category") == "consumer":
        return None
    country = snapshot.get("country", "")
    registration = snapshot.get("registration_number", "")
    vat = snapshot.get("vat_number", "")
    if country == "BE" and registration:
        return Identifier(registration, "0208")
    if vat and vat[:2] in codes.VAT_EAS_BY_COUNTRY:
        return Identifier(vat, codes.VAT_EAS_BY_COUNTRY[vat[:2]])
    return None


def _legal_id(snapshot: dict[str, Any]) -> Identifier | None:
    registration = snapshot.get("registration_number", "")
    if not registration:
        # A Dutch public body without a KvK number is registered by its OIN, its PEPPOL address.
        if snapshot.get("peppol_scheme") == "0190" and snapshot.get("peppol_id"):
            return Identifier(snapshot["peppol_id"], "0190")
        return None
    return Identifier(registration, codes.LEGAL_ID_SCHEME_BY_COUNTRY.get(snapshot.get("country", ""), ""))


def _party(snapshot: dict[str, Any], endpoint: Identifier | None, *, outside_scope: bool) -> Party:
    return Party(
        name=snapshot.get("name", ""),
        address=Address(
            street=snapshot.get("street", ""),
            city=snapshot.get("city", ""),
            postal_code=snapshot.get("postal_code", ""),
            country=snapshot.get("country", ""),
        ),
        # BR-O-02: a document outside the scope of VAT shows no VAT numbers at all.
        vat_id="" if outside_scope else snapshot.get("vat_number", ""),
        legal_id=_legal_id(snapshot),
        endpoint=endpoint,
        contact_phone=snapshot.get("phone", ""),
        contact_email=snapshot.get("email", ""),
    )


def _rate(category: str, rate: Decimal) -> Decimal | None:
    return None if category == "O" else rate


class LineRow(NamedTuple):
    """What the model takes from an invoice line, with its item's code and its site's."""

    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    vat_category: str
    vat_rate: Decimal
    period_start: date | None
    period_end: date | None
    gross_amount: Decimal
    allowance_amount: Decimal
    net_amount: Decimal
    item_code: str | None
    site_code: str | None
    site_name: str | None


class AllowanceRow(NamedTuple):
    is_charge: bool
    amount: Decimal
    reason: str
    vat_category: str
    vat_rate: Decimal


class VatRow(NamedTuple):
    category: str
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_code: str
    exemption_text: str


class Rows(NamedTuple):
    """An invoice's lines (by position), document allowances and charges, and VAT rows (by
    category and rate, as the VAT lines' own ordering has them)."""

    lines: list[LineRow]
    allowances: list[AllowanceRow]
    vat: list[VatRow]


# The attribute `load_rows` sets on each invoice it reads for (like a prefetch's to_attr).
ROWS = "einvoice_rows"
_LINE_COLUMNS = LineRow._fields[:-3]
_LINE_FIELDS = (*_LINE_COLUMNS, "item__code", "site__code", "site__name")
_ALLOWANCE_FIELDS = AllowanceRow._fields
_VAT_FIELDS = VatRow._fields


def load_rows(invoices: Sequence[Invoice]) -> None:
    """Read the rows `to_document` needs for all of `invoices` in three queries, as tuples:
    building a model instance per line cost more than mapping, validating and writing it."""
    ids = [invoice.pk for invoice in invoices]
    rows = {pk: Rows([], [], []) for pk in ids}
    if ids:
        lines = InvoiceLine.objects.filter(among("invoice_id", ids)).order_by("invoice_id", "position")
        for invoice_id, *values in lines.values_list("invoice_id", *_LINE_FIELDS):
            rows[invoice_id].lines.append(LineRow(*values))
        allowances = InvoiceAllowanceCharge.objects.filter(among("invoice_id", ids)).order_by("invoice_id", "id")
        for invoice_id, *values in allowances.values_list("invoice_id", *_ALLOWANCE_FIELDS):
            rows[invoice_id].allowances.append(AllowanceRow(*values))
        vat = InvoiceVatLine.objects.filter(among("invoice_id", ids)).order_by("invoice_id", "category", "-rate")
        for invoice_id, *values in vat.values_list("invoice_id", *_VAT_FIELDS):
            rows[invoice_id].vat.append(VatRow(*values))
    for invoice in invoices:
        setattr(invoice, ROWS, rows[invoice.pk])


def rows_of(invoice: Invoice) -> Rows:
    """The invoice's rows: as `load_rows` left them, else from its prefetched relations
    (documents read lines as models for the PDF), else read now."""
    loaded = getattr(invoice, ROWS, None)
    if loaded is not None:
        return loaded  # type: ignore[no-any-return]
    cache = getattr(invoice, "_prefetched_objects_cache", {})
    if not {"lines", "allowances_charges", "vat_lines"} <= cache.keys():
        load_rows([invoice])
        return getattr(invoice, ROWS)  # type: ignore[no-any-return]
    lines = [
        LineRow._make([
            *(getattr(line, name) for name in _LINE_COLUMNS),
            line.item.code if line.item_id else None,
            line.site.code if line.site_id else None,
            line.site.name if line.site_id else None,
        ])
        for line in cache["lines"]
    ]
    allowances = [AllowanceRow(*(getattr(a, name) for name in _ALLOWANCE_FIELDS)) for a in cache["allowances_charges"]]
    vat = [VatRow(*(getattr(v, name) for name in _VAT_FIELDS)) for v in cache["vat_lines"]]
    return Rows(lines, allowances, vat)


def to_document(invoice: Invoice, attachments: Sequence[Any] = ()) -> Document:
    """The semantic model of an issued invoice or credit note."""
    seller_snapshot = invoice.seller_snapshot or {}
    buyer_snapshot = invoice.buyer_snapshot or {}
    currency = invoice.currency
    lines, allowances, vat_rows = rows_of(invoice)
    outside_scope = bool(vat_rows) and all(v.category == "O" for v in vat_rows)

    doc_lines = []
    for line in lines:
        line_allowances = []
        if line.allowance_amount:
            line_allowances.append(
                AllowanceCharge(
                    is_charge=False,
                    amount=line.allowance_amount,
                    reason=DISCOUNT_REASON,
                    reason_code=DISCOUNT_REASON_CODE,
                    base_amount=line.gross_amount,
                    percent=line.discount_percent.normalize() if line.discount_percent else None,
                )
            )
        doc_lines.append(
            Line(
                id=str(line.position),
                quantity=line.quantity.normalize(),
                unit_code=line.unit,
                net_amount=line.net_amount,
                price=line.unit_price.normalize(),
                name=line.description[:200],
                vat_category=line.vat_category,
                vat_rate=_rate(line.vat_category, line.vat_rate.normalize()),
                allowances_charges=line_allowances,
                seller_item_id=line.item_code or "",
                period_start=line.period_start,
                period_end=line.period_end,
                note=f"{line.site_code} {line.site_name}" if line.site_code is not None else "",
            )
        )

    document_allowances = [
        AllowanceCharge(
            is_charge=a.is_charge,
            amount=a.amount,
            reason=a.reason or ("Charge" if a.is_charge else "Discount"),
            vat_category=a.vat_category,
            vat_rate=_rate(a.vat_category, a.vat_rate.normalize()),
        )
        for a in allowances
    ]
    breakdown = [
        VatBreakdown(
            category=v.category,
            rate=_rate(v.category, v.rate.normalize()),
            taxable_amount=v.taxable_amount,
            tax_amount=v.tax_amount,
            exemption_reason=v.exemption_text if v.category not in ("S", "Z") else "",
            exemption_code=v.exemption_code if v.category not in ("S", "Z") else "",
        )
        for v in vat_rows
    ]

    buyer = _party(buyer_snapshot, buyer_endpoint(buyer_snapshot), outside_scope=outside_scope)
    seller = _party(seller_snapshot, seller_endpoint(seller_snapshot), outside_scope=outside_scope)

    means = _payment_means(invoice, seller_snapshot)

    delivery = None
    site = invoice.site if invoice.site_id else None
    categories = {line.vat_category for line in lines}
    if site is not None:
        delivery = Delivery(
            party_name=site.name,
            address=Address(street=site.street, city=site.city, postal_code=site.postal_code, country=site.country),
        )
    elif "K" in categories:
        delivery = Delivery(address=Address(
            street=buyer.address.street, city=buyer.address.city,
            postal_code=buyer.address.postal_code, country=buyer.address.country,
        ))
    if "K" in categories and not (invoice.period_start or invoice.period_end):
        delivery = delivery or Delivery()
        ends = [line.period_end for line in lines if line.period_end]
        delivery.date = max(ends) if ends else invoice.issue_date

    preceding = []
    if invoice.corrects_id:
        original = invoice.corrects
        preceding.append(PrecedingInvoice(original.number or "", original.issue_date))

    attached = [
        Attachment(
            id=a.filename,
            description=a.description,
            filename=a.filename,
            mime_type=a.mime_type,
            content=a.content,
        )
        for a in attachments
    ]
    kind = DocumentKind.CREDIT_NOTE if invoice.kind == "credit_note" else DocumentKind.INVOICE
    assert invoice.issue_date is not None
    return Document(
        kind=kind,
        number=invoice.number or "",
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=currency,
        seller=seller,
        buyer=buyer,
        lines=doc_lines,
        vat_breakdown=breakdown,
        tax_total=invoice.tax_total,
        tax_currency=invoice.tax_currency if invoice.tax_total_accounting is not None else "",
        tax_total_accounting=invoice.tax_total_accounting,
        exchange_rate=invoice.exchange_rate,
        totals=Totals(
            line_extension=invoice.line_total,
            tax_exclusive=invoice.tax_exclusive,
            tax_inclusive=invoice.tax_inclusive,
            payable=invoice.tax_inclusive,
            allowance_total=invoice.allowance_total if document_allowances else None,
            charge_total=invoice.charge_total if document_allowances else None,
        ),
        notes=[invoice.note[:1000]] if invoice.note else [],
        buyer_reference=invoice.buyer_reference or _fallback_buyer_reference(invoice, buyer_snapshot),
        order_reference=invoice.order_reference,
        contract_reference=invoice.contract_reference,
        preceding_invoices=preceding,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        delivery=delivery,
        payment_means=means,
        allowances_charges=document_allowances,
        attachments=attached,
    )


SEPA_DIRECT_DEBIT_NAME = "SEPA direct debit"


def _payment_means(invoice: Invoice, seller: dict[str, Any]) -> list[PaymentMeans]:
    """BG-16: a customer with an active mandate pays by direct debit (BG-19: mandate, creditor
    identifier, debited account) and is not asked to transfer as well; others by transfer to
    the administration's account (SEPA in euro, else a plain credit transfer)."""
    from facturo.payments.prenotification import collecting_mandate  # payments' models load after these

    payment_id = invoice.payment_reference or (invoice.number or "")
    collecting = collecting_mandate(invoice)
    if collecting is not None:
        sepa = invoice.currency == "EUR"
        return [
            PaymentMeans(
                code=PaymentMeansCode.SEPA_DIRECT_DEBIT if sepa else PaymentMeansCode.DIRECT_DEBIT,
                text=SEPA_DIRECT_DEBIT_NAME if sepa else "",
                payment_id=payment_id,
                mandate_id=collecting.mandate.reference,
                creditor_id=collecting.account.creditor_id,
                debited_account="".join(collecting.mandate.debtor_iban.split()).upper(),
            )
        ]
    if not seller.get("iban"):
        return []
    return [
        PaymentMeans(
            code="58" if invoice.currency == "EUR" and seller["iban"][:2] != "PL" else "30",
            payment_id=payment_id,
            iban=seller["iban"],
            account_name=seller.get("name", ""),
            bic=seller.get("bic", ""),
        )
    ]


def _fallback_buyer_reference(invoice: Invoice, buyer: dict[str, Any]) -> str:
    """PEPPOL needs a buyer reference or an order number (PEPPOL-EN16931-R003). A business
    customer that gave neither is referred to by the contract or our customer number; a
    public body must give its own reference, so it gets none here and the check says so."""
    if invoice.order_reference or buyer.get("category") == "government":
        return ""
    return invoice.contract_reference or buyer.get("number", "")
