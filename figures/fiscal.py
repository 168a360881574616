"""财政税收: month, year-to-date, target and year-on-year per (subdistrict, 科目) (contract §3).

Fiscal rows are per subdistrict, so a scope filters them by subdistrict only (a community
choice does not apply). Amounts are 当月数 in 万元; every running figure is a SUM in SQL.

As of a date D in year Y:
- month M = the latest month of Y, not after D's month, with any fiscal row in scope;
  the report's ``fiscal`` is None when there is none (rows dated after D did not exist yet);
- time_progress (序时进度) = M / 12;
- one item per (subdistrict, 科目) with a row of Y in months 1…M or a target of Y;
- month_amount = the amount of month M (0 when the item has no row that month);
- ytd = sum of months 1…M of Y; target = 年度目标 of Y or None; target_rate = ytd / target
  (None without a target, or a target of 0);
- yoy = ytd / (sum of months 1…M of Y − 1) − 1, None when that sum is 0 or missing.

Items are sorted by subdistrict, then 一般公共预算收入, 税收收入, then the other 科目 (tax types)
by name in code-point order.

The sums are read from rollups kept by every writer (``storage.rollups``): an item's 累计 and
its base of last year are one ``rollup_fiscal_ytd`` row each, and the whole city's months
are ``rollup_fiscal_city_month`` rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select, true, union

from figures.area_helpers import connected, round_amount, round_rate
from figures.scope import Scope
from figures.status import fiscal_time_progress
from storage.models import HEADLINE_FISCAL_ITEMS, FiscalMonthly, FiscalTarget
from storage.rollups import fiscal_city_month, fiscal_ytd

M = FiscalMonthly
T = FiscalTarget
Y = fiscal_ytd  # per (年, 月, 街道, 科目): the month's amount and months 1…月 summed
CITY = fiscal_city_month  # per (年, 月, 科目): the whole city's amount


@dataclass(frozen=True)
class FiscalItem:
    """One 科目 of one subdistrict (a row of ``items``)."""

    subdistrict: str
    item: str
    month_amount: float
    ytd: float
    target: float | None
    target_rate: float | None
    yoy: float | None


@dataclass(frozen=True)
class FiscalReport:
    """The ``fiscal`` block of §3: the reporting month and its items."""

    year: int
    month: int
    time_progress: float
    items: list[FiscalItem] = field(default_factory=list)


def item_sort_key(item: FiscalItem) -> tuple[str, int, str]:
    """Subdistrict, then the headline items in their fixed order, then 科目 by name."""
    rank = (
        HEADLINE_FISCAL_ITEMS.index(item.item)
        if item.item in HEADLINE_FISCAL_ITEMS
        else len(HEADLINE_FISCAL_ITEMS)
    )
    return (item.subdistrict, rank, item.item)


def reporting_month(engine_or_connection: Engine | Connection, scope: Scope) -> int | None:
    """The latest month of the as-of year, not after the as-of month, with a row in scope."""
    as_of = scope.as_of
    query = select(func.max(M.month)).where(
        M.year == as_of.year, M.month <= as_of.month, scope.subdistrict_clause(M.subdistrict)
    )
    with connected(engine_or_connection) as connection:
        month = connection.execute(query).scalar_one_or_none()
    return None if month is None else int(month)


def _items_query(scope: Scope, year: int, month: int):  # type: ignore[no-untyped-def]
    """One row per item: the item keys joined to their 累计 rows and the target (key seeks)."""
    keys = union(
        select(Y.c.subdistrict, Y.c.item).where(
            Y.c.year == year, Y.c.month == month, scope.subdistrict_clause(Y.c.subdistrict)
        ),
        select(T.subdistrict, T.item).where(
            T.year == year, scope.subdistrict_clause(T.subdistrict)
        ),
    ).subquery("keys")
    this_year, prior_year = Y.alias("this_year"), Y.alias("prior_year")

    def same_item(rows, of_year: int):  # type: ignore[no-untyped-def]
        return and_(
            rows.c.year == of_year,
            rows.c.month == month,
            rows.c.subdistrict == keys.c.subdistrict,
            rows.c.item == keys.c.item,
        )

    return (
        select(
            keys.c.subdistrict,
            keys.c.item,
            this_year.c.month_amount,
            this_year.c.ytd,
            prior_year.c.ytd.label("prior"),
            T.target,
        )
        .select_from(keys)
        .outerjoin(this_year, same_item(this_year, year))
        .outerjoin(prior_year, same_item(prior_year, year - 1))
        .outerjoin(
            T, and_(T.year == year, T.subdistrict == keys.c.subdistrict, T.item == keys.c.item)
        )
    )


def _year_on_year(ytd: float, prior: float | None) -> float | None:
    if not prior:
        return None
    return round_rate(ytd / float(prior) - 1)


def _target_rate(ytd: float, target: float | None) -> float | None:
    if not target:
        return None
    return round_rate(ytd / float(target))


def _item_from_row(row) -> FiscalItem:  # type: ignore[no-untyped-def]
    ytd = float(row.ytd or 0)
    target = None if row.target is None else float(row.target)
    return FiscalItem(
        subdistrict=row.subdistrict,
        item=row.item,
        month_amount=round_amount(float(row.month_amount or 0)) or 0.0,
        ytd=round_amount(ytd) or 0.0,
        target=round_amount(target),
        target_rate=_target_rate(ytd, target),
        yoy=_year_on_year(ytd, row.prior),
    )


def fiscal_report(engine_or_connection: Engine | Connection, scope: Scope) -> FiscalReport | None:
    """The reporting month and every item's month, ytd, target and yoy; None without data."""
    with connected(engine_or_connection) as connection:
        month = reporting_month(connection, scope)
        if month is None:
            return None
        year = scope.as_of.year
        rows = connection.execute(_items_query(scope, year, month)).all()
    items = sorted((_item_from_row(row) for row in rows), key=item_sort_key)
    return FiscalReport(
        year=year,
        month=month,
        time_progress=round_rate(fiscal_time_progress(month)) or 0.0,
        items=items,
    )


