"""Set-based writes: the bulk helpers write what they are given, whatever the column set."""

from facturo.db import bulk
from facturo.parties.models import Customer


def test_updates_of_one_model_with_different_columns_in_one_transaction(ctx, customer):
    # On PostgreSQL each update stages its rows in a temporary table that outlives the
    # statement; a second column set must not collide with the first one's table.
    customer.name = "Renamed once"
    bulk.update(Customer, [customer], ["name"])
    customer.city = "Amersfoort"
    customer.credit_limit = 1000
    bulk.update(Customer, [customer], ["city", "credit_limit"])
    customer.refresh_from_db()
    assert (customer.name, customer.city, customer.credit_limit) == ("Renamed once", "Amersfoort", 1000)
