import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iso11649

from facturo.core.references import (
    be_structured,
    is_valid_be_structured,
    is_valid_nl_payment_reference,
    is_valid_rf,
    nl_payment_reference,
    payment_reference_for,
    rf_reference,
)

PROPS = settings(max_examples=200, deadline=None, database=None)


def _change_digit(ref: str, index: int, shift: int) -> str:
    """Replace the digit at ``index`` with a different digit (shift 1..9)."""
    new = str((int(ref[index]) + shift) % 10)
    return ref[:index] + new + ref[index + 1 :]


# --- ISO 11649 --------------------------------------------------------------


def test_rf_known_example() -> None:
    # The example of ISO 11649: "RF18 5390 0754 7034".
    assert rf_reference("539007547034") == "RF18539007547034"
    assert is_valid_rf("RF18539007547034")
    assert is_valid_rf("RF18 5390 0754 7034")
    assert is_valid_rf("rf18 5390 0754 7034")


def test_rf_with_letters() -> None:
    ref = rf_reference("INV2025A0001")
    assert ref.startswith("RF") and ref.endswith("INV2025A0001")
    assert iso11649.is_valid(ref)


@pytest.mark.parametrize("base", ["", "abc", "12 34", "1" * 22, "12-34", "ÄB"])
def test_rf_bad_base(base: str) -> None:
    with pytest.raises(ValueError):
        rf_reference(base)


@pytest.mark.parametrize(
    "ref", ["RF19539007547034", "RF18539007547035", "RF18", "XX18539007547034", "RF1A5390", ""]
)
def test_rf_invalid(ref: str) -> None:
    assert not is_valid_rf(ref)


@PROPS
@given(base=st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=21))
def test_rf_generated_always_valid(base: str) -> None:
    ref = rf_reference(base)
    assert is_valid_rf(ref)
    assert iso11649.is_valid(ref)
    assert len(ref) == len(base) + 4


@PROPS
@given(
    base=st.text(alphabet=string.digits + "ABCXYZ", min_size=1, max_size=21),
    data=st.data(),
)
def test_rf_single_digit_change_detected(base: str, data: st.DataObject) -> None:
    ref = rf_reference(base)
    digit_positions = [i for i, ch in enumerate(ref) if ch.isdigit()]
    index = data.draw(st.sampled_from(digit_positions))
    shift = data.draw(st.integers(1, 9))
    assert not is_valid_rf(_change_digit(ref, index, shift))


# --- Belgian structured communication ------------------------------------------


def test_be_known_example() -> None:
    # 97 x 9374613 = 909337461 and 909337554 - 909337461 = 93, so 0909337554 mod 97 = 93.
    assert be_structured(909337554) == "+++090/9337/55493+++"
    assert is_valid_be_structured("+++090/9337/55493+++")
    assert is_valid_be_structured("***090/9337/55493***")
    assert is_valid_be_structured("090933755493")


def test_be_zero_remainder_uses_97() -> None:
    assert be_structured(0) == "+++000/0000/00097+++"
    assert be_structured(97) == "+++000/0000/09797+++"
    assert is_valid_be_structured("+++000/0000/09797+++")
    assert not is_valid_be_structured("+++000/0000/09700+++")


@pytest.mark.parametrize(
    "ref",
    [
        "+++090/9337/55494+++",
        "+++090/9337/5549+++",
        "+++090/9337/55493",
        "+++090/9337/55493***",
        "+++09a/9337/55493+++",
        "",
        "+++",
        "+++090/9337/55493+++9",
    ],
)
def test_be_invalid(ref: str) -> None:
    assert not is_valid_be_structured(ref)


@pytest.mark.parametrize("base", [-1, 10**10])
def test_be_base_range(base: int) -> None:
    with pytest.raises(ValueError):
        be_structured(base)


@PROPS
@given(base=st.integers(0, 10**10 - 1), index=st.integers(0, 11), shift=st.integers(1, 9))
def test_be_generated_valid_and_digit_change_detected(base: int, index: int, shift: int) -> None:
    ref = be_structured(base)
    assert is_valid_be_structured(ref)
    digits = ref.strip("+").replace("/", "")
    assert int(digits[:10]) == base
    assert not is_valid_be_structured(_change_digit(digits, index, shift))


