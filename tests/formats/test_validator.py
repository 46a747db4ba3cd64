"""facturo's own pre-send validator: a document broken in one way gets the official rule id
of that one rule, a path, and a message a clerk can act on."""

from dataclasses import replace
from decimal import Decimal

import pytest

from facturo.formats.einvoice.model import DocumentKind, Identifier
from facturo.formats.einvoice.rules import validate
from tests.formats.factories import DocSpec, LineSpec, document, simple


def rules_of(doc, profile="peppol"):
    return sorted({p.rule for p in validate(doc, profile)})


def test_a_correct_document_has_no_problems():
    assert validate(simple(), "peppol") == []
    assert validate(simple(), "nlcius") == []
    assert validate(simple(), "en16931") == []


def test_customer_without_endpoint():
    doc = simple()
    doc.buyer.endpoint = None
    (problem,) = validate(doc)
    assert problem.rule == "PEPPOL-EN16931-R010"
    assert problem.message == "customer Brouwerij De Dijlevallei BV has no PEPPOL endpoint"
    assert rules_of(doc, "en16931") == []


def test_credit_note_without_the_invoice_it_corrects():
    doc = simple(kind=DocumentKind.CREDIT_NOTE)
    doc.preceding_invoices = []
    problems = validate(doc, "peppol")
    assert [p.rule for p in problems] == ["NL-R-001"]
    assert problems[0].message == "credit note without a reference to the invoice it corrects"
    assert rules_of(doc, "nlcius") == ["FACTURO-NL-CN"]


def test_endpoint_scheme_removed_in_3_0_21():
    doc = simple()
    doc.buyer.endpoint = Identifier("123456789", "0212")
    (problem,) = validate(doc)
    assert problem.rule == "PEPPOL-EN16931-CL008"
    assert "removed in BIS 3.0.21" in problem.message


@pytest.mark.parametrize(
    ("identifier", "rule"),
    [
        (Identifier("0403019262", "0208"), "PEPPOL-COMMON-R043"),
        (Identifier("7300010000002", "0088"), "PEPPOL-COMMON-R040"),
        (Identifier("12345678", "0096"), "PEPPOL-COMMON-R052"),
        (Identifier("12345678", "0198"), "PEPPOL-COMMON-R053"),
        (Identifier("5560360794", "0007"), "PEPPOL-COMMON-R049"),
    ],
)
def test_identifier_formats(identifier, rule):
    doc = simple()
    doc.buyer.endpoint = identifier
    assert rules_of(doc) == [rule]


def test_totals_that_do_not_add_up():
    doc = simple()
    doc.totals.line_extension += Decimal("0.01")
    assert rules_of(doc) == ["BR-CO-10", "BR-CO-13"]
    doc = simple()
    doc.tax_total += Decimal("1")
    assert rules_of(doc) == ["BR-CO-14", "BR-CO-15"]
    doc = simple()
    doc.totals.payable -= Decimal("5")
    assert rules_of(doc) == ["BR-CO-16"]


def test_vat_amount_per_rate():
    doc = simple()
    doc.vat_breakdown[0].tax_amount += Decimal("0.01")
    doc.tax_total += Decimal("0.01")
    doc.totals.tax_inclusive += Decimal("0.01")
    doc.totals.payable += Decimal("0.01")
    assert rules_of(doc) == ["BR-CO-17", "BR-S-09"]


def test_line_amount_that_does_not_follow_from_quantity_and_price():
    doc = simple()
    doc.lines[1].price = Decimal("45.00")
    assert rules_of(doc) == ["PEPPOL-EN16931-R120"]


def test_reverse_charge_needs_the_customers_vat_number_and_an_exemption_reason():
    doc = document(DocSpec(lines=[LineSpec(Decimal(2), Decimal(61), "AE")]))
    assert validate(doc) == []
    doc.buyer.vat_id = ""
    doc.buyer.legal_id = None
    doc.vat_breakdown[0].exemption_code = doc.vat_breakdown[0].exemption_reason = ""
    problems = validate(doc)
    assert sorted(p.rule for p in problems) == ["BR-AE-02", "BR-AE-10"]
    assert any("has no VAT number, which reverse charge needs" in p.message for p in problems)


def test_intra_community_supply_needs_delivery_details():
    doc = document(DocSpec(lines=[LineSpec(Decimal(2), Decimal(61), "K")]))
    assert validate(doc) == []
    doc.delivery = None
    doc.period_start = doc.period_end = None
    assert rules_of(doc) == ["BR-IC-11", "BR-IC-12"]


def test_outside_scope_of_vat_excludes_vat_numbers_and_other_categories():
    doc = document(DocSpec(lines=[LineSpec(Decimal(1), Decimal(100), "O")]))
    assert validate(doc) == []
    doc.seller.vat_id = "NL123456782B01"
    assert rules_of(doc) == ["BR-O-02"]
    mixed = document(DocSpec(lines=[LineSpec(Decimal(1), Decimal(100), "O"), LineSpec(Decimal(1), Decimal(10))]))
    assert {"BR-O-11", "BR-O-12"} <= set(rules_of(mixed))


@pytest.mark.parametrize(
    ("category", "rate", "rule"),
    [("S", Decimal(0), "BR-S-05"), ("Z", Decimal(9), "BR-Z-05"), ("E", Decimal(21), "BR-E-05"),
     ("G", Decimal(6), "BR-G-05"), ("K", Decimal(1), "BR-IC-05"), ("AE", Decimal(21), "BR-AE-05")],
)
def test_rate_must_suit_the_category(category, rate, rule):
    doc = document(DocSpec(lines=[LineSpec(Decimal(1), Decimal(100), category)]))
    doc.lines[0].vat_rate = rate
    assert rule in rules_of(doc)


