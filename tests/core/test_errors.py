import pickle

import pytest

from facturo.core.errors import FieldError, ValidationFailed


def test_field_error() -> None:
    error = FieldError("lines.0.quantity", "must be a number")
    assert error.path == "lines.0.quantity"
    assert error == FieldError("lines.0.quantity", "must be a number")


def test_validation_failed_str() -> None:
    exc = ValidationFailed(
        [
            FieldError("name", "is required"),
            FieldError("lines.1.vat_rate", "must be 0"),
            FieldError("", "invoice has no lines"),
        ]
    )
    assert str(exc) == "name: is required\nlines.1.vat_rate: must be 0\ninvoice has no lines"
    assert isinstance(exc.errors, list) and len(exc.errors) == 3


def test_validation_failed_raises_and_pickles() -> None:
    with pytest.raises(ValidationFailed, match="code: is taken") as info:
        raise ValidationFailed([FieldError("code", "is taken")])
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.errors == info.value.errors


def test_validation_failed_single_and_iterable() -> None:
    assert ValidationFailed(FieldError("a", "b")).errors == [FieldError("a", "b")]
    assert ValidationFailed(e for e in [FieldError("a", "b")]).errors == [FieldError("a", "b")]
    assert str(ValidationFailed([])) == "validation failed"
