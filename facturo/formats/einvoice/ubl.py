"""UBL 2.1 Invoice and CreditNote writer: PEPPOL BIS Billing 3.0 and NLCIUS (SI-UBL 2.0).

Elements are written in the order the UBL 2.1 schema prescribes (Invoice and CreditNote
differ: a credit note has no DueDate and no ProjectReference, its due date goes in
PaymentMeans/PaymentDueDate, and its document AllowanceCharge follows the exchange rates).
Only elements with a value are written (PEPPOL-EN16931-R008: no empty elements).
"""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Final

from lxml import etree

from .model import Address, AllowanceCharge, Document, Identifier, Line, Party

NS_CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_INVOICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

PEPPOL_CUSTOMIZATION: Final = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
NLCIUS_CUSTOMIZATION: Final = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
PEPPOL_PROFILE: Final = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

CUSTOMIZATIONS: Final = {"peppol": PEPPOL_CUSTOMIZATION, "nlcius": NLCIUS_CUSTOMIZATION}

_CBC = f"{{{NS_CBC}}}"
_CAC = f"{{{NS_CAC}}}"
_NSMAP_INVOICE = {None: NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC}
_NSMAP_CREDIT = {None: NS_CREDIT_NOTE, "cac": NS_CAC, "cbc": NS_CBC}
_SUB = etree.SubElement


def amount(value: Decimal) -> str:
    """A monetary amount with exactly two decimals (BR-DEC-*), never '-0.00'."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def number(value: Decimal) -> str:
    """A quantity, price or percentage: as many decimals as it needs, at least none."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    text = f"{value.normalize():f}"
    return text


def iso(day: date) -> str:
    return day.isoformat()


def _text(parent: etree._Element, tag: str, value: str, **attrs: str) -> etree._Element | None:
    if not value:
        return None
    element = _SUB(parent, tag, {k: v for k, v in attrs.items() if v})
    element.text = value
    return element


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    element = _SUB(parent, tag, currencyID=currency)
    element.text = amount(value)


def _address(parent: etree._Element, tag: str, address: Address) -> None:
    node = _SUB(parent, tag)
    _text(node, _CBC + "StreetName", address.street)
    _text(node, _CBC + "AdditionalStreetName", address.additional_street)
    _text(node, _CBC + "CityName", address.city)
    _text(node, _CBC + "PostalZone", address.postal_code)
    _text(node, _CBC + "CountrySubentity", address.subdivision)
    country = _SUB(node, _CAC + "Country")
    _text(country, _CBC + "IdentificationCode", address.country)


def _identifier(parent: etree._Element, tag: str, identifier: Identifier) -> None:
    _text(parent, tag, identifier.value, schemeID=identifier.scheme)


def _party(parent: etree._Element, wrapper: str, party: Party, extra_ids: list[Identifier]) -> None:
    node = _SUB(_SUB(parent, _CAC + wrapper), _CAC + "Party")
    if party.endpoint is not None:
        _identifier(node, _CBC + "EndpointID", party.endpoint)
    for identifier in [*party.identifiers, *extra_ids]:
        _identifier(_SUB(node, _CAC + "PartyIdentification"), _CBC + "ID", identifier)
    if party.trading_name:
        _text(_SUB(node, _CAC + "PartyName"), _CBC + "Name", party.trading_name)
    _address(node, _CAC + "PostalAddress", party.address)
    if party.vat_id:
        scheme = _SUB(node, _CAC + "PartyTaxScheme")
        _text(scheme, _CBC + "CompanyID", party.vat_id)
        _text(_SUB(scheme, _CAC + "TaxScheme"), _CBC + "ID", "VAT")
    if party.tax_registration_id:
        scheme = _SUB(node, _CAC + "PartyTaxScheme")
        _text(scheme, _CBC + "CompanyID", party.tax_registration_id)
        _text(_SUB(scheme, _CAC + "TaxScheme"), _CBC + "ID", "TAX")
    legal = _SUB(node, _CAC + "PartyLegalEntity")
    _text(legal, _CBC + "RegistrationName", party.name)
    if party.legal_id is not None:
        _identifier(legal, _CBC + "CompanyID", party.legal_id)
    _text(legal, _CBC + "CompanyLegalForm", party.legal_form)
    if party.contact_name or party.contact_phone or party.contact_email:
        contact = _SUB(node, _CAC + "Contact")
        _text(contact, _CBC + "Name", party.contact_name)
        _text(contact, _CBC + "Telephone", party.contact_phone)
        _text(contact, _CBC + "ElectronicMail", party.contact_email)


