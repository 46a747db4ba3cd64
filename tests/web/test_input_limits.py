"""Web forms: an upload above FACTURO_MAX_UPLOAD_MB is a form error beside the file field, a
NUL or control character in any field is refused naming it; neither writes anything."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from facturo.charges.models import Charge
from facturo.parties.models import Customer


@override_settings(FACTURO_MAX_UPLOAD_MB=1)
def test_a_csv_above_the_upload_limit_is_a_form_error(client_owner, customer, item):
    rows = "".join(f"r{i},{customer.number},ONDH,1\n" for i in range(80_000))
    csv = ("reference,customer,item,quantity\n" + rows).encode()
    assert len(csv) > 1024 * 1024
    response = client_owner.post(
        reverse("web:charge_import"), {"file": SimpleUploadedFile("c.csv", csv), "form_token": "big1"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "the upload limit is 1 MB" in body
    assert Charge.objects.count() == 0


def test_a_nul_in_a_web_form_field_is_refused_naming_it(client_owner):
    response = client_owner.post(
        reverse("web:customer_create"), {"name": "Jan\x00sen", "country": "NL", "form_token": "nul1"}
    )
    assert response.status_code == 422
    assert "form.name" in response.content.decode()
    assert not Customer.objects.exists()


def test_a_control_character_in_a_search_is_refused(client_owner):
    response = client_owner.get(reverse("web:customers"), {"q": "a\x1bb"})
    assert response.status_code == 422 and "query.q" in response.content.decode()
