"""财政税收 page: month-by-month sums behind the charts (the report figures stay in ``fiscal``).

Fiscal rows are per subdistrict, so a scope filters by subdistrict only. Every function sums
the subdistricts in scope per (year, month, 科目) in SQL. Two windows are used:

- ``monthly_amounts``: the months from ``scope.date_from`` to the as-of month (the page's
  time series, which may span years);
- ``two_year_months``: months 1…M of the as-of year Y and of Y − 1, where M is the report's
  reporting month (``fiscal.reporting_month``). Their sums are the report's ytd and the
  denominator of its yoy, so the cumulative and 同比 charts add up to the KPI figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select

from figures.area_helpers import connected, round_amount
from figures.fiscal import reporting_month
from figures.scope import Scope
from storage.models import FiscalMonthly

M = FiscalMonthly


@dataclass(frozen=True)
class MonthAmount:
    """The amount (万元) of one 科目 in one month, summed over the subdistricts in scope."""

    year: int
    month: int
    item: str
    amount: float


def month_number(year: int, month: int) -> int:
    """``year * 12 + month - 1``: months as one increasing integer (comparable across years)."""
    return year * 12 + month - 1


def _month_sums(
    connection: Connection,
    scope: Scope,
    items: Sequence[str],
    first: tuple[int, int],
    last: tuple[int, int],
) -> list[MonthAmount]:
    """Sums per (year, month, item) for months ``first`` … ``last`` (inclusive)."""
    if not items or month_number(*first) > month_number(*last):
        return []
    ordinal = M.year * 12 + M.month - 1
    query = (
        select(M.year, M.month, M.item, func.sum(M.amount).label("amount"))
        .where(
            M.item.in_(list(items)),
            ordinal >= month_number(*first),
            ordinal <= month_number(*last),
            scope.subdistrict_clause(M.subdistrict),
        )
        .group_by(M.year, M.month, M.item)
    )
    rows = [
        MonthAmount(int(row.year), int(row.month), row.item, round_amount(row.amount) or 0.0)
        for row in connection.execute(query)
    ]
    return sorted(rows, key=lambda row: (row.year, row.month, list(items).index(row.item)))


def window_start(scope: Scope) -> dt.date:
    """The first day of the page's time series: ``date_from``, or 1 January of the as-of year."""
    return scope.date_from or dt.date(scope.as_of.year, 1, 1)


def monthly_amounts(
    engine_or_connection: Engine | Connection, scope: Scope, items: tuple[str, ...]
) -> list[MonthAmount]:
    """Each month's amount of ``items`` from ``date_from``'s month to the as-of month."""
    start, as_of = window_start(scope), scope.as_of
    with connected(engine_or_connection) as connection:
        return _month_sums(
            connection, scope, items, (start.year, start.month), (as_of.year, as_of.month)
        )


def two_year_months(
    engine_or_connection: Engine | Connection, scope: Scope, items: tuple[str, ...]
) -> list[MonthAmount]:
    """Months 1…M of the as-of year and of the year before (M = the reporting month)."""
    year = scope.as_of.year
    with connected(engine_or_connection) as connection:
        month = reporting_month(connection, scope)
        if month is None:
            return []
        last_year = _month_sums(connection, scope, items, (year - 1, 1), (year - 1, month))
        this_year = _month_sums(connection, scope, items, (year, 1), (year, month))
    return last_year + this_year
