"""Amounts and quantities as the customer reads them: property tests against a parser."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from facturo.documents.data import format_amount, format_quantity
from facturo.documents.labels import NUMBER_SYMBOLS

amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2)
languages = st.sampled_from(sorted(NUMBER_SYMBOLS))


def parse(text: str, language: str) -> Decimal:
    decimal_mark, group = NUMBER_SYMBOLS[language]
    return Decimal(text.replace(group, "").replace(decimal_mark, "."))


@given(amounts, languages)
def test_amount_reads_back_exactly_with_two_decimals(value, language):
    text = format_amount(value, language)
    assert parse(text, language) == value
    assert len(text.rsplit(NUMBER_SYMBOLS[language][0], 1)[1]) == 2


@given(amounts, languages)
def test_thousands_are_grouped_by_three(value, language):
    whole = format_amount(value, language).lstrip("-").rsplit(NUMBER_SYMBOLS[language][0], 1)[0]
    groups = whole.split(NUMBER_SYMBOLS[language][1])
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999"), places=4), languages)
def test_quantity_keeps_every_significant_decimal_and_no_trailing_zero(value, language):
    text = format_quantity(value, language)
    assert parse(text, language) == value
    assert not text.endswith("0" + NUMBER_SYMBOLS[language][0])
    if NUMBER_SYMBOLS[language][0] in text:
        assert not text.endswith("0")


def test_examples():
    assert format_amount(Decimal("1234567.5"), "nl") == "1.234.567,50"
    assert format_amount(Decimal("-0.05"), "en") == "-0.05"
    assert format_quantity(Decimal("2.5000"), "pl") == "2,5"
    assert format_quantity(Decimal("3.0000"), "fr") == "3"
