from decimal import Decimal

import pytest

from facturo.core.vat import (
    CATEGORY_LABELS,
    DEFAULT_EXEMPTION,
    VatCategory,
    exemption_reason_required,
    validate_category_rate,
    zero_rate_required,
)


def test_members() -> None:
    assert [c.value for c in VatCategory] == ["S", "Z", "E", "AE", "K", "G", "O"]
    assert VatCategory("AE") is VatCategory.AE
    assert f"{VatCategory.K}" == "K"


def test_labels() -> None:
    assert set(CATEGORY_LABELS) == set(VatCategory)
    assert CATEGORY_LABELS[VatCategory.S] == "Standard rate"
    assert CATEGORY_LABELS[VatCategory.AE] == "Reverse charge"
    assert CATEGORY_LABELS[VatCategory.O] == "Outside scope of VAT"


def test_zero_rate_required() -> None:
    assert not zero_rate_required(VatCategory.S)
    assert all(zero_rate_required(c) for c in VatCategory if c is not VatCategory.S)


def test_exemption_reason_required() -> None:
    required = {c for c in VatCategory if exemption_reason_required(c)}
    assert required == {VatCategory.E, VatCategory.AE, VatCategory.K, VatCategory.G, VatCategory.O}


def test_default_exemptions() -> None:
    assert set(DEFAULT_EXEMPTION) == {c for c in VatCategory if exemption_reason_required(c)}
    assert DEFAULT_EXEMPTION[VatCategory.AE] == ("VATEX-EU-AE", "Reverse charge")
    assert DEFAULT_EXEMPTION[VatCategory.K] == ("VATEX-EU-IC", "Intra-Community supply")
    assert DEFAULT_EXEMPTION[VatCategory.G] == ("VATEX-EU-G", "Export outside the EU")
    assert DEFAULT_EXEMPTION[VatCategory.O] == ("VATEX-EU-O", "Not subject to VAT")
    code, text = DEFAULT_EXEMPTION[VatCategory.E]
    assert code == "VATEX-EU-132-1I"
    assert "132(1)(i)" in text and "2006/112/EC" in text


@pytest.mark.parametrize(
    ("cat", "rate"),
    [
        (VatCategory.S, Decimal(21)),
        (VatCategory.S, Decimal("5.5")),
        (VatCategory.Z, Decimal(0)),
        (VatCategory.AE, Decimal("0.00")),
        (VatCategory.O, Decimal(0)),
    ],
)
def test_rate_ok(cat: VatCategory, rate: Decimal) -> None:
    validate_category_rate(cat, rate)


@pytest.mark.parametrize(
    ("cat", "rate", "message"),
    [
        (VatCategory.S, Decimal(0), "greater than 0"),
        (VatCategory.S, Decimal(-21), "greater than 0"),
        (VatCategory.Z, Decimal(21), "rate of 0"),
        (VatCategory.K, Decimal("0.01"), "rate of 0"),
    ],
)
def test_rate_rejected(cat: VatCategory, rate: Decimal, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_category_rate(cat, rate)


def test_rate_float_rejected() -> None:
    with pytest.raises(TypeError):
        validate_category_rate(VatCategory.S, 21.0)  # type: ignore[arg-type]
