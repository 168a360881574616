"""Small shared pieces of the area queries: connections, the week, rounding.

Kept in one place so that every area module counts the week and rounds a rate the same way
(contract §3: rates are fractions to 4 decimals, amounts to 2 decimals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

RATE_DECIMALS = 4
AMOUNT_DECIMALS = 2


@contextmanager
def connected(engine_or_connection: Engine | Connection) -> Iterator[Connection]:
    """A connection: the one given, or a fresh one from the engine (closed afterwards)."""
    if isinstance(engine_or_connection, Connection):
        yield engine_or_connection
        return
    with engine_or_connection.connect() as connection:
        yield connection


def week_of(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 7 days ending on ``as_of`` (as_of − 6 … as_of)."""
    return as_of - dt.timedelta(days=6), as_of


def last_week_of(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 7 days before the week (as_of − 13 … as_of − 7)."""
    return as_of - dt.timedelta(days=13), as_of - dt.timedelta(days=7)


def as_date(value: dt.date | str) -> dt.date:
    """A date column's value as a date: SQLite may hand back an ISO string."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month (fiscal rows are monthly: their 数据截至)."""
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def week_change(this_week: float, last_week: float) -> float | None:
    """环比: this week over last week − 1, as a rate; None when last week had nothing."""
    return round_rate(this_week / last_week - 1) if last_week else None


def round_rate(value: float | None) -> float | None:
    """A fraction rounded to 4 decimals (None stays None)."""
    return None if value is None else round(float(value), RATE_DECIMALS)


def round_amount(value: float | None) -> float | None:
    """An amount (万元) or a number of hours rounded to 2 decimals (None stays None)."""
    return None if value is None else round(float(value), AMOUNT_DECIMALS)


def ratio(numerator: float | None, denominator: float | None) -> float:
    """numerator / denominator rounded as a rate, 0 when the denominator is 0 or missing."""
    if not denominator:
        return 0.0
    return round(float(numerator or 0) / float(denominator), RATE_DECIMALS)


def place_key(subdistrict: str, name: str) -> tuple[str, str]:
    """Sort key for by-community lists: subdistrict, then community, by code point.

    Sorting in Python (not ORDER BY) keeps SQLite and PostgreSQL identical whatever the
    database collation is.
    """
    return (subdistrict, name)
