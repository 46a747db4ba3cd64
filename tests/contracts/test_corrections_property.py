"""Bill periods, then change the contract in any way: what was billed plus the corrections
equals what billing after the change gives, period by period (in memory, on the schedule)."""

from copy import deepcopy
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from facturo.contracts.corrections import BilledRow, corrections_for
from facturo.contracts.schedule import ContractRow, LineRow, TermsRow, due_periods
from facturo.core.periods import Period

CENT = Decimal("0.01")


def contract_row(start, months, timing, alignment, proration, price, quantity):
    line = LineRow(
        id=1,
        position=1,
        item_id=None,
        description="Maintenance",
        unit="C62",
        vat_category="S",
        vat_kind="standard",
        months=months,
        timing=timing,
        alignment=alignment,
        first_billing_date=None,
        start_date=None,
        end_date=None,
        terms=[TermsRow(1, start, quantity, price, None, False)],
    )
    return ContractRow(
        1, "C-1", 1, True, "maintenance", "Maintenance", proration, start, None, "customer", lines=[line]
    )


def bill(contract, run_date):
    """What a run on `run_date` bills, period by period, from nothing billed yet."""
    line = contract.lines[0]
    return {d.period.start: (d.period, d.amount, len(d.pieces)) for d in due_periods(contract, line, run_date, set())}


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
quantities = st.sampled_from([Decimal(1), Decimal(2), Decimal("1.5"), Decimal(7)])


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    months=st.sampled_from([1, 3, 6, 12]),
    timing=st.sampled_from(["advance", "arrears"]),
    alignment=st.sampled_from(["calendar", "anniversary"]),
    proration=st.sampled_from(["day", "month", "none"]),
    price=prices,
    quantity=quantities,
    billed_days=st.integers(min_value=0, max_value=500),
    change=st.sampled_from(["price", "quantity", "remove", "terminate", "suspend"]),
    offset=st.integers(min_value=0, max_value=500),
    new_price=prices,
    new_quantity=quantities,
    length=st.integers(min_value=0, max_value=120),
)
def test_billed_plus_corrections_is_what_billing_after_the_change_gives(
    start,
    months,
    timing,
    alignment,
    proration,
    price,
    quantity,
    billed_days,
    change,
    offset,
    new_price,
    new_quantity,
    length,
):
    contract = contract_row(start, months, timing, alignment, proration, price, quantity)
    run_date = start + timedelta(days=billed_days)
    billed = bill(contract, run_date)

    changed = deepcopy(contract)
    line = changed.lines[0]
    effective = start + timedelta(days=min(offset, billed_days + 60))
    if change in ("price", "quantity", "remove"):
        old = line.terms[-1]
        line.terms.append(
            TermsRow(
                2,
                effective,
                new_quantity if change == "quantity" else old.quantity,
                new_price if change == "price" else old.unit_price,
                None,
                change == "remove",
            )
        )
        if effective == start:
            line.terms = [line.terms[-1]]  # an annex from the first day replaces the signed terms
    elif change == "terminate":
        changed.last_day = effective
        effective += timedelta(days=1)
    else:
        changed.suspensions.append(Period(effective, effective + timedelta(days=length)))

    rows = {1: [BilledRow(period, amount) for period, amount, _ in billed.values()]}
    corrections = {c.period.start: c.amount for c in corrections_for(changed, effective, rows, 2)}
    after = bill(changed, run_date)
    for period_start, (period, amount, pieces) in billed.items():
        due_after = after.get(period_start, (period, Decimal(0), 1))[1]
        pieces = max(pieces, after.get(period_start, (period, Decimal(0), 1))[2])
        corrected = amount + corrections.get(period_start, Decimal(0))
        assert abs(corrected - due_after) <= CENT * pieces, (period, amount, corrections, due_after)
    # Nothing that was not billed is corrected: new periods are the run's ordinary work.
    assert set(corrections) <= set(billed)


def test_termination_mid_quarter_in_advance_credits_the_days_after_the_end():
    contract = contract_row(date(2026, 1, 1), 3, "advance", "calendar", "day", Decimal("900.00"), Decimal(1))
    billed = bill(contract, date(2026, 1, 1))
    assert [(p.start, a) for p, a, _ in billed.values()] == [(date(2026, 1, 1), Decimal("900.00"))]
    contract.last_day = date(2026, 2, 14)  # 45 of the quarter's 90 days served
    rows = {1: [BilledRow(p, a) for p, a, _ in billed.values()]}
    (correction,) = corrections_for(contract, date(2026, 2, 15), rows, 2)
    assert (correction.billed, correction.due, correction.amount) == (
        Decimal("900.00"),
        Decimal("450.00"),
        Decimal("-450.00"),
    )
