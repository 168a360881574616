"""民生实事 page queries: the §3 figures narrowed by 类别, the monthly curve, the lists.

Every count reuses the condition builders of :mod:`figures.livelihood` (completed, in progress,
overdue as of a date), so with no 类别 chosen the figures here ARE the weekly report's. What this
module adds is the page's own views: per-category narrowing, the cumulative completions per
month against the plan, the overdue list and the project list (filtered and LIMITED in SQL:
a city holds tens of thousands of projects).

A project's 状态 "as of" a date is the state it had then: 已完成 only from its 完成日期 on
(before that it counts as 推进中), exactly as §3 counts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
)

from figures.area_helpers import connected, round_amount
from figures.livelihood import (
    in_categories,
    is_completed,
    is_counted,
    is_in_progress,
    is_overdue,
    year_in_scope,
)
from figures.scope import Scope
from storage.models import PROJECT_STATUSES, Community, LivelihoodProject

P = LivelihoodProject
PROJECT_LIST_LIMIT = 2000
OVERDUE_LIST_LIMIT = 500
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class MonthPoint:
    """Cumulative completions and plan at the end of a month (``month`` = its first day)."""

    month: dt.date
    completed: int
    planned: int


@dataclass(frozen=True)
class ProjectRow:
    """One project as the page lists it, with its state as of the date."""

    code: str
    subdistrict: str
    community: str
    name: str
    category: str
    year: int
    planned_on: dt.date
    status: str
    completed_on: dt.date | None
    investment: float
    beneficiary_households: int
    overdue_days: int | None


@dataclass(frozen=True)
class ProjectPage:
    """The rows shown (at most ``limit``) and how many projects matched in all."""

    rows: list[ProjectRow]
    matched: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.matched > len(self.rows)


def status_as_of(as_of: dt.date) -> ColumnElement[str]:
    """The 状态 a project had on ``as_of`` (已完成 only from its 完成日期 on)."""
    return case(
        (is_completed(as_of), literal("已完成")),
        (is_in_progress(as_of), literal("推进中")),
        else_=P.status,
    )


def _in_statuses(as_of: dt.date, statuses: Sequence[str]) -> ColumnElement[bool]:
    return status_as_of(as_of).in_(tuple(statuses)) if statuses else true()


def _matches(search: str) -> ColumnElement[bool]:
    """名称, 编号 or 社区 contains the text (wildcards in it are taken literally)."""
    text = search.strip()[:MAX_SEARCH_LENGTH]
    if not text:
        return true()
    return or_(
        P.name.icontains(text, autoescape=True),
        P.code.icontains(text, autoescape=True),
        Community.name.icontains(text, autoescape=True),
    )


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def list_categories(engine_or_connection: Engine | Connection) -> list[str]:
    """Every 类别 any project has, sorted (the options of the page's 类别 filter)."""
    query = select(P.category).distinct().order_by(P.category)
    with connected(engine_or_connection) as connection:
        return list(connection.execute(query).scalars())


def _month_counts(
    connection: Connection, date_column, condition: ColumnElement[bool]
) -> dict[tuple[int, int], int]:  # type: ignore[no-untyped-def]
    """Projects meeting ``condition`` per (year, month) of ``date_column`` (GROUP BY in SQL)."""
    year = func.extract("year", date_column)
    month = func.extract("month", date_column)
    query = select(year.label("y"), month.label("m"), func.count().label("n")).where(condition)
    query = query.group_by(year, month)
    return {(int(r.y), int(r.m)): int(r.n) for r in connection.execute(query)}


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from ``first``'s month to ``last``'s month."""
    months = []
    current = dt.date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _cumulative(counts: dict[tuple[int, int], int], months: list[dt.date]) -> list[int]:
    """Running totals at each month's end, including everything dated before the first month."""
    values = []
    for month in months:
        key = (month.year, month.month)
        values.append(sum(n for when, n in counts.items() if when <= key))
    return values


def monthly_completions(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> list[MonthPoint]:
    """Cumulative completions per month of the as-of year against the cumulative plan.

    Plan at a month = projects in total (not cancelled) whose 计划完成日期 falls by that month's
    end; completed = projects completed by then (never after as-of). Months run from
    ``date_from`` (not before 1 January of the year) to the as-of month.
    """
    as_of = scope.as_of
    start = dt.date(as_of.year, 1, 1)
    if scope.date_from and scope.date_from > start:
        start = scope.date_from
    months = _months_between(min(start, as_of), as_of)
    base = and_(year_in_scope(scope), in_categories(categories))
    with connected(engine_or_connection) as connection:
        done = _month_counts(connection, P.completed_on, and_(base, is_completed(as_of)))
        planned = _month_counts(connection, P.planned_on, and_(base, is_counted()))
    return [
        MonthPoint(month, completed, plan)
        for month, completed, plan in zip(
            months, _cumulative(done, months), _cumulative(planned, months), strict=True
        )
    ]


def _project_columns(as_of: dt.date) -> tuple:
    return (
        P.code,
        Community.subdistrict,
        Community.name.label("community"),
        P.name,
        P.category,
        P.year,
        P.planned_on,
        status_as_of(as_of).label("status_as_of"),
        P.completed_on,
        P.investment,
        P.beneficiary_households,
    )


def _project_row(row, as_of: dt.date) -> ProjectRow:  # type: ignore[no-untyped-def]
    planned_on = _as_date(row.planned_on)
    completed_on = _as_date(row.completed_on) if row.status_as_of == "已完成" else None
    overdue = row.status_as_of in ("未启动", "推进中") and planned_on < as_of
    return ProjectRow(
        code=row.code,
        subdistrict=row.subdistrict,
        community=row.community,
        name=row.name,
        category=row.category,
        year=int(row.year),
        planned_on=planned_on,
        status=row.status_as_of,
        completed_on=completed_on,
        investment=round_amount(row.investment) or 0.0,
        beneficiary_households=int(row.beneficiary_households or 0),
        overdue_days=(as_of - planned_on).days if overdue else None,
    )


def _page(
    connection: Connection, scope: Scope, condition: ColumnElement[bool], order: tuple, limit: int
) -> ProjectPage:
    joined = select(*_project_columns(scope.as_of)).join(Community, Community.id == P.community_id)
    query = joined.where(condition).order_by(*order).limit(limit)
    count = (
        select(func.count())
        .select_from(P)
        .join(Community, Community.id == P.community_id)
        .where(condition)
    )
    rows = [_project_row(row, scope.as_of) for row in connection.execute(query)]
    return ProjectPage(rows=rows, matched=int(connection.execute(count).scalar_one()), limit=limit)


def project_list(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    categories: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    search: str = "",
    limit: int = PROJECT_LIST_LIMIT,
) -> ProjectPage:
    """The as-of year's projects in scope matching the filters, at most ``limit`` of them.

    Ordered by subdistrict, community, 项目编号; ``matched`` tells how many there are in all.
    """
    condition = and_(
        year_in_scope(scope),
        in_categories(categories),
        _in_statuses(scope.as_of, statuses),
        _matches(search),
    )
    order = (Community.subdistrict, Community.name, P.code)
    with connected(engine_or_connection) as connection:
        return _page(connection, scope, condition, order, limit)


def overdue_projects(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    categories: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    limit: int = OVERDUE_LIST_LIMIT,
) -> ProjectPage:
    """Overdue projects (§3: in total, not completed, 计划完成日期 < as-of), most overdue first."""
    condition = and_(
        year_in_scope(scope),
        in_categories(categories),
        _in_statuses(scope.as_of, statuses),
        is_overdue(scope.as_of),
    )
    order = (P.planned_on, Community.subdistrict, Community.name, P.code)
    with connected(engine_or_connection) as connection:
        return _page(connection, scope, condition, order, limit)


__all__ = [
    "OVERDUE_LIST_LIMIT",
    "PROJECT_LIST_LIMIT",
    "PROJECT_STATUSES",
    "MonthPoint",
    "ProjectPage",
    "ProjectRow",
    "list_categories",
    "monthly_completions",
    "overdue_projects",
    "project_list",
    "status_as_of",
]
