"""Database triggers that keep issued documents and journal entries unchangeable.

They live in the database so that no code path (ORM, raw SQL, a console) can change an
issued invoice: the only columns that may still move are its settlement amounts."""

from collections.abc import Sequence
from typing import Any


def _columns(schema_editor: Any, table: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        description = schema_editor.connection.introspection.get_table_description(cursor, table)
    return [c.name for c in description]


def _runner(schema_editor: Any) -> Any:
    # No parameters: PL/pgSQL's RAISE uses % placeholders of its own.
    return lambda sql: schema_editor.execute(sql, None)


def _sqlite_block(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def install_document_guard(schema_editor: Any, table: str, mutable: Sequence[str], children: Sequence[str]) -> None:
    """Issued rows of `table` (state = 'issued') change only in `mutable`; rows of the
    `children` tables (with an `invoice_id`) of an issued row cannot be added, changed or removed."""
    run = _runner(schema_editor)
    quote = schema_editor.connection.ops.quote_name
    # The guarded columns are listed, read from the table as it is now: a later migration that
    # adds a column to `table` calls this again to include it (tests check every column).
    guarded = [c for c in _columns(schema_editor, table) if c not in mutable]
    listed = ", ".join(quote(c) for c in guarded)
    old_row = ", ".join(f"OLD.{quote(c)}" for c in guarded)
    new_row = ", ".join(f"NEW.{quote(c)}" for c in guarded)
    if schema_editor.connection.vendor == "postgresql":
        run(f"""
            CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'issued document % cannot be deleted', OLD.number USING ERRCODE = 'P0001';
              END IF;
              RAISE EXCEPTION 'issued document % is immutable', OLD.number USING ERRCODE = 'P0001';
            END $$ LANGUAGE plpgsql""")
        run(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
        run(f"DROP TRIGGER IF EXISTS {table}_guard_delete ON {table}")
        # `UPDATE OF` the guarded columns: an update that sets only settlement columns (every
        # payment) does not fire it at all. When it fires, WHEN compares the guarded columns
        # in the executor, with no function call unless one of them really changed.
        run(
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE OF {listed} ON {table} FOR EACH ROW "
            f"WHEN (OLD.state = 'issued' AND ROW({old_row}) IS DISTINCT FROM ROW({new_row})) "
            f"EXECUTE FUNCTION {table}_guard()"
        )
        run(
            f"CREATE TRIGGER {table}_guard_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW WHEN (OLD.state = 'issued') EXECUTE FUNCTION {table}_guard()"
        )
        for child in children:
            run(f"""
                CREATE OR REPLACE FUNCTION {child}_guard() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
                      SELECT 1 FROM {table} WHERE id = OLD.invoice_id AND state = 'issued') THEN
                    RAISE EXCEPTION 'lines of an issued document are immutable' USING ERRCODE = 'P0001';
                  END IF;
                  IF TG_OP IN ('UPDATE', 'INSERT') AND EXISTS (
                      SELECT 1 FROM {table} WHERE id = NEW.invoice_id AND state = 'issued') THEN
                    RAISE EXCEPTION 'lines of an issued document are immutable' USING ERRCODE = 'P0001';
                  END IF;
                  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql""")
            run(f"DROP TRIGGER IF EXISTS {child}_guard ON {child}")
            run(
                f"CREATE TRIGGER {child}_guard BEFORE UPDATE OR DELETE ON {child} "
                f"FOR EACH ROW EXECUTE FUNCTION {child}_guard()"
            )
            # Inserts are checked once per statement over all new rows: drafting inserts
            # hundreds of thousands of lines, and a per-row function call doubled their cost.
            run(f"""
                CREATE OR REPLACE FUNCTION {child}_guard_insert() RETURNS trigger AS $$
                BEGIN
                  IF EXISTS (SELECT 1 FROM new_rows n JOIN {table} d ON d.id = n.invoice_id
                             WHERE d.state = 'issued') THEN
                    RAISE EXCEPTION 'lines of an issued document are immutable' USING ERRCODE = 'P0001';
                  END IF;
                  RETURN NULL;
                END $$ LANGUAGE plpgsql""")
            run(f"DROP TRIGGER IF EXISTS {child}_guard_insert ON {child}")
            run(
                f"CREATE TRIGGER {child}_guard_insert AFTER INSERT ON {child} REFERENCING NEW TABLE AS new_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {child}_guard_insert()"
            )
        return
    changed = " OR ".join(f"NEW.{quote(c)} IS NOT OLD.{quote(c)}" for c in guarded)
    run(f"DROP TRIGGER IF EXISTS {table}_guard_update")
    run(
        f"CREATE TRIGGER {table}_guard_update BEFORE UPDATE OF {listed} ON {table} "
        f"WHEN OLD.state = 'issued' AND ({changed}) {_sqlite_block('issued document is immutable')}"
    )
    run(f"DROP TRIGGER IF EXISTS {table}_guard_delete")
    run(
        f"CREATE TRIGGER {table}_guard_delete BEFORE DELETE ON {table} "
        f"WHEN OLD.state = 'issued' {_sqlite_block('issued document cannot be deleted')}"
    )
    for child in children:
        issued = "(SELECT state FROM {t} WHERE id = {row}.invoice_id) = 'issued'"
        message = _sqlite_block("lines of an issued document are immutable")
        old, new = issued.format(t=table, row="OLD"), issued.format(t=table, row="NEW")
        for op, when in (("INSERT", new), ("UPDATE", f"{old} OR {new}"), ("DELETE", old)):
            run(f"DROP TRIGGER IF EXISTS {child}_guard_{op.lower()}")
            run(f"CREATE TRIGGER {child}_guard_{op.lower()} BEFORE {op} ON {child} WHEN {when} {message}")


def install_append_only(schema_editor: Any, tables: Sequence[str]) -> None:
    """Rows of these tables, once written, are never updated or deleted."""
    run = _runner(schema_editor)
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            run(f"""
                CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN
                  RAISE EXCEPTION '{table} is append-only: post a reversing entry' USING ERRCODE = 'P0001';
                END $$ LANGUAGE plpgsql""")
            run(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            run(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
        else:
            for op in ("UPDATE", "DELETE"):
                run(f"DROP TRIGGER IF EXISTS {table}_append_only_{op.lower()}")
                run(
                    f"CREATE TRIGGER {table}_append_only_{op.lower()} BEFORE {op} ON {table} "
                    f"{_sqlite_block(f'{table} is append-only: post a reversing entry')}"
                )


def remove_document_guard(schema_editor: Any, table: str, children: Sequence[str]) -> None:
    run = _runner(schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        run(f"DROP TRIGGER IF EXISTS {table}_guard_delete ON {table}")
        for name in (table, *children):
            run(f"DROP TRIGGER IF EXISTS {name}_guard ON {name}")
            run(f"DROP FUNCTION IF EXISTS {name}_guard()")
        for name in children:
            run(f"DROP TRIGGER IF EXISTS {name}_guard_insert ON {name}")
            run(f"DROP FUNCTION IF EXISTS {name}_guard_insert()")
        return
    run(f"DROP TRIGGER IF EXISTS {table}_guard_update")
    run(f"DROP TRIGGER IF EXISTS {table}_guard_delete")
    for child in children:
        for op in ("insert", "update", "delete"):
            run(f"DROP TRIGGER IF EXISTS {child}_guard_{op}")


def remove_append_only(schema_editor: Any, tables: Sequence[str]) -> None:
    run = _runner(schema_editor)
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            run(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            run(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            for op in ("update", "delete"):
                run(f"DROP TRIGGER IF EXISTS {table}_append_only_{op}")
