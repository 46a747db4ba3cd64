from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.core.numbering import (
    fiscal_year,
    fiscal_year_bounds,
    format_number,
    validate_pattern,
)

PROPS = settings(max_examples=200, deadline=None, database=None)


@pytest.mark.parametrize(
    ("pattern", "kwargs", "expected"),
    [
        ("{year}-{seq:04d}", {"year": 2025, "seq": 7}, "2025-0007"),
        ("INV{seq}", {"year": 2025, "seq": 123}, "INV123"),
        ("{series}/{year}/{seq:06d}", {"year": 2024, "seq": 42, "series": "B"}, "B/2024/000042"),
        ("{{{seq}}}", {"year": 2024, "seq": 5}, "{5}"),
        ("{seq:>5}", {"year": 2024, "seq": 5}, "    5"),
    ],
)
def test_format_number(pattern: str, kwargs: dict[str, int | str], expected: str) -> None:
    assert format_number(pattern, **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "empty"),
        ("{year}-", "must contain {seq}"),
        ("{year}-{number}", "unknown field {number}"),
        ("{}-{seq}", "positional"),
        ("{0}-{seq}", "positional"),
        ("{seq!r}", "conversion"),
        ("{seq.real}", "unknown field"),
        ("{year[0]}{seq}", "unknown field"),
        ("{seq", "malformed"),
        ("{seq}}", "malformed"),
        ("{seq:s}", "bad format spec"),
        ("{series:d}{seq}", "bad format spec"),
        ("{seq:{year}}", "nested"),
        ("{seq:.0}", "bad format spec"),
    ],
)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_pattern(pattern)
    with pytest.raises(ValueError):
        format_number(pattern, year=2025, seq=1)


def test_format_number_arguments() -> None:
    with pytest.raises(ValueError):
        format_number("{seq}", year=2025, seq=-1)
    with pytest.raises(ValueError):
        format_number("{seq}", year=0, seq=1)
    with pytest.raises(TypeError):
        format_number("{seq}", year=2025, seq=True)


@pytest.mark.parametrize(
    ("on", "month", "day", "expected"),
    [
        (date(2025, 3, 15), 1, 1, 2025),
        (date(2025, 3, 15), 4, 1, 2024),
        (date(2025, 4, 1), 4, 1, 2025),
        (date(2025, 3, 31), 4, 1, 2024),
        (date(2025, 7, 5), 7, 6, 2024),
        (date(2025, 7, 6), 7, 6, 2025),
    ],
)
def test_fiscal_year(on: date, month: int, day: int, expected: int) -> None:
    assert fiscal_year(on, month, day) == expected


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_bounds(2025) == (date(2025, 1, 1), date(2025, 12, 31))
    assert fiscal_year_bounds(2024, 4, 1) == (date(2024, 4, 1), date(2025, 3, 31))
    assert fiscal_year_bounds(2023, 3, 1) == (date(2023, 3, 1), date(2024, 2, 29))


@pytest.mark.parametrize(("month", "day"), [(0, 1), (13, 1), (2, 29), (4, 31), (1, 0)])
def test_bad_fiscal_start(month: int, day: int) -> None:
    with pytest.raises(ValueError):
        fiscal_year(date(2025, 1, 1), month, day)
    with pytest.raises(ValueError):
        fiscal_year_bounds(2025, month, day)


@st.composite
def _start(draw: st.DrawFn) -> tuple[int, int]:
    month = draw(st.integers(1, 12))
    last = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return month, draw(st.integers(1, last))


@PROPS
@given(on=st.dates(min_value=date(1901, 1, 1), max_value=date(2998, 12, 31)), start=_start())
def test_fiscal_year_bounds_contain_date(on: date, start: tuple[int, int]) -> None:
    year = fiscal_year(on, *start)
    first, last = fiscal_year_bounds(year, *start)
    assert first <= on <= last
    assert (first.month, first.day) == start
    assert first.year == year
    assert 365 <= (last - first).days + 1 <= 366
    assert fiscal_year(first, *start) == year == fiscal_year(last, *start)
