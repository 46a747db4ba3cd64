"""A customer's e-invoice preference through the API and the customer form, and the PEPPOL
endpoint checks against the BIS 3.0.21 electronic address schemes."""

import pytest
from django.urls import reverse

from facturo.parties.identifiers import PEPPOL_SCHEMES, check_peppol_endpoint
from facturo.parties.models import Customer
from tests.api.conftest import ApiClient, fields

NL = "/administrations/nl-installers"


def test_api_sets_reads_and_refuses_the_preference(api: ApiClient, nl_admin):
    r = api.post(f"{NL}/customers", {"name": "Gemeente Eemvallei", "country": "NL", "einvoice_preference": "nlcius"})
    assert r.status_code == 201, r.content
    assert r.json()["einvoice_preference"] == "nlcius"
    customer_id = r.json()["id"]
    r = api.patch(f"{NL}/customers/{customer_id}", {"einvoice_preference": "cii"})
    assert r.status_code == 200, r.content
    assert Customer.objects.get(pk=customer_id).einvoice_preference == "cii"
    r = api.patch(f"{NL}/customers/{customer_id}", {"einvoice_preference": "xrechnung"})
    assert r.status_code == 422
    assert "body.einvoice_preference" in fields(r)
    assert Customer.objects.get(pk=customer_id).einvoice_preference == "cii"


def test_customer_form_offers_and_saves_the_preference(client_owner, nl_admin):
    page = client_owner.get(reverse("web:customer_create"))
    assert b'name="einvoice_preference"' in page.content
    assert b"Factur-X" in page.content
    client_owner.post(
        reverse("web:customer_create"),
        {"name": "Hotel De Keizershof", "country": "NL", "language": "nl", "currency": "EUR",
         "delivery_channel": "print", "category": "b2b", "payment_terms_days": "30",
         "payment_terms_basis": "invoice_date", "einvoice_preference": "cii"},
    )
    assert Customer.objects.get(name="Hotel De Keizershof").einvoice_preference == "cii"


@pytest.mark.parametrize("scheme", ["0037", "0212", "0213", "0215", "0217", "0193", "0147"])
def test_schemes_removed_in_bis_3_0_21_are_refused(scheme):
    assert scheme not in PEPPOL_SCHEMES
    with pytest.raises(ValueError, match="removed"):
        check_peppol_endpoint(scheme, "123456789")


@pytest.mark.parametrize(
    ("scheme", "identifier", "ok"),
    [
        ("0208", "0403019261", True),
        ("0106", "30123457", True),
        ("0190", "00000001301234580000", True),
        ("9944", "NL123456782B01", True),
        ("9944", "123456782", False),
        ("0088", "7300010000001", True),
        ("0088", "7300010000002", False),
        ("0242", "anything", True),
    ],
)
def test_endpoint_formats(scheme, identifier, ok):
    if ok:
        check_peppol_endpoint(scheme, identifier)
    else:
        with pytest.raises(ValueError):
            check_peppol_endpoint(scheme, identifier)