@dataclass(frozen=True)
class ItemTotal:
    """One 科目 over the subdistricts in scope (the headline figure of every surface)."""

    item: str
    month_amount: float
    ytd: float
    target: float | None
    target_rate: float | None
    yoy: float | None


def item_total(
    report: FiscalReport | None, item: str, prior: dict[str, float] | None = None
) -> ItemTotal | None:
    """``item`` summed over the subdistricts of ``report``; one subdistrict's item unchanged.

    A target only when every subdistrict has one (a rate never mixes covered and uncovered
    money); the 同比 of a sum needs the summed base of last year (``prior``, per 科目).
    """
    if report is None:
        return None
    rows = [row for row in report.items if row.item == item]
    if not rows:
        return None
    if len(rows) == 1:
        row = rows[0]
        return ItemTotal(item, row.month_amount, row.ytd, row.target, row.target_rate, row.yoy)
    ytd = round(sum(row.ytd for row in rows), 2)
    targets = [row.target for row in rows if row.target is not None]
    target = round(sum(targets), 2) if len(targets) == len(rows) else None
    base = (prior or {}).get(item)
    return ItemTotal(
        item=item,
        month_amount=round(sum(row.month_amount for row in rows), 2),
        ytd=ytd,
        target=target,
        target_rate=_target_rate(ytd, target),
        yoy=None if not base else round_rate(ytd / base - 1),
    )


# --- 财政税收 page: month-by-month sums behind the charts (the report figures stay in ``fiscal``).
# Fiscal rows are per subdistrict, so a scope filters by subdistrict only. Every function sums
# the subdistricts in scope per (year, month, 科目) in SQL. Two windows are used:
# - ``monthly_amounts``: the months from ``scope.date_from`` to the as-of month (the page's
#   time series, which may span years);
# - ``two_year_months``: months 1…M of the as-of year Y and of Y − 1, where M is the report's
#   reporting month (``fiscal.reporting_month``). Their sums are the report's ytd and the
#   denominator of its yoy, so the cumulative and 同比 charts add up to the KPI figures.


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
    # The whole city reads its own month rows; a subdistrict's are few in the table itself.
    rows = M.__table__ if scope.subdistrict else CITY
    amount = func.sum(rows.c.amount).label("amount")
    ordinal = rows.c.year * 12 + rows.c.month - 1
    query = (
        select(rows.c.year, rows.c.month, rows.c.item, amount)
        .where(
            rows.c.item.in_(list(items)),
            ordinal >= month_number(*first),
            ordinal <= month_number(*last),
            scope.subdistrict_clause(M.subdistrict) if scope.subdistrict else true(),
        )
        .group_by(rows.c.year, rows.c.month, rows.c.item)
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


def headline_fiscal(
    block: FiscalReport | None, item: str = HEADLINE_FISCAL_ITEMS[0]
) -> dict[str, Any]:
    """The headline item summed over the subdistricts in scope (``figures.fiscal.item_total``)
    with the block's month and 序时进度, as the cards read it; empty without the item."""
    total = item_total(block, item)
    if block is None or total is None:
        return {}
    return {
        "item": item,
        "ytd": total.ytd,
        "month_amount": total.month_amount,
        "target": total.target,
        "target_rate": total.target_rate,
        "time_progress": block.time_progress,
        "month": block.month,
        "year": block.year,
    }
