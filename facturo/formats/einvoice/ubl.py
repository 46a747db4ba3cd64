"""UBL 2.1 Invoice and CreditNote writer: PEPPOL BIS Billing 3.0 and NLCIUS (SI-UBL 2.0).

Elements are written in the order the UBL 2.1 schema prescribes (Invoice and CreditNote
differ: a credit note has no DueDate and no ProjectReference, its due date goes in
PaymentMeans/PaymentDueDate, and its document AllowanceCharge follows the exchange rates).
Only elements with a value are written (PEPPOL-EN16931-R008: no empty elements).
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Final

from .model import Address, AllowanceCharge, Document, Identifier, Line, Party

NS_CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_INVOICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

PEPPOL_CUSTOMIZATION: Final = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
NLCIUS_CUSTOMIZATION: Final = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
PEPPOL_PROFILE: Final = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

CUSTOMIZATIONS: Final = {"peppol": PEPPOL_CUSTOMIZATION, "nlcius": NLCIUS_CUSTOMIZATION}

# XML 1.0 allows no C0 control characters but tab, newline and carriage return: they are
# dropped from text rather than producing a document no parser accepts.
_DROP: dict[str, str | None] = {chr(c): None for c in range(32) if c not in (9, 10, 13)}
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **_DROP})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", **_DROP})
# `translate` with these tables costs ~6 µs for a 30-character text even when nothing changes;
# most texts need no escaping, and a search for the characters that do is ~10 times cheaper.
_TEXT_SPECIAL = re.compile(r'[&<>\x00-\x08\x0b\x0c\x0e-\x1f]').search
_ATTR_SPECIAL = re.compile(r'[&<>"\x00-\x08\x0b\x0c\x0e-\x1f]').search


def _esc(value: str) -> str:
    """`value` as element text: &, < and > escaped, forbidden control characters dropped."""
    return value.translate(_TEXT_ESCAPES) if _TEXT_SPECIAL(value) else value


def _attr(value: str) -> str:
    """`value` as an attribute value: as `_esc`, and the double quote escaped too."""
    return value.translate(_ATTR_ESCAPES) if _ATTR_SPECIAL(value) else value


def amount(value: Decimal) -> str:
    """A monetary amount with exactly two decimals (BR-DEC-*), never '-0.00'."""
    text = str(value)
    if text[-3:-2] != ".":  # not already two decimals without exponent, as amounts from the database are
        text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def number(value: Decimal) -> str:
    """A quantity, price or percentage as the Decimal holds it, never in exponent notation."""
    text = str(value)
    return f"{value:f}" if "E" in text else text


@functools.lru_cache(maxsize=1024)
def iso(day: date) -> str:
    """The date as YYYY-MM-DD; kept, since a run writes the same few dates thousands of times."""
    return day.isoformat()


class _Xml:
    """An append-only UBL serialiser: every text and attribute value is escaped, every element
    opened is closed. About seven times faster than building an lxml tree, which matters when
    thousands of invoices go out in one run; the tests parse every document it writes."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[str] = []

    def open(self, tag: str) -> None:
        self.parts.append(f"<{tag}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def leaf(self, tag: str, value: str, **attrs: str) -> None:
        if not value:
            return
        if attrs:
            attributes = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items() if v)
            self.parts.append(f"<{tag}{attributes}>{_esc(value)}</{tag}>")
        else:
            self.parts.append(f"<{tag}>{_esc(value)}</{tag}>")

    def money(self, tag: str, value: Decimal, currency: str) -> None:
        self.parts.append(f'<{tag} currencyID="{_attr(currency)}">{amount(value)}</{tag}>')

    def identifier(self, tag: str, identifier: Identifier) -> None:
        self.leaf(tag, identifier.value, schemeID=identifier.scheme)


def _address(x: _Xml, tag: str, address: Address) -> None:
    x.open(tag)
    x.leaf("cbc:StreetName", address.street)
    x.leaf("cbc:AdditionalStreetName", address.additional_street)
    x.leaf("cbc:CityName", address.city)
    x.leaf("cbc:PostalZone", address.postal_code)
    x.leaf("cbc:CountrySubentity", address.subdivision)
    x.open("cac:Country")
    x.leaf("cbc:IdentificationCode", address.country)
    x.close("cac:Country")
    x.close(tag)


