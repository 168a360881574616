"""Many rows into one table inside the current transaction, as fast as each database takes them.

Why: a big import writes 100,000 records and about as many rollup changes; one ``INSERT`` per
row through SQLAlchemy's parameter handling costs more than the database's own work.

- PostgreSQL: ``COPY … FROM STDIN`` through psycopg's copy (rows are streamed, no statement
  per row); values go as psycopg adapts them (dates, numbers, text, ``None`` as NULL).
- SQLite: the driver's ``executemany`` with plain tuples, each value converted once by its
  column type's own bind processor (a date becomes the text SQLAlchemy stores and compares).

Both run on the connection's own transaction: a later failure rolls these rows back too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import TableClause

T = TypeVar("T")
PARAMETER_CHUNK = 500  # values per ``IN (...)``: well under every database's parameter limit


def chunks(items: Sequence[T], size: int = PARAMETER_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``: bound-parameter lists and write batches that
    both databases take."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(
    connection: Connection,
    table: TableClause,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    rows = list(rows)
    if not rows:
        return
    preparer = connection.dialect.identifier_preparer
    name = preparer.quote(table.name)
    names = ", ".join(preparer.quote(column) for column in columns)
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, f"COPY {name} ({names}) FROM STDIN", rows)
        return
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {name} ({names}) VALUES ({marks})"
    connection.exec_driver_sql(statement, driver_rows(connection, table, columns, rows))


def _copy_rows(connection: Connection, statement: str, rows: list[Sequence[Any]]) -> None:
    """``COPY … FROM STDIN`` on the connection's own driver connection. The driver's errors
    come back wrapped as SQLAlchemy wraps them for a statement (``OperationalError`` for a
    server that went away, …), so the importer reports them as it reports any statement's."""
    dbapi = connection.dialect.dbapi
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:  # type: ignore[union-attr]
        raise DBAPIError.instance(
            statement, None, error, dbapi.Error, dialect=connection.dialect
        ) from error


def driver_rows(
    connection: Connection,
    table: TableClause,
    columns: Sequence[str],
    rows: list[Sequence[Any]],
) -> list[tuple[Any, ...]]:
    """The rows with each value as the driver takes it: converted by its column type's bind
    processor on this dialect (a date on SQLite becomes its stored text), as SQLAlchemy would.

    Converted column by column, each distinct value once (an import repeats a few hundred days).
    """
    if not rows:
        return []
    dialect = connection.dialect
    converters: list[Callable[[Any], Any] | None] = [
        table.c[column].type.dialect_impl(dialect).bind_processor(dialect) for column in columns
    ]
    if not any(converters):
        return [tuple(row) for row in rows]
    by_column = list(zip(*rows, strict=True))
    for i, convert in enumerate(converters):
        if convert is not None:
            once = lru_cache(maxsize=4096)(convert)
            values = by_column[i]
            if None in values:
                by_column[i] = tuple(None if v is None else once(v) for v in values)
            else:
                by_column[i] = tuple(map(once, values))
    return list(zip(*by_column, strict=True))


__all__ = ["driver_rows", "insert_rows"]
