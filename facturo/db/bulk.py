"""Set-based writes for the bulk paths (drafting and issuing thousands of documents).

`bulk_create` and `bulk_update` compile every value through the ORM's expression machinery,
which costs more than the database work itself at 100,000 invoices. These helpers prepare
values with the fields' own adapters and hand the rows to one `executemany`. Signals do not
fire; callers write their audit entries themselves."""

import io
import zlib
from collections.abc import Callable, Sequence
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, NamedTuple

import orjson
from django.db import connection, models
from django.db.models import Expression, F, Q, QuerySet


def _fields(model: type[models.Model], names: Sequence[str] | None, with_pk: bool) -> list[models.Field]:
    if names is not None:
        return [_field(model, n) for n in names]
    return [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]


def _field(model: type[models.Model], name: str) -> models.Field:
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    raise LookupError(f"{model.__name__} has no column {name!r}")


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys for rows the caller inserts with explicit ids.

    On SQLite the caller holds the write lock (transactions begin IMMEDIATE), so the
    maximum cannot move underneath us."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The ids come back as a range when no other session drew from the sequence in
            # between (the usual case), else as the list: not one result row per id.
            cursor.execute(
                "WITH drawn AS (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id FROM generate_series(1, %s)) "
                "SELECT min(id), max(id), CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL "
                "ELSE array_agg(id ORDER BY id) END FROM drawn",
                [table, count],
            )
            low, high, scattered = cursor.fetchone()
            return list(scattered) if scattered is not None else list(range(low, high + 1))
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), "
            f"COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


class Row(SimpleNamespace):
    """A record on a bulk path: the model's attribute names without the model's per-instance
    cost (constructing a Django model costs tens of microseconds, this well under one)."""

    @property
    def pk(self) -> Any:
        return self.id


def fetch(query: QuerySet[Any], *names: str) -> list[Row]:
    """Rows of a queryset as Row objects with the given attributes (`a__b` becomes `a__b`)."""
    return [Row(**values) for values in query.values(*names)]


def among(field: str, ids: Sequence[int]) -> Q:
    """`field IN ids`, with the range of the ids spelled out too: with a long IN list alone
    PostgreSQL's planner often prefers a full scan; the range lets it see the index pays.

    On PostgreSQL the list goes as one array parameter (`= ANY(%s)`, which is what the
    server makes of `IN (...)` anyway): Django's `__in` prepares every id through the field
    and the driver then splits a query of hundreds of placeholders, which cost more Python
    time per chunk than the statement's own work."""
    if not ids:
        return Q(**{f"{field}__in": []})
    bounds = Q(**{f"{field}__gte": min(ids), f"{field}__lte": max(ids)})
    if connection.vendor == "postgresql":
        return Q(AnyOf(field, [int(i) for i in ids])) & bounds
    return Q(**{f"{field}__in": ids}) & bounds


class AnyOf(Expression):
    """`column = ANY(array)` for a list of integer keys, usable in filter() and Q."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, field: str, ids: list[int]) -> None:
        super().__init__()
        self.column: Any = F(field)
        self.ids = ids

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def resolve_expression(self, *args: Any, **kwargs: Any) -> "AnyOf":
        resolved = self.copy()
        resolved.column = self.column.resolve_expression(*args, **kwargs)
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s)", [*params, self.ids]


_MISSING = object()


def insert(model: type[models.Model], objects: Sequence[Any], *, with_pk: bool = False) -> None:
    """Insert model instances or Rows; attributes a Row lacks take the field's default."""
    write_prepared(prepare(model, objects, with_pk=with_pk))


class Prepared(NamedTuple):
    """Rows converted for the database, ready to be written by `write_prepared`: a pipeline
    converts on the thread that prepares a chunk, the writer thread only streams them. On
    PostgreSQL they are already formatted as COPY data."""

    model: type[models.Model]
    fields: list[models.Field]
    rows: Sequence[Sequence[Any]]
    copy_data: bytes | None = None


