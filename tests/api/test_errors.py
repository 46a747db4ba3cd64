"""Bad input, bad credentials and other people's administrations: one error shape, nothing written."""

import pytest

from facturo.api.services import create_token, revoke_token
from facturo.charges.models import Charge
from facturo.invoicing.models import Invoice
from facturo.parties.models import Customer

from .conftest import ApiClient, fields

NL = "/administrations/nl-installers"
BE = "/administrations/be-security"


def assert_error(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "fields"}
    assert body["error"]["type"] == kind
    assert body["error"]["message"]
    return body["error"]


def test_bad_vat_number_is_422_with_its_path_and_nothing_written(api: ApiClient, nl_admin):
    before = Customer.objects.count()
    r = api.post(f"{NL}/customers", {"name": "X", "country": "NL", "vat_number": "NL123456789B02"})
    assert_error(r, 422, "validation_error")
    assert list(fields(r)) == ["body.vat_number"]
    assert Customer.objects.count() == before


def test_every_bad_line_of_a_manual_invoice_is_named_and_nothing_written(api: ApiClient, customer, item):
    r = api.post(
        f"{NL}/invoices",
        {
            "customer_id": customer.pk,
            "lines": [
                {"item": "ONDH", "quantity": "2"},
                {"item": "ONDH", "quantity": "-1"},
                {"description": "Filter", "quantity": "1", "unit_price": "5", "vat_category": "S",
                 "vat_rate": "7"},
            ],
        },
    )  # fmt: skip
    assert_error(r, 422, "validation_error")
    assert set(fields(r)) == {"body.lines[1].quantity", "body.lines[2].vat_rate"}
    assert Invoice.objects.count() == 0 and Charge.objects.count() == 0


def test_unknown_vat_category_malformed_date_and_float_money_are_422(api: ApiClient, customer):
    r = api.post(
        f"{NL}/charges/batch",
        {"rows": [
            {"customer_id": customer.pk, "description": "a", "quantity": "1", "unit_price": "1",
             "vat_category": "XX"},
            {"customer_id": customer.pk, "description": "b", "quantity": "1", "unit_price": 1.1,
             "vat_category": "S", "service_date": "2026-02-30"},
        ]},
    )  # fmt: skip
    assert_error(r, 422, "validation_error")
    assert set(fields(r)) == {"body.rows[0].vat_category", "body.rows[1].unit_price", "body.rows[1].service_date"}
    assert Charge.objects.count() == 0


def test_batch_is_all_or_nothing_and_names_the_row(api: ApiClient, customer, item):
    rows = [{"customer_id": customer.pk, "item": "ONDH", "quantity": str(n), "reference": f"r{n}"} for n in (1, 2)]
    rows.append({"customer_id": customer.pk, "item": "NOPE", "quantity": "1", "reference": "r3"})
    r = api.post(f"{NL}/charges/batch", {"rows": rows})
    assert_error(r, 422, "validation_error")
    assert fields(r)["body.rows[2].item"] == "no item 'NOPE' in this administration"
    assert all(path.startswith("body.rows[2].") for path in fields(r))
    assert Charge.objects.count() == 0


def test_unknown_fields_missing_fields_bad_json_and_bad_query_are_422(api: ApiClient, customer):
    r = api.post(f"{NL}/customers", {"name": "X", "country": "NL", "colour": "red"})
    assert fields(r) == {"body.colour": "is not a known field"}
    r = api.post(f"{NL}/customers", {"country": "NL"})
    assert fields(r) == {"body.name": "is required"}
    r = api.post(f"{NL}/customers", raw="{not json")
    assert_error(r, 422, "validation_error")
    assert list(fields(r)) == ["body"]
    r = api.get(f"{NL}/invoices", {"status": "nonsense", "limit": "0", "issued_from": "yesterday"})
    assert set(fields(r)) == {"query.status", "query.limit", "query.issued_from"}
    r = api.get(f"{NL}/customers/abc")
    assert list(fields(r)) == ["path.customer_id"]


def test_manual_invoice_for_a_customer_of_no_one_names_customer_id(api: ApiClient, nl_admin):
    r = api.post(
        f"{NL}/invoices",
        {
            "customer_id": 999999,
            "lines": [{"description": "x", "quantity": "1", "unit_price": "1", "vat_category": "S"}],
        },
    )
    assert fields(r) == {"body.customer_id": "no customer with id 999999 in this administration"}


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Token abc", "Bearer "])
def test_no_or_bad_token_is_401(nl_admin, header):
    from django.test import Client

    headers = {"Authorization": header} if header else {}
    r = Client().get(f"/api/v1{NL}/customers", headers=headers)
    error = assert_error(r, 401, "unauthorized")
    assert error["fields"] == []
    assert r["WWW-Authenticate"].startswith("Bearer")
    r = Client().post(f"/api/v1{NL}/customers", {"name": "X", "country": "NL"}, content_type="application/json",
                      headers={**headers, "Idempotency-Key": "k1"})  # fmt: skip
    assert_error(r, 401, "unauthorized")
    assert not Customer.objects.filter(name="X").exists()


