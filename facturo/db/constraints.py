"""When PostgreSQL checks foreign keys: Django declares them DEFERRABLE INITIALLY DEFERRED,
so by default every check of a transaction's rows runs at its commit."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def immediate_constraints() -> Iterator[None]:
    """Check foreign keys as each statement of the block ends, not at commit.

    Entering the block also runs at once every check still pending from earlier in the
    transaction. The block writes referenced rows before the rows that refer to them; at its
    end the checks are deferred again for the rest of the transaction (an error rolls the
    setting back with the savepoint or transaction around it). That restores the initial
    mode because every deferrable constraint of the schema is initially deferred (a test
    holds it)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def check_pending_constraints() -> None:
    """Run now the foreign-key checks that the transaction's writes so far left for its
    commit: before taking a lock that is held until the commit, so that the lock does not
    wait for checks that need no lock."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