def _prepared(model: type[models.Model], fields: list[models.Field], rows: Sequence[Sequence[Any]]) -> Prepared:
    if connection.vendor != "postgresql" or not rows:
        return Prepared(model, fields, rows)
    return Prepared(model, fields, rows, _copy_text(rows))


def _copy_text(rows: Sequence[Sequence[Any]]) -> bytes:
    """The rows in COPY's text format, formatted by the driver's own adapters (those of the
    connection) without a round trip: a copy object whose writer is a buffer sends nothing."""
    from psycopg.copy import Copy, FileWriter  # PostgreSQL only

    connection.ensure_connection()
    buffer = io.BytesIO()
    with Copy(connection.connection.cursor(), writer=FileWriter(buffer)) as copy:
        for row in rows:
            copy.write_row(row)
    return buffer.getvalue()


def prepare(model: type[models.Model], objects: Sequence[Any], *, with_pk: bool = False) -> Prepared:
    """The rows `insert` would write, converted but not written."""
    fields = _fields(model, None, with_pk)
    if not objects:
        return Prepared(model, fields, [])
    prepare = [
        (f.attname, _converter(f), f.get_default() if (f.has_default() or f.null or f.blank) else _MISSING)
        for f in fields
    ]
    # Columns that no object has an attribute for take their field's default in every row,
    # converted once (an audit row names nine of LogEntry's columns, not all of them).
    first = objects[0]
    order = sorted(range(len(fields)), key=lambda i: not hasattr(first, prepare[i][0]))
    fields, prepare = [fields[i] for i in order], [prepare[i] for i in order]
    given = sum(1 for name, _, _ in prepare if hasattr(first, name))
    for name, _, default in prepare[given:]:
        if default is _MISSING:
            raise AttributeError(f"{model.__name__} row has no {name!r} and the field has no default")
    constants = tuple(convert(default) for _, convert, default in prepare[given:])
    absent = [name for name, _, _ in prepare[given:]]
    try:
        if any(hasattr(obj, name) for obj in objects for name in absent):
            raise AttributeError("the rows differ in the attributes they have")
        rows = _gather(objects, prepare[:given], constants) if given else [list(constants) for _ in objects]
    except AttributeError:
        rows = []  # the objects differ: fill in the fields' defaults one by one
        for obj in objects:
            row = []
            for name, convert, default in prepare:
                value = getattr(obj, name, default)
                if value is _MISSING:
                    raise AttributeError(f"{model.__name__} row has no {name!r} and the field has no default") from None
                row.append(convert(value))
            rows.append(row)
    return _prepared(model, fields, rows)


def write_prepared(prepared: Prepared) -> None:
    if not prepared.rows:
        return
    if prepared.copy_data is not None:
        _copy(prepared.model._meta.db_table, [f.column for f in prepared.fields], (), prepared.copy_data)
        return
    _write(prepared.model, prepared.fields, prepared.rows)


def _gather(
    objects: Sequence[Any], prepare: Sequence[tuple[str, Callable[[Any], Any], Any]], constants: tuple[Any, ...] = ()
) -> list[Any]:
    """Rows of objects that have every attribute in `prepare`, each followed by `constants`:
    one C-level attrgetter per object, and a conversion only of the columns that need one
    (dates, JSON), not a call per value."""
    get = attrgetter(*(name for name, _, _ in prepare))
    if len(prepare) == 1:
        return [[prepare[0][1](get(obj)), *constants] for obj in objects]
    converted = [(i, convert) for i, (_, convert, _) in enumerate(prepare) if convert is not _identity]
    if not converted:
        return [get(obj) + constants for obj in objects] if constants else [get(obj) for obj in objects]
    rows = []
    for obj in objects:
        row = list(get(obj))
        for i, convert in converted:
            row[i] = convert(row[i])
        row.extend(constants)
        rows.append(row)
    return rows