def _tax_scheme(x: _Xml, tag: str, value: str) -> None:
    x.open("cac:PartyTaxScheme")
    x.leaf("cbc:CompanyID", value)
    x.parts.append(f"<cac:TaxScheme><cbc:ID>{tag}</cbc:ID></cac:TaxScheme>")
    x.close("cac:PartyTaxScheme")


def _party(x: _Xml, wrapper: str, party: Party, extra_ids: list[Identifier]) -> None:
    x.open(f"cac:{wrapper}")
    x.open("cac:Party")
    if party.endpoint is not None:
        x.identifier("cbc:EndpointID", party.endpoint)
    for identifier in [*party.identifiers, *extra_ids]:
        x.open("cac:PartyIdentification")
        x.identifier("cbc:ID", identifier)
        x.close("cac:PartyIdentification")
    if party.trading_name:
        x.open("cac:PartyName")
        x.leaf("cbc:Name", party.trading_name)
        x.close("cac:PartyName")
    _address(x, "cac:PostalAddress", party.address)
    if party.vat_id:
        _tax_scheme(x, "VAT", party.vat_id)
    if party.tax_registration_id:
        _tax_scheme(x, "TAX", party.tax_registration_id)
    x.open("cac:PartyLegalEntity")
    x.leaf("cbc:RegistrationName", party.name)
    if party.legal_id is not None:
        x.identifier("cbc:CompanyID", party.legal_id)
    x.leaf("cbc:CompanyLegalForm", party.legal_form)
    x.close("cac:PartyLegalEntity")
    if party.contact_name or party.contact_phone or party.contact_email:
        x.open("cac:Contact")
        x.leaf("cbc:Name", party.contact_name)
        x.leaf("cbc:Telephone", party.contact_phone)
        x.leaf("cbc:ElectronicMail", party.contact_email)
        x.close("cac:Contact")
    x.close("cac:Party")
    x.close(f"cac:{wrapper}")


_VAT_SCHEME = "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"


def _tax_category(x: _Xml, tag: str, category: str, rate: Decimal | None, code: str = "", reason: str = "") -> None:
    x.open(tag)
    x.leaf("cbc:ID", category)
    if rate is not None and category != "O":
        x.leaf("cbc:Percent", number(rate))
    x.leaf("cbc:TaxExemptionReasonCode", code)
    x.leaf("cbc:TaxExemptionReason", reason)
    x.parts.append(_VAT_SCHEME)
    x.close(tag)


def _allowance_charge(x: _Xml, item: AllowanceCharge, currency: str, document_level: bool) -> None:
    x.open("cac:AllowanceCharge")
    x.parts.append("<cbc:ChargeIndicator>true</cbc:ChargeIndicator>" if item.is_charge
                   else "<cbc:ChargeIndicator>false</cbc:ChargeIndicator>")
    x.leaf("cbc:AllowanceChargeReasonCode", item.reason_code)
    x.leaf("cbc:AllowanceChargeReason", item.reason)
    if item.percent is not None:
        x.leaf("cbc:MultiplierFactorNumeric", number(item.percent))
    x.money("cbc:Amount", item.amount, currency)
    if item.base_amount is not None:
        x.money("cbc:BaseAmount", item.base_amount, currency)
    if document_level:
        _tax_category(x, "cac:TaxCategory", item.vat_category, item.vat_rate)
    x.close("cac:AllowanceCharge")


@functools.lru_cache(maxsize=1024)
def _period_xml(start: date | None, end: date | None) -> str:
    """The InvoicePeriod element (BG-14 / BG-26), "" without dates; kept, since the lines of a
    run share a few periods."""
    if start is None and end is None:
        return ""
    start_xml = f"<cbc:StartDate>{start.isoformat()}</cbc:StartDate>" if start is not None else ""
    end_xml = f"<cbc:EndDate>{end.isoformat()}</cbc:EndDate>" if end is not None else ""
    return f"<cac:InvoicePeriod>{start_xml}{end_xml}</cac:InvoicePeriod>"


