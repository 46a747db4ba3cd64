"""Two clerks upload the same statement at the same moment, or a clerk matches a line while the
next statement is imported: the database keeps every booking single."""

import multiprocessing

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from facturo.administrations.access import context_for
from facturo.administrations.models import Administration
from facturo.invoicing.models import Invoice
from facturo.payments import services as payments
from facturo.payments.models import BankStatement, Reconciliation

from .conftest import line
from .test_import_and_matching import assert_books_agree


def _import_in_process(user_id: int, admin_id: int, data: bytes, queue) -> None:
    connections.close_all()
    try:
        user = get_user_model().objects.get(pk=user_id)
        ctx = context_for(user, Administration.objects.get(pk=admin_id))
        result = payments.import_statement(ctx, data)
        queue.put(("ok", result.automatic))
    except Exception as exc:  # reported to the test
        queue.put((type(exc).__name__, str(exc)))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_statement_uploaded_twice_at_once_is_booked_once(
    owner, nl_admin, ctx, bank, issue_invoice, statement_file
):
    invoices = [issue_invoice(str(q)) for q in (1, 2, 3)]
    data = statement_file(*[line(str(i.amount_open), structured_reference=i.payment_reference) for i in invoices])
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue()
    workers = [mp.Process(target=_import_in_process, args=(owner.pk, nl_admin.pk, data, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(status for status, _ in results) == ["Conflict", "Conflict", "ok"], results
    assert BankStatement.objects.count() == 1 and Reconciliation.objects.count() == 3
    assert all(i.settlement == "paid" for i in Invoice.objects.filter(pk__in=[i.pk for i in invoices]))
    assert_books_agree(ctx, bank)
