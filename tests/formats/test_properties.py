"""Property: any invoice or credit note facturo can compute (random lines, VAT categories,
discounts, document allowances and charges, currencies, prepaid amounts) passes facturo's
own validator, is valid UBL 2.1, reads back unchanged, and writes valid CII."""

import dataclasses
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturo.formats.einvoice.cii import write_cii
from facturo.formats.einvoice.model import DocumentKind
from facturo.formats.einvoice.rules import validate
from facturo.formats.einvoice.ubl import NLCIUS_CUSTOMIZATION, nlcius_variant, write_ubl
from facturo.formats.einvoice.ubl_reader import read_ubl
from tests.formats.factories import DocSpec, LineSpec, document

quantities = st.decimals(min_value=Decimal("0.25"), max_value=Decimal("500"), places=2)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=4)
percents = st.sampled_from([Decimal(0), Decimal(0), Decimal(5), Decimal("12.5"), Decimal(100)])
s_rates = st.sampled_from([Decimal(21), Decimal(9), Decimal(6), Decimal(23), Decimal(8), Decimal("5.5")])
units = st.sampled_from(["HUR", "C62", "DAY", "MON", "KGM"])
periods = st.sampled_from([None, (date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 10), date(2026, 11, 12))])


@st.composite
def lines(draw, categories):
    category = draw(categories)
    return LineSpec(
        quantity=draw(quantities),
        price=draw(prices),
        category=category,
        rate=draw(s_rates) if category == "S" else Decimal(0),
        discount_percent=draw(percents),
        unit=draw(units),
        period=draw(periods),
    )


@st.composite
def specs(draw):
    outside_scope = draw(st.booleans().map(lambda b: b and draw(st.integers(0, 5)) == 0))
    categories = st.just("O") if outside_scope else st.sampled_from(["S", "S", "S", "Z", "E", "AE", "K", "G"])
    drawn = draw(st.lists(lines(categories), min_size=1, max_size=20))
    used = sorted({(ln.category, ln.rate) for ln in drawn})
    allowances = []
    for _ in range(draw(st.integers(0, 3))):
        category, rate = draw(st.sampled_from(used))
        allowances.append((draw(st.booleans()), draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50),
                                                                 places=2)), category, rate))
    currency = draw(st.sampled_from(["EUR", "EUR", "USD", "GBP", "SEK", "PLN"]))
    spec = DocSpec(
        lines=drawn,
        allowances=allowances,
        currency=currency,
        tax_currency="EUR" if currency != "EUR" else "",
        exchange_rate=draw(st.decimals(min_value=Decimal("0.05"), max_value=Decimal(5), places=4)),
        kind=draw(st.sampled_from([DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE])),
        prepaid=draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("10.00")])),
        rounding=draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-0.02")])),
    )
    return spec


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_generated_documents_are_valid_everywhere(spec, assert_ubl_valid, assert_cii_valid):
    doc = document(spec)
    if doc.tax_total_accounting is not None and doc.tax_total and not doc.tax_total_accounting:
        doc.tax_total_accounting = None  # a VAT total that converts to 0.00 keeps no accounting total
        doc.tax_currency = ""
    assert validate(doc, "peppol") == []
    assert validate(nlcius_variant(doc), "nlcius") == []
    written = write_ubl(doc)
    assert_ubl_valid(written)
    assert_ubl_valid(write_ubl(nlcius_variant(doc), NLCIUS_CUSTOMIZATION))
    again = read_ubl(written)
    assert dataclasses.replace(again, specification="", business_process="") == doc
    assert write_ubl(again) == written
    assert_cii_valid(write_cii(doc))


pl_rates = st.sampled_from([Decimal(23), Decimal(8), Decimal(5)])


@st.composite
def polish_specs(draw):
    categories = st.sampled_from(["S", "S", "S", "Z", "E", "AE", "K", "G"])
    drawn = []
    for _ in range(draw(st.integers(1, 12))):
        line = draw(lines(categories))
        if line.category == "S":
            line.rate = draw(pl_rates)
        drawn.append(line)
    if draw(st.integers(0, 6)) == 0:
        drawn = [dataclasses.replace(line, category="O", rate=Decimal(0)) for line in drawn]
    used = sorted({(line.category, line.rate) for line in drawn})
    allowances = [
        (draw(st.booleans()), draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50), places=2)), *pair)
        for pair in draw(st.lists(st.sampled_from(used), max_size=2))
    ]
    return DocSpec(lines=drawn, allowances=allowances, currency="PLN",
                   kind=draw(st.sampled_from([DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE])))


def polish(doc):
    from facturo.formats.einvoice.model import Address, Identifier

    doc.seller.name = "Serwis Techniczny Sp. z o.o."
    doc.seller.address = Address(street="ul. Prosta 20", city="Warszawa", postal_code="00-850", country="PL")
    if doc.seller.vat_id:
        doc.seller.vat_id = "PL5260250274"
    doc.seller.legal_id = Identifier("5260250274")
    return doc


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=polish_specs())
def test_generated_polish_documents_are_valid_fa3(spec, assert_ksef_valid):
    from datetime import UTC, datetime

    from facturo.formats.einvoice.ksef import write_ksef

    doc = polish(document(spec))
    assert validate(doc, "ksef") == []
    assert_ksef_valid(write_ksef(doc, created=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