def _line(x: _Xml, line: Line, credit: bool, currency: str) -> None:
    # Lines are most of a document: each is written with a few appends rather than an element
    # at a time. Element order: UBL 2.1 InvoiceLineType / CreditNoteLineType.
    tag, quantity = ("cac:CreditNoteLine", "CreditedQuantity") if credit else ("cac:InvoiceLine", "InvoicedQuantity")
    cur = _attr(currency)
    unit = _attr(line.unit_code)
    parts = x.parts
    note = f"<cbc:Note>{_esc(line.note)}</cbc:Note>" if line.note else ""
    cost = f"<cbc:AccountingCost>{_esc(line.accounting_cost)}</cbc:AccountingCost>" if line.accounting_cost else ""
    order_line = (f"<cac:OrderLineReference><cbc:LineID>{_esc(line.order_line_reference)}</cbc:LineID>"
                  "</cac:OrderLineReference>" if line.order_line_reference else "")
    parts.append(
        f"<{tag}><cbc:ID>{_esc(line.id)}</cbc:ID>{note}"
        f'<cbc:{quantity} unitCode="{unit}">{number(line.quantity)}</cbc:{quantity}>'
        f'<cbc:LineExtensionAmount currencyID="{cur}">{amount(line.net_amount)}</cbc:LineExtensionAmount>'
        f"{cost}{_period_xml(line.period_start, line.period_end)}{order_line}"
    )
    for item in line.allowances_charges:
        _allowance_charge(x, item, currency, document_level=False)
    description = f"<cbc:Description>{_esc(line.description)}</cbc:Description>" if line.description else ""
    seller_id = (f"<cac:SellersItemIdentification><cbc:ID>{_esc(line.seller_item_id)}</cbc:ID>"
                 "</cac:SellersItemIdentification>" if line.seller_item_id else "")
    parts.append(f"<cac:Item>{description}<cbc:Name>{_esc(line.name)}</cbc:Name>{seller_id}")
    if line.standard_item_id is not None:
        x.open("cac:StandardItemIdentification")
        x.identifier("cbc:ID", line.standard_item_id)
        x.close("cac:StandardItemIdentification")
    rate = ""
    if line.vat_rate is not None and line.vat_category != "O":
        rate = f"<cbc:Percent>{number(line.vat_rate)}</cbc:Percent>"
    parts.append(
        f"<cac:ClassifiedTaxCategory><cbc:ID>{_esc(line.vat_category)}</cbc:ID>{rate}{_VAT_SCHEME}"
        f'</cac:ClassifiedTaxCategory></cac:Item><cac:Price><cbc:PriceAmount currencyID="{cur}">'
        f"{number(line.price)}</cbc:PriceAmount>"
    )
    if line.base_quantity is not None:
        parts.append(f'<cbc:BaseQuantity unitCode="{unit}">{number(line.base_quantity)}</cbc:BaseQuantity>')
    if line.price_discount is not None or line.gross_price is not None:
        parts.append(
            f"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
            f'<cbc:Amount currencyID="{cur}">{number(line.price_discount or Decimal(0))}</cbc:Amount>'
        )
        if line.gross_price is not None:
            parts.append(f'<cbc:BaseAmount currencyID="{cur}">{number(line.gross_price)}</cbc:BaseAmount>')
        parts.append("</cac:AllowanceCharge>")
    parts.append(f"</cac:Price></{tag}>")