def insert_values(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain tuples of numbers, text, keys and None in the order of `names`: the
    cheapest path, for callers whose values need no conversion (no dates, no JSON)."""
    write_prepared(prepare_values(model, names, rows))


def prepare_values(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Prepared:
    """`insert_values`'s rows, checked but not written."""
    fields = _fields(model, names, False)
    for field in fields:
        if _converter(field) is not _identity:
            raise TypeError(f"{model.__name__}.{field.name} needs conversion; use insert()")
    return _prepared(model, fields, rows)


def _write(model: type[models.Model], fields: Sequence[models.Field], rows: Sequence[Sequence[Any]]) -> None:
    if connection.vendor == "postgresql":
        _copy(model._meta.db_table, [f.column for f in fields], rows)
        return
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(_placeholder(f) for f in fields)
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update(model: type[models.Model], objects: Sequence[Any], names: Sequence[str]) -> None:
    if not objects:
        return
    fields = _fields(model, names, False)
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = {_placeholder(f)}" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {sets} WHERE id = %s"
    prepare = [(f.attname, _converter(f)) for f in fields]
    rows = [[convert(getattr(obj, name)) for name, convert in prepare] + [obj.pk] for obj in objects]
    if connection.vendor == "postgresql":
        _update_from_copy(model, fields, rows)
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _copy(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], data: bytes | None = None) -> None:
    """PostgreSQL's COPY: one stream instead of a statement per row (`data`: the rows already
    in COPY's text format)."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            if data is not None:
                copy.write(data)
            for row in rows:
                copy.write_row(row)


def _update_from_copy(model: type[models.Model], fields: Sequence[models.Field], rows: Sequence[Sequence[Any]]) -> None:
    """Stage the new values with COPY, then one UPDATE ... FROM joins them in by id."""
    columns = [f.column for f in fields] + ["id"]
    # A temporary table lives as long as the connection, so each column set gets its own:
    # a later update of the same model with other columns must not find the old shape.
    staging = f"bulk_{model._meta.db_table}_{zlib.crc32(','.join(columns).encode()):08x}"
    types = [f.db_type(connection) or "text" for f in fields] + ["bigint"]
    quote = connection.ops.quote_name
    definition = ", ".join(f"{quote(c)} {t}" for c, t in zip(columns, types, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ({definition}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {staging}")
    _copy(staging, columns, rows)
    sets = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        # The range lets the planner walk the primary key instead of scanning the table
        # to hash-join a staging table it has no statistics for.
        ids = [row[-1] for row in rows]
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} FROM {staging} AS s "
            f"WHERE t.id = s.id AND t.id BETWEEN %s AND %s",
            [min(ids), max(ids)],
        )


def _identity(value: Any) -> Any:
    return value


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """The cheapest exact conversion of a field's Python value to a database parameter.

    Numbers, text, booleans and keys pass through as the drivers adapt them; dates,
    datetimes and JSON go through the backend's own adapters."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        if field.encoder is None:
            return _json_text(field.null)
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(
        field,
        (
            models.DecimalField,
            models.IntegerField,
            models.CharField,
            models.TextField,
            models.BooleanField,
            models.ForeignKey,
            models.AutoField,
            models.BigAutoField,
        ),
    ):
        return _identity
    return lambda value: field.get_db_prep_save(value, connection)


def _json_text(nullable: bool) -> Callable[[Any], Any]:
    """JSON columns as text, written by orjson: Django's own path builds an adapter object per
    value and encodes it with the json module, and issuing writes three JSON values per invoice
    (the two party snapshots and the audit changes). Both databases take the text as it is (COPY and
    PostgreSQL's staging tables parse it into jsonb; SQLite stores JSON as text). None is
    SQL NULL where the column allows it, as with Django, else JSON null."""

    def convert(value: Any) -> Any:
        if value is None and nullable:
            return None
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

    return convert


def _placeholder(field: models.Field) -> str:
    if connection.vendor == "postgresql" and isinstance(field, models.JSONField):
        return "%s::jsonb"
    return "%s"
