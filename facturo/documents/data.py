"""The data a layout gets: an issued invoice turned into plain JSON in the customer's language.

Amounts, dates and units are formatted here, so a layout only places text; nothing a layout
receives is Typst code (the data travels as JSON and is read with Typst's `json`)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import segno

from facturo.core.money import ZERO
from facturo.invoicing.models import Invoice, InvoiceAllowanceCharge, InvoiceLine, InvoiceVatLine

from .labels import DATE_FORMATS, LABELS, NUMBER_SYMBOLS, UNITS, language_of

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Branding:
    primary: str = "#1f4e79"
    accent: str = "#e8eef5"
    logo_path: str | None = None  # inside the compile root, e.g. "/logo-<sha>.png"
    footer_text: str = ""
    show_open_items: bool = False


def format_amount(value: Decimal, language: str, places: int = 2) -> str:
    decimal_mark, group = NUMBER_SYMBOLS[language]
    quantized = Decimal(value).quantize(Decimal(1).scaleb(-places))
    sign = "-" if quantized < 0 else ""
    whole, _, fraction = f"{abs(quantized):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = group.join(groups)
    return f"{sign}{text}{decimal_mark}{fraction}" if places else f"{sign}{text}"


def format_quantity(value: Decimal, language: str) -> str:
    """Quantities without trailing zeros, at least no decimals (3, 2,5, 0,125)."""
    normal = Decimal(value).normalize()
    places = max(0, -normal.as_tuple().exponent)  # type: ignore[operator]
    return format_amount(Decimal(value), language, places=places)


def format_money(value: Decimal, currency: str, language: str) -> str:
    return f"{currency} {format_amount(value, language)}"


def format_date(value: date | None, language: str) -> str:
    return value.strftime(DATE_FORMATS[language]) if value else ""


def format_period(start: date | None, end: date | None, language: str) -> str:
    if not start:
        return ""
    if not end or end == start:
        return format_date(start, language)
    return f"{format_date(start, language)} – {format_date(end, language)}"


def format_rate(rate: Decimal, language: str) -> str:
    return f"{format_quantity(rate, language)}%"


def address_lines(party: dict[str, Any]) -> list[str]:
    lines = [party.get("street") or ""]
    lines.append(" ".join(x for x in (party.get("postal_code") or "", party.get("city") or "") if x))
    if party.get("country"):
        lines.append(party["country"])
    return [line for line in lines if line]


# EPC069-12 (version 002) limits and the character sets it numbers; UTF-8 is 1.
EPC_CHARSETS = ("utf-8", "iso-8859-1")
EPC_MAX_BYTES = 331
# A fixed data mask. ISO/IEC 18004 lets the encoder pick any of the eight masks (the chosen one
# is written into the code's format information, which every reader decodes first); scoring
# all eight in pure Python to pick the "best" cost ~5 ms per code, five times the encoding.
# Every mask reads back (tests/documents/test_qr.py decodes codes made with it).
EPC_QR_MASK = 0


def epc_payload(name: str, iban: str, bic: str, amount: Decimal, reference: str) -> bytes | None:
    """The text of an EPC069-12 SEPA credit transfer QR code (the "GiroCode"), version 002;
    None when the data cannot make a valid one (no IBAN, amount out of range, too long).

    A creditor reference (ISO 11649, "RF…") goes into the structured remittance field,
    anything else into the unstructured text (at most 140 characters)."""
    name = name.strip()[:70].strip()
    iban = iban.replace(" ", "").upper()
    bic = bic.replace(" ", "").upper()
    if not name or not 4 < len(iban) <= 34 or len(bic) not in (0, 8, 11):
        return None
    if not (CENT <= amount <= Decimal("999999999.99")) or amount != amount.quantize(CENT):
        return None
    compact = reference.replace(" ", "").upper()
    structured = compact if compact.startswith("RF") and len(compact) <= 35 else ""
    text = "" if structured else reference.strip()[:140].rstrip()
    fields = ["BCD", "002", "", "SCT", bic, name, iban, f"EUR{amount.quantize(CENT):f}", "", structured, text]
    while fields[-1] == "":
        fields.pop()
    for number, charset in ((2, "iso-8859-1"), (1, "utf-8")):
        fields[2] = str(number)
        try:
            payload = "\n".join(fields).encode(charset)
        except UnicodeEncodeError:
            continue
        return payload if len(payload) <= EPC_MAX_BYTES else None
    return None  # pragma: no cover - UTF-8 encodes every str


def epc_qr(name: str, iban: str, bic: str, amount: Decimal, reference: str) -> segno.QRCode | None:
    """The EPC QR code: error correction level M as EPC069-12 requires (never boosted), at
    most version 13, with the fixed mask above."""
    payload = epc_payload(name, iban, bic, amount, reference)
    if payload is None:
        return None
    qr = segno.make_qr(payload, error="m", boost_error=False, mask=EPC_QR_MASK)
    return qr if qr.version <= 13 else None


@lru_cache(maxsize=4096)
def epc_qr_svg(name: str, iban: str, bic: str, amount: Decimal, reference: str) -> str | None:
    """The EPC QR code as SVG text for the layout, or None (see `epc_payload`). Cached: one
    invoice is rendered for preview, mail and print."""
    qr = epc_qr(name, iban, bic, amount, reference)
    return None if qr is None else qr_svg(qr.matrix)


_DARK_RUN = re.compile(rb"\x01+")


def qr_svg(matrix: Sequence[bytes | bytearray]) -> str:
    """A QR matrix (rows of 0/1 bytes, no quiet zone) as an SVG of one module per unit: each run
    of dark modules in a row is a horizontal line one unit thick, as segno draws it. Written
    here because segno's SVG writer walks every module in Python (~1 ms per code, a third of
    the data a PDF needs); a regular expression finds the runs in a few dozen µs."""
    size = len(matrix)
    path = "".join(
        f"M{run.start()} {y}.5h{run.end() - run.start()}"
        for y, row in enumerate(matrix)
        for run in _DARK_RUN.finditer(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<path stroke="#000" d="{path}"/></svg>'
    )


def _line_detail(line: InvoiceLine, labels: dict[str, str], lang: str, site_names: dict[int, str]) -> str:
    """The small print under a line: service period, site, discount."""
    parts = []
    if line.period_start:
        parts.append(f"{labels['service_period']}: {format_period(line.period_start, line.period_end, lang)}")
    if line.site_id and site_names.get(line.site_id):
        parts.append(f"{labels['site']}: {site_names[line.site_id]}")
    if line.discount_percent:
        parts.append(f"{labels['discount']}: {format_rate(line.discount_percent, lang)}")
    return " · ".join(parts)


@dataclass
class OpenItem:
    number: str
    issue_date: date
    due_date: date | None
    amount_open: Decimal


@dataclass(frozen=True)
class DirectDebit:
    """The pre-notification of a SEPA direct debit (from payments), as the document words it."""

    amount: Decimal
    collect_on: date
    debtor_iban: str  # already masked
    mandate_reference: str
    creditor_id: str


def direct_debit_text(debit: DirectDebit, currency: str, language: str) -> str:
    """The pre-notification sentence in the customer's language."""
    lang = language_of(language)
    return LABELS[lang]["direct_debit_text"].format(
        amount=format_money(debit.amount, currency, lang),
        date=format_date(debit.collect_on, lang),
        iban=debit.debtor_iban,
        mandate=debit.mandate_reference,
        creditor=debit.creditor_id,
    )


