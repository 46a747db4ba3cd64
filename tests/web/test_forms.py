"""Forms: service errors show next to their fields; a double submit acts once."""

import pytest
from django.urls import reverse

from facturo.charges.models import Charge
from facturo.invoicing.models import Invoice
from facturo.parties.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMER = {"name": "Bouwbedrijf Jansen", "country": "NL", "language": "nl", "currency": "EUR",
            "email": "factuur@jansen.example", "payment_terms_days": "14", "payment_terms_basis": "invoice_date",
            "delivery_channel": "email", "category": "b2b"}


def test_customer_form_shows_each_error_next_to_its_field(client_owner):
    data = {**CUSTOMER, "name": "", "vat_number": "NL123", "iban": "NL00BANK", "payment_terms_days": "999",
            "form_token": "t-errors"}
    response = client_owner.post(reverse("web:customer_create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    for field in ("name", "vat_number", "iban", "payment_terms_days"):
        assert f'class="error" data-field="{field}"' in body, field
    assert 'value="Bouwbedrijf Jansen"' not in body  # the empty name stays empty
    assert 'value="factuur@jansen.example"' in body  # the rest of the input is kept
    assert not Customer.objects.filter(email="factuur@jansen.example").exists()


def test_customer_double_submit_creates_one(client_owner):
    data = {**CUSTOMER, "form_token": "t-double"}
    first = client_owner.post(reverse("web:customer_create"), data)
    second = client_owner.post(reverse("web:customer_create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Customer.objects.filter(name="Bouwbedrijf Jansen").count() == 1
    # A fresh token (a new form) creates a new one.
    client_owner.post(reverse("web:customer_create"), {**data, "form_token": "t-other"})
    assert Customer.objects.filter(name="Bouwbedrijf Jansen").count() == 2


def test_customer_edit_saves(client_owner, customer):
    url = reverse("web:customer_edit", args=[customer.pk])
    data = {**CUSTOMER, "name": "De Linde (nieuw)", "number": customer.number, "form_token": "t-edit"}
    assert client_owner.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.name == "De Linde (nieuw)" and customer.payment_terms_days == 14


def test_contact_and_site_forms(client_owner, customer):
    url = reverse("web:contact_add", args=[customer.pk])
    response = client_owner.post(url, {"name": "", "email": "nope", "form_token": "c1"})
    assert response.status_code == 400
    assert 'data-field="name"' in response.content.decode() and 'data-field="email"' in response.content.decode()
    assert client_owner.post(url, {"name": "Anja", "email": "anja@example.com", "form_token": "c2"}).status_code == 302
    site_url = reverse("web:site_add", args=[customer.pk])
    assert client_owner.post(site_url, {"code": "L-1", "name": "Lindelaan 4", "form_token": "s1"}).status_code == 302
    body = client_owner.get(reverse("web:customer", args=[customer.pk])).content.decode()
    assert "Anja" in body and "L-1" in body


def test_item_form_errors_and_create(client_owner):
    url = reverse("web:item_create")
    response = client_owner.post(url, {"code": "", "unit": "XXX", "vat_category": "S", "vat_kind": "zero",
                                       "form_token": "i1"})
    body = response.content.decode()
    assert response.status_code == 400
    for field in ("code", "names", "unit", "vat_kind"):
        assert f'data-field="{field}"' in body, field
    response = client_owner.post(url, {"code": "VOORR", "name_nl": "Voorrijkosten", "name_en": "Call-out",
                                       "unit": "C62", "default_price": "45", "vat_category": "S",
                                       "vat_kind": "standard", "revenue_account": "", "form_token": "i2"})
    assert response.status_code == 302


def test_charge_csv_import_shows_every_row_error(client_owner, customer, item):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        "reference,customer,item,quantity,vat_rate,service_date\n"
        f"a1,{customer.number},ONDH,2,,2026-11-01\n"
        "a2,99999,ONDH,1,,2026-11-01\n"
        f"a3,{customer.number},ONDH,-1,7,2026-11-01\n"
    ).encode()
    response = client_owner.post(
        reverse("web:charge_import"), {"file": SimpleUploadedFile("c.csv", csv), "form_token": "csv1"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "row 3, column customer" in body
    assert "row 4, column quantity" in body and "row 4, column vat_rate" in body
    assert Charge.objects.count() == 0
    good = f"reference,customer,item,quantity\nb1,{customer.number},ONDH,2\n".encode()
    response = client_owner.post(
        reverse("web:charge_import"), {"file": SimpleUploadedFile("c.csv", good), "form_token": "csv2"}
    )
    assert response.status_code == 302 and Charge.objects.count() == 1


def test_single_charge_form_and_actions(client_owner, customer, item):
    url = reverse("web:charge_create")
    response = client_owner.post(url, {"customer": "nobody", "quantity": "x", "form_token": "ch0"})
    assert response.status_code == 400
    assert 'data-field="customer"' in response.content.decode()
    assert 'data-field="quantity"' in response.content.decode()
    data = {"customer": customer.number, "item": "ONDH", "quantity": "1.5", "form_token": "ch1"}
    client_owner.post(url, data)
    client_owner.post(url, data)
    assert Charge.objects.count() == 1
    charge = Charge.objects.get()
    client_owner.post(reverse("web:charge_action", args=[charge.pk, "skip"]), {"reason": "", "form_token": "a0"})
    charge.refresh_from_db()
    assert charge.state == "open"
    skip = reverse("web:charge_action", args=[charge.pk, "skip"])
    client_owner.post(skip, {"reason": "goodwill", "form_token": "a1"})
    charge.refresh_from_db()
    assert charge.state == "skipped"
    client_owner.post(reverse("web:charge_action", args=[charge.pk, "reopen"]), {"form_token": "a2"})
    client_owner.post(reverse("web:charge_action", args=[charge.pk, "defer"]),
                      {"until": "2027-01-01", "form_token": "a3"})
    charge.refresh_from_db()
    assert charge.state == "deferred"
    # Reopening an open charge is a Conflict: a flash message, no error page.
    client_owner.post(reverse("web:charge_action", args=[charge.pk, "reopen"]), {"form_token": "a4"})
    response = client_owner.post(reverse("web:charge_action", args=[charge.pk, "reopen"]), {"form_token": "a5"},
                                 follow=True)
    assert response.status_code == 200 and "cannot be reopened" in response.content.decode()


def test_draft_run_double_submit_creates_one_invoice(client_owner, open_charges):
    data = {"grouping": "per_customer", "up_to": "", "form_token": "d1"}
    client_owner.post(reverse("web:draft_run"), data)
    client_owner.post(reverse("web:draft_run"), data)
    assert Invoice.objects.count() == 1


def test_issue_double_submit_and_credit_note(client_owner, draft):
    url = reverse("web:invoice_issue", args=[draft.pk])
    first = client_owner.post(url, {"issue_date": "2026-11-20", "form_token": "is1"})
    second = client_owner.post(url, {"issue_date": "2026-11-20", "form_token": "is1"})
    assert first["Location"] == second["Location"]
    draft.refresh_from_db()
    assert draft.number == "2026-000001"
    credit_url = reverse("web:invoice_credit", args=[draft.pk])
    response = client_owner.post(credit_url, {"mode": "amount", "amount": "", "rate": "S|21.00", "form_token": "cr0"})
    assert response.status_code == 400 and "say what to credit" in response.content.decode()
    line = draft.lines.order_by("position").first()
    response = client_owner.post(credit_url, {"mode": "lines", f"qty_{line.pk}": "99", "form_token": "cr1"})
    assert response.status_code == 400 and "left to credit" in response.content.decode()
    response = client_owner.post(credit_url, {"mode": "lines", f"qty_{line.pk}": "1", "reason": "te veel",
                                              "form_token": "cr2"})
    assert response.status_code == 302
    credit = Invoice.objects.get(kind="credit_note")
    client_owner.post(reverse("web:invoice_issue", args=[credit.pk]), {"issue_date": "2026-11-21",
                                                                       "form_token": "cr3"})
    credit.refresh_from_db()
    assert credit.number == "C2026-000001"
    draft.refresh_from_db()
    assert draft.amount_open == draft.tax_inclusive - credit.tax_inclusive
    body = client_owner.get(reverse("web:invoice", args=[draft.pk])).content.decode()
    assert "C2026-000001" in body


def test_write_off_needs_reason(client_owner, issued):
    url = reverse("web:invoice_write_off", args=[issued.pk])
    response = client_owner.post(url, {"reason": "", "form_token": "w0"})
    assert response.status_code == 400 and "is required" in response.content.decode()
    assert client_owner.post(url, {"reason": "failliet", "form_token": "w1"}).status_code == 302
    issued.refresh_from_db()
    assert issued.settlement == "written_off"


def test_delete_draft_reopens_charges(client_owner, draft):
    client_owner.post(reverse("web:invoice_delete", args=[draft.pk]), {"form_token": "del"})
    assert not Invoice.objects.exists()
    assert set(Charge.objects.values_list("state", flat=True)) == {"open"}


def test_approval_flow_in_belgian_administration(client, owner, be_ctx, be_admin):
    from facturo.charges.services import create_charges
    from facturo.parties.services import create_customer

    buyer = create_customer(be_ctx, {"name": "Stad Gent", "country": "BE", "email": "f@gent.example"})
    create_charges(be_ctx, [{"reference": "b1", "customer": buyer.number, "description": "Bewaking",
                             "quantity": "1", "unit_price": "100", "vat_category": "S", "vat_rate": "21"}],
                   source_kind="import")
    client.force_login(owner)
    client.post(reverse("web:switch"), {"administration": be_admin.pk})
    client.post(reverse("web:draft_run"), {"grouping": "per_customer", "form_token": "be1"})
    invoice = Invoice.objects.get(administration=be_admin)
    body = client.get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    assert "Approve" in body and "invoice_issue" not in body and f"/invoices/{invoice.pk}/issue/" not in body
    client.post(reverse("web:invoice_approve", args=[invoice.pk]), {"form_token": "be2"})
    body = client.get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    assert f"/invoices/{invoice.pk}/issue/" in body


def test_item_edit_changes_price_and_names_and_shows_errors(client_owner, item):
    url = reverse("web:item_edit", args=[item.pk])
    page = client_owner.get(url).content.decode()
    assert 'value="ONDH"' in page and "Onderhoud" in page
    response = client_owner.post(url, {"code": "ONDH", "unit": "HUR", "default_price": "-1", "vat_category": "S",
                                       "vat_kind": "standard", "name_nl": "Onderhoud", "form_token": "e1"})
    assert response.status_code == 400 and 'data-field="default_price"' in response.content.decode()
    response = client_owner.post(url, {"code": "ONDH", "unit": "HUR", "default_price": "72.50", "vat_category": "S",
                                       "vat_kind": "reduced", "name_nl": "Onderhoudsuur", "name_en": "Service hour",
                                       "revenue_account": "", "form_token": "e2"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (str(item.default_price), item.vat_kind, item.names) == (
        "72.5000", "reduced", {"nl": "Onderhoudsuur", "en": "Service hour"}
    )


def test_english_dates_put_the_day_first(client_owner, issued):
    page = client_owner.get(reverse("web:invoice", args=[issued.pk])).content.decode()
    assert issued.issue_date.strftime("%d/%m/%Y") in page or issued.issue_date.strftime("%-d %b %Y") in page