def test_revoked_token_is_401(owner, nl_admin):
    token, key = create_token(owner, "laptop")
    client = ApiClient(key)
    assert client.get("/administrations").status_code == 200
    revoke_token(owner, token.prefix)
    assert_error(client.get("/administrations"), 401, "unauthorized")


def test_a_session_login_is_not_an_api_credential(owner, nl_admin, client):
    client.force_login(owner)
    assert_error(client.get(f"/api/v1{NL}/customers"), 401, "unauthorized")


def test_a_user_sees_and_changes_only_administrations_granted_to_them(
    make_user, api_for, ctx, be_ctx, nl_admin, be_admin, customer
):
    from facturo.administrations.models import Role
    from facturo.parties.services import create_customer

    be_customer = create_customer(be_ctx, {"name": "Stad Gent", "country": "BE"})
    clerk = make_user("clerk", nl_admin, Role.BILLING_CLERK, ctx)
    client = api_for(clerk)

    listed = client.get("/administrations").json()["data"]
    assert [a["code"] for a in listed] == ["nl-installers"]
    assert listed[0]["role"] == "billing_clerk"

    # The other administration: forbidden, same answer as one that does not exist.
    for path in (BE, f"{BE}/customers", f"{BE}/invoices", f"{BE}/customers/{be_customer.pk}", f"{BE}/receivables"):
        assert assert_error(client.get(path), 403, "forbidden")["message"] == "no access to this administration"
    assert_error(client.get("/administrations/no-such-admin/customers"), 403, "forbidden")
    assert_error(client.post(f"{BE}/customers", {"name": "Sneaky", "country": "BE"}), 403, "forbidden")
    assert_error(client.patch(f"{BE}/customers/{be_customer.pk}", {"name": "Sneaky"}), 403, "forbidden")

    # A record of the other administration through one's own: not found.
    assert_error(client.get(f"{NL}/customers/{be_customer.pk}"), 404, "not_found")
    assert_error(client.patch(f"{NL}/customers/{be_customer.pk}", {"name": "Sneaky"}), 404, "not_found")
    r = client.post(f"{NL}/customers/{be_customer.pk}/sites", {"code": "S1", "name": "Sneaky"})
    assert_error(r, 404, "not_found")
    r = client.post(f"{NL}/charges", {"customer_id": be_customer.pk, "description": "x", "quantity": "1",
                                      "unit_price": "1", "vat_category": "S"})  # fmt: skip
    assert fields(r) == {"body.customer_id": f"no customer with id {be_customer.pk} in this administration"}

    be_customer.refresh_from_db()
    assert be_customer.name == "Stad Gent"
    assert not Customer.objects.filter(name="Sneaky").exists()
    assert Charge.objects.count() == 0


def test_unknown_routes_and_methods_answer_in_the_error_shape(api: ApiClient, nl_admin):
    assert_error(api.get(f"{NL}/nothing-here"), 404, "not_found")
    assert_error(api.get(f"{NL}/invoices/424242"), 404, "not_found")
    r = api.client.put(f"/api/v1{NL}/customers", data="{}", content_type="application/json",
                       headers=api.headers())  # fmt: skip
    assert r.status_code == 405
    assert r.json()["error"]["type"] == "not_found"


def test_conflicts_are_409(api: ApiClient, customer, item):
    r = api.post(f"{NL}/invoices", {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "1"}]})
    invoice_id = r.json()["id"]
    assert_error(api.post(f"{NL}/invoices/{invoice_id}/credit-notes", {"full": True}), 409, "conflict")
    assert_error(api.post(f"{NL}/invoices/{invoice_id}/write-off", {"reason": "x"}), 409, "conflict")
    assert api.post(f"{NL}/invoices/{invoice_id}/issue", {"issue_date": "2026-11-20"}).status_code == 200
    assert_error(api.post(f"{NL}/invoices/{invoice_id}/issue", {}), 409, "conflict")
    r = api.post(f"{NL}/invoices/{invoice_id}/credit-notes", {"amount": "10.00", "vat_category": "S", "vat_rate": "9"})
    assert list(fields(r)) == ["body.vat_rate"]


def test_decimals_are_strings_or_whole_numbers_of_sane_size(api: ApiClient, customer, item):
    base = {"customer_id": customer.pk, "item": "ONDH"}
    r = api.post(f"{NL}/charges", {**base, "quantity": 2, "reference": "int"})
    assert r.status_code == 201 and r.json()["quantity"] == "2.0000"
    r = api.post(f"{NL}/charges", {**base, "quantity": "12345678901", "reference": "big"})
    assert fields(r) == {"body.quantity": "has more than 10 digits before the decimal point"}
    r = api.post(f"{NL}/charges", {**base, "quantity": "1e3", "reference": "exp"})
    assert list(fields(r)) == ["body.quantity"]
    assert Charge.objects.count() == 1
