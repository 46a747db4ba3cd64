"""The e-invoice interface the documents and delivery code calls: which formats apply, the
pre-send check in a clerk's words, and validated XML of issued invoices and credit notes."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from facturo.einvoicing import services
from facturo.einvoicing.services import Attachment, EInvoiceRejected
from facturo.formats.einvoice.ubl_reader import read_ubl
from facturo.invoicing.services import create_credit_note, create_draft, issue
from facturo.parties.services import create_customer, update_customer

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
ON = date(2026, 11, 20)


@pytest.fixture
def peppol_customer(ctx):
    return create_customer(
        ctx,
        {
            "name": "Bouwbedrijf Hoornstra B.V.",
            "country": "NL",
            "street": "Stationsweg 3",
            "postal_code": "3861 AA",
            "city": "Nijkerk",
            "vat_number": "NL004495445B01",
            "registration_number": "30123457",
            "email": "facturen@hoornstra.example",
            "delivery_channel": "peppol",
            "peppol_scheme": "0106",
            "peppol_id": "30123457",
            "language": "nl",
        },
    )


def _issue(ctx, customer, lines, **extra):
    draft = create_draft(ctx, {"customer_id": customer.pk, "lines": lines, **extra})
    return issue(ctx, draft.pk, issue_date=ON)


def _line(item, quantity="2", **extra):
    return {"item": item.code, "quantity": quantity, "service_date": "2026-11-02", **extra}


def test_invoice_to_a_peppol_customer_builds_valid_ubl(ctx, peppol_customer, item, assert_ubl_valid):
    invoice = _issue(
        ctx,
        peppol_customer,
        [_line(item, "3", discount_percent="10"), _line(item, "1.5", unit_price="80.00")],
        order_reference="PO-4711",
    )
    assert services.formats_for(invoice) == ["peppol"]
    assert services.check(invoice, "peppol") == []
    xml = services.build(invoice, "peppol")
    root = assert_ubl_valid(xml)
    assert root.findtext(f"{CBC}ID") == invoice.number
    assert root.findtext(f"{CBC}CustomizationID").endswith("poacc:billing:3.0")
    document = read_ubl(xml)
    assert document.totals.payable == invoice.tax_inclusive
    assert document.buyer.endpoint.value == "30123457"
    assert document.lines[0].allowances_charges[0].percent == Decimal("10")
    assert document.order_reference == "PO-4711"


def test_credit_note_refers_to_the_invoice_it_corrects(ctx, peppol_customer, item, assert_ubl_valid):
    invoice = _issue(ctx, peppol_customer, [_line(item, "4")], order_reference="PO-1")
    credit = create_credit_note(ctx, invoice.pk, {"full": True, "reason": "Dubbel gefactureerd"})
    credit = issue(ctx, credit.pk, issue_date=ON)
    xml = services.build(credit, "peppol")
    root = assert_ubl_valid(xml)
    assert etree.QName(root).localname == "CreditNote"
    document = read_ubl(xml)
    assert [p.number for p in document.preceding_invoices] == [invoice.number]
    assert document.due_date == credit.due_date


def test_attachments_are_embedded(ctx, peppol_customer, item, assert_ubl_valid):
    invoice = _issue(ctx, peppol_customer, [_line(item)], order_reference="PO-2")
    pdf = b"%PDF-1.7 not really a pdf but bytes all the same"
    xml = services.build(
        invoice, "peppol", attachments=[Attachment(f"{invoice.number}.pdf", "application/pdf", pdf, "Invoice")]
    )
    assert_ubl_valid(xml)
    (attachment,) = read_ubl(xml).attachments
    assert attachment.content == pdf
    assert attachment.mime_type == "application/pdf"


def test_a_public_body_without_its_reference_is_refused_in_words_a_clerk_understands(ctx, item):
    municipality = create_customer(
        ctx,
        {
            "name": "Gemeente Eemvallei",
            "country": "NL",
            "street": "Stadhuisplein 1",
            "postal_code": "3811 LM",
            "city": "Amersfoort",
            "registration_number": "30123458",
            "category": "government",
            "peppol_scheme": "0190",
            "peppol_id": "00000001301234580000",
        },
    )
    invoice = _issue(ctx, municipality, [_line(item)])
    assert services.formats_for(invoice) == ["peppol", "nlcius"]
    problems = services.check(invoice, "nlcius")
    assert [p.rule for p in problems] == ["BR-NL-2"]
    with pytest.raises(EInvoiceRejected) as caught:
        services.build(invoice, "peppol")
    assert "Gemeente Eemvallei gave no buyer reference" in str(caught.value)
    assert caught.value.problems == services.check(invoice, "peppol")


def test_customer_without_endpoint_or_vat_number_has_no_peppol(ctx, customer, item):
    update_customer(ctx, customer.pk, {"vat_number": "", "category": "consumer"})
    invoice = _issue(ctx, customer, [_line(item)])
    assert services.formats_for(invoice) == []
    problems = services.check(invoice, "peppol")
    assert any(p.rule == "PEPPOL-EN16931-R010" and "has no PEPPOL endpoint" in p.message for p in problems)


def test_preference_none_and_factur_x(ctx, peppol_customer, item):
    invoice = _issue(ctx, peppol_customer, [_line(item)], order_reference="PO-3")
    update_customer(ctx, peppol_customer.pk, {"einvoice_preference": "none"})
    invoice.customer.refresh_from_db()
    assert services.formats_for(invoice) == []
    update_customer(ctx, peppol_customer.pk, {"einvoice_preference": "cii"})
    invoice.customer.refresh_from_db()
    assert services.formats_for(invoice) == ["peppol", "cii"]


def test_drafts_have_no_e_invoice(ctx, peppol_customer, item):
    draft = create_draft(ctx, {"customer_id": peppol_customer.pk, "lines": [_line(item)]})
    assert services.formats_for(draft) == []
    assert [p.rule for p in services.check(draft, "peppol")] == ["FACTURO-ISSUED"]


def test_factur_x_customer_gets_cii_that_passes_the_official_rules(ctx, peppol_customer, item, assert_cii_valid):
    update_customer(ctx, peppol_customer.pk, {"einvoice_preference": "cii"})
    invoice = _issue(ctx, peppol_customer, [_line(item, "3", discount_percent="5")], buyer_reference="AFD-7")
    assert "cii" in services.formats_for(invoice)
    root = assert_cii_valid(services.build(invoice, "cii"))
    ram = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
    assert root.findtext(f".//{ram}DuePayableAmount") == f"{invoice.tax_inclusive:.2f}"


@pytest.fixture
def pl_ctx(owner):
    from facturo.administrations.access import context_for
    from facturo.administrations.services import create_administration
    from tests.conftest import ADMINISTRATIONS

    return context_for(owner, create_administration(owner, ADMINISTRATIONS["pl"]))


def test_polish_invoices_and_corrections_go_to_ksef_valid_against_fa3(pl_ctx, assert_ksef_valid):
    from facturo.catalog.services import create_item

    create_item(pl_ctx, {"code": "RBH", "names": {"pl": "Roboczogodzina"}, "unit": "HUR", "default_price": "145.00"})
    create_item(pl_ctx, {"code": "MONT", "names": {"pl": "Montaż"}, "unit": "HUR", "default_price": "130.00",
                         "vat_kind": "reduced"})
    buyer = create_customer(
        pl_ctx,
        {"name": "Piekarnia Kowalski Sp. j.", "country": "PL", "street": "ul. Długa 5", "postal_code": "31-147",
         "city": "Kraków", "vat_number": "PL5260250274", "language": "pl", "currency": "PLN"},
    )
    invoice = _issue(pl_ctx, buyer, [{"item": "RBH", "quantity": "3", "service_date": "2026-11-02"},
                                     {"item": "MONT", "quantity": "2", "service_date": "2026-11-03"}])
    assert "ksef" in services.formats_for(invoice)
    ns = "{http://crd.gov.pl/wzor/2025/06/25/13775/}"
    root = assert_ksef_valid(services.build(invoice, "ksef"))
    assert root.findtext(f"{ns}Fa/{ns}P_15") == f"{invoice.tax_inclusive:.2f}"
    assert root.findtext(f"{ns}Fa/{ns}RodzajFaktury") == "VAT"
    credit = issue(pl_ctx, create_credit_note(pl_ctx, invoice.pk, {"full": True, "reason": "Zwrot"}).pk, issue_date=ON)
    root = assert_ksef_valid(services.build(credit, "ksef"))
    assert root.findtext(f"{ns}Fa/{ns}RodzajFaktury") == "KOR"
    assert root.findtext(f"{ns}Fa/{ns}DaneFaKorygowanej/{ns}NrFaKorygowanej") == invoice.number
    assert root.findtext(f"{ns}Fa/{ns}P_15") == f"{-invoice.tax_inclusive:.2f}"


def test_ksef_is_only_for_polish_administrations(ctx, peppol_customer, item):
    invoice = _issue(ctx, peppol_customer, [_line(item)], order_reference="PO-9")
    assert [p.rule for p in services.check(invoice, "ksef")] == ["FACTURO-KSEF"]


def test_documents_fetched_with_for_build_need_no_further_queries(
    ctx, peppol_customer, item, django_assert_num_queries
):
    from facturo.invoicing.models import Invoice

    invoice = _issue(ctx, peppol_customer, [_line(item, "3"), _line(item, "1", discount_percent="10")],
                     order_reference="PO-5")
    credit = issue(ctx, create_credit_note(ctx, invoice.pk, {"full": True, "reason": "Retour"}).pk, issue_date=ON)
    documents = list(services.for_build(Invoice.objects.filter(pk__in=[invoice.pk, credit.pk])))
    with django_assert_num_queries(0):
        for document in documents:
            for fmt in services.formats_for(document):
                services.build(document, fmt)


def test_ksef_schema_check_when_configured(pl_ctx, monkeypatch):
    from tests.einvoice_fixtures import KSEF_XSD, need

    monkeypatch.setenv("FACTURO_KSEF_SCHEMA", str(need(KSEF_XSD)))
    buyer = create_customer(pl_ctx, {"name": "Hotel Stare Podgórze", "country": "PL", "street": "ul. Limanowskiego 1",
                                     "postal_code": "30-551", "city": "Kraków", "vat_number": "PL5260250274",
                                     "currency": "PLN"})
    line = {"description": "Przegląd instalacji", "quantity": "1", "unit_price": "500.00", "vat_category": "S",
            "vat_rate": "23", "service_date": "2026-11-02"}
    invoice = _issue(pl_ctx, buyer, [line])
    assert services.check(invoice, "ksef") == []
    services.build(invoice, "ksef")
    # A seller name longer than FA(3) allows passes EN 16931 but not the schema (changed on the
    # object in memory only: the issued row in the database cannot change).
    invoice.seller_snapshot = {**invoice.seller_snapshot, "name": "Serwis " * 100}
    problems = services.check(invoice, "ksef")
    assert problems and {p.rule for p in problems} == {"KSEF-XSD"}
    with pytest.raises(EInvoiceRejected, match="FA\\(3\\) schema refuses"):
        services.build(invoice, "ksef")


def test_dutch_public_body_registered_by_its_oin_only(ctx, item, assert_ubl_valid):
    ministry = create_customer(
        ctx,
        {"name": "Rijksdienst voor Ondernemend Nederland", "country": "NL", "street": "Prinses Beatrixlaan 2",
         "postal_code": "2595 AL", "city": "Den Haag", "category": "government", "peppol_scheme": "0190",
         "peppol_id": "00000001003214345000"},
    )
    invoice = _issue(ctx, ministry, [_line(item)], buyer_reference="RVO-2026-77")
    assert services.check(invoice, "nlcius") == []
    root = assert_ubl_valid(services.build(invoice, "nlcius"))
    company = root.find(".//{*}AccountingCustomerParty//{*}PartyLegalEntity/{*}CompanyID")
    assert (company.text, company.get("schemeID")) == ("00000001003214345000", "0190")
