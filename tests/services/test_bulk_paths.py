"""Bulk inserts and id allocation on the hot paths (bank import, issuing)."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from facturo.db import bulk
from facturo.parties.models import Customer

WHEN = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)


def _row(ctx, number: str, **extra) -> bulk.Row:
    return bulk.Row(
        administration_id=ctx.administration.pk, number=number, name=f"Customer {number}", country="NL", **extra
    )


def test_rows_with_every_attribute_and_rows_missing_some_are_written_alike(ctx):
    complete = Customer(
        administration=ctx.administration, number="B1", name="Complete", country="BE", city="Gent", created_at=WHEN
    )
    bulk.insert(Customer, [complete])  # every attribute present: one attrgetter per object
    bulk.insert(Customer, [_row(ctx, "B2", created_at=WHEN), _row(ctx, "B3", city="Utrecht", created_at=WHEN)])
    rows = {c.number: c for c in Customer.objects.filter(number__startswith="B")}
    assert (rows["B1"].name, rows["B1"].city, rows["B1"].created_at) == ("Complete", "Gent", WHEN)
    # Missing attributes take the fields' defaults; the date column is converted on both paths.
    assert (rows["B2"].language, rows["B2"].payment_terms_days, rows["B2"].city) == ("en", 30, "")
    assert (rows["B3"].city, rows["B3"].created_at) == ("Utrecht", WHEN)


def test_rows_that_all_lack_the_same_columns_take_their_defaults(ctx):
    bulk.insert(Customer, [_row(ctx, "D1", created_at=WHEN), _row(ctx, "D2", created_at=WHEN)])
    rows = {c.number: c for c in Customer.objects.filter(number__startswith="D")}
    assert [(r.language, r.payment_terms_days, r.city, r.created_at) for r in rows.values()] == [
        ("en", 30, "", WHEN)
    ] * 2


def test_a_row_lacking_a_column_without_default_is_refused_by_name(ctx):
    nameless = bulk.Row(administration_id=ctx.administration.pk, number="C1", country="NL", created_at=WHEN)
    with pytest.raises(AttributeError, match="'name'"):
        bulk.insert(Customer, [nameless])


def test_allocated_ids_are_new_distinct_and_usable(ctx, customer):
    ids = bulk.allocate_ids(Customer, 5)
    assert len(set(ids)) == 5 and min(ids) > customer.pk
    bulk.insert(Customer, [_row(ctx, f"D{i}", id=i, created_at=WHEN) for i in ids], with_pk=True)
    assert sorted(Customer.objects.filter(number__startswith="D").values_list("id", flat=True)) == sorted(ids)


@pytest.mark.postgres
def test_ids_drawn_with_gaps_come_back_as_drawn(ctx, customer):
    # Another session drawing from the sequence in between leaves gaps; a step of 3 does too.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('parties_customer', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
    try:
        ids = bulk.allocate_ids(Customer, 4)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    assert [b - a for a, b in zip(ids, ids[1:], strict=False)] == [3, 3, 3]
    assert min(ids) > customer.pk
