"""The outbox beyond e-mail: print batches sorted for the post, background tasks, the dossier."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from facturo.documents import services
from facturo.documents.models import SendingState
from facturo.parties.services import create_customer


def print_customer(ctx, name, postal_code):
    return create_customer(ctx, {"name": name, "country": "NL", "street": "Dorpsstraat 1",
                                 "postal_code": postal_code, "city": "Ergens", "delivery_channel": "print",
                                 "language": "nl"})


def test_print_batch_is_one_pdf_sorted_by_postal_code(ctx, issue_invoice):
    zwolle = issue_invoice(print_customer(ctx, "Zorg Zwolle", "8011 AA"))
    amsterdam = issue_invoice(print_customer(ctx, "Atelier Amsterdam", "1012 AB"))
    utrecht = issue_invoice(print_customer(ctx, "Bouw Utrecht", "3511 AB"))
    sendings = services.schedule(ctx, [zwolle.pk, amsterdam.pk, utrecht.pk])
    assert {s.channel for s in sendings} == {"print"}
    result = services.deliver_due()
    assert (result.print_batches, result.sent) == (1, 3)
    [batch] = services.print_batches(ctx)
    assert batch.documents == 3
    reader = PdfReader(io.BytesIO(services.print_batch_pdf(ctx, batch.pk)))
    # One page each plus a blank back page for duplex printing.
    assert batch.pages == len(reader.pages) == 6
    first_pages = [reader.pages[i].extract_text() for i in (0, 2, 4)]
    assert [next(n for n in (amsterdam.number, utrecht.number, zwolle.number) if n in t) for t in first_pages] == [
        amsterdam.number, utrecht.number, zwolle.number]
    assert reader.pages[1].extract_text().strip() == ""
    for sending in sendings:
        sending.refresh_from_db()
        assert (sending.state, sending.print_batch_id) == (SendingState.SENT, batch.pk)
    # Nothing is printed twice.
    assert services.deliver_due().print_batches == 0


def test_schedule_enqueues_a_task_for_its_time_and_the_worker_sends_it(
    ctx, issued, smtp_server, mail_settings, django_capture_on_commit_callbacks, monkeypatch
):
    # The worker drops "old" connections between tasks, as it should in production; inside the
    # test's transaction on PostgreSQL that would close the test's own connection.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    at = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        [later] = services.schedule(ctx, [issued.pk], at=at)
    task = DBTaskResult.objects.get()
    assert task.task_path == "facturo.documents.tasks.deliver_sending"
    assert task.args_kwargs["args"] == [later.pk]
    assert abs(task.run_after - at) < timedelta(seconds=1)
    services.cancel(ctx, later.pk)
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        [now] = services.schedule(ctx, [issued.pk])
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    now.refresh_from_db()
    assert now.state == SendingState.SENT
    assert len(smtp_server.messages) == 1


def test_send_due_command(ctx, issued, smtp_server, mail_settings, capsys):
    services.schedule(ctx, [issued.pk])
    call_command("documents", "send-due")
    assert "1 sent" in capsys.readouterr().out
    assert len(smtp_server.messages) == 1


def test_every_sending_is_in_the_customers_dossier(ctx, customer, issued, smtp_server, mail_settings):
    services.schedule(ctx, [issued.pk])
    services.deliver_due()
    [sending] = services.dossier(ctx, customer.pk)
    assert sending.invoice == issued and sending.state == SendingState.SENT
    assert list(services.outbox(ctx, invoice_id=issued.pk)) == [sending]
