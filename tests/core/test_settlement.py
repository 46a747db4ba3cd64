from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.core.settlement import Settlement, open_amount, settlement_status

PROPS = settings(max_examples=200, deadline=None, database=None)
D = Decimal


def test_values() -> None:
    assert [s.value for s in Settlement] == ["open", "partially_paid", "paid", "credited", "written_off"]


@pytest.mark.parametrize(
    ("total", "paid", "credited", "written_off", "expected"),
    [
        ("100", "0", "0", "0", Settlement.OPEN),
        ("100", "40", "0", "0", Settlement.PARTIALLY_PAID),
        ("100", "0", "40", "0", Settlement.OPEN),  # partial credit, nothing paid
        ("100", "100", "0", "0", Settlement.PAID),
        ("100", "120", "0", "0", Settlement.PAID),  # overpaid
        ("100", "60", "40", "0", Settlement.PAID),
        ("100", "0", "100", "0", Settlement.CREDITED),
        ("100", "0", "0", "100", Settlement.WRITTEN_OFF),
        ("100", "90", "0", "10", Settlement.WRITTEN_OFF),
        ("100", "50", "40", "5", Settlement.PARTIALLY_PAID),
        ("0", "0", "0", "0", Settlement.PAID),  # zero-total invoice
    ],
)
def test_status(total: str, paid: str, credited: str, written_off: str, expected: Settlement) -> None:
    assert settlement_status(D(total), D(paid), D(credited), D(written_off)) is expected


def test_open_amount() -> None:
    assert open_amount(D("100.00"), D("30.00"), D("20.00"), D("5.00")) == D("45.00")
    assert open_amount(D("100"), D("120"), D("0"), D("0")) == D("-20")


def test_floats_rejected() -> None:
    with pytest.raises(TypeError):
        open_amount(100.0, D(0), D(0), D(0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        settlement_status(D(100), 1.0, D(0), D(0))  # type: ignore[arg-type]


money = st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False, allow_infinity=False)


@PROPS
@given(total=money, paid=money, credited=money, written_off=money)
def test_status_rules(total: Decimal, paid: Decimal, credited: Decimal, written_off: Decimal) -> None:
    status = settlement_status(total, paid, credited, written_off)
    remaining = open_amount(total, paid, credited, written_off)
    assert remaining == total - paid - credited - written_off
    if remaining > 0:
        assert status is (Settlement.PARTIALLY_PAID if paid > 0 else Settlement.OPEN)
    elif written_off > 0:
        assert status is Settlement.WRITTEN_OFF
    elif credited > 0 and credited >= total:
        assert status is Settlement.CREDITED
    else:
        assert status is Settlement.PAID
    if status is Settlement.OPEN:
        assert paid == 0