def write_ubl(doc: Document, customization: str = PEPPOL_CUSTOMIZATION) -> bytes:
    """The UBL 2.1 XML of `doc` as UTF-8 bytes (Invoice or CreditNote by its kind)."""
    credit = doc.is_credit_note
    currency = doc.currency
    root = "CreditNote" if credit else "Invoice"
    x = _Xml()
    x.parts.append(
        f"<?xml version='1.0' encoding='UTF-8'?>\n<{root} xmlns=\"{NS_CREDIT_NOTE if credit else NS_INVOICE}\" "
        f'xmlns:cac="{NS_CAC}" xmlns:cbc="{NS_CBC}">'
    )
    x.leaf("cbc:CustomizationID", customization)
    x.leaf("cbc:ProfileID", PEPPOL_PROFILE)
    x.leaf("cbc:ID", doc.number)
    x.leaf("cbc:IssueDate", iso(doc.issue_date))
    if credit:
        if doc.tax_point_date is not None:
            x.leaf("cbc:TaxPointDate", iso(doc.tax_point_date))
        x.leaf("cbc:CreditNoteTypeCode", doc.kind.value)
        for note in doc.notes:
            x.leaf("cbc:Note", note)
    else:
        if doc.due_date is not None:
            x.leaf("cbc:DueDate", iso(doc.due_date))
        x.leaf("cbc:InvoiceTypeCode", doc.kind.value)
        for note in doc.notes:
            x.leaf("cbc:Note", note)
        if doc.tax_point_date is not None:
            x.leaf("cbc:TaxPointDate", iso(doc.tax_point_date))
    x.leaf("cbc:DocumentCurrencyCode", currency)
    x.leaf("cbc:TaxCurrencyCode", doc.tax_currency)
    x.leaf("cbc:AccountingCost", doc.accounting_cost)
    x.leaf("cbc:BuyerReference", doc.buyer_reference)
    x.parts.append(_period_xml(doc.period_start, doc.period_end))
    if doc.order_reference or doc.sales_order_reference:
        x.open("cac:OrderReference")
        # The UBL order reference needs an ID; "NA" when only the seller's order number is known.
        x.leaf("cbc:ID", doc.order_reference or "NA")
        x.leaf("cbc:SalesOrderID", doc.sales_order_reference)
        x.close("cac:OrderReference")
    for preceding in doc.preceding_invoices:
        x.open("cac:BillingReference")
        x.open("cac:InvoiceDocumentReference")
        x.leaf("cbc:ID", preceding.number)
        if preceding.issue_date is not None:
            x.leaf("cbc:IssueDate", iso(preceding.issue_date))
        x.close("cac:InvoiceDocumentReference")
        x.close("cac:BillingReference")
    if doc.contract_reference:
        x.open("cac:ContractDocumentReference")
        x.leaf("cbc:ID", doc.contract_reference)
        x.close("cac:ContractDocumentReference")
    for attachment in doc.attachments:
        x.open("cac:AdditionalDocumentReference")
        x.leaf("cbc:ID", attachment.id)
        x.leaf("cbc:DocumentDescription", attachment.description)
        if attachment.content is not None or attachment.uri:
            x.open("cac:Attachment")
            if attachment.content is not None:
                x.leaf("cbc:EmbeddedDocumentBinaryObject", base64.b64encode(attachment.content).decode("ascii"),
                       mimeCode=attachment.mime_type, filename=attachment.filename)
            if attachment.uri:
                x.open("cac:ExternalReference")
                x.leaf("cbc:URI", attachment.uri)
                x.close("cac:ExternalReference")
            x.close("cac:Attachment")
        x.close("cac:AdditionalDocumentReference")
    if doc.project_reference:
        if credit:
            x.open("cac:AdditionalDocumentReference")
            x.leaf("cbc:ID", doc.project_reference)
            x.leaf("cbc:DocumentTypeCode", "50")
            x.close("cac:AdditionalDocumentReference")
        else:
            x.open("cac:ProjectReference")
            x.leaf("cbc:ID", doc.project_reference)
            x.close("cac:ProjectReference")

    creditor_ids = [Identifier(pm.creditor_id, "SEPA") for pm in doc.payment_means if pm.creditor_id][:1]
    _party(x, "AccountingSupplierParty", doc.seller, creditor_ids)
    _party(x, "AccountingCustomerParty", doc.buyer, [])

    delivery = doc.delivery
    if delivery is not None:
        x.open("cac:Delivery")
        if delivery.date is not None:
            x.leaf("cbc:ActualDeliveryDate", iso(delivery.date))
        if delivery.location_id is not None or delivery.address is not None:
            x.open("cac:DeliveryLocation")
            if delivery.location_id is not None:
                x.identifier("cbc:ID", delivery.location_id)
            if delivery.address is not None:
                _address(x, "cac:Address", delivery.address)
            x.close("cac:DeliveryLocation")
        if delivery.party_name:
            x.open("cac:DeliveryParty")
            x.open("cac:PartyName")
            x.leaf("cbc:Name", delivery.party_name)
            x.close("cac:PartyName")
            x.close("cac:DeliveryParty")
        x.close("cac:Delivery")

    for means in doc.payment_means:
        x.open("cac:PaymentMeans")
        x.leaf("cbc:PaymentMeansCode", means.code, name=means.text)
        if credit and doc.due_date is not None:
            x.leaf("cbc:PaymentDueDate", iso(doc.due_date))
        x.leaf("cbc:PaymentID", means.payment_id)
        if means.iban:
            x.open("cac:PayeeFinancialAccount")
            x.leaf("cbc:ID", means.iban)
            x.leaf("cbc:Name", means.account_name)
            if means.bic:
                x.open("cac:FinancialInstitutionBranch")
                x.leaf("cbc:ID", means.bic)
                x.close("cac:FinancialInstitutionBranch")
            x.close("cac:PayeeFinancialAccount")
        if means.mandate_id or means.debited_account:
            x.open("cac:PaymentMandate")
            x.leaf("cbc:ID", means.mandate_id)
            if means.debited_account:
                x.open("cac:PayerFinancialAccount")
                x.leaf("cbc:ID", means.debited_account)
                x.close("cac:PayerFinancialAccount")
            x.close("cac:PaymentMandate")
        x.close("cac:PaymentMeans")
    if doc.payment_terms:
        x.open("cac:PaymentTerms")
        x.leaf("cbc:Note", doc.payment_terms)
        x.close("cac:PaymentTerms")

    for item in doc.allowances_charges:
        _allowance_charge(x, item, currency, document_level=True)

    x.open("cac:TaxTotal")
    x.money("cbc:TaxAmount", doc.tax_total, currency)
    for vat in doc.vat_breakdown:
        x.open("cac:TaxSubtotal")
        x.money("cbc:TaxableAmount", vat.taxable_amount, currency)
        x.money("cbc:TaxAmount", vat.tax_amount, currency)
        _tax_category(x, "cac:TaxCategory", vat.category, vat.rate, vat.exemption_code, vat.exemption_reason)
        x.close("cac:TaxSubtotal")
    x.close("cac:TaxTotal")
    if doc.tax_currency and doc.tax_total_accounting is not None:
        x.open("cac:TaxTotal")
        x.money("cbc:TaxAmount", doc.tax_total_accounting, doc.tax_currency)
        x.close("cac:TaxTotal")

    totals = doc.totals
    x.open("cac:LegalMonetaryTotal")
    x.money("cbc:LineExtensionAmount", totals.line_extension, currency)
    x.money("cbc:TaxExclusiveAmount", totals.tax_exclusive, currency)
    x.money("cbc:TaxInclusiveAmount", totals.tax_inclusive, currency)
    if totals.allowance_total is not None:
        x.money("cbc:AllowanceTotalAmount", totals.allowance_total, currency)
    if totals.charge_total is not None:
        x.money("cbc:ChargeTotalAmount", totals.charge_total, currency)
    if totals.prepaid is not None:
        x.money("cbc:PrepaidAmount", totals.prepaid, currency)
    if totals.rounding is not None:
        x.money("cbc:PayableRoundingAmount", totals.rounding, currency)
    x.money("cbc:PayableAmount", totals.payable, currency)
    x.close("cac:LegalMonetaryTotal")

    for line in doc.lines:
        _line(x, line, credit, currency)
    x.parts.append(f"</{root}>")
    return "".join(x.parts).encode("utf-8")


