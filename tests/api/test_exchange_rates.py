"""Exchange rates through the API: enter, list, import a CSV; errors name the field or row."""

from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import fields


def test_enter_list_and_import_rates(api, ctx):
    admin = ctx.administration.code
    created = api.post(f"/administrations/{admin}/exchange-rates",
                       {"currency": "USD", "date": "2026-11-01", "rate": "0.91", "source": "ECB"})
    assert created.status_code == 201, created.content
    assert created.json()["rate"] == "0.91000000"
    own = api.post(f"/administrations/{admin}/exchange-rates", {"currency": "EUR", "date": "2026-11-01", "rate": "1"})
    assert own.status_code == 422 and "body.currency" in fields(own)
    float_rate = api.post(f"/administrations/{admin}/exchange-rates",
                          {"currency": "USD", "date": "2026-11-01", "rate": 0.9})
    assert float_rate.status_code == 422 and "body.rate" in fields(float_rate)
    csv = SimpleUploadedFile("rates.csv", b"currency,date,rate\nGBP,2026-11-01,1.15\nGBP,2026-11-02,x\n")
    bad = api.client.post(f"/api/v1/administrations/{admin}/exchange-rates/import", {"file": csv},
                          headers=api.headers())
    assert bad.status_code == 422 and "row 3, column rate" in fields(bad)
    csv = SimpleUploadedFile("rates.csv", b"currency,date,rate\nGBP,2026-11-01,1.15\n")
    good = api.client.post(f"/api/v1/administrations/{admin}/exchange-rates/import", {"file": csv},
                           headers=api.headers())
    assert good.status_code == 201 and good.json() == {"created": 1, "updated": 0}
    listed = api.get(f"/administrations/{admin}/exchange-rates", {"currency": "usd"}).json()["data"]
    assert [(r["currency"], r["date"], r["rate"]) for r in listed] == [("USD", "2026-11-01", "0.91000000")]
