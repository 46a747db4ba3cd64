"""SQLite backend whose flush (emptying every table: tests, `facturo flush`) lifts the
immutability triggers for that one statement list, as TRUNCATE does on PostgreSQL."""

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not statements:
            return statements
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND (name LIKE '%\\_guard\\_%' ESCAPE '\\' OR name LIKE '%\\_append\\_only\\_%' ESCAPE '\\')"
            )
            triggers = cursor.fetchall()
        return [f'DROP TRIGGER "{name}"' for name, _ in triggers] + statements + [sql for _, sql in triggers]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