def nlcius_variant(doc: Document) -> Document:
    """`doc` as NLCIUS prefers it from a Dutch supplier: without what SI-UBL 2.0 advises
    against (BR-NL-24 preceding invoice date, BR-NL-29 payment means text, BR-NL-30 account
    name, BR-NL-31 BIC on SEPA payments, BR-NL-32 allowance reason codes, BR-NL-35 VATEX
    codes), each replaced by its text where the rules need one. Other suppliers: unchanged."""
    if doc.seller.address.country != "NL":
        return doc

    def allowance(item: AllowanceCharge) -> AllowanceCharge:
        if not item.reason_code:
            return item
        return replace(item, reason=item.reason or item.reason_code, reason_code="")

    return replace(
        doc,
        preceding_invoices=[replace(p, issue_date=None) for p in doc.preceding_invoices],
        payment_means=[
            replace(m, text="", account_name="", bic="" if m.code in ("58", "59") else m.bic)
            for m in doc.payment_means
        ],
        allowances_charges=[allowance(a) for a in doc.allowances_charges],
        lines=[replace(line, allowances_charges=[allowance(a) for a in line.allowances_charges]) for line in doc.lines],
        vat_breakdown=[
            replace(v, exemption_code="", exemption_reason=v.exemption_reason or v.exemption_code)
            if v.exemption_code else v
            for v in doc.vat_breakdown
        ],
    )
