"""Several workers sweeping the outbox at once send every mail exactly once (PostgreSQL)."""

import threading

import pytest
from django.db import connections

from facturo.documents import services
from facturo.documents.models import Sending, SendingState


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_send_each_invoice_once(ctx, customer, issue_invoice, smtp_server, mail_settings):
    invoices = [issue_invoice(customer) for _ in range(8)]
    services.schedule(ctx, [i.pk for i in invoices])
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            services.deliver_due()
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Sending.objects.filter(state=SendingState.SENT).count() == 8
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"Factuur {i.number} van Van Dijk Installatietechniek B.V." for i in invoices)
