"""A billing run shared by worker processes on PostgreSQL, and a run killed with SIGKILL
in the middle of a chunk and started again: each invoice once, numbers without gap."""

import multiprocessing
import os
import signal
from datetime import date

import pytest
from django.db import connections

from facturo.billing import services as billing
from facturo.billing.models import BillingRun, RunChunk
from facturo.charges.models import Charge
from facturo.contracts import services as contracts
from facturo.invoicing.chain import verify_chain
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.parties.services import create_customer, create_site

from .conftest import setup_administration

CUSTOMERS = 12


def populate(ctx):
    setup_administration(ctx)
    for i in range(CUSTOMERS):
        customer = create_customer(ctx, {"name": f"Klant {i:02d}", "country": "NL", "email": f"k{i}@example.com"})
        create_site(ctx, customer.pk, {"code": f"K{i}", "name": f"Object {i}", "country": "NL"})
        contracts.create_contract(
            ctx,
            {
                "number": f"K-{i:02d}",
                "customer": customer.number,
                "type": "monitoring",
                "start_date": "2026-10-01",
                "lines": [
                    {"item": "MON", "unit_price": f"{40 + i}.00", "site": f"K{i}"},
                    {"item": "GUARD", "quantity": "2", "unit_price": "12.50", "frequency": "quarterly"},
                ],
            },
        )


def approved_run(ctx):
    started = billing.start_run(ctx, date(2026, 11, 1))
    billing.approve_run(ctx, started.pk, enqueue=False, chunk_customers=2)
    return started


def summary(ctx):
    invoices = Invoice.objects.filter(administration=ctx.administration, state="issued").select_related("customer")
    return sorted((i.customer.name, i.tax_inclusive, i.lines.count()) for i in invoices)


def sequences(ctx):
    return sorted(
        Invoice.objects.filter(administration=ctx.administration, state="issued").values_list("sequence", flat=True)
    )


def _worker(run_id, queue):
    connections.close_all()
    try:
        queue.put(("ok", billing.work(run_id)))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(("error", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_one_run_and_issue_each_invoice_once(ctx):
    populate(ctx)
    started = approved_run(ctx)
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue()
    workers = [mp.Process(target=_worker, args=(started.pk, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert all(status == "ok" for status, _ in results), results
    assert sum(done for _, done in results) == RunChunk.objects.filter(run=started).count()
    run = BillingRun.objects.get(pk=started.pk)
    assert (run.state, run.invoices) == ("done", CUSTOMERS)
    assert sequences(ctx) == list(range(1, CUSTOMERS + 1))
    assert InvoiceLine.objects.filter(charge__isnull=False).count() == Charge.objects.count()
    assert verify_chain(ctx.administration).ok


def _worker_held_in_drafting(run_id, ready, release, queue):
    """Works a chunk, but waits in the middle of its first one (drafted, not yet numbered)
    until the parent releases it."""
    connections.close_all()
    from facturo.billing import services as worker_billing

    real = worker_billing.invoicing.draft_from_charges
    calls = {"n": 0}

    def draft_then_wait(*args, **kwargs):
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            ready.set()
            release.wait(120)
        return result

    worker_billing.invoicing.draft_from_charges = draft_then_wait
    try:
        queue.put(("ok", worker_billing.work(run_id)))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(("error", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunk_in_progress_does_not_keep_a_second_worker_from_the_other_chunks(ctx):
    populate(ctx)
    started = approved_run(ctx)
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    ready, release, queue = mp.Event(), mp.Event(), mp.Queue()
    worker = mp.Process(target=_worker_held_in_drafting, args=(started.pk, ready, release, queue))
    worker.start()
    try:
        assert ready.wait(120), "the worker never started its first chunk"
        # The first chunk's transaction is open; another worker takes the next chunk meanwhile.
        assert billing.work(started.pk, limit=1) == 1
    finally:
        release.set()
    status, done = queue.get(timeout=120)
    worker.join(timeout=30)
    assert status == "ok", done
    run = BillingRun.objects.get(pk=started.pk)
    assert (run.state, run.invoices, run.chunks_done) == ("done", CUSTOMERS, run.chunks_total)
    assert sequences(ctx) == list(range(1, CUSTOMERS + 1))
    assert verify_chain(ctx.administration).ok


def _killable_worker(run_id, ready, release):
    """Works until its third chunk has numbered its invoices, then waits inside that
    chunk's open transaction, where the parent kills it."""
    connections.close_all()
    from facturo.billing import services as worker_billing

    real = worker_billing.invoicing.issue_invoices
    calls = {"n": 0}

    def issue_then_wait(*args, **kwargs):
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 3:
            ready.set()
            release.wait(120)
        return result

    worker_billing.invoicing.issue_invoices = issue_then_wait
    worker_billing.work(run_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_killed_mid_chunk_and_restarted_matches_an_uninterrupted_run(owner, ctx, second_ctx):
    populate(ctx)
    populate(second_ctx)
    uninterrupted = approved_run(second_ctx)
    billing.work(uninterrupted.pk)

    started = approved_run(ctx)
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    ready, release = mp.Event(), mp.Event()
    worker = mp.Process(target=_killable_worker, args=(started.pk, ready, release))
    worker.start()
    assert ready.wait(120), "the worker never reached its third chunk"
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=30)
    assert worker.exitcode == -signal.SIGKILL
    # Two chunks committed; the third's numbers and charges died with its transaction.
    assert RunChunk.objects.filter(run=started, state="done").count() == 2
    assert sequences(ctx) == [1, 2, 3, 4]

    billing.work(started.pk)  # started again
    assert BillingRun.objects.get(pk=started.pk).state == "done"
    assert summary(ctx) == summary(second_ctx)
    assert sequences(ctx) == sequences(second_ctx) == list(range(1, CUSTOMERS + 1))
    assert verify_chain(ctx.administration).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_correct_each_invoiced_period_once(ctx):
    from facturo.contracts.models import Contract, PeriodCorrection

    populate(ctx)
    billing.work(approved_run(ctx).pk)  # October and November monthly, Q4 in advance
    for contract in Contract.objects.filter(administration=ctx.administration):
        contracts.terminate(ctx, contract.pk, date(2026, 11, 15), "moved")
    started = billing.start_run(ctx, date(2026, 11, 16))
    assert started.preview["corrections_count"] == 2 * CUSTOMERS  # November's rest and Q4's rest
    billing.approve_run(ctx, started.pk, enqueue=False, chunk_customers=2)
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue()
    workers = [mp.Process(target=_worker, args=(started.pk, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert all(status == "ok" for status, _ in results), results
    assert PeriodCorrection.objects.count() == 2 * CUSTOMERS
    credits = Invoice.objects.filter(administration=ctx.administration, kind="credit_note", state="issued")
    assert sorted(credits.values_list("sequence", flat=True)) == list(range(1, 2 * CUSTOMERS + 1))
    assert BillingRun.objects.get(pk=started.pk).invoices == 2 * CUSTOMERS
    assert verify_chain(ctx.administration).ok