# --- Dutch payment reference (betalingskenmerk) -------------------------------


def test_nl_worked_example() -> None:
    # Payload 000056789012345, weights from the right 2,4,8,5,10,9,7,3,6,1,2,...:
    # 5*2 + 4*4 + 3*8 + 2*5 + 1*10 + 0*9 + 9*7 + 8*3 + 7*6 + 6*1 + 5*2 = 215
    # 215 mod 11 = 6, 11 - 6 = 5  ->  check digit 5.
    assert nl_payment_reference(56789012345) == "5000056789012345"
    assert is_valid_nl_payment_reference("5000056789012345")
    assert is_valid_nl_payment_reference("5000 0567 8901 2345")


def test_nl_hand_checked_remainder_zero() -> None:
    # Payload 123456789012345, from the right:
    # 5*2=10, 4*4=16, 3*8=24, 2*5=10, 1*10=10, 0*9=0, 9*7=63, 8*3=24, 7*6=42, 6*1=6,
    # 5*2=10, 4*4=16, 3*8=24, 2*5=10, 1*10=10  -> sum 275 = 25*11, remainder 0
    # 11 - 0 = 11 -> check digit 0.
    assert nl_payment_reference(123456789012345) == "0123456789012345"
    # Payload ...001: 1*2 = 2, 11 - 2 = 9.
    assert nl_payment_reference(1) == "9000000000000001"


def test_nl_remainder_one_and_ten_share_check_digit_one() -> None:
    # ...005: 5*2 = 10, remainder 10, 11 - 10 = 1.
    # ...006: 6*2 = 12, remainder 1, 11 - 1 = 10 -> 1.
    assert nl_payment_reference(5) == "1000000000000005"
    assert nl_payment_reference(6) == "1000000000000006"
    # So the scheme cannot catch this single-digit error; both are valid.
    assert is_valid_nl_payment_reference("1000000000000006")


@pytest.mark.parametrize(
    "ref", ["4000056789012345", "500005678901234", "50000567890123456", "500005678901234A", ""]
)
def test_nl_invalid(ref: str) -> None:
    assert not is_valid_nl_payment_reference(ref)


@pytest.mark.parametrize("base", [-1, 10**15])
def test_nl_base_range(base: int) -> None:
    with pytest.raises(ValueError):
        nl_payment_reference(base)


def test_bool_base_rejected() -> None:
    with pytest.raises(TypeError):
        nl_payment_reference(True)
    with pytest.raises(TypeError):
        be_structured(False)


@PROPS
@given(base=st.integers(0, 10**15 - 1), shift=st.integers(1, 9), index=st.integers(0, 15))
def test_nl_generated_valid_and_digit_change(base: int, shift: int, index: int) -> None:
    ref = nl_payment_reference(base)
    assert len(ref) == 16 and ref.isdigit()
    assert is_valid_nl_payment_reference(ref)
    changed = _change_digit(ref, index, shift)
    if index == 0:
        assert not is_valid_nl_payment_reference(changed)
    elif is_valid_nl_payment_reference(changed):
        # Only the documented remainder 1 <-> 10 collision (check digit 1) escapes.
        assert ref[0] == "1"


# --- per country ----------------------------------------------------------------


def test_payment_reference_for() -> None:
    assert payment_reference_for("NL", 56789012345) == "5000056789012345"
    assert payment_reference_for("nl", 56789012345) == "5000056789012345"
    assert payment_reference_for("BE", 909337554) == "+++090/9337/55493+++"
    assert payment_reference_for("DE", 539007547034) == "RF18539007547034"
    assert payment_reference_for("FR", 7) == rf_reference("7")


@PROPS
@given(country=st.sampled_from(["NL", "BE", "DE", "AT", "FI"]), base=st.integers(0, 10**10 - 1))
def test_payment_reference_for_validates(country: str, base: int) -> None:
    ref = payment_reference_for(country, base)
    validator = {"NL": is_valid_nl_payment_reference, "BE": is_valid_be_structured}.get(country, is_valid_rf)
    assert validator(ref)
