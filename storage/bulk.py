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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import TableClause


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
        driver = connection.connection.driver_connection
        statement = f"COPY {name} ({names}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    converters = _converters(connection, table, columns)
    if any(converters):
        rows = [
            tuple(
                value if convert is None or value is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            )
            for row in rows
        ]
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {name} ({names}) VALUES ({marks})"
    connection.exec_driver_sql(statement, rows)  # type: ignore[arg-type]


def _converters(
    connection: Connection, table: TableClause, columns: Sequence[str]
) -> list[Callable[[Any], Any] | None]:
    """Each column type's bind processor on this dialect (``None``: the value goes as it is)."""
    return [table.c[column].type.bind_processor(connection.dialect) for column in columns]


__all__ = ["insert_rows"]
