"""Well-formed EN 16931 documents for the format tests, with totals from facturo's own
EN 16931 arithmetic (facturo.core.totals), so a test can break exactly one thing."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from facturo.core.totals import AllowanceChargeInput, LineInput, compute_totals
from facturo.core.vat import VatCategory
from facturo.formats.einvoice.model import (
    Address,
    AllowanceCharge,
    Delivery,
    Document,
    DocumentKind,
    Identifier,
    Line,
    Party,
    PaymentMeans,
    PrecedingInvoice,
    Totals,
    VatBreakdown,
)

EXEMPTIONS = {
    "E": ("VATEX-EU-132-1I", "Exempt: vocational training"),
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "K": ("VATEX-EU-IC", "Intra-Community supply"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}


@dataclass
class LineSpec:
    quantity: Decimal
    price: Decimal
    category: str = "S"
    rate: Decimal = Decimal(21)
    discount_percent: Decimal = Decimal(0)
    unit: str = "HUR"
    name: str = "Maintenance"
    period: tuple[date, date] | None = None


@dataclass
class DocSpec:
    lines: list[LineSpec]
    allowances: list[tuple[bool, Decimal, str, Decimal]] = field(default_factory=list)  # charge?, amount, cat, rate
    currency: str = "EUR"
    tax_currency: str = ""
    exchange_rate: Decimal = Decimal(1)
    kind: DocumentKind = DocumentKind.INVOICE
    prepaid: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)


def seller() -> Party:
    return Party(
        name="Verhoef Installatietechniek B.V.",
        address=Address(street="Nijverheidsweg 18", city="Amersfoort", postal_code="3812 PK", country="NL"),
        vat_id="NL123456782B01",
        legal_id=Identifier("32145678", "0106"),
        endpoint=Identifier("32145678", "0106"),
        contact_email="administratie@verhoef.example",
    )


def buyer() -> Party:
    return Party(
        name="Brouwerij De Dijlevallei BV",
        address=Address(street="Bruul 12", city="Mechelen", postal_code="2800", country="BE"),
        vat_id="BE0403019261",
        legal_id=Identifier("0403019261", "0208"),
        endpoint=Identifier("0403019261", "0208"),
    )


def _rate(category: str, rate: Decimal) -> Decimal | None:
    return None if category == "O" else rate


def document(spec: DocSpec) -> Document:
    currency = spec.currency
    totals = compute_totals(
        [
            LineInput(ln.quantity, ln.price, VatCategory(ln.category), ln.rate if ln.category == "S" else Decimal(0),
                      discount_percent=ln.discount_percent)
            for ln in spec.lines
        ],
        [AllowanceChargeInput(c, a, VatCategory(cat), r) for c, a, cat, r in spec.allowances],
        currency=currency,
        prepaid=spec.prepaid,
        rounding=spec.rounding,
    )
    lines = []
    for index, (ln, result) in enumerate(zip(spec.lines, totals.lines, strict=True), start=1):
        allowances = []
        if result.allowance_amount:
            allowances.append(AllowanceCharge(False, result.allowance_amount, "Discount", "95",
                                              result.gross_amount, ln.discount_percent))
        lines.append(
            Line(
                id=str(index),
                quantity=ln.quantity,
                unit_code=ln.unit,
                net_amount=result.net_amount,
                price=ln.price,
                name=f"{ln.name} {index}",
                vat_category=ln.category,
                vat_rate=_rate(ln.category, ln.rate if ln.category == "S" else Decimal(0)),
                allowances_charges=allowances,
                seller_item_id=f"ITEM-{index}",
                period_start=ln.period[0] if ln.period else None,
                period_end=ln.period[1] if ln.period else None,
            )
        )
    categories = {ln.category for ln in spec.lines} | {a[2] for a in spec.allowances}
    outside = categories == {"O"}
    the_seller, the_buyer = seller(), buyer()
    if outside:
        the_seller.vat_id = the_buyer.vat_id = ""
    breakdown = [
        VatBreakdown(
            category=v.category.value,
            rate=_rate(v.category.value, v.rate),
            taxable_amount=v.taxable_amount,
            tax_amount=v.tax_amount,
            exemption_code=EXEMPTIONS.get(v.category.value, ("", ""))[0],
            exemption_reason=EXEMPTIONS.get(v.category.value, ("", ""))[1],
        )
        for v in totals.vat_breakdown
    ]
    has_allowances = bool(spec.allowances)
    tax_accounting = None
    if spec.tax_currency:
        tax_accounting = (totals.tax_total * spec.exchange_rate).quantize(Decimal("0.01"))
    return Document(
        kind=spec.kind,
        number="2026-00042" if spec.kind is DocumentKind.INVOICE else "C2026-00007",
        issue_date=date(2026, 11, 20),
        due_date=date(2026, 12, 20),
        currency=currency,
        tax_currency=spec.tax_currency,
        tax_total_accounting=tax_accounting,
        seller=the_seller,
        buyer=the_buyer,
        lines=lines,
        vat_breakdown=breakdown,
        tax_total=totals.tax_total,
        totals=Totals(
            line_extension=totals.line_total,
            tax_exclusive=totals.tax_exclusive,
            tax_inclusive=totals.tax_inclusive,
            payable=totals.payable,
            allowance_total=totals.allowance_total if has_allowances else None,
            charge_total=totals.charge_total if has_allowances else None,
            prepaid=totals.prepaid if spec.prepaid else None,
            rounding=totals.rounding if spec.rounding else None,
        ),
        buyer_reference="PO-4711",
        contract_reference="SC-2026-001",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        delivery=Delivery(date=date(2026, 11, 15), address=Address(street="Bruul 12", city="Mechelen",
                                                                    postal_code="2800", country="BE"))
        if "K" in categories else None,
        preceding_invoices=[PrecedingInvoice("2026-00041", date(2026, 11, 1))]
        if spec.kind is DocumentKind.CREDIT_NOTE else [],
        payment_means=[PaymentMeans("58", payment_id="RF18539007547034", iban="NL91ABNA0417164300",
                                    bic="ABNANL2A", account_name="Verhoef Installatietechniek B.V.")],
        allowances_charges=[
            AllowanceCharge(c, a, "Volume discount" if not c else "Small order fee", "95" if not c else "",
                            vat_category=cat, vat_rate=_rate(cat, r if cat == "S" else Decimal(0)))
            for c, a, cat, r in spec.allowances
        ],
    )


def simple(**changes) -> Document:
    """A valid two-line invoice at 21 % with one discounted line."""
    spec = DocSpec(lines=[LineSpec(Decimal("3"), Decimal("72.50"), discount_percent=Decimal(10)),
                          LineSpec(Decimal("1"), Decimal("49.00"), unit="C62")])
    for name, value in changes.items():
        setattr(spec, name, value)
    return document(spec)