def _tax_category(parent: etree._Element, tag: str, category: str, rate: Decimal | None) -> etree._Element:
    node = _SUB(parent, tag)
    _text(node, _CBC + "ID", category)
    if rate is not None and category != "O":
        _text(node, _CBC + "Percent", number(rate))
    return node


def _tax_scheme(node: etree._Element) -> None:
    _text(_SUB(node, _CAC + "TaxScheme"), _CBC + "ID", "VAT")


def _allowance_charge(parent: etree._Element, item: AllowanceCharge, currency: str, document_level: bool) -> None:
    node = _SUB(parent, _CAC + "AllowanceCharge")
    _text(node, _CBC + "ChargeIndicator", "true" if item.is_charge else "false")
    _text(node, _CBC + "AllowanceChargeReasonCode", item.reason_code)
    _text(node, _CBC + "AllowanceChargeReason", item.reason)
    if item.percent is not None:
        _text(node, _CBC + "MultiplierFactorNumeric", number(item.percent))
    _money(node, _CBC + "Amount", item.amount, currency)
    if item.base_amount is not None:
        _money(node, _CBC + "BaseAmount", item.base_amount, currency)
    if document_level:
        _tax_scheme(_tax_category(node, _CAC + "TaxCategory", item.vat_category, item.vat_rate))


def _period(parent: etree._Element, start: date | None, end: date | None) -> None:
    if start is None and end is None:
        return
    node = _SUB(parent, _CAC + "InvoicePeriod")
    if start is not None:
        _text(node, _CBC + "StartDate", iso(start))
    if end is not None:
        _text(node, _CBC + "EndDate", iso(end))


def _line(parent: etree._Element, line: Line, doc: Document) -> None:
    credit = doc.is_credit_note
    currency = doc.currency
    node = _SUB(parent, _CAC + ("CreditNoteLine" if credit else "InvoiceLine"))
    _text(node, _CBC + "ID", line.id)
    _text(node, _CBC + "Note", line.note)
    quantity = _SUB(node, _CBC + ("CreditedQuantity" if credit else "InvoicedQuantity"), unitCode=line.unit_code)
    quantity.text = number(line.quantity)
    _money(node, _CBC + "LineExtensionAmount", line.net_amount, currency)
    _text(node, _CBC + "AccountingCost", line.accounting_cost)
    _period(node, line.period_start, line.period_end)
    if line.order_line_reference:
        _text(_SUB(node, _CAC + "OrderLineReference"), _CBC + "LineID", line.order_line_reference)
    for item in line.allowances_charges:
        _allowance_charge(node, item, currency, document_level=False)
    item_node = _SUB(node, _CAC + "Item")
    _text(item_node, _CBC + "Description", line.description)
    _text(item_node, _CBC + "Name", line.name)
    if line.seller_item_id:
        _text(_SUB(item_node, _CAC + "SellersItemIdentification"), _CBC + "ID", line.seller_item_id)
    if line.standard_item_id is not None:
        _identifier(_SUB(item_node, _CAC + "StandardItemIdentification"), _CBC + "ID", line.standard_item_id)
    _tax_scheme(_tax_category(item_node, _CAC + "ClassifiedTaxCategory", line.vat_category, line.vat_rate))
    price = _SUB(node, _CAC + "Price")
    price_amount = _SUB(price, _CBC + "PriceAmount", currencyID=currency)
    price_amount.text = number(line.price)
    if line.base_quantity is not None:
        base = _SUB(price, _CBC + "BaseQuantity", unitCode=line.unit_code)
        base.text = number(line.base_quantity)
    if line.price_discount is not None or line.gross_price is not None:
        discount = _SUB(price, _CAC + "AllowanceCharge")
        _text(discount, _CBC + "ChargeIndicator", "false")
        price_discount = _SUB(discount, _CBC + "Amount", currencyID=currency)
        price_discount.text = number(line.price_discount or Decimal(0))
        if line.gross_price is not None:
            gross = _SUB(discount, _CBC + "BaseAmount", currencyID=currency)
            gross.text = number(line.gross_price)


