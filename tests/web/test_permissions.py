"""The permission wall: only administrations with a membership; the auditor only reads."""

import pytest
from django.urls import reverse

from facturo.administrations.models import Role
from facturo.invoicing.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def be_only_client(client, make_user, be_admin, be_ctx):
    user = make_user("bert", be_admin, Role.BILLING_CLERK, be_ctx)
    client.force_login(user)
    return client


def test_switcher_lists_only_own_administrations(be_only_client, nl_admin):
    body = be_only_client.get("/").content.decode()
    assert "Securitas Vlaanderen BV" in body
    assert "Van Dijk Installatietechniek" not in body


def test_switching_to_foreign_administration_is_403(be_only_client, nl_admin):
    response = be_only_client.post(reverse("web:switch"), {"administration": nl_admin.pk})
    assert response.status_code == 403
    assert be_only_client.post(reverse("web:switch"), {"administration": "x"}).status_code == 403


def test_foreign_records_by_id_are_not_found(be_only_client, issued, customer, item, open_charges):
    for url in [
        reverse("web:invoice", args=[issued.pk]),
        reverse("web:invoice_credit", args=[issued.pk]),
        reverse("web:customer", args=[customer.pk]),
        reverse("web:customer_edit", args=[customer.pk]),
        reverse("web:item", args=[item.pk]),
        reverse("web:charge", args=[open_charges[0].pk]),
    ]:
        assert be_only_client.get(url).status_code == 404, url
    response = be_only_client.post(reverse("web:invoice_write_off", args=[issued.pk]), {"reason": "x"})
    assert response.status_code in (403, 404)
    response = be_only_client.post(reverse("web:invoice_credit", args=[issued.pk]), {"mode": "full"})
    assert response.status_code == 404
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_user_without_any_membership_gets_403(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get("/invoices/").status_code == 403


def test_owner_can_switch_and_session_remembers(client, owner, nl_admin, be_admin):
    client.force_login(owner)
    body = client.get("/").content.decode()
    assert "Securitas Vlaanderen BV" in body and "Van Dijk Installatietechniek" in body
    response = client.post(reverse("web:switch"), {"administration": be_admin.pk})
    assert response.status_code == 302
    assert "<h1>Securitas Vlaanderen BV</h1>" in client.get("/").content.decode()
    response = client.post(reverse("web:switch"), {"administration": nl_admin.pk},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == "/"


def test_auditor_sees_no_actions_and_posts_are_403(auditor_client, issued, draft, customer):
    body = auditor_client.get(reverse("web:invoice", args=[issued.pk])).content.decode()
    assert 'data-testid="actions"' not in body
    assert "Create credit note" not in body
    body = auditor_client.get(reverse("web:customers")).content.decode()
    assert "New customer" not in body
    posts = [
        (reverse("web:invoice_issue", args=[issued.pk]), {}),
        (reverse("web:invoice_write_off", args=[issued.pk]), {"reason": "x"}),
        (reverse("web:invoice_credit", args=[issued.pk]), {"mode": "full"}),
        (reverse("web:invoice_delete", args=[issued.pk]), {}),
        (reverse("web:invoice_approve", args=[issued.pk]), {}),
        (reverse("web:draft_run"), {"grouping": "per_customer"}),
        (reverse("web:customer_create"), {"name": "X", "country": "NL"}),
        (reverse("web:customer_edit", args=[customer.pk]), {"name": "X", "country": "NL"}),
        (reverse("web:contact_add", args=[customer.pk]), {"name": "X"}),
        (reverse("web:site_add", args=[customer.pk]), {"code": "X", "name": "X"}),
        (reverse("web:item_create"), {"code": "X"}),
        (reverse("web:charge_create"), {"customer": customer.number}),
    ]
    for url, data in posts:
        assert auditor_client.post(url, data).status_code == 403, url
    assert auditor_client.get(reverse("web:customer_create")).status_code == 403
    assert Invoice.objects.filter(kind="credit_note").count() == 0


def test_get_on_action_url_is_not_allowed(client_owner, issued):
    assert client_owner.get(reverse("web:invoice_issue", args=[issued.pk])).status_code == 405
