"""Every page renders for a user with a role, with the data it should show."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_and_login_wall(client):
    assert client.get("/login/").status_code == 200
    response = client.get("/invoices/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_with_password_lands_on_dashboard(client, owner, nl_admin):
    response = client.post("/login/", {"username": "owner", "password": "owner-pass-123"}, follow=True)
    assert response.status_code == 200
    assert "Van Dijk Installatietechniek B.V." in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["dashboard", "customers", "customer_create", "sites", "items", "item_create", "charges", "charge_create",
     "charge_import", "invoices", "receivables", "trial_balance"],
)
def test_list_pages_render(client_owner, name, issued):
    response = client_owner.get(reverse(f"web:{name}"))
    assert response.status_code == 200
    assert "facturo.css" in response.content.decode()


def test_detail_pages_render(client_owner, ctx, customer, item, issued, open_charges):
    from facturo.parties.services import create_site

    site = create_site(ctx, customer.pk, {"code": "S-1", "name": "Linde flat 1"})
    for url in [
        reverse("web:customer", args=[customer.pk]),
        reverse("web:customer_edit", args=[customer.pk]),
        reverse("web:site", args=[site.pk]),
        reverse("web:item", args=[item.pk]),
        reverse("web:charge", args=[open_charges[0].pk]),
        reverse("web:invoice", args=[issued.pk]),
        reverse("web:invoice_credit", args=[issued.pk]),
    ]:
        assert client_owner.get(url).status_code == 200, url


def test_dashboard_counts(client_owner, open_charges):
    body = client_owner.get("/").content.decode()
    assert 'data-testid="open-charges"' in body
    assert "Create drafts from open charges" in body


def test_invoice_detail_shows_vat_totals_and_journal(client_owner, issued):
    body = client_owner.get(reverse("web:invoice", args=[issued.pk])).content.decode()
    assert "2026-000001" in body
    assert 'data-testid="vat-breakdown"' in body
    assert 'data-testid="journal-entry"' in body
    assert "€263.20" in body  # English locale formatting through babel
    assert "Create credit note" in body


def test_invoice_list_filters_search_sort_and_pages(client_owner, issued, settings):
    body = client_owner.get("/invoices/?status=open&sort=-number&q=2026").content.decode()
    assert "2026-000001" in body
    body = client_owner.get("/invoices/?status=draft").content.decode()
    assert "2026-000001" not in body
    assert client_owner.get("/invoices/?sort=customer__city").status_code == 200  # unknown sort ignored


def test_pagination_uses_limit_plus_one(client_owner, ctx, settings):
    from facturo.parties.services import create_customer

    settings.FACTURO_PAGE_SIZE = 2
    for n in range(3):
        create_customer(ctx, {"name": f"Klant {n}", "country": "NL", "email": f"k{n}@example.com"})
    first = client_owner.get("/customers/").content.decode()
    assert 'rel="next"' in first
    second = client_owner.get("/customers/?page=2").content.decode()
    assert 'rel="next"' not in second and "Klant 2" in second


def test_customer_search_htmx_returns_partial(client_owner, customer):
    response = client_owner.get("/customers/?q=Woning", headers={"HX-Request": "true", "HX-Target": "customer-table"})
    body = response.content.decode()
    assert "De Linde" in body and "<html" not in body
    response = client_owner.get("/customers/?q=Zzz", headers={"HX-Request": "true", "HX-Target": "customer-table"})
    assert "De Linde" not in response.content.decode()


def test_receivables_and_trial_balance(client_owner, issued):
    body = client_owner.get("/receivables/").content.decode()
    assert "Woningcorporatie De Linde" in body and "€263.20" in body
    body = client_owner.get("/trial-balance/").content.decode()
    assert 'data-testid="trial-balance"' in body


def test_dutch_language_shows_dutch_text(client_owner, issued):
    response = client_owner.post("/i18n/setlang/", {"language": "nl", "next": "/invoices/"})
    assert response.status_code == 302
    body = client_owner.get("/invoices/").content.decode()
    assert "Facturen" in body and "Klanten" in body
    body = client_owner.get(reverse("web:invoice", args=[issued.pk])).content.decode()
    assert "€\xa0263,20" in body  # babel's Dutch format, with a no-break space
    assert "Btw-specificatie" in body


def test_polish_and_french(client_owner, issued):
    client_owner.post("/i18n/setlang/", {"language": "pl", "next": "/"})
    assert "Faktury" in client_owner.get("/invoices/").content.decode()
    client_owner.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    body = client_owner.get(f"/invoices/{issued.pk}/").content.decode()
    assert "Ventilation de la TVA" in body and "263,20\xa0€" in body
