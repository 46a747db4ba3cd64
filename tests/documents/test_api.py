"""The documents API: downloads, send and schedule, the outbox and its actions, layouts."""

from datetime import timedelta

from django.utils import timezone

from facturo.api.services import create_token
from facturo.documents.models import SendingState
from tests.api.conftest import ApiClient

A = "/administrations/nl-installers"


def api(owner) -> ApiClient:
    return ApiClient(create_token(owner, "test")[1])


def test_download_pdf_and_peppol(owner, ctx, issued):
    client = api(owner)
    pdf = client.get(f"{A}/invoices/{issued.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    xml = client.get(f"{A}/invoices/{issued.pk}/einvoice/peppol")
    assert xml.status_code == 200 and issued.number.encode() in xml.content
    assert client.get(f"{A}/invoices/{issued.pk}/einvoice/facturx").status_code == 409


def test_send_schedule_outbox_and_cancel(owner, ctx, issued, mail_settings, smtp_server):
    client = api(owner)
    at = (timezone.now() + timedelta(days=1)).isoformat()
    response = client.post(f"{A}/invoices/{issued.pk}/send", {"at": at})
    assert response.status_code == 201, response.content
    [sending] = response.json()["sendings"]
    assert (sending["channel"], sending["state"]) == ("email", "scheduled")
    listed = client.get(f"{A}/outbox", {"state": "scheduled"}).json()
    assert [s["id"] for s in listed["data"]] == [sending["id"]]
    cancelled = client.post(f"{A}/outbox/{sending['id']}/cancel").json()
    assert cancelled["state"] == SendingState.CANCELLED
    assert [e["kind"] for e in cancelled["events"]] == ["scheduled", "cancelled"]
    assert client.post(f"{A}/outbox/{sending['id']}/cancel").status_code == 409


def test_naive_time_is_refused(owner, ctx, issued, mail_settings):
    response = api(owner).post(f"{A}/invoices/{issued.pk}/send", {"at": "2027-04-01T07:00:00"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.at"


def test_bounce_report(owner, ctx, issued, mail_settings, smtp_server):
    from facturo.documents import services

    client = api(owner)
    [sending] = client.post(f"{A}/invoices/{issued.pk}/send").json()["sendings"]
    services.deliver_due()
    bounced = client.post(f"{A}/outbox/{sending['id']}/bounce", {"reason": "550 mailbox full"}).json()
    assert (bounced["state"], bounced["last_error"]) == ("bounced", "550 mailbox full")


def test_layout_preview_error_names_the_line(owner, ctx, issued):
    response = api(owner).post(f"{A}/layouts/preview", {"source": "= Hi\n#nope(\n"})
    assert response.status_code == 422
    [field] = response.json()["error"]["fields"]
    assert field["path"] == "body.source" and "line 2" in field["message"]
    ok = api(owner).post(f"{A}/layouts", {"source": "= Hi #sys.inputs.len()", "kind": "invoice"})
    assert ok.status_code == 201
