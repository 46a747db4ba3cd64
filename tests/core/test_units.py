import re

from facturo.core.units import UNITS, is_valid_unit


def test_required_codes_present() -> None:
    required = {
        "C62",
        "H87",
        "HUR",
        "MIN",
        "DAY",
        "WEE",
        "MON",
        "QAN",
        "ANN",
        "KMT",
        "KGM",
        "LTR",
        "MTR",
        "MTK",
        "MTQ",
        "KWH",
        "SET",
        "PR",
        "LS",
        "E48",
    }
    assert required <= set(UNITS)
    assert len(UNITS) >= 40


def test_code_shape_and_names() -> None:
    for code, name in UNITS.items():
        assert re.fullmatch(r"[0-9A-Z]{2,3}", code), code
        assert name and name == name.strip()


def test_is_valid_unit() -> None:
    assert is_valid_unit("HUR")
    assert is_valid_unit("XBX")
    assert not is_valid_unit("hur")
    assert not is_valid_unit("PCE")  # not a Rec 20 code
    assert not is_valid_unit("")
    assert not is_valid_unit(None)  # type: ignore[arg-type]
