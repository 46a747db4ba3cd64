"""Reading contracts for the schedule: the whole administration, a range of customers (a run's
chunk) or a condition give the same rows, with the values the ORM gives."""

from datetime import date
from decimal import Decimal

from django.db.models import Q

from facturo.billing import services as billing
from facturo.contracts import services as contracts
from facturo.contracts.models import BilledPeriod, LineTerms
from facturo.contracts.schedule import claimed_periods, customer_slices, load_contracts

from .conftest import monthly, run


def _contracts(ctx, customers):
    first = contracts.create_contract(
        ctx,
        monthly(
            customers[0],
            start_date="2026-11-01",
            lines=[
                {"item": "MON", "quantity": "2.5", "unit_price": "129.50", "site": "S00"},
                {"item": "MON", "quantity": "1", "unit_price": "40.00", "site": "S01", "frequency": "quarterly"},
            ],
        ),
    )
    contracts.add_annex(
        ctx,
        first.pk,
        {"effective_from": "2026-11-15", "description": "price", "changes": [{"line": 1, "unit_price": "71.30"}]},
    )
    contracts.suspend(ctx, first.pk, {"start_date": "2026-12-01", "end_date": "2026-12-31", "reason": "works"})
    second = contracts.create_contract(ctx, monthly(customers[1], number="C-2", site="S10", start_date="2026-11-01"))
    return first, second


def test_a_range_of_customers_and_a_condition_read_what_the_whole_administration_reads(ctx, customers):
    first, second = _contracts(ctx, customers)
    admin = ctx.administration.pk
    whole = {c.id: c for c in load_contracts(admin)}
    assert list(whole) == [first.pk, second.pk]  # in customer order
    (chunk,) = load_contracts(admin, customers=(customers[0].pk, customers[0].pk))
    (matched,) = load_contracts(admin, Q(number="C-2"))
    assert chunk == whole[first.pk] and matched == whole[second.pk]
    assert load_contracts(admin, Q(number="nothing")) == []


def test_lines_terms_and_suspensions_carry_the_stored_values(ctx, customers):
    first, _ = _contracts(ctx, customers)
    (row,) = load_contracts(ctx.administration.pk, customers=(customers[0].pk, customers[0].pk))
    assert [(s.start, s.end) for s in row.suspensions] == [(date(2026, 12, 1), date(2026, 12, 31))]
    assert [(line.position, line.months) for line in row.lines] == [(1, 1), (2, 3)]
    stored = LineTerms.objects.filter(line__contract=first).order_by("line__position", "effective_from", "version")
    loaded = [t for line in row.lines for t in line.terms]
    assert [(t.version, t.effective_from, t.quantity, t.unit_price, t.site_id, t.is_removed) for t in loaded] == [
        (t.version, t.effective_from, t.quantity, t.unit_price, t.site_id, t.is_removed) for t in stored
    ]
    # Same scale as the ORM's, so prices print and compare alike on every database.
    assert [str(t.unit_price) for t in loaded] == ["129.5000", "71.3000", "40.0000"]
    assert all(isinstance(t.quantity, Decimal) for t in loaded)


def test_claimed_periods_are_read_per_line(ctx, customers):
    first, second = _contracts(ctx, customers)
    run(ctx, date(2026, 11, 1))
    rows = load_contracts(ctx.administration.pk)
    line_ids = [line.id for c in rows for line in c.lines]
    claimed = claimed_periods(line_ids)
    stored: dict[int, set[date]] = {}
    for line_id, start in BilledPeriod.objects.values_list("line_id", "period_start"):
        stored.setdefault(line_id, set()).add(start)
    assert claimed == stored and sorted(claimed) == sorted(line_ids)
    assert claimed_periods([]) == {}


def test_slices_of_customers_cover_every_contract_once(ctx, customers):
    _contracts(ctx, customers)
    contracts.create_contract(ctx, monthly(customers[0], number="C-3", site="S01", start_date="2026-11-01"))
    admin = ctx.administration.pk
    everything = [c.id for c in load_contracts(admin)]
    for size in (1, 2, 3, 10):
        spans = list(customer_slices(admin, size))
        assert [c.id for span in spans for c in load_contracts(admin, customers=span)] == everything
    # A customer's contracts are never split over two slices.
    assert list(customer_slices(admin, 1)) == [
        (customers[0].pk, customers[1].pk - 1),
        (customers[1].pk, customers[1].pk),
    ]


def test_the_preview_read_in_small_slices_is_the_same(ctx, customers, monkeypatch):
    _contracts(ctx, customers)
    whole = billing.preview_data(ctx, date(2026, 12, 1))
    monkeypatch.setattr(billing, "ASSESS_SLICE", 1)
    assert billing.preview_data(ctx, date(2026, 12, 1)) == whole
    # November for both monthly lines (caught up), the quarter of the quarterly line, December
    # for C-2 (C-1's December is suspended).
    assert (whole["periods"], whole["caught_up_count"], whole["customers"]) == (4, 2, 2)
