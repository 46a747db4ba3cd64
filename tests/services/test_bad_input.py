"""Invariant 8: bad input gets a clear error naming its place, and nothing is half written."""

import pytest

from facturo.charges.models import Charge
from facturo.charges.services import import_charges_csv
from facturo.errors import ValidationFailed
from facturo.parties.services import create_customer

HEADER = "reference,customer,item,description,quantity,unit_price,vat_category,vat_rate,service_date\n"


def errors_of(call) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        call()
    return {e.path: e.message for e in failed.value.errors}


def test_a_bad_csv_is_rejected_whole_with_every_bad_row_and_column(ctx, customer, item):
    content = HEADER + "\n".join(
        [
            f"ok-1,{customer.number},ONDH,,2,,,,2026-11-02",
            "bad-2,99999,ONDH,,2,,,,2026-11-02",
            f"bad-3,{customer.number},ONDH,,-1,,,,2026-11-02",
            f"bad-4,{customer.number},,Iets,1,10.00,X,,2026-11-02",
            f"bad-5,{customer.number},ONDH,,1,,,,02-11-2026",
            f"bad-6,{customer.number},ONDH,,1,,S,7,2026-11-02",
            f"ok-1,{customer.number},ONDH,,2,,,,2026-11-02",
        ]
    )
    errors = errors_of(lambda: import_charges_csv(ctx, content.encode()))
    assert "no customer '99999'" in errors["row 3, column customer"]
    assert "greater than 0" in errors["row 4, column quantity"]
    assert "'X' is not one of" in errors["row 5, column vat_category"]
    assert "not a date" in errors["row 6, column service_date"]
    assert "7% is not a S rate in NL" in errors["row 7, column vat_rate"]
    assert "repeats the reference of row 2" in errors["row 8, column reference"]
    assert Charge.objects.count() == 0


@pytest.mark.parametrize(
    "content, path, message",
    [
        (b"", "file", "is empty"),
        (b"\xff\xfe\x00bad", "file", "not UTF-8"),
        (b"reference,customer,colour,quantity\n", "header, column 'colour'", "not a known column"),
        (b"reference,customer\n", "header", "'quantity' is missing"),
        (HEADER.encode() + b"a,b,c\n", "row 2", "has 3 fields"),
    ],
)
def test_structural_problems_name_their_place(ctx, content, path, message):
    errors = errors_of(lambda: import_charges_csv(ctx, content))
    assert message in errors[path]


def test_customer_identifiers_are_checked_with_their_checksums(ctx):
    errors = errors_of(
        lambda: create_customer(
            ctx,
            {
                "name": "X",
                "country": "NL",
                "vat_number": "NL123456789B01",
                "iban": "NL91ABNA0417164301",
                "registration_number": "1234",
                "delivery_channel": "peppol",
                "peppol_scheme": "0088",
                "peppol_id": "",
            },
        )
    )
    assert set(errors) >= {"vat_number", "iban", "registration_number", "peppol_id"}


def test_a_float_amount_is_refused_not_rounded(ctx, customer):
    from facturo.charges.services import create_charge

    errors = errors_of(
        lambda: create_charge(
            ctx, {"customer": customer.number, "description": "x", "quantity": 1, "unit_price": 0.1,
                  "vat_category": "S"},
        )
    )
    assert "decimal string" in errors["unit_price"]
    assert Charge.objects.count() == 0
