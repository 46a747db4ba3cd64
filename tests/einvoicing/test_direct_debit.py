"""An invoice collected by SEPA direct debit says so in its e-invoices: UBL PaymentMeansCode 59
with the mandate (BT-89) and the debited account (BT-91), the creditor identifier (BT-90) as the
seller's SEPA identifier; CII TypeCode 59 with DirectDebitMandateID and CreditorReferenceID; KSeF
FA(3) "another form of payment" described as a direct debit. It asks for no transfer on top.
Customers without an active mandate, and credit notes, keep the credit transfer."""

from datetime import date

import pytest

from facturo.einvoicing import services
from facturo.einvoicing.mapping import to_document
from facturo.formats.einvoice.cii import write_cii
from facturo.formats.einvoice.rules import validate
from facturo.formats.einvoice.ubl_reader import read_ubl
from facturo.invoicing.services import create_credit_note, create_draft, issue
from facturo.parties.services import create_customer
from facturo.payments import direct_debit
from facturo.payments import services as payments

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
ON = date(2026, 11, 20)
CREDITOR = "NL57ZZZ999999999999"
DEBTOR_IBAN = "BE68539007547034"


@pytest.fixture
def peppol_customer(ctx):
    return create_customer(
        ctx,
        {"name": "Bouwbedrijf Hoornstra B.V.", "country": "NL", "street": "Stationsweg 3", "postal_code": "3861 AA",
         "city": "Nijkerk", "vat_number": "NL004495445B01", "registration_number": "30123457",
         "delivery_channel": "peppol", "peppol_scheme": "0106", "peppol_id": "30123457", "language": "nl"},
    )


@pytest.fixture
def mandate(ctx, peppol_customer):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789", "creditor_id": CREDITOR})
    return direct_debit.create_mandate(
        ctx,
        {"customer_id": peppol_customer.pk, "reference": "MNDT-0042", "signed_on": "2026-01-15", "iban": DEBTOR_IBAN},
    )


def issued(ctx, customer, item):
    draft = create_draft(ctx, {"customer_id": customer.pk, "order_reference": "PO-7", "lines": [
        {"item": item.code, "quantity": "3", "service_date": "2026-11-02"}]})
    return issue(ctx, draft.pk, issue_date=ON)


def test_ubl_carries_the_mandate_the_debited_account_and_the_creditor_identifier(
    ctx, peppol_customer, mandate, item, assert_ubl_valid
):
    invoice = issued(ctx, peppol_customer, item)
    root = assert_ubl_valid(services.build(invoice, "peppol"))
    means = root.findall(f"{CAC}PaymentMeans")
    assert len(means) == 1  # no transfer asked for besides the collection
    code = means[0].find(f"{CBC}PaymentMeansCode")
    assert (code.text, code.get("name")) == ("59", "SEPA direct debit")
    assert means[0].findtext(f"{CBC}PaymentID") == invoice.payment_reference
    assert means[0].find(f"{CAC}PayeeFinancialAccount") is None
    assert means[0].findtext(f"{CAC}PaymentMandate/{CBC}ID") == "MNDT-0042"
    assert means[0].findtext(f"{CAC}PaymentMandate/{CAC}PayerFinancialAccount/{CBC}ID") == DEBTOR_IBAN
    # BT-90: the payee is the seller itself, so the identifier is the seller's (a PayeeParty
    # naming the seller is refused by BR-17; PEPPOL accepts either place).
    sepa = root.findall(f"{CAC}AccountingSupplierParty/{CAC}Party/{CAC}PartyIdentification/{CBC}ID[@schemeID='SEPA']")
    assert [i.text for i in sepa] == [CREDITOR]
    assert root.find(f"{CAC}PayeeParty") is None
    document = read_ubl(services.build(invoice, "peppol"))
    assert [(m.code, m.mandate_id, m.debited_account, m.creditor_id) for m in document.payment_means] == [
        ("59", "MNDT-0042", DEBTOR_IBAN, CREDITOR)
    ]
    assert validate(to_document(invoice), "peppol") == []


