"""Idempotency-Key: replay the first result, refuse a different request, nothing twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from facturo.api.idempotency import in_flight, purge_expired
from facturo.api.models import IdempotencyRecord
from facturo.charges.models import Charge
from facturo.invoicing.models import Invoice
from facturo.parties.models import Customer

from .conftest import ApiClient, fields

NL = "/administrations/nl-installers"
KEY = {"Idempotency-Key": "3f6c2a1e-create-customer"}


def test_replay_returns_the_same_response_and_creates_once(api: ApiClient, nl_admin):
    body = {"name": "Bakkerij Jansen", "country": "NL"}
    first = api.post(f"{NL}/customers", body, headers=KEY)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    second = api.post(f"{NL}/customers", body, headers=KEY)
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert Customer.objects.filter(name="Bakkerij Jansen").count() == 1
    # Without a key, a POST acts every time.
    api.post(f"{NL}/customers", body)
    assert Customer.objects.filter(name="Bakkerij Jansen").count() == 2


def test_an_error_result_is_replayed_too_and_writes_nothing(api: ApiClient, customer, item):
    body = {"customer_id": customer.pk, "lines": [{"item": "ONDH", "quantity": "1"}, {"item": "ONDH", "quantity": "0"}]}
    first = api.post(f"{NL}/invoices", body, headers=KEY)
    assert first.status_code == 422
    assert list(fields(first)) == ["body.lines[1].quantity"]
    second = api.post(f"{NL}/invoices", body, headers=KEY)
    assert (second.status_code, second.content, second["Idempotent-Replayed"]) == (422, first.content, "true")
    assert Invoice.objects.count() == 0 and Charge.objects.count() == 0


def test_the_same_key_for_a_different_request_is_refused(api: ApiClient, nl_admin):
    assert api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers=KEY).status_code == 201
    for method, path, body in (
        ("post", f"{NL}/customers", {"name": "B", "country": "NL"}),
        ("post", f"{NL}/items", {"name": "A", "country": "NL"}),
        ("patch", f"{NL}/customers/1", {"name": "A", "country": "NL"}),
    ):
        r = getattr(api, method)(path, body, headers=KEY)
        assert r.status_code == 422, r.content
        assert r.json()["error"]["type"] == "idempotency_error"
    assert list(Customer.objects.values_list("name", flat=True)) == ["A"]


def test_keys_belong_to_one_user(api: ApiClient, api_for, make_user, ctx, nl_admin):
    from facturo.administrations.models import Role

    other = api_for(make_user("clerk", nl_admin, Role.BILLING_CLERK, ctx))
    assert api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers=KEY).status_code == 201
    r = other.post(f"{NL}/customers", {"name": "B", "country": "NL"}, headers=KEY)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r
    assert Customer.objects.count() == 2


def test_an_expired_key_acts_again_and_can_be_purged(api: ApiClient, nl_admin, settings):
    body = {"name": "A", "country": "NL"}
    assert api.post(f"{NL}/customers", body, headers=KEY).status_code == 201
    old = timezone.now() - timedelta(hours=settings.FACTURO_IDEMPOTENCY_HOURS, minutes=1)
    IdempotencyRecord.objects.update(created_at=old)
    r = api.post(f"{NL}/customers", body, headers=KEY)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r
    assert Customer.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1 and purge_expired() == 0
    IdempotencyRecord.objects.update(created_at=old)
    assert purge_expired() == 1 and not IdempotencyRecord.objects.exists()


def test_a_key_still_in_progress_is_409(api: ApiClient, owner, nl_admin):
    with in_flight(owner.pk, KEY["Idempotency-Key"]) as mine:
        assert mine
        r = api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers=KEY)
    assert r.status_code == 409
    assert r.json()["error"]["type"] == "conflict"
    assert not Customer.objects.exists() and not IdempotencyRecord.objects.exists()
    assert api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers=KEY).status_code == 201


def test_a_server_error_stores_nothing_and_rolls_back(api: ApiClient, nl_admin, monkeypatch):
    from facturo.parties import services

    real = services.create_customer

    def broken(ctx, data):
        real(ctx, data)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "create_customer", broken)
    r = api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers=KEY)
    assert r.status_code == 500 and r.json()["error"]["type"] == "server_error"
    assert not Customer.objects.exists() and not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(services, "create_customer", real)
    assert api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers=KEY).status_code == 201


def test_replays_of_actions_do_not_act_twice(api: ApiClient, customer, item):
    api.post(f"{NL}/charges", {"customer_id": customer.pk, "item": "ONDH", "quantity": "2"})
    run = {"Idempotency-Key": "run-1"}
    first = api.post(f"{NL}/invoices/draft-from-charges", {}, headers=run)
    api.post(f"{NL}/charges", {"customer_id": customer.pk, "item": "ONDH", "quantity": "1"})
    second = api.post(f"{NL}/invoices/draft-from-charges", {}, headers=run)
    assert first.json() == second.json() == {"invoices": 1, "charges": 1}
    assert Invoice.objects.count() == 1
    invoice = Invoice.objects.get()
    delete = {"Idempotency-Key": "delete-1"}
    assert api.delete(f"{NL}/invoices/{invoice.pk}", headers=delete).status_code == 204
    r = api.delete(f"{NL}/invoices/{invoice.pk}", headers=delete)
    assert r.status_code == 204 and r["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", " ", "x" * 256])
def test_a_bad_key_is_refused(api: ApiClient, nl_admin, key):
    r = api.post(f"{NL}/customers", {"name": "A", "country": "NL"}, headers={"Idempotency-Key": key})
    assert r.status_code == 422 and r.json()["error"]["type"] == "idempotency_error"
    assert not Customer.objects.exists()