def accounting_vat(invoice: Invoice, language: str) -> dict[str, str] | None:
    """The VAT total of a foreign-currency invoice in the administration's currency, with the
    rate and its date (required on the document in NL, BE and PL); None when there is none."""
    if invoice.tax_total_accounting is None or not invoice.tax_currency or invoice.exchange_rate is None:
        return None
    lang = language_of(language)
    labels = LABELS[lang]
    words = {
        "amount": format_money(invoice.tax_total_accounting, invoice.tax_currency, lang),
        "foreign": invoice.currency,
        "currency": invoice.tax_currency,
        "rate": format_quantity(invoice.exchange_rate, lang),
        "date": format_date(invoice.exchange_rate_date, lang),
    }
    text = labels["accounting_vat_text" if invoice.exchange_rate_date else "accounting_vat_text_undated"]
    return {"heading": labels["accounting_vat"].format(**words), "text": text.format(**words)}


def document_data(
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    vat_lines: Sequence[InvoiceVatLine],
    allowances: Sequence[InvoiceAllowanceCharge],
    *,
    site_names: dict[int, str],
    corrects_number: str | None,
    branding: Branding,
    open_items: Sequence[OpenItem] = (),
    attachments: Sequence[dict[str, str]] = (),
    direct_debit: DirectDebit | None = None,
) -> dict[str, Any]:
    lang = language_of(invoice.language)
    labels = LABELS[lang]
    units = UNITS[lang]
    currency = invoice.currency
    seller = invoice.seller_snapshot or {}
    buyer = invoice.buyer_snapshot or {}
    is_credit = invoice.kind == "credit_note"

    def money(value: Decimal) -> str:
        return format_money(value, currency, lang)

    facts = [[labels["number"], invoice.number or ""], [labels["issue_date"], format_date(invoice.issue_date, lang)]]
    if invoice.due_date and not is_credit:
        facts.append([labels["due_date"], format_date(invoice.due_date, lang)])
    if buyer.get("number"):
        facts.append([labels["customer_number"], buyer["number"]])
    if invoice.period_start:
        facts.append([labels["period"], format_period(invoice.period_start, invoice.period_end, lang)])
    if corrects_number:
        facts.append([labels["corrects"], corrects_number])
    for name in ("buyer_reference", "order_reference", "contract_reference"):
        value = getattr(invoice, name)
        if value:
            facts.append([labels[name], value])
    if invoice.payment_reference and not is_credit:
        facts.append([labels["payment_reference"], invoice.payment_reference])

    totals = [[labels["line_total"], money(invoice.line_total)]]
    if invoice.allowance_total:
        totals.append([labels["allowance_total"], money(-invoice.allowance_total)])
    if invoice.charge_total:
        totals.append([labels["charge_total"], money(invoice.charge_total)])
    totals.append([labels["tax_exclusive"], money(invoice.tax_exclusive)])
    totals.append([labels["tax_total"], money(invoice.tax_total)])
    if is_credit:
        grand = [labels["to_refund"], money(invoice.tax_inclusive)]
        totals.append([labels["tax_inclusive"], money(invoice.tax_inclusive)])
    elif invoice.amount_paid or invoice.amount_credited:
        totals.append([labels["tax_inclusive"], money(invoice.tax_inclusive)])
        settled = invoice.amount_paid + invoice.amount_credited
        totals.append([labels["paid"], money(-settled)])
        grand = [labels["to_pay"], money(invoice.amount_open)]
    else:
        grand = [labels["tax_inclusive"], money(invoice.tax_inclusive)]

    iban = seller.get("iban") or ""
    bic = seller.get("bic") or ""
    qr = None
    if is_credit:
        payment_lines = [
            labels["credit_text"].format(corrects=corrects_number or "", amount=money(invoice.tax_inclusive))
        ]
    elif invoice.amount_open <= ZERO:
        payment_lines = [labels["paid_text"]]
    elif direct_debit is not None:
        # Collected by direct debit: no request to transfer, no QR code that invites paying twice.
        payment_lines = [labels["direct_debit_pay_text"]]
    else:
        payment_lines = [
            labels["pay_text"].format(
                amount=money(invoice.amount_open),
                due_date=format_date(invoice.due_date, lang),
                iban=iban,
                bic=f" ({labels['bic']} {bic})" if bic else "",
                reference=invoice.payment_reference,
            )
        ]
        if currency == "EUR":
            qr = epc_qr_svg(seller.get("name", ""), iban, bic, invoice.amount_open, invoice.payment_reference)

    footer = [seller.get("name", "")]
    if seller.get("vat_number"):
        footer.append(f"{labels['vat_number']} {seller['vat_number']}")
    if seller.get("registration_number"):
        footer.append(f"{labels['registration_number']} {seller['registration_number']}")
    if iban:
        footer.append(f"{labels['iban']} {iban}" + (f" · {labels['bic']} {bic}" if bic else ""))
    if branding.footer_text:
        footer.append(branding.footer_text)

    return {
        "kind": invoice.kind,
        "lang": lang,
        "labels": labels,
        "title": f"{labels['credit_note' if is_credit else 'invoice']} {invoice.number or ''}".strip(),
        "number": invoice.number or "",
        "currency": currency,
        "seller": {
            "name": seller.get("name", ""),
            "address": address_lines(seller),
            "vat_number": seller.get("vat_number") or "",
            "registration_number": seller.get("registration_number") or "",
            "email": seller.get("email") or "",
            "phone": seller.get("phone") or "",
            "iban": iban,
            "bic": bic,
        },
        "buyer": {
            "name": buyer.get("name", ""),
            "number": buyer.get("number") or "",
            "address": address_lines(buyer),
            "vat_number": buyer.get("vat_number") or "",
        },
        "facts": facts,
        "lines": [
            {
                "description": line.description,
                "quantity": format_quantity(line.quantity, lang),
                "unit": units.get(line.unit, line.unit),
                "unit_price": format_amount(
                    line.unit_price, lang, places=2 if line.unit_price == line.unit_price.quantize(CENT) else 4
                ),
                "discount": format_rate(line.discount_percent, lang) if line.discount_percent else "",
                "vat": format_rate(line.vat_rate, lang) if line.vat_category == "S" else line.vat_category,
                "net": format_amount(line.net_amount, lang),
                "period": format_period(line.period_start, line.period_end, lang),
                "site": site_names.get(line.site_id, "") if line.site_id else "",
                "detail": _line_detail(line, labels, lang, site_names),
            }
            for line in lines
        ],
        "allowances": [
            {
                "label": f"{labels['charge' if a.is_charge else 'allowance']}: {a.reason}",
                "vat": format_rate(a.vat_rate, lang) if a.vat_category == "S" else a.vat_category,
                "amount": format_amount(a.amount if a.is_charge else -a.amount, lang),
            }
            for a in allowances
        ],
        "vat": [
            {
                "category": f"{v.category} · {labels['cat_' + v.category]}",
                "rate": format_rate(v.rate, lang),
                "base": format_amount(v.taxable_amount, lang),
                "tax": format_amount(v.tax_amount, lang),
                "exemption": v.exemption_text,
            }
            for v in vat_lines
        ],
        "totals": totals,
        "grand_total": grand,
        "amounts": {
            "tax_exclusive": f"{invoice.tax_exclusive:.2f}",
            "tax_total": f"{invoice.tax_total:.2f}",
            "tax_inclusive": f"{invoice.tax_inclusive:.2f}",
            "amount_open": f"{invoice.amount_open:.2f}",
        },
        "payment": {
            "heading": labels["payment"],
            "lines": payment_lines,
            "reference": invoice.payment_reference,
            "due_date": format_date(invoice.due_date, lang),
            "qr": qr,
        },
        "note": invoice.note or "",
        "accounting_vat": accounting_vat(invoice, lang),
        "direct_debit": (
            {"heading": labels["direct_debit"], "text": direct_debit_text(direct_debit, currency, lang)}
            if direct_debit is not None and not is_credit and invoice.amount_open > ZERO
            else None
        ),
        "open_items": [
            {
                "number": item.number,
                "issue_date": format_date(item.issue_date, lang),
                "due_date": format_date(item.due_date, lang),
                "open": money(item.amount_open),
            }
            for item in open_items
        ],
        "branding": {
            "primary": branding.primary,
            "accent": branding.accent,
            "logo": branding.logo_path,
        },
        "footer": footer,
        "attachments": list(attachments),
    }
