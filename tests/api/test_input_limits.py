"""Bodies above the upload limit and texts no database or e-invoice can hold are refused
with the API's one error shape (413 / 422 naming the field), never a server error; large
statements below the limit go through."""

import json
import string
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from facturo.catalog.models import Item
from facturo.charges.models import Charge
from facturo.parties.models import Customer

from .conftest import fields

SAMPLE = Path(__file__).parent.parent / "formats" / "samples" / "camt053_v02_ing.xml"


def padded_statement(megabytes: float) -> bytes:
    """The ING sample grown past `megabytes` by a comment: a statement as big as a real month's."""
    sample = SAMPLE.read_bytes()
    head, rest = sample.split(b"?>", 1)
    padding = b"<!--" + b"x" * int(megabytes * 1024 * 1024) + b"-->"
    return head + b"?>" + padding + rest


def upload_statement(api, admin, content: bytes):
    file = SimpleUploadedFile("ing.xml", content)
    return api.client.post(f"/api/v1/administrations/{admin}/bank-statements", {"file": file}, headers=api.headers())


def test_a_statement_above_djangos_default_limit_imports(api, ctx):
    admin = ctx.administration.code
    api.post(f"/administrations/{admin}/bank-accounts", {"iban": "NL69INGB0123456789", "name": "ING"})
    response = upload_statement(api, admin, padded_statement(3))
    assert response.status_code == 201, response.content[:500]
    assert response.json()["unmatched"] == 2


@override_settings(FACTURO_MAX_UPLOAD_MB=1, DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_statement_above_the_configured_limit_is_413_naming_it(api, ctx):
    response = upload_statement(api, ctx.administration.code, padded_statement(1.5))
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["type"] == "payload_too_large"
    assert "1 MB" in error["message"] and "FACTURO_MAX_UPLOAD_MB" in error["message"]


@override_settings(FACTURO_MAX_UPLOAD_MB=1, DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_json_body_above_the_limit_is_413_and_nothing_is_written(api, ctx, customer):
    rows = [{"customer_id": customer.pk, "item": "X", "description": "y" * 500, "reference": str(i)}
            for i in range(3000)]
    response = api.post(f"/administrations/{ctx.administration.code}/charges/batch", {"rows": rows},
                        headers={"Idempotency-Key": "big-1"})
    assert response.status_code == 413 and response.json()["error"]["type"] == "payload_too_large"
    assert Charge.objects.count() == 0


def test_nul_in_a_json_field_is_422_naming_it(api, ctx):
    admin = ctx.administration.code
    response = api.post(f"/administrations/{admin}/customers", {"name": "Jan\x00sen", "country": "NL"})
    assert response.status_code == 422
    assert fields(response) == {"body.name": "contains a NUL character"}
    response = api.post(f"/administrations/{admin}/items", {"code": "V1", "names": {"nl": "Bezoek\x07"}})
    assert response.status_code == 422 and "body.names.nl" in fields(response)
    assert "U+0007" in fields(response)["body.names.nl"]
    assert not Customer.objects.exists() and not Item.objects.filter(code="V1").exists()


def test_nul_in_a_query_or_path_parameter_is_422(api, ctx):
    admin = ctx.administration.code
    response = api.get(f"/administrations/{admin}/customers", {"search": "a\x00b"})
    assert response.status_code == 422 and "query.search" in fields(response)
    response = api.get(f"/administrations/{admin}\x00/customers")
    assert response.status_code in (404, 422)
    assert set(response.json()) == {"error"}


def test_a_nul_in_a_multipart_field_is_refused(api, ctx):
    file = SimpleUploadedFile("ing.xml", SAMPLE.read_bytes())
    response = api.client.post(
        f"/api/v1/administrations/{ctx.administration.code}/bank-statements",
        {"file": file, "account_iban": "NL69\x00INGB"},
        headers=api.headers(),
    )
    assert response.status_code == 422 and "form.account_iban" in fields(response)


def test_a_nul_in_a_csv_cell_names_row_and_column(ctx, customer):
    from facturo.charges import services as charges
    from facturo.errors import ValidationFailed

    csv = f"reference,customer,item,description,quantity\nr1,{customer.number},ONDH,Onder\x00houd,1\n"
    try:
        charges.import_charges_csv(ctx, csv.encode())
    except ValidationFailed as failed:
        assert [str(e) for e in failed.errors] == ["row 2, column 'description': contains a NUL character"]
    else:
        raise AssertionError("a NUL in a CSV cell was accepted")
    assert Charge.objects.count() == 0


# Property: a forbidden character anywhere in any string field of these payloads is a 4xx
# naming that field, and nothing is written (on SQLite and in the PostgreSQL pass alike).

FORBIDDEN = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe", "\uffff"])
SAFE = st.text(alphabet=string.ascii_letters + " -", max_size=8)


def payloads(customer_id: int) -> dict[str, dict]:
    return {
        "customers": {"name": "Jansen", "country": "NL", "street": "Dorpsstraat 1", "city": "Utrecht",
                      "postal_code": "3511 AA", "email": "jan@example.nl", "buyer_reference": "PO-1"},
        "items": {"code": "BZ1", "names": {"nl": "Bezoek", "en": "Visit"}, "unit": "HUR"},
        "charges": {"customer_id": customer_id, "item": "ONDH", "description": "Onderhoud",
                    "quantity": "1", "reference": "n1", "contract_reference": "C-1"},
        "sites": {"customer_id": customer_id, "code": "S1", "name": "Depot", "city": "Utrecht"},
        "invoices": {"customer_id": customer_id, "buyer_reference": "PO-9", "note": "Thanks",
                     "lines": [{"item": "ONDH", "description": "Onderhoud", "quantity": "1"}]},
    }


def string_paths(data, path=()):
    if isinstance(data, str):
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from string_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from string_paths(value, (*path, index))


def replaced(data, path, value):
    data = json.loads(json.dumps(data))
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def api_path(path) -> str:
    text = "body"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), before=SAFE, bad=FORBIDDEN, after=SAFE)
def test_a_control_character_in_any_string_field_is_refused(api, ctx, customer, item, data, before, bad, after):
    admin = ctx.administration.code
    endpoint, payload = data.draw(st.sampled_from(sorted(payloads(customer.pk).items())))
    path = data.draw(st.sampled_from(list(string_paths(payload))))
    counts = (Customer.objects.count(), Item.objects.count(), Charge.objects.count())
    response = api.post(f"/administrations/{admin}/{endpoint}", replaced(payload, path, before + bad + after))
    assert 400 <= response.status_code < 500, response.content
    assert api_path(path) in fields(response), (endpoint, path, response.content)
    assert (Customer.objects.count(), Item.objects.count(), Charge.objects.count()) == counts