def test_zero_rate_with_an_exemption_reason_and_exempt_without_one():
    doc = document(DocSpec(lines=[LineSpec(Decimal(1), Decimal(100), "Z")]))
    doc.vat_breakdown[0].exemption_reason = "Zero rated"
    assert rules_of(doc) == ["BR-Z-10"]
    doc = document(DocSpec(lines=[LineSpec(Decimal(1), Decimal(100), "E")]))
    doc.vat_breakdown[0].exemption_reason = doc.vat_breakdown[0].exemption_code = ""
    assert rules_of(doc) == ["BR-E-10"]


def test_peppol_needs_buyer_reference_or_order_and_one_note():
    doc = replace(simple(), buyer_reference="", notes=["one", "two"])
    assert rules_of(doc) == ["PEPPOL-EN16931-R002", "PEPPOL-EN16931-R003"]


def test_dutch_seller_needs_kvk_and_payment_means():
    doc = simple()
    doc.seller.legal_id = Identifier("12345678", "")
    doc.payment_means = []
    assert rules_of(doc, "peppol") == ["NL-R-003", "NL-R-007"]
    assert rules_of(doc, "nlcius") == ["BR-NL-1", "BR-NL-11"]


def test_nlcius_dutch_customer_needs_kvk_or_oin():
    doc = simple()
    doc.buyer.address = replace(doc.seller.address)
    doc.buyer.legal_id = None
    assert rules_of(doc, "nlcius") == ["BR-NL-10"]
    assert rules_of(doc, "peppol") == []


CREDITOR = "NL57ZZZ999999999999"  # check digits 57 are right for ZZZ999999999999


def sepa_debit(doc, **changes):
    values = {"code": "59", "iban": "", "bic": "", "account_name": "", "mandate_id": "MNDT-0042",
              "creditor_id": CREDITOR, "debited_account": "BE68539007547034", **changes}
    doc.payment_means[0] = replace(doc.payment_means[0], **values)
    return doc


def test_direct_debit_needs_a_mandate():
    doc = sepa_debit(simple(), mandate_id="")
    assert rules_of(doc) == ["PEPPOL-EN16931-R061"]


def test_a_sepa_direct_debit_with_mandate_creditor_and_account_passes_every_profile():
    for profile in ("en16931", "peppol", "cii"):
        assert rules_of(sepa_debit(simple()), profile) == []


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"creditor_id": ""}, "FACTURO-SEPA-DD-1"),
        ({"creditor_id": "NL98ZZZ999999999999"}, "FACTURO-SEPA-DD-1"),  # check digits wrong
        ({"creditor_id": "not an id"}, "FACTURO-SEPA-DD-1"),
        ({"debited_account": ""}, "FACTURO-SEPA-DD-2"),
    ],
)
def test_a_sepa_direct_debit_needs_a_valid_creditor_identifier_and_the_debited_account(changes, rule):
    assert rules_of(sepa_debit(simple(), **changes), "en16931") == [rule]


def test_a_sepa_direct_debit_collects_euro_only():
    from decimal import Decimal

    doc = sepa_debit(simple(currency="USD", tax_currency="EUR", exchange_rate=Decimal("0.92")))
    assert rules_of(doc, "en16931") == ["FACTURO-SEPA-DD-3"]
    assert rules_of(sepa_debit(doc, code="49"), "en16931") == []  # a direct debit outside SEPA


def test_creditor_identifiers_of_the_rulebook_check():
    from facturo.formats.einvoice.rules import valid_creditor_id

    assert all(map(valid_creditor_id, ("DE98ZZZ09999999999", "BE69ZZZ050D000000008", "ES59ZZZX1234567L", CREDITOR)))
    assert not any(map(valid_creditor_id, ("DE97ZZZ09999999999", "NL98ZZZ999999999999", "DE98", "")))


def test_line_period_outside_the_invoicing_period():
    from datetime import date

    doc = simple()
    doc.lines[0].period_start, doc.lines[0].period_end = date(2026, 10, 25), date(2026, 12, 2)
    assert rules_of(doc) == ["PEPPOL-EN16931-R110", "PEPPOL-EN16931-R111"]


def test_foreign_currency_needs_the_vat_total_in_the_accounting_currency():
    doc = simple(currency="USD", tax_currency="EUR", exchange_rate=Decimal("0.92"))
    assert validate(doc) == []
    doc.tax_total_accounting = None
    assert rules_of(doc) == ["BR-53", "PEPPOL-EN16931-R054"]
    doc.tax_total_accounting = -Decimal(1)
    assert rules_of(doc) == ["PEPPOL-EN16931-R055"]


def test_ksef_needs_a_polish_seller_and_polish_rates():
    doc = simple()
    problems = rules_of(doc, "ksef")
    assert "KSEF-NIP" in problems and "KSEF-RATE" in problems


def test_every_problem_has_a_path_and_a_message():
    doc = simple(kind=DocumentKind.CREDIT_NOTE)
    doc.preceding_invoices = []
    doc.buyer.endpoint = None
    doc.buyer.name = ""
    doc.lines[0].name = ""
    for problem in validate(doc, "nlcius"):
        assert problem.rule and problem.path and problem.message
        assert str(problem).startswith(f"[{problem.rule}]")


def test_identifier_schemes_must_be_iso_6523_codes():
    doc = simple()
    doc.buyer.legal_id = Identifier("0403019261", "BE:CBE")
    doc.buyer.identifiers = [Identifier("123", "9999")]
    doc.seller.identifiers = [Identifier("NL00ZZZ123456780000", "SEPA")]
    assert rules_of(doc) == ["BR-CL-10", "BR-CL-11"]
