"""The exchange-rate screen: enter a rate, errors beside the field, import a CSV file."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facturo.invoicing.models import ExchangeRate


def test_enter_and_import_rates_on_the_screen(client_owner):
    url = reverse("web:exchange_rate_save")
    own = client_owner.post(url, {"currency": "EUR", "date": "2026-11-01", "rate": "1", "form_token": "r1"})
    assert own.status_code == 400 and "own currency" in own.content.decode()
    saved = client_owner.post(url, {"currency": "usd", "date": "2026-11-01", "rate": "0.9123", "source": "ECB",
                                    "form_token": "r2"})
    assert saved.status_code == 302
    bad = SimpleUploadedFile("r.csv", b"currency,date,rate\nGBP,2026-11-01,abc\n")
    failed = client_owner.post(reverse("web:exchange_rate_import"), {"file": bad, "form_token": "r3"})
    assert failed.status_code == 400 and "row 2, column rate" in failed.content.decode()
    good = SimpleUploadedFile("r.csv", b"currency,date,rate\nGBP,2026-11-01,1.15\n")
    assert client_owner.post(reverse("web:exchange_rate_import"), {"file": good, "form_token": "r4"}).status_code == 302
    page = client_owner.get(reverse("web:exchange_rates"), headers={"accept-language": "nl"}).content.decode()
    assert "Wisselkoersen" in page and "0,91230000" in page and "1,15000000" in page
    assert sorted(ExchangeRate.objects.values_list("currency", flat=True)) == ["GBP", "USD"]