def test_cii_carries_type_code_59_mandate_and_creditor_reference(ctx, peppol_customer, mandate, item, assert_cii_valid):
    invoice = issued(ctx, peppol_customer, item)
    root = assert_cii_valid(write_cii(to_document(invoice)))
    settlement = root.find(f".//{RAM}ApplicableHeaderTradeSettlement")
    assert settlement.findtext(f"{RAM}CreditorReferenceID") == CREDITOR
    means = settlement.findall(f"{RAM}SpecifiedTradeSettlementPaymentMeans")
    assert [m.findtext(f"{RAM}TypeCode") for m in means] == ["59"]
    assert means[0].findtext(f"{RAM}PayerPartyDebtorFinancialAccount/{RAM}IBANID") == DEBTOR_IBAN
    assert settlement.findtext(f"{RAM}SpecifiedTradePaymentTerms/{RAM}DirectDebitMandateID") == "MNDT-0042"


def test_without_an_active_mandate_and_on_credit_notes_the_transfer_stays(
    ctx, peppol_customer, mandate, item, assert_ubl_valid
):
    invoice = issued(ctx, peppol_customer, item)
    credit = issue(ctx, create_credit_note(ctx, invoice.pk, {"full": True}).pk, issue_date=ON)
    direct_debit.revoke_mandate(ctx, mandate.pk, "customer asked")
    later = issued(ctx, peppol_customer, item)
    for document in (credit, later):
        root = assert_ubl_valid(services.build(document, "peppol"))
        assert [m.findtext(f"{CBC}PaymentMeansCode") for m in root.findall(f"{CAC}PaymentMeans")] == ["58"]
        assert root.find(f".//{CAC}PaymentMandate") is None


def test_an_invalid_creditor_identifier_stops_the_e_invoice_naming_the_rule(ctx, peppol_customer, item):
    payments.create_bank_account(ctx, {"iban": "NL69INGB0123456789", "creditor_id": "NL98ZZZ999999999999"})
    direct_debit.create_mandate(ctx, {"customer_id": peppol_customer.pk, "reference": "MNDT-1",
                                      "signed_on": "2026-01-15", "iban": DEBTOR_IBAN})
    invoice = issued(ctx, peppol_customer, item)
    problems = services.check(invoice, "peppol")
    assert [p.rule for p in problems] == ["FACTURO-SEPA-DD-1"]
    assert "NL98ZZZ999999999999" in problems[0].message


def test_ksef_describes_the_direct_debit_as_another_form_of_payment(owner, assert_ksef_valid):
    from facturo.administrations.access import context_for
    from facturo.administrations.services import create_administration
    from facturo.catalog.services import create_item
    from tests.conftest import ADMINISTRATIONS

    pl = context_for(owner, create_administration(owner, ADMINISTRATIONS["pl"]))
    create_item(pl, {"code": "RBH", "names": {"pl": "Roboczogodzina"}, "unit": "HUR", "default_price": "145.00"})
    buyer = create_customer(pl, {"name": "Hotel Wisła Sp. z o.o.", "country": "PL", "street": "ul. Długa 5",
                                 "postal_code": "00-238", "city": "Warszawa", "vat_number": "PL7740001454",
                                 "currency": "PLN", "language": "pl"})
    payments.create_bank_account(pl, {"iban": "PL61109010140000071219812874", "currency": "PLN",
                                      "creditor_id": "PL78ZZZ5260250274"})
    direct_debit.create_mandate(pl, {"customer_id": buyer.pk, "reference": "UPZ-2026-7", "signed_on": "2026-02-01",
                                     "iban": "PL27114020040000300201355387"})
    draft = create_draft(pl, {"customer_id": buyer.pk, "lines": [
        {"item": "RBH", "quantity": "2", "service_date": "2026-11-02", "vat_category": "S", "vat_rate": "23"}]})
    invoice = issue(pl, draft.pk, issue_date=ON)
    root = assert_ksef_valid(services.build(invoice, "ksef"))
    ns = "{http://crd.gov.pl/wzor/2025/06/25/13775/}"
    payment = root.find(f"{ns}Fa/{ns}Platnosc")
    assert payment.find(f"{ns}FormaPlatnosci") is None
    assert payment.findtext(f"{ns}PlatnoscInna") == "1"
    assert payment.findtext(f"{ns}OpisPlatnosci") == (
        "Polecenie zapłaty, mandat UPZ-2026-7, identyfikator wierzyciela PL78ZZZ5260250274"
    )
