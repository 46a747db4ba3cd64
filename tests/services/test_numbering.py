"""Invariant 2: numbers per administration, series and fiscal year are consecutive, with no
gap and no duplicate, under crashes and concurrent issuers."""

import multiprocessing
from datetime import date

import pytest
from django.db import connections

from facturo.administrations.access import context_for
from facturo.charges.services import create_charges
from facturo.errors import Conflict
from facturo.invoicing import issuing
from facturo.invoicing import services as invoicing
from facturo.invoicing.chain import verify_chain
from facturo.invoicing.models import Invoice
from facturo.parties.services import create_customer


def make_drafts(ctx, count: int) -> list[int]:
    customers = [
        create_customer(ctx, {"name": f"Klant {i}", "country": "NL", "email": f"k{i}@example.com"})
        for i in range(count)
    ]
    rows = [
        {"reference": f"n{i}", "customer": c.number, "item": "ONDH", "quantity": "1", "service_date": "2026-11-02"}
        for i, c in enumerate(customers)
    ]
    create_charges(ctx, rows, source_kind="import")
    invoicing.draft_from_charges(ctx)
    return list(Invoice.objects.filter(administration=ctx.administration, state="draft").values_list("pk", flat=True))


def numbers(ctx) -> list[int]:
    return sorted(
        Invoice.objects.filter(administration=ctx.administration, state="issued").values_list("sequence", flat=True)
    )


def test_numbers_follow_the_pattern_and_restart_per_fiscal_year(ctx, item):
    ids = make_drafts(ctx, 3)
    invoicing.issue(ctx, ids[0], issue_date=date(2025, 12, 31))
    invoicing.issue(ctx, ids[1], issue_date=date(2026, 1, 2))
    invoicing.issue(ctx, ids[2], issue_date=date(2026, 1, 3))
    assert sorted(Invoice.objects.filter(state="issued").values_list("number", flat=True)) == [
        "2025-000001",
        "2026-000001",
        "2026-000002",
    ]


def test_a_crash_while_issuing_leaves_no_gap(ctx, item, monkeypatch):
    ids = make_drafts(ctx, 3)
    invoicing.issue(ctx, ids[0], issue_date=date(2026, 11, 20))

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(issuing, "write_entries", crash)
    with pytest.raises(RuntimeError):
        invoicing.issue(ctx, ids[1], issue_date=date(2026, 11, 20))
    assert Invoice.objects.get(pk=ids[1]).state == "draft"
    monkeypatch.undo()
    invoicing.issue(ctx, ids[1], issue_date=date(2026, 11, 20))
    invoicing.issue(ctx, ids[2], issue_date=date(2026, 11, 21))
    assert numbers(ctx) == [1, 2, 3]
    assert verify_chain(ctx.administration).ok


def test_issue_dates_never_go_backwards_within_a_series(ctx, item):
    ids = make_drafts(ctx, 2)
    invoicing.issue(ctx, ids[0], issue_date=date(2026, 11, 20))
    with pytest.raises(Conflict, match="numbers must follow the dates"):
        invoicing.issue(ctx, ids[1], issue_date=date(2026, 11, 19))


def _issue_in_process(user_id: int, admin_id: int, invoice_ids: list[int], queue) -> None:
    connections.close_all()
    from django.contrib.auth import get_user_model

    try:
        user = get_user_model().objects.get(pk=user_id)
        ctx = context_for(user, admin_id)
        issued = 0
        for invoice_id in invoice_ids:
            result = issuing.issue_invoices(ctx, [invoice_id], issue_date=date(2026, 11, 20), chunk_size=1)
            issued += len(result.issued)
        queue.put(("ok", issued))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(("error", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_in_separate_processes_get_consecutive_numbers(owner, nl_admin, item):
    ctx = context_for(owner, nl_admin)
    ids = make_drafts(ctx, 40)
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue()
    # Four processes race over interleaved invoices, each issuing one at a time.
    workers = [mp.Process(target=_issue_in_process, args=(owner.pk, nl_admin.pk, ids[i::4], queue)) for i in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert all(status == "ok" for status, _ in results), results
    assert sum(count for _, count in results) == 40
    assert numbers(ctx) == list(range(1, 41))
    assert verify_chain(nl_admin).ok
