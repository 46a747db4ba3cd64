"""Writing new settlement columns of many invoices at once.

The settlement columns go through a staging table of their own, which also carries the open
amount each row was computed from (`facturo.db.bulk.update` stages only the new values).

With `guarded=True` a row is only written while its open amount is still the one the caller
computed from (`old_open`): the import reads open items without locking them and relies on this
check, which takes the row locks, to notice a concurrent change."""

from collections.abc import Sequence
from typing import Any

from django.db import connection

from facturo.db import bulk
from facturo.invoicing.models import Invoice

COLUMNS = ("amount_paid", "amount_open", "settlement")


def update_settlement(rows: Sequence[Any], *, guarded: bool = False) -> int:
    """Set amount_paid, amount_open and settlement of issued invoices (the columns the database
    guard lets change) from rows with those attributes, an id and, when guarded, old_open.
    Returns how many rows were written."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Invoice._meta.db_table)
    if connection.vendor != "postgresql":
        guard = " AND amount_open = %s" if guarded else ""
        values = [(r.amount_paid, r.amount_open, r.settlement, r.id, *((r.old_open,) if guarded else ())) for r in rows]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET amount_paid = %s, amount_open = %s, settlement = %s WHERE id = %s{guard}", values
            )
            return int(cursor.rowcount)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS payments_settlement (id bigint, amount_paid numeric(18, 2), "
            "amount_open numeric(18, 2), settlement varchar(15), old_open numeric(18, 2)) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE payments_settlement")
    bulk._copy(
        "payments_settlement",
        ["id", *COLUMNS, "old_open"],
        [(r.id, r.amount_paid, r.amount_open, r.settlement, r.old_open if guarded else None) for r in rows],
    )
    ids = [r.id for r in rows]
    guard = " AND t.amount_open = s.old_open" if guarded else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET amount_paid = s.amount_paid, amount_open = s.amount_open, "
            f"settlement = s.settlement FROM payments_settlement AS s "
            f"WHERE t.id = s.id AND t.id BETWEEN %s AND %s{guard}",
            [min(ids), max(ids)],
        )
        return int(cursor.rowcount)
