"""Read a PEPPOL BIS 3.0 (or any EN 16931) UBL 2.1 Invoice or CreditNote into the model.

Reads every field `model.Document` holds; what the model does not hold is left out. Bad
input raises `UBLError` saying what is wrong and where."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from .model import (
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
    PrecedingInvoice,
    Totals,
    VatBreakdown,
)
from .ubl import NS_CAC, NS_CBC, NS_CREDIT_NOTE, NS_INVOICE

_NS = {"cac": NS_CAC, "cbc": NS_CBC}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class UBLError(ValueError):
    """The bytes are not a readable UBL invoice or credit note."""


def _t(node: etree._Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path, _NS)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def _dec(node: etree._Element | None, path: str, *, required: bool = False) -> Decimal | None:
    text = _t(node, path)
    if not text:
        if required:
            raise UBLError(f"{path} is missing")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UBLError(f"{path}: {text!r} is not a number") from None
    if not value.is_finite():
        raise UBLError(f"{path}: {text!r} is not a number")
    return value


def _req(node: etree._Element | None, path: str) -> Decimal:
    value = _dec(node, path, required=True)
    assert value is not None
    return value


def _date(node: etree._Element | None, path: str) -> date | None:
    text = _t(node, path)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise UBLError(f"{path}: {text!r} is not a date (YYYY-MM-DD)") from None


def _ident(node: etree._Element | None, path: str) -> Identifier | None:
    if node is None:
        return None
    found = node.find(path, _NS)
    if found is None or not (found.text or "").strip():
        return None
    return Identifier((found.text or "").strip(), found.get("schemeID", ""))


def _address(node: etree._Element | None) -> Address:
    return Address(
        street=_t(node, "cbc:StreetName"),
        additional_street=_t(node, "cbc:AdditionalStreetName"),
        city=_t(node, "cbc:CityName"),
        postal_code=_t(node, "cbc:PostalZone"),
        subdivision=_t(node, "cbc:CountrySubentity"),
        country=_t(node, "cac:Country/cbc:IdentificationCode"),
    )


def _party(node: etree._Element | None) -> tuple[Party, str]:
    """The party, and the SEPA creditor identifier it may carry (BT-90)."""
    if node is None:
        raise UBLError("a party is missing")
    creditor = ""
    identifiers = []
    for found in node.findall("cac:PartyIdentification/cbc:ID", _NS):
        value, scheme = (found.text or "").strip(), found.get("schemeID", "")
        if scheme.upper() == "SEPA":
            creditor = value
        elif value:
            identifiers.append(Identifier(value, scheme))
    vat_id = tax_id = ""
    for tax_scheme in node.findall("cac:PartyTaxScheme", _NS):
        if _t(tax_scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT":
            vat_id = _t(tax_scheme, "cbc:CompanyID")
        else:
            tax_id = _t(tax_scheme, "cbc:CompanyID")
    legal = node.find("cac:PartyLegalEntity", _NS)
    contact = node.find("cac:Contact", _NS)
    party = Party(
        name=_t(legal, "cbc:RegistrationName") or _t(node, "cac:PartyName/cbc:Name"),
        address=_address(node.find("cac:PostalAddress", _NS)),
        trading_name=_t(node, "cac:PartyName/cbc:Name"),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        legal_id=_ident(legal, "cbc:CompanyID"),
        legal_form=_t(legal, "cbc:CompanyLegalForm"),
        endpoint=_ident(node, "cbc:EndpointID"),
        identifiers=identifiers,
        contact_name=_t(contact, "cbc:Name"),
        contact_phone=_t(contact, "cbc:Telephone"),
        contact_email=_t(contact, "cbc:ElectronicMail"),
    )
    return party, creditor


def _allowance_charge(node: etree._Element) -> AllowanceCharge:
    category = node.find("cac:TaxCategory", _NS)
    indicator = _t(node, "cbc:ChargeIndicator").lower()
    if indicator not in ("true", "false", "1", "0"):
        raise UBLError(f"ChargeIndicator must be true or false, not {indicator!r}")
    return AllowanceCharge(
        is_charge=indicator in ("true", "1"),
        amount=_req(node, "cbc:Amount"),
        reason=_t(node, "cbc:AllowanceChargeReason"),
        reason_code=_t(node, "cbc:AllowanceChargeReasonCode"),
        base_amount=_dec(node, "cbc:BaseAmount"),
        percent=_dec(node, "cbc:MultiplierFactorNumeric"),
        vat_category=_t(category, "cbc:ID"),
        vat_rate=_dec(category, "cbc:Percent"),
    )


def _line(node: etree._Element, credit: bool) -> Line:
    quantity = node.find("cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", _NS)
    if quantity is None or not (quantity.text or "").strip():
        raise UBLError(f"line {_t(node, 'cbc:ID')}: the quantity is missing")
    item = node.find("cac:Item", _NS)
    tax = item.find("cac:ClassifiedTaxCategory", _NS) if item is not None else None
    price = node.find("cac:Price", _NS)
    discount = price.find("cac:AllowanceCharge", _NS) if price is not None else None
    period = node.find("cac:InvoicePeriod", _NS)
    try:
        amount = Decimal((quantity.text or "").strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise UBLError(f"line {_t(node, 'cbc:ID')}: {quantity.text!r} is not a quantity")
    return Line(
        id=_t(node, "cbc:ID"),
        quantity=amount,
        unit_code=quantity.get("unitCode", ""),
        net_amount=_req(node, "cbc:LineExtensionAmount"),
        price=_req(price, "cbc:PriceAmount"),
        name=_t(item, "cbc:Name"),
        vat_category=_t(tax, "cbc:ID"),
        vat_rate=_dec(tax, "cbc:Percent"),
        base_quantity=_dec(price, "cbc:BaseQuantity"),
        gross_price=_dec(discount, "cbc:BaseAmount"),
        price_discount=_dec(discount, "cbc:Amount"),
        allowances_charges=[_allowance_charge(n) for n in node.findall("cac:AllowanceCharge", _NS)],
        description=_t(item, "cbc:Description"),
        seller_item_id=_t(item, "cac:SellersItemIdentification/cbc:ID"),
        standard_item_id=_ident(item, "cac:StandardItemIdentification/cbc:ID"),
        period_start=_date(period, "cbc:StartDate"),
        period_end=_date(period, "cbc:EndDate"),
        note=_t(node, "cbc:Note"),
        order_line_reference=_t(node, "cac:OrderLineReference/cbc:LineID"),
        accounting_cost=_t(node, "cbc:AccountingCost"),
    )


def read_ubl(data: bytes) -> Document:
    """The document in a UBL 2.1 Invoice or CreditNote."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise UBLError(f"not well-formed XML: {exc}") from None
    tag = etree.QName(root)
    if (tag.namespace, tag.localname) == (NS_INVOICE, "Invoice"):
        credit = False
    elif (tag.namespace, tag.localname) == (NS_CREDIT_NOTE, "CreditNote"):
        credit = True
    else:
        raise UBLError(f"the root element {tag.localname} is not a UBL 2.1 Invoice or CreditNote")

    type_code = _t(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    kind = DocumentKind.CREDIT_NOTE if credit or type_code == "381" else DocumentKind.INVOICE
    issue_date = _date(root, "cbc:IssueDate")
    if issue_date is None:
        raise UBLError("cbc:IssueDate is missing")
    currency = _t(root, "cbc:DocumentCurrencyCode")

    seller, creditor = _party(root.find("cac:AccountingSupplierParty/cac:Party", _NS))
    buyer, _ = _party(root.find("cac:AccountingCustomerParty/cac:Party", _NS))

    due = _date(root, "cbc:DueDate")
    means = []
    for node in root.findall("cac:PaymentMeans", _NS):
        code = node.find("cbc:PaymentMeansCode", _NS)
        due = due or _date(node, "cbc:PaymentDueDate")
        account = node.find("cac:PayeeFinancialAccount", _NS)
        mandate = node.find("cac:PaymentMandate", _NS)
        means.append(
            PaymentMeans(
                code=(code.text or "").strip() if code is not None else "",
                text=code.get("name", "") if code is not None else "",
                payment_id=_t(node, "cbc:PaymentID"),
                iban=_t(account, "cbc:ID"),
                account_name=_t(account, "cbc:Name"),
                bic=_t(account, "cac:FinancialInstitutionBranch/cbc:ID"),
                mandate_id=_t(mandate, "cbc:ID"),
                debited_account=_t(mandate, "cac:PayerFinancialAccount/cbc:ID"),
            )
        )
    if creditor:
        for entry in means:
            if entry.is_direct_debit:
                entry.creditor_id = creditor
                break
        else:
            seller.identifiers.append(Identifier(creditor, "SEPA"))

    tax_totals = root.findall("cac:TaxTotal", _NS)
    tax_total = Decimal(0)
    tax_total_accounting = None
    tax_currency = _t(root, "cbc:TaxCurrencyCode")
    breakdown = []
    for total in tax_totals:
        amount_node = total.find("cbc:TaxAmount", _NS)
        value = _req(total, "cbc:TaxAmount")
        if tax_currency and total.find("cac:TaxSubtotal", _NS) is None and (
            tax_currency != currency or amount_node is not None and len(tax_totals) > 1
        ):
            tax_total_accounting = value
            continue
        tax_total = value
        for sub in total.findall("cac:TaxSubtotal", _NS):
            category = sub.find("cac:TaxCategory", _NS)
            breakdown.append(
                VatBreakdown(
                    category=_t(category, "cbc:ID"),
                    rate=_dec(category, "cbc:Percent"),
                    taxable_amount=_req(sub, "cbc:TaxableAmount"),
                    tax_amount=_req(sub, "cbc:TaxAmount"),
                    exemption_reason=_t(category, "cbc:TaxExemptionReason"),
                    exemption_code=_t(category, "cbc:TaxExemptionReasonCode"),
                )
            )

    monetary = root.find("cac:LegalMonetaryTotal", _NS)
    if monetary is None:
        raise UBLError("cac:LegalMonetaryTotal is missing")
    totals = Totals(
        line_extension=_req(monetary, "cbc:LineExtensionAmount"),
        tax_exclusive=_req(monetary, "cbc:TaxExclusiveAmount"),
        tax_inclusive=_req(monetary, "cbc:TaxInclusiveAmount"),
        payable=_req(monetary, "cbc:PayableAmount"),
        allowance_total=_dec(monetary, "cbc:AllowanceTotalAmount"),
        charge_total=_dec(monetary, "cbc:ChargeTotalAmount"),
        prepaid=_dec(monetary, "cbc:PrepaidAmount"),
        rounding=_dec(monetary, "cbc:PayableRoundingAmount"),
    )

    attachments = []
    project = _t(root, "cac:ProjectReference/cbc:ID")
    for node in root.findall("cac:AdditionalDocumentReference", _NS):
        if _t(node, "cbc:DocumentTypeCode") == "50" and credit:
            project = project or _t(node, "cbc:ID")
            continue
        if _t(node, "cbc:DocumentTypeCode") == "130":
            continue  # an invoiced object identifier (BT-18), not modelled
        binary = node.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", _NS)
        content = None
        if binary is not None:
            try:
                content = base64.b64decode((binary.text or "").strip(), validate=False)
            except binascii.Error:
                raise UBLError(f"attachment {_t(node, 'cbc:ID')}: the content is not base64") from None
        attachments.append(
            Attachment(
                id=_t(node, "cbc:ID"),
                description=_t(node, "cbc:DocumentDescription"),
                filename=binary.get("filename", "") if binary is not None else "",
                mime_type=binary.get("mimeCode", "") if binary is not None else "",
                content=content,
                uri=_t(node, "cac:Attachment/cac:ExternalReference/cbc:URI"),
            )
        )

    delivery = None
    delivery_node = root.find("cac:Delivery", _NS)
    if delivery_node is not None:
        location = delivery_node.find("cac:DeliveryLocation", _NS)
        address_node = location.find("cac:Address", _NS) if location is not None else None
        delivery = Delivery(
            party_name=_t(delivery_node, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
            location_id=_ident(location, "cbc:ID"),
            date=_date(delivery_node, "cbc:ActualDeliveryDate"),
            address=_address(address_node) if address_node is not None else None,
        )
    period = root.find("cac:InvoicePeriod", _NS)
    order_reference = _t(root, "cac:OrderReference/cbc:ID")
    sales_order = _t(root, "cac:OrderReference/cbc:SalesOrderID")
    if order_reference == "NA" and sales_order:
        order_reference = ""
    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    return Document(
        kind=kind,
        number=_t(root, "cbc:ID"),
        issue_date=issue_date,
        currency=currency,
        seller=seller,
        buyer=buyer,
        lines=[_line(node, credit) for node in root.findall(line_tag, _NS)],
        vat_breakdown=breakdown,
        totals=totals,
        tax_total=tax_total,
        due_date=due,
        tax_point_date=_date(root, "cbc:TaxPointDate"),
        tax_currency=tax_currency,
        specification=_t(root, "cbc:CustomizationID"),
        business_process=_t(root, "cbc:ProfileID"),
        tax_total_accounting=tax_total_accounting,
        notes=[(n.text or "").strip() for n in root.findall("cbc:Note", _NS) if (n.text or "").strip()],
        buyer_reference=_t(root, "cbc:BuyerReference"),
        order_reference=order_reference,
        sales_order_reference=sales_order,
        contract_reference=_t(root, "cac:ContractDocumentReference/cbc:ID"),
        project_reference=project,
        accounting_cost=_t(root, "cbc:AccountingCost"),
        preceding_invoices=[
            PrecedingInvoice(_t(ref, "cbc:ID"), _date(ref, "cbc:IssueDate"))
            for ref in root.findall("cac:BillingReference/cac:InvoiceDocumentReference", _NS)
        ],
        period_start=_date(period, "cbc:StartDate"),
        period_end=_date(period, "cbc:EndDate"),
        delivery=delivery,
        payment_means=means,
        payment_terms=_t(root, "cac:PaymentTerms/cbc:Note"),
        allowances_charges=[_allowance_charge(n) for n in root.findall("cac:AllowanceCharge", _NS)],
        attachments=attachments,
    )