def write_ubl(doc: Document, customization: str = PEPPOL_CUSTOMIZATION) -> bytes:
    """The UBL 2.1 XML of `doc` as UTF-8 bytes (Invoice or CreditNote by its kind)."""
    credit = doc.is_credit_note
    currency = doc.currency
    root = etree.Element(
        f"{{{NS_CREDIT_NOTE}}}CreditNote" if credit else f"{{{NS_INVOICE}}}Invoice",
        nsmap=_NSMAP_CREDIT if credit else _NSMAP_INVOICE,
    )
    _text(root, _CBC + "CustomizationID", customization)
    _text(root, _CBC + "ProfileID", PEPPOL_PROFILE)
    _text(root, _CBC + "ID", doc.number)
    _text(root, _CBC + "IssueDate", iso(doc.issue_date))
    if credit:
        if doc.tax_point_date is not None:
            _text(root, _CBC + "TaxPointDate", iso(doc.tax_point_date))
        _text(root, _CBC + "CreditNoteTypeCode", doc.kind.value)
        for note in doc.notes:
            _text(root, _CBC + "Note", note)
    else:
        if doc.due_date is not None:
            _text(root, _CBC + "DueDate", iso(doc.due_date))
        _text(root, _CBC + "InvoiceTypeCode", doc.kind.value)
        for note in doc.notes:
            _text(root, _CBC + "Note", note)
        if doc.tax_point_date is not None:
            _text(root, _CBC + "TaxPointDate", iso(doc.tax_point_date))
    _text(root, _CBC + "DocumentCurrencyCode", currency)
    _text(root, _CBC + "TaxCurrencyCode", doc.tax_currency)
    _text(root, _CBC + "AccountingCost", doc.accounting_cost)
    _text(root, _CBC + "BuyerReference", doc.buyer_reference)
    _period(root, doc.period_start, doc.period_end)
    if doc.order_reference or doc.sales_order_reference:
        order = _SUB(root, _CAC + "OrderReference")
        # The UBL order reference needs an ID; "NA" when only the seller's order number is known.
        _text(order, _CBC + "ID", doc.order_reference or "NA")
        _text(order, _CBC + "SalesOrderID", doc.sales_order_reference)
    for preceding in doc.preceding_invoices:
        reference = _SUB(_SUB(root, _CAC + "BillingReference"), _CAC + "InvoiceDocumentReference")
        _text(reference, _CBC + "ID", preceding.number)
        if preceding.issue_date is not None:
            _text(reference, _CBC + "IssueDate", iso(preceding.issue_date))
    if doc.contract_reference:
        _text(_SUB(root, _CAC + "ContractDocumentReference"), _CBC + "ID", doc.contract_reference)
    for attachment in doc.attachments:
        reference = _SUB(root, _CAC + "AdditionalDocumentReference")
        _text(reference, _CBC + "ID", attachment.id)
        _text(reference, _CBC + "DocumentDescription", attachment.description)
        if attachment.content is not None or attachment.uri:
            holder = _SUB(reference, _CAC + "Attachment")
            if attachment.content is not None:
                binary = _SUB(
                    holder,
                    _CBC + "EmbeddedDocumentBinaryObject",
                    mimeCode=attachment.mime_type,
                    filename=attachment.filename,
                )
                binary.text = base64.b64encode(attachment.content).decode("ascii")
            if attachment.uri:
                _text(_SUB(holder, _CAC + "ExternalReference"), _CBC + "URI", attachment.uri)
    if doc.project_reference:
        if credit:
            reference = _SUB(root, _CAC + "AdditionalDocumentReference")
            _text(reference, _CBC + "ID", doc.project_reference)
            _text(reference, _CBC + "DocumentTypeCode", "50")
        else:
            _text(_SUB(root, _CAC + "ProjectReference"), _CBC + "ID", doc.project_reference)

    creditor_ids = [Identifier(pm.creditor_id, "SEPA") for pm in doc.payment_means if pm.creditor_id][:1]
    _party(root, "AccountingSupplierParty", doc.seller, creditor_ids)
    _party(root, "AccountingCustomerParty", doc.buyer, [])

    if doc.delivery is not None:
        delivery = _SUB(root, _CAC + "Delivery")
        if doc.delivery.date is not None:
            _text(delivery, _CBC + "ActualDeliveryDate", iso(doc.delivery.date))
        if doc.delivery.location_id is not None or doc.delivery.address is not None:
            location = _SUB(delivery, _CAC + "DeliveryLocation")
            if doc.delivery.location_id is not None:
                _identifier(location, _CBC + "ID", doc.delivery.location_id)
            if doc.delivery.address is not None:
                _address(location, _CAC + "Address", doc.delivery.address)
        if doc.delivery.party_name:
            party = _SUB(_SUB(delivery, _CAC + "DeliveryParty"), _CAC + "PartyName")
            _text(party, _CBC + "Name", doc.delivery.party_name)

    for means in doc.payment_means:
        node = _SUB(root, _CAC + "PaymentMeans")
        _text(node, _CBC + "PaymentMeansCode", means.code, name=means.text)
        if credit and doc.due_date is not None:
            _text(node, _CBC + "PaymentDueDate", iso(doc.due_date))
        _text(node, _CBC + "PaymentID", means.payment_id)
        if means.iban:
            account = _SUB(node, _CAC + "PayeeFinancialAccount")
            _text(account, _CBC + "ID", means.iban)
            _text(account, _CBC + "Name", means.account_name)
            if means.bic:
                _text(_SUB(account, _CAC + "FinancialInstitutionBranch"), _CBC + "ID", means.bic)
        if means.mandate_id or means.debited_account:
            mandate = _SUB(node, _CAC + "PaymentMandate")
            _text(mandate, _CBC + "ID", means.mandate_id)
            if means.debited_account:
                _text(_SUB(mandate, _CAC + "PayerFinancialAccount"), _CBC + "ID", means.debited_account)
    if doc.payment_terms:
        _text(_SUB(root, _CAC + "PaymentTerms"), _CBC + "Note", doc.payment_terms)

    for item in doc.allowances_charges:
        _allowance_charge(root, item, currency, document_level=True)

    tax_total = _SUB(root, _CAC + "TaxTotal")
    _money(tax_total, _CBC + "TaxAmount", doc.tax_total, currency)
    for vat in doc.vat_breakdown:
        subtotal = _SUB(tax_total, _CAC + "TaxSubtotal")
        _money(subtotal, _CBC + "TaxableAmount", vat.taxable_amount, currency)
        _money(subtotal, _CBC + "TaxAmount", vat.tax_amount, currency)
        category = _tax_category(subtotal, _CAC + "TaxCategory", vat.category, vat.rate)
        _text(category, _CBC + "TaxExemptionReasonCode", vat.exemption_code)
        _text(category, _CBC + "TaxExemptionReason", vat.exemption_reason)
        _tax_scheme(category)
    if doc.tax_currency and doc.tax_total_accounting is not None:
        _money(_SUB(root, _CAC + "TaxTotal"), _CBC + "TaxAmount", doc.tax_total_accounting, doc.tax_currency)

    totals = doc.totals
    monetary = _SUB(root, _CAC + "LegalMonetaryTotal")
    _money(monetary, _CBC + "LineExtensionAmount", totals.line_extension, currency)
    _money(monetary, _CBC + "TaxExclusiveAmount", totals.tax_exclusive, currency)
    _money(monetary, _CBC + "TaxInclusiveAmount", totals.tax_inclusive, currency)
    if totals.allowance_total is not None:
        _money(monetary, _CBC + "AllowanceTotalAmount", totals.allowance_total, currency)
    if totals.charge_total is not None:
        _money(monetary, _CBC + "ChargeTotalAmount", totals.charge_total, currency)
    if totals.prepaid is not None:
        _money(monetary, _CBC + "PrepaidAmount", totals.prepaid, currency)
    if totals.rounding is not None:
        _money(monetary, _CBC + "PayableRoundingAmount", totals.rounding, currency)
    _money(monetary, _CBC + "PayableAmount", totals.payable, currency)

    for line in doc.lines:
        _line(root, line, doc)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


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
