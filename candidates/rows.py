"""Model instances from hand-written SQL, for the few statements on the candidate's hot path.

The ORM's compiler costs more than the statement itself on the autosave path (about 2 ms to compile
a four-table ``select_related`` against 0.5 ms to run it, measured with ``bench/profile_requests.py``).
A ``Columns`` names a model's columns under a table alias and turns the matching slice of a row back
into an instance with Django's own converters (JSON, SQLite's datetimes...), so the SQL stays short
and portable between PostgreSQL and SQLite while the instances behave like ORM-loaded ones (fields
left out are deferred and load on access).
"""

from contextlib import contextmanager
from functools import cached_property

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections


class Columns:
    """The columns of ``model`` (all concrete fields, or only ``only``, or all but ``exclude``) under
    table ``alias`` (unqualified when empty, as a RETURNING clause wants them): ``sql`` for a SELECT list,
    ``width`` columns wide; ``instance(row, start)`` builds the model from ``row[start:start + width]``, or
    returns ``None`` when its primary key is NULL (the missing side of an outer join)."""

    def __init__(self, model, alias: str, *, only: tuple[str, ...] = (), exclude: tuple[str, ...] = ()):
        self.model, self.alias = model, alias
        self.fields = [f for f in model._meta.concrete_fields
                      if (not only or f.attname in only or f.primary_key) and f.attname not in exclude]
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self._pk = self.attnames.index(model._meta.pk.attname)
        self._converters = None

    @cached_property
    def sql(self) -> str:
        # Built at first use, not at import: the database backend is known by then (one per process).
        quote = connection.ops.quote_name
        prefix = f"{self.alias}." if self.alias else ""
        return ", ".join(f"{prefix}{quote(f.column)}" for f in self.fields)

    def _converters_for_fields(self) -> list[tuple[int, object, list]]:
        # As SQLCompiler.get_converters: the backend's converters, then the field's own.
        out = []
        for i, field in enumerate(self.fields):
            col = field.get_col(self.alias)
            converters = [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
            if converters:
                out.append((i, col, converters))
        return out

    def values(self, row, start: int = 0) -> list | None:
        """The Python values of ``row[start:start + width]`` in ``attnames`` order (``None`` for a NULL
        primary key): what ``instance`` builds the model from, for callers that need no instance."""
        values = list(row[start:start + self.width])
        if values[self._pk] is None:
            return None
        if self._converters is None:
            self._converters = self._converters_for_fields()
        for i, col, converters in self._converters:
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        return values

    def instance(self, row, start: int = 0):
        values = self.values(row, start)
        return None if values is None else self.model.from_db(connection.alias, self.attnames, values)


def table(model) -> str:
    """The quoted table name of ``model``."""
    return connection.ops.quote_name(model._meta.db_table)


def insert_rows(model, attnames: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples of Python values for the fields ``attnames``) into ``model``'s table in one
    statement, each value prepared by its field as the ORM's ``bulk_create`` would (``get_db_prep_save``:
    JSON, decimals, SQLite's datetimes). No instances, no signals, no ``pre_save`` (so no ``auto_now``), no
    ids returned: for a form's drawn items (a session's, a prepared form's), where the ORM's compiler cost
    more than the insert.
    Raises the database's ``IntegrityError`` as the ORM would, ``ValueError`` for a row of the wrong width.
    Prepared on PostgreSQL (``hot_cursor``): a test's sessions all insert the same number of rows. A
    statement holds at most 32,766 values (SQLite's limit), so ``rows`` must fit: one session's items do."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in attnames]
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [field.get_db_prep_save(value, connection)
              for row in rows for field, value in zip(fields, row, strict=True)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with hot_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table(model)} ({columns}) VALUES "  # noqa: S608 - names from the model
                       + ", ".join([placeholders] * len(rows)), params)


def insert_instance(instance) -> None:
    """Insert a new ``instance`` (its primary key an unset auto field) in one prepared statement and set its
    primary key from the statement's RETURNING; every other concrete field is written as ``Model.save``
    would write it (``pre_save``, then ``get_db_prep_save``). No signals, no ``full_clean``: for the start's
    session row, where the ORM's insert compiler cost more than the statement. Raises the database's
    ``IntegrityError`` as ``save`` would."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    params = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with hot_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table(type(instance))} ({columns}) VALUES ({placeholders}) "  # noqa: S608
                       f"RETURNING {connection.ops.quote_name(meta.pk.column)}", params)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


@contextmanager
def hot_cursor():
    """A cursor for the candidate's hot statements: on PostgreSQL with ``ASSAY_PREPARED_STATEMENTS`` (the
    default) the server parses and plans each statement once per connection instead of on every request
    (a prepared statement, psycopg's server-side binding; about 0.1 ms of server time each, measured with
    pgbench ``-M prepared``). Django's cursor otherwise (SQLite, or behind a pooler that cannot keep
    prepared statements). Either way Django wraps it, so query capture and execute wrappers see it."""
    db = connections[DEFAULT_DB_ALIAS]  # once: ``connection`` looks the thread's connection up on every read
    if db.vendor != "postgresql" or not settings.ASSAY_PREPARED_STATEMENTS:
        with db.cursor() as cursor:
            yield cursor
        return
    db.ensure_connection()
    # Django's own wrapping of a raw cursor (query log, execute wrappers, error translation): a private
    # method, as is psycopg's _convert_query below; both are covered by the query-budget tests.
    with db._prepare_cursor(_PreparedCursor(db.connection)) as cursor:
        yield cursor


class _PreparedCursor(psycopg.Cursor):
    """psycopg's server-side binding cursor, preparing every statement it runs (Django's own cursors bind
    on the client, which never prepares)."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)

    def _convert_query(self, query, params=None):
        # psycopg keeps the converted query in ``_query`` only on its unprepared path, and Django's query
        # log (``connection.queries``, ``assertNumQueries``) reads it from there: keep it on both.
        self._query = super()._convert_query(query, params)
        return self._query
