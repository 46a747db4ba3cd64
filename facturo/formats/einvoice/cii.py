"""UN/CEFACT Cross Industry Invoice (CII D16B) writer, Factur-X / ZUGFeRD EN 16931 profile.

This is the XML a Factur-X PDF/A-3 carries (as factur-x.xml). Elements follow the order of
the CII D16B schema; dates use format 102 (YYYYMMDD)."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from typing import Final

from lxml import etree

from .model import Address, AllowanceCharge, Document, Identifier, Line, Party
from .ubl import amount, number

NS_RSM: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS_UDT: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS_QDT: Final = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
FACTURX_EN16931: Final = "urn:cen.eu:en16931:2017"

_RSM = f"{{{NS_RSM}}}"
_RAM = f"{{{NS_RAM}}}"
_UDT = f"{{{NS_UDT}}}"
_QDT = f"{{{NS_QDT}}}"
_NSMAP = {"rsm": NS_RSM, "ram": NS_RAM, "udt": NS_UDT, "qdt": NS_QDT}
_SUB = etree.SubElement


def _text(parent: etree._Element, tag: str, value: str, **attrs: str) -> etree._Element | None:
    if not value:
        return None
    element = _SUB(parent, _RAM + tag, {k: v for k, v in attrs.items() if v})
    element.text = value
    return element


def _date(parent: etree._Element, tag: str, day: date, qualified: bool = False) -> None:
    holder = _SUB(parent, _RAM + tag)
    element = _SUB(holder, (_QDT if qualified else _UDT) + "DateTimeString", format="102")
    element.text = day.strftime("%Y%m%d")


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str = "") -> None:
    element = _SUB(parent, _RAM + tag, {"currencyID": currency} if currency else {})
    element.text = amount(value)


def _indicator(parent: etree._Element, is_charge: bool) -> None:
    holder = _SUB(parent, _RAM + "ChargeIndicator")
    _SUB(holder, _UDT + "Indicator").text = "true" if is_charge else "false"


def _address(parent: etree._Element, address: Address) -> None:
    node = _SUB(parent, _RAM + "PostalTradeAddress")
    _text(node, "PostcodeCode", address.postal_code)
    _text(node, "LineOne", address.street)
    _text(node, "LineTwo", address.additional_street)
    _text(node, "CityName", address.city)
    _text(node, "CountryID", address.country)
    _text(node, "CountrySubDivisionName", address.subdivision)


def _identifier(parent: etree._Element, tag: str, identifier: Identifier) -> None:
    _text(parent, tag, identifier.value, schemeID=identifier.scheme)


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    node = _SUB(parent, _RAM + tag)
    for identifier in party.identifiers:
        if identifier.scheme:
            _identifier(node, "GlobalID", identifier)
        else:
            _text(node, "ID", identifier.value)
    _text(node, "Name", party.name)
    if party.legal_id is not None or party.trading_name:
        legal = _SUB(node, _RAM + "SpecifiedLegalOrganization")
        if party.legal_id is not None:
            _identifier(legal, "ID", party.legal_id)
        _text(legal, "TradingBusinessName", party.trading_name)
    if party.contact_name or party.contact_phone or party.contact_email:
        contact = _SUB(node, _RAM + "DefinedTradeContact")
        _text(contact, "PersonName", party.contact_name)
        if party.contact_phone:
            _text(_SUB(contact, _RAM + "TelephoneUniversalCommunication"), "CompleteNumber", party.contact_phone)
        if party.contact_email:
            _text(_SUB(contact, _RAM + "EmailURIUniversalCommunication"), "URIID", party.contact_email)
    _address(node, party.address)
    if party.endpoint is not None:
        _identifier(_SUB(node, _RAM + "URIUniversalCommunication"), "URIID", party.endpoint)
    if party.vat_id:
        _text(_SUB(node, _RAM + "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID="VA")
    if party.tax_registration_id:
        _text(_SUB(node, _RAM + "SpecifiedTaxRegistration"), "ID", party.tax_registration_id, schemeID="FC")


def _tax(parent: etree._Element, category: str, rate: Decimal | None, tag: str = "ApplicableTradeTax") -> None:
    node = _SUB(parent, _RAM + tag)
    _text(node, "TypeCode", "VAT")
    _text(node, "CategoryCode", category)
    if rate is not None and category != "O":
        _text(node, "RateApplicablePercent", number(rate))


def _allowance_charge(parent: etree._Element, item: AllowanceCharge, currency: str, document_level: bool) -> None:
    node = _SUB(parent, _RAM + "SpecifiedTradeAllowanceCharge")
    _indicator(node, item.is_charge)
    if item.percent is not None:
        _text(node, "CalculationPercent", number(item.percent))
    if item.base_amount is not None:
        _money(node, "BasisAmount", item.base_amount)
    _money(node, "ActualAmount", item.amount)
    _text(node, "ReasonCode", item.reason_code)
    _text(node, "Reason", item.reason)
    if document_level:
        _tax(node, item.vat_category, item.vat_rate, "CategoryTradeTax")


def _period(parent: etree._Element, start: date | None, end: date | None) -> None:
    if start is None and end is None:
        return
    node = _SUB(parent, _RAM + "BillingSpecifiedPeriod")
    if start is not None:
        _date(node, "StartDateTime", start)
    if end is not None:
        _date(node, "EndDateTime", end)


def _line(parent: etree._Element, line: Line, currency: str) -> None:
    node = _SUB(parent, _RAM + "IncludedSupplyChainTradeLineItem")
    document = _SUB(node, _RAM + "AssociatedDocumentLineDocument")
    _text(document, "LineID", line.id)
    if line.note:
        _text(_SUB(document, _RAM + "IncludedNote"), "Content", line.note)
    product = _SUB(node, _RAM + "SpecifiedTradeProduct")
    if line.standard_item_id is not None:
        _identifier(product, "GlobalID", line.standard_item_id)
    _text(product, "SellerAssignedID", line.seller_item_id)
    _text(product, "Name", line.name)
    _text(product, "Description", line.description)
    agreement = _SUB(node, _RAM + "SpecifiedLineTradeAgreement")
    if line.order_line_reference:
        _text(_SUB(agreement, _RAM + "BuyerOrderReferencedDocument"), "LineID", line.order_line_reference)
    if line.gross_price is not None:
        gross = _SUB(agreement, _RAM + "GrossPriceProductTradePrice")
        _text(gross, "ChargeAmount", number(line.gross_price))
        if line.base_quantity is not None:
            _text(gross, "BasisQuantity", number(line.base_quantity), unitCode=line.unit_code)
        if line.price_discount:
            discount = _SUB(gross, _RAM + "AppliedTradeAllowanceCharge")
            _indicator(discount, False)
            _text(discount, "ActualAmount", number(line.price_discount))
    net = _SUB(agreement, _RAM + "NetPriceProductTradePrice")
    _text(net, "ChargeAmount", number(line.price))
    if line.base_quantity is not None:
        _text(net, "BasisQuantity", number(line.base_quantity), unitCode=line.unit_code)
    delivery = _SUB(node, _RAM + "SpecifiedLineTradeDelivery")
    _text(delivery, "BilledQuantity", number(line.quantity), unitCode=line.unit_code)
    settlement = _SUB(node, _RAM + "SpecifiedLineTradeSettlement")
    _tax(settlement, line.vat_category, line.vat_rate)
    _period(settlement, line.period_start, line.period_end)
    for item in line.allowances_charges:
        _allowance_charge(settlement, item, currency, document_level=False)
    summation = _SUB(settlement, _RAM + "SpecifiedTradeSettlementLineMonetarySummation")
    _money(summation, "LineTotalAmount", line.net_amount)
    if line.accounting_cost:
        _text(_SUB(settlement, _RAM + "ReceivableSpecifiedTradeAccountingAccount"), "ID", line.accounting_cost)


def write_cii(doc: Document) -> bytes:
    """The CII D16B XML (Factur-X EN 16931 profile) of `doc` as UTF-8 bytes."""
    currency = doc.currency
    root = etree.Element(_RSM + "CrossIndustryInvoice", nsmap=_NSMAP)
    context = _SUB(root, _RSM + "ExchangedDocumentContext")
    _text(_SUB(context, _RAM + "GuidelineSpecifiedDocumentContextParameter"), "ID", FACTURX_EN16931)

    header = _SUB(root, _RSM + "ExchangedDocument")
    _text(header, "ID", doc.number)
    _text(header, "TypeCode", doc.kind.value)
    _date(header, "IssueDateTime", doc.issue_date)
    for note in doc.notes:
        _text(_SUB(header, _RAM + "IncludedNote"), "Content", note)

    transaction = _SUB(root, _RSM + "SupplyChainTradeTransaction")
    for line in doc.lines:
        _line(transaction, line, currency)

    agreement = _SUB(transaction, _RAM + "ApplicableHeaderTradeAgreement")
    _text(agreement, "BuyerReference", doc.buyer_reference)
    _party(agreement, "SellerTradeParty", doc.seller)
    _party(agreement, "BuyerTradeParty", doc.buyer)
    if doc.sales_order_reference:
        _text(_SUB(agreement, _RAM + "SellerOrderReferencedDocument"), "IssuerAssignedID", doc.sales_order_reference)
    if doc.order_reference:
        _text(_SUB(agreement, _RAM + "BuyerOrderReferencedDocument"), "IssuerAssignedID", doc.order_reference)
    if doc.contract_reference:
        _text(_SUB(agreement, _RAM + "ContractReferencedDocument"), "IssuerAssignedID", doc.contract_reference)
    for attachment in doc.attachments:
        reference = _SUB(agreement, _RAM + "AdditionalReferencedDocument")
        _text(reference, "IssuerAssignedID", attachment.id)
        _text(reference, "URIID", attachment.uri)
        _text(reference, "TypeCode", "916")
        _text(reference, "Name", attachment.description)
        if attachment.content is not None:
            binary = _SUB(reference, _RAM + "AttachmentBinaryObject", mimeCode=attachment.mime_type,
                          filename=attachment.filename)
            binary.text = base64.b64encode(attachment.content).decode("ascii")
    if doc.project_reference:
        project = _SUB(agreement, _RAM + "SpecifiedProcuringProject")
        _text(project, "ID", doc.project_reference)
        _text(project, "Name", "Project reference")

    delivery = _SUB(transaction, _RAM + "ApplicableHeaderTradeDelivery")
    if doc.delivery is not None:
        if doc.delivery.party_name or doc.delivery.location_id is not None or doc.delivery.address is not None:
            ship_to = _SUB(delivery, _RAM + "ShipToTradeParty")
            if doc.delivery.location_id is not None:
                if doc.delivery.location_id.scheme:
                    _identifier(ship_to, "GlobalID", doc.delivery.location_id)
                else:
                    _text(ship_to, "ID", doc.delivery.location_id.value)
            _text(ship_to, "Name", doc.delivery.party_name)
            if doc.delivery.address is not None:
                _address(ship_to, doc.delivery.address)
        if doc.delivery.date is not None:
            _date(_SUB(delivery, _RAM + "ActualDeliverySupplyChainEvent"), "OccurrenceDateTime", doc.delivery.date)

    settlement = _SUB(transaction, _RAM + "ApplicableHeaderTradeSettlement")
    creditor = next((m.creditor_id for m in doc.payment_means if m.creditor_id), "")
    _text(settlement, "CreditorReferenceID", creditor)
    payment_id = next((m.payment_id for m in doc.payment_means if m.payment_id), "")
    _text(settlement, "PaymentReference", payment_id)
    _text(settlement, "TaxCurrencyCode", doc.tax_currency)
    _text(settlement, "InvoiceCurrencyCode", currency)
    for means in doc.payment_means:
        node = _SUB(settlement, _RAM + "SpecifiedTradeSettlementPaymentMeans")
        _text(node, "TypeCode", means.code)
        _text(node, "Information", means.text)
        if means.debited_account:
            _text(_SUB(node, _RAM + "PayerPartyDebtorFinancialAccount"), "IBANID", means.debited_account)
        if means.iban:
            account = _SUB(node, _RAM + "PayeePartyCreditorFinancialAccount")
            _text(account, "IBANID", means.iban)
            _text(account, "AccountName", means.account_name)
        if means.bic:
            _text(_SUB(node, _RAM + "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", means.bic)
    for vat in doc.vat_breakdown:
        node = _SUB(settlement, _RAM + "ApplicableTradeTax")
        _money(node, "CalculatedAmount", vat.tax_amount)
        _text(node, "TypeCode", "VAT")
        _text(node, "ExemptionReason", vat.exemption_reason)
        _money(node, "BasisAmount", vat.taxable_amount)
        _text(node, "CategoryCode", vat.category)
        _text(node, "ExemptionReasonCode", vat.exemption_code)
        if vat.rate is not None and vat.category != "O":
            _text(node, "RateApplicablePercent", number(vat.rate))
    _period(settlement, doc.period_start, doc.period_end)
    for item in doc.allowances_charges:
        _allowance_charge(settlement, item, currency, document_level=True)
    mandate = next((m.mandate_id for m in doc.payment_means if m.mandate_id), "")
    if doc.payment_terms or doc.due_date or mandate:
        terms = _SUB(settlement, _RAM + "SpecifiedTradePaymentTerms")
        _text(terms, "Description", doc.payment_terms)
        if doc.due_date is not None:
            _date(terms, "DueDateDateTime", doc.due_date)
        _text(terms, "DirectDebitMandateID", mandate)
    totals = doc.totals
    summation = _SUB(settlement, _RAM + "SpecifiedTradeSettlementHeaderMonetarySummation")
    _money(summation, "LineTotalAmount", totals.line_extension)
    if totals.charge_total is not None:
        _money(summation, "ChargeTotalAmount", totals.charge_total)
    if totals.allowance_total is not None:
        _money(summation, "AllowanceTotalAmount", totals.allowance_total)
    _money(summation, "TaxBasisTotalAmount", totals.tax_exclusive)
    _money(summation, "TaxTotalAmount", doc.tax_total, currency)
    if doc.tax_currency and doc.tax_total_accounting is not None:
        _money(summation, "TaxTotalAmount", doc.tax_total_accounting, doc.tax_currency)
    if totals.rounding is not None:
        _money(summation, "RoundingAmount", totals.rounding)
    _money(summation, "GrandTotalAmount", totals.tax_inclusive)
    if totals.prepaid is not None:
        _money(summation, "TotalPrepaidAmount", totals.prepaid)
    _money(summation, "DuePayableAmount", totals.payable)
    for preceding in doc.preceding_invoices:
        reference = _SUB(settlement, _RAM + "InvoiceReferencedDocument")
        _text(reference, "IssuerAssignedID", preceding.number)
        if preceding.issue_date is not None:
            _date(reference, "FormattedIssueDateTime", preceding.issue_date, qualified=True)
    if doc.accounting_cost:
        _text(_SUB(settlement, _RAM + "ReceivableSpecifiedTradeAccountingAccount"), "ID", doc.accounting_cost)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
