"""The documents screens through Django's test client."""

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from facturo.documents import services
from facturo.documents.models import Sending, SendingState


def test_invoice_documents_page_pdf_inline_and_download(client, owner, ctx, issued):
    client.force_login(owner)
    page = client.get(f"/invoices/{issued.pk}/documents/")
    assert page.status_code == 200
    assert b"PEPPOL BIS 3.0 UBL" in page.content
    pdf = client.get(f"/invoices/{issued.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("inline")
    download = client.get(f"/invoices/{issued.pk}/pdf/?download=1")
    assert download["Content-Disposition"] == f'attachment; filename="{issued.number}.pdf"'
    xml = client.get(f"/invoices/{issued.pk}/xml/peppol/")
    assert xml.status_code == 200 and issued.number.encode() in xml.content


def test_schedule_from_the_invoice_page(client, owner, ctx, issued, mail_settings):
    client.force_login(owner)
    at = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(f"/invoices/{issued.pk}/send/", {"at": at.strftime("%Y-%m-%dT%H:%M"), "form_token": "t1"})
    assert response.status_code == 302
    sending = Sending.objects.get(invoice=issued)
    assert (sending.state, sending.scheduled_at) == (SendingState.SCHEDULED, at)
    # A double submit of the same form does nothing more.
    client.post(f"/invoices/{issued.pk}/send/", {"at": at.strftime("%Y-%m-%dT%H:%M"), "form_token": "t1"})
    assert Sending.objects.filter(invoice=issued).count() == 1
    outbox = client.get("/outbox/?state=scheduled")
    assert issued.number.encode() in outbox.content


def test_bulk_schedule_of_a_period(client, owner, ctx, customer, issue_invoice, mail_settings):
    first, second = issue_invoice(customer), issue_invoice(customer)
    client.force_login(owner)
    client.post("/outbox/schedule/", {"issued_from": "2026-11-01", "issued_to": "2026-11-30",
                                      "at": "2027-04-01T07:00", "form_token": "b1"})
    rows = Sending.objects.filter(invoice__in=[first, second])
    assert rows.count() == 2
    assert {timezone.localtime(r.scheduled_at).strftime("%Y-%m-%d %H:%M") for r in rows} == {"2027-04-01 07:00"}


def test_failed_sending_shows_the_reason_and_can_be_retried(client, owner, ctx, issued, smtp_server, mail_settings):
    smtp_server.refuse["facturen@delinde.example"] = "550 5.1.1 No such user"
    [sending] = services.schedule(ctx, [issued.pk])
    services.deliver_due()
    client.force_login(owner)
    page = client.get(f"/outbox/{sending.pk}/")
    assert b"550 5.1.1 No such user" in page.content
    assert b"Send again" in page.content
    client.post(f"/outbox/{sending.pk}/resend/", {"form_token": "r1"})
    smtp_server.refuse.clear()
    services.deliver_due()
    assert len(smtp_server.messages) == 1


def test_logo_upload_refuses_a_non_image(client, owner, ctx):
    client.force_login(owner)
    fake = io.BytesIO(b"MZ this is an executable")
    fake.name = "logo.png"
    response = client.post("/documents/settings/branding/", {"logo": fake, "primary_colour": "#112233"})
    assert response.status_code == 400
    assert b"not a readable PNG or JPEG" in response.content
    good = io.BytesIO()
    Image.new("RGB", (50, 20), "red").save(good, "PNG")
    good.seek(0)
    good.name = "logo.png"
    assert client.post("/documents/settings/branding/", {"logo": good, "primary_colour": "#112233"}).status_code == 302
    assert services.document_settings(ctx).logo_type == "png"


def test_layout_preview_shows_the_error_line(client, owner, ctx, issued):
    client.force_login(owner)
    bad = client.post("/documents/layouts/preview/", {"source": "#let data = json(bytes(sys.inputs.data))\n#(1 +\n",
                                                      "kind": "invoice"})
    assert b"Error on line" in bad.content
    good = client.post("/documents/layouts/preview/", {"source": "= Hello", "kind": "invoice"})
    url = good.content.split(b'src="')[1].split(b'"')[0].decode()
    assert client.get(url)["Content-Type"] == "application/pdf"


def test_auditor_cannot_send(client, make_user, nl_admin, ctx, issued):
    from facturo.administrations.models import Role

    user = make_user("audrey", nl_admin, Role.AUDITOR, ctx)
    client.force_login(user)
    assert client.get(f"/invoices/{issued.pk}/documents/").status_code == 200
    assert client.post(f"/invoices/{issued.pk}/send/", {"form_token": "x"}).status_code == 403


def test_outbox_screen_in_dutch(client, owner, ctx):
    client.force_login(owner)
    client.cookies["django_language"] = "nl"
    page = client.get("/outbox/")
    assert "Uitgereikte facturen inplannen" in page.content.decode()
