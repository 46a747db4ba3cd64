import hashlib
import json
import random
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.core.chain import GENESIS, canonical_json, chain_hash, plain_json

PROPS = settings(max_examples=200, deadline=None, database=None)


def test_canonical_json_example() -> None:
    data = {
        "total": Decimal("1.50"),
        "date": date(2025, 1, 2),
        "lines": [1, "x", None, True, Decimal("1E+2")],
        "naam": "Café ü",
        "nested": {"b": 1, "a": Decimal("1.0E-7")},
    }
    assert (
        canonical_json(data)
        == (
            '{"date":"2025-01-02","lines":[1,"x",null,true,"100"],"naam":"Café ü",'
            '"nested":{"a":"0.00000010","b":1},"total":"1.50"}'
        ).encode()
    )


def test_canonical_json_other_types() -> None:
    uid = UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json({"id": uid, "t": (1, 2)}) == (
        b'{"id":"12345678-1234-5678-1234-567812345678","t":[1,2]}'
    )
    assert canonical_json({"at": datetime(2025, 1, 2, 3, 4, 5)}) == b'{"at":"2025-01-02T03:04:05"}'
    assert canonical_json({"z": Decimal("-0.00")}) == b'{"z":"0.00"}'
    assert canonical_json({}) == b"{}"


@pytest.mark.parametrize(
    "data",
    [
        {"a": 1.5},
        {"a": [1, 2.0]},
        {"a": {"b": float("nan")}},
        {"a": {1: "x"}},
        {"a": {1, 2}},
        {"a": object()},
    ],
)
def test_canonical_json_type_errors(data: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        canonical_json(data)


def test_canonical_json_nan_decimal() -> None:
    with pytest.raises(ValueError):
        canonical_json({"a": Decimal("NaN")})


def test_chain_hash() -> None:
    content = canonical_json({"number": "2025-0001"})
    first = chain_hash(GENESIS, content)
    assert first == hashlib.sha256(("0" * 64).encode() + content).hexdigest()
    assert len(first) == 64
    second = chain_hash(first, content)
    assert second != first
    assert chain_hash(first, content) == second


@pytest.mark.parametrize("previous", ["", "0" * 63, "A" * 64, "g" * 64, "0" * 65])
def test_chain_hash_rejects_bad_previous(previous: str) -> None:
    with pytest.raises(ValueError):
        chain_hash(previous, b"{}")


def test_chain_hash_rejects_str_content() -> None:
    with pytest.raises(TypeError):
        chain_hash(GENESIS, "{}")  # type: ignore[arg-type]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=10),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@PROPS
@given(data=st.dictionaries(st.text(max_size=8), values, max_size=8), rng=st.randoms())
def test_canonical_json_stable_under_key_order(data: dict[str, object], rng: random.Random) -> None:
    encoded = canonical_json(data)
    assert canonical_json(_shuffled(data, rng)) == encoded  # type: ignore[arg-type]
    reparsed = json.loads(encoded.decode("utf-8"))
    compact = json.dumps(reparsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert compact.encode("utf-8") == encoded


# Plain JSON as the chain has always hashed it: any text (control characters, quotes,
# backslashes, line separators, astral characters), integers of any size, nesting.
plain_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
)
plain_values = st.recursive(
    plain_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(codec="utf-8"), max_size=6), children, max_size=4),
    max_leaves=16,
)


@PROPS
@given(data=st.dictionaries(st.text(alphabet=st.characters(codec="utf-8"), max_size=8), plain_values, max_size=8))
def test_plain_json_writes_the_bytes_the_chain_always_hashed(data: dict[str, object]) -> None:
    reference = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert plain_json(data) == reference.encode("utf-8")
    assert canonical_json(data) == reference.encode("utf-8")


def test_plain_json_refuses_what_is_not_plain_json() -> None:
    for value in (Decimal("1.50"), date(2025, 1, 2), datetime(2025, 1, 2, 3, 4, 5), object()):
        with pytest.raises(TypeError):
            plain_json({"a": value})
