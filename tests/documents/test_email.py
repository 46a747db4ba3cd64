"""Delivery by e-mail through a real SMTP server (aiosmtpd on localhost): what arrives, in which
language, and what happens when the server refuses."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from lxml import etree
from pypdf import PdfReader

from facturo.documents import services
from facturo.documents.models import Sending, SendingState
from facturo.parties.services import update_customer


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def attachments(message):
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_invoice_mail_arrives_with_the_pdf_in_the_customers_language(ctx, customer, issued, smtp_server,
                                                                    mail_settings):
    [sending] = services.schedule(ctx, [issued.pk])
    assert (sending.channel, sending.recipient, sending.state) == ("email", "facturen@delinde.example", "scheduled")
    result = services.deliver_due()
    assert result.sent == 1
    [message] = smtp_server.messages
    assert message["To"] == "facturen@delinde.example"
    assert message["Subject"] == f"Factuur {issued.number} van Van Dijk Installatietechniek B.V."
    body = message.get_body(("plain",)).get_content()
    assert "Geachte Woningcorporatie De Linde" in body
    assert issued.payment_reference in body
    files = attachments(message)
    # The customer has a VAT number, so a PEPPOL UBL goes along with the PDF.
    assert list(files) == [f"{issued.number}.pdf", f"{issued.number}.peppol.xml"]
    assert "EUR 263,20" in pdf_text(files[f"{issued.number}.pdf"])
    ubl = etree.fromstring(files[f"{issued.number}.peppol.xml"])
    assert ubl.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID") == issued.number
    sending.refresh_from_db()
    assert sending.state == SendingState.SENT and sending.sent_at is not None
    assert sending.transmission_id == message["Message-ID"]
    assert [e.kind for e in services.events(sending)] == ["scheduled", "attempt", "sent"]
    # Nothing goes twice: another sweep finds nothing due, scheduling again finds it sent.
    assert services.deliver_due().sent == 0
    assert len(smtp_server.messages) == 1


def test_english_customer_gets_an_english_mail(ctx, customer, issue_invoice, smtp_server, mail_settings):
    update_customer(ctx, customer.pk, {"language": "en"})
    invoice = issue_invoice(customer)
    services.schedule(ctx, [invoice.pk])
    services.deliver_due()
    [message] = smtp_server.messages
    assert message["Subject"].startswith(f"Invoice {invoice.number}")
    assert "Dear Woningcorporatie De Linde" in message.get_body(("plain",)).get_content()


def test_own_mail_text_per_language(ctx, issued, smtp_server, mail_settings):
    services.save_mail_template(ctx, {"kind": "invoice", "language": "nl", "subject": "Uw factuur {{ number }}",
                                      "body": "Bedrag: {{ amount }}"})
    services.schedule(ctx, [issued.pk])
    services.deliver_due()
    [message] = smtp_server.messages
    assert message["Subject"] == f"Uw factuur {issued.number}"
    assert message.get_body(("plain",)).get_content().strip() == "Bedrag: EUR 263,20"


def test_broken_mail_text_is_refused_with_the_reason(ctx):
    from facturo.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as failed:
        services.save_mail_template(ctx, {"kind": "invoice", "language": "nl", "subject": "{% if %}", "body": "x"})
    assert failed.value.errors[0].path == "subject"


def test_server_refusal_is_recorded_retried_and_sent_once(ctx, issued, smtp_server, mail_settings):
    smtp_server.refuse_data = "451 4.3.0 Mailbox temporarily unavailable"
    [sending] = services.schedule(ctx, [issued.pk])
    now = timezone.now()
    assert services.deliver_due(now=now).retrying == 1
    sending.refresh_from_db()
    assert sending.state == SendingState.SCHEDULED
    assert "451" in sending.last_error
    assert sending.next_attempt_at == now + timedelta(minutes=1)
    assert smtp_server.messages == []
    # Not due yet: the backoff holds.
    assert services.deliver_due(now=now + timedelta(seconds=30)).retrying == 0
    smtp_server.refuse_data = None
    assert services.deliver_due(now=now + timedelta(minutes=2)).sent == 1
    assert len(smtp_server.messages) == 1
    sending.refresh_from_db()
    assert (sending.state, sending.attempts, sending.last_error) == (SendingState.SENT, 2, "")
    assert [e.kind for e in services.events(sending)] == ["scheduled", "attempt", "retry", "attempt", "sent"]


def test_unreachable_server_gives_up_after_the_last_attempt(ctx, issued, mail_settings, smtp_server):
    services.update_mail_settings(ctx, {"smtp_host": "127.0.0.1", "smtp_port": "1", "smtp_security": "none",
                                        "from_email": "facturen@vandijk.example"})
    [sending] = services.schedule(ctx, [issued.pk])
    now = timezone.now()
    for _ in range(services.MAX_ATTEMPTS):
        services.deliver_due(now=now)
        now += timedelta(days=1)
    sending.refresh_from_db()
    assert sending.state == SendingState.FAILED
    assert sending.attempts == services.MAX_ATTEMPTS
    with translation.override("en"):
        assert "gave up after 6 attempts" in services.events(sending).last().text()
    # The clerk fixes the server and retries: it goes, once.
    services.update_mail_settings(ctx, {"smtp_host": "127.0.0.1", "smtp_port": str(smtp_server.port),
                                        "smtp_security": "none", "from_email": "facturen@vandijk.example"})
    services.retry(ctx, sending.pk)
    services.deliver_due()
    assert len(smtp_server.messages) == 1


def test_refused_recipient_is_a_bounce_shown_with_the_reason_and_not_retried(ctx, issued, smtp_server,
                                                                              mail_settings):
    smtp_server.refuse["facturen@delinde.example"] = "550 5.1.1 No such user"
    [sending] = services.schedule(ctx, [issued.pk])
    services.deliver_due()
    sending.refresh_from_db()
    assert sending.state == SendingState.BOUNCED
    assert "550 5.1.1 No such user" in sending.last_error
    assert services.deliver_due(now=timezone.now() + timedelta(days=2)).sent == 0
    assert list(services.outbox(ctx, state="problems")) == [sending]


def test_scheduled_mail_waits_for_its_time(ctx, issued, smtp_server, mail_settings):
    at = timezone.now() + timedelta(days=3)
    [sending] = services.schedule(ctx, [issued.pk], at=at)
    assert services.deliver_due().sent == 0
    assert smtp_server.messages == []
    assert services.deliver_due(now=at + timedelta(seconds=1)).sent == 1
    assert len(smtp_server.messages) == 1


def test_scheduling_twice_keeps_one_sending_and_resend_is_a_new_generation(ctx, issued, smtp_server,
                                                                          mail_settings):
    [first] = services.schedule(ctx, [issued.pk])
    assert services.schedule(ctx, [issued.pk]) == []
    services.deliver_due()
    second = services.resend(ctx, first.pk)
    assert second.generation == 2
    services.deliver_due()
    assert len(smtp_server.messages) == 2
    assert smtp_server.messages[0]["Message-ID"] != smtp_server.messages[1]["Message-ID"]
    assert Sending.objects.filter(invoice=issued).count() == 2


def test_a_claimed_sending_is_not_sent_by_a_second_worker(ctx, issued, smtp_server, mail_settings):
    [sending] = services.schedule(ctx, [issued.pk])
    now = timezone.now()
    assert services._claim(sending.pk, now)
    assert services.deliver(sending.pk, now=now) is None
    assert smtp_server.messages == []


def test_customer_without_email_is_rejected_with_a_clear_reason(ctx, customer, issued, mail_settings):
    update_customer(ctx, customer.pk, {"email": "", "delivery_channel": "print"})
    [sending] = services.schedule(ctx, [issued.pk], channels_override=["email"])
    assert sending.state == SendingState.REJECTED
    assert "has no e-mail address" in sending.last_error


def test_without_a_mail_server_the_sending_fails_with_the_reason(ctx, issued):
    [sending] = services.schedule(ctx, [issued.pk])
    services.deliver_due()
    sending.refresh_from_db()
    assert sending.state == SendingState.FAILED
    assert "no SMTP server" in sending.last_error


def test_a_sending_whose_worker_died_is_never_resent_by_itself_only_released_by_the_clerk(
    ctx, issued, smtp_server, mail_settings
):
    from facturo.errors import Conflict

    [sending] = services.schedule(ctx, [issued.pk])
    assert services._claim(sending.pk, timezone.now())  # a worker took it and died before recording
    Sending.objects.filter(pk=sending.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert services.deliver_due().sent == 0
    assert list(services.outbox(ctx, state="stuck")) == [sending]
    with pytest.raises(Conflict):
        services.retry(ctx, sending.pk)
    released = services.release_stuck(ctx, sending.pk)
    assert released.state == SendingState.FAILED and "outcome unknown" in released.last_error
    services.retry(ctx, sending.pk)
    services.deliver_due()
    assert len(smtp_server.messages) == 1


def test_file_names_never_hold_a_slash():
    from facturo.invoicing.models import Invoice

    assert services.pdf_filename(Invoice(number="2026/00032")) == "2026-00032.pdf"
