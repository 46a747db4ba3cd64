"""Common units of measure for invoice lines (BT-130).

Codes are from UN/ECE Recommendation 20, plus a few package codes from
Recommendation 21 with the ``X`` prefix, as EN 16931 allows.
"""

UNITS: dict[str, str] = {
    # counting
    "C62": "one (unit)",
    "H87": "piece",
    "EA": "each",
    "NAR": "number of articles",
    "SET": "set",
    "PR": "pair",
    "DZN": "dozen",
    "LS": "lump sum",
    "E48": "service unit",
    "E49": "working day",
    "E51": "job",
    "ACT": "activity",
    "LH": "labour hour",
    "P1": "percent",
    "ZZ": "mutually defined",
    # time
    "SEC": "second",
    "MIN": "minute",
    "HUR": "hour",
    "DAY": "day",
    "WEE": "week",
    "MON": "month",
    "QAN": "quarter (of a year)",
    "ANN": "year",
    # length, area, volume
    "MMT": "millimetre",
    "CMT": "centimetre",
    "MTR": "metre",
    "KMT": "kilometre",
    "MTK": "square metre",
    "MTQ": "cubic metre",
    "MLT": "millilitre",
    "LTR": "litre",
    # mass
    "GRM": "gram",
    "KGM": "kilogram",
    "TNE": "tonne (metric ton)",
    # energy and power
    "KWH": "kilowatt hour",
    "MWH": "megawatt hour",
    "KWT": "kilowatt",
    # data
    "4L": "megabyte",
    "E34": "gigabyte",
    "E35": "terabyte",
    # packages (Recommendation 21, X-prefixed)
    "XBX": "box",
    "XPK": "package",
    "XPA": "packet",
    "XCT": "carton",
    "XPX": "pallet",
    "XBG": "bag",
    "XRO": "roll",
    "XPP": "piece (loose article)",
}


def is_valid_unit(code: str) -> bool:
    """Whether ``code`` is one of the supported unit codes (exact, upper case)."""
    return isinstance(code, str) and code in UNITS
