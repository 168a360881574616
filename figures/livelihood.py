"""民生实事: the pledged projects of a year, counted as of a date (contract §3).

These are THE definitions of the livelihood figures: the pages, the big screen and the weekly
report all call these functions, so 完成率 means the same everywhere.

As of a date D in year Y, over the projects whose 年度 is Y:
- cancelled: 状态 已取消 (left out of every other figure);
- completed: 已完成 with 完成日期 ≤ D;
- in_progress: 推进中, plus 已完成 whose 完成日期 is after D (or missing): not yet done on D;
- not_started: 未启动;
- total = completed + in_progress + not_started;
- overdue: counted in total, not completed, 计划完成日期 < D (a plan date of D is not overdue);
- completed_this_week: completed with 完成日期 in D − 6 … D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, not_, or_, select, true

from figures.area_helpers import connected, place_key, ratio, week_of
from figures.scope import Scope
from storage.models import Community, LivelihoodProject

P = LivelihoodProject


@dataclass(frozen=True)
class CommunityLivelihood:
    """One community's projects of the year (a row of ``by_community``)."""

    subdistrict: str
    community: str
    total: int
    completed: int
    completion_rate: float
    overdue: int


@dataclass(frozen=True)
class LivelihoodSummary:
    """The year's projects in scope as of the date (the ``livelihood`` block of §3)."""

    year: int
    total: int
    completed: int
    in_progress: int
    not_started: int
    cancelled: int
    completion_rate: float
    overdue: int
    completed_this_week: int


def is_completed(as_of: dt.date) -> ColumnElement[bool]:
    return and_(P.status == "已完成", P.completed_on.is_not(None), P.completed_on <= as_of)


def is_in_progress(as_of: dt.date) -> ColumnElement[bool]:
    return or_(P.status == "推进中", and_(P.status == "已完成", not_(is_completed(as_of))))


def is_counted() -> ColumnElement[bool]:
    """In total: every state but 已取消 (and no unknown status)."""
    return P.status.in_(("未启动", "推进中", "已完成"))


def is_overdue(as_of: dt.date) -> ColumnElement[bool]:
    return and_(is_counted(), not_(is_completed(as_of)), P.planned_on < as_of)


def count_where(condition: ColumnElement[bool]):  # type: ignore[no-untyped-def]
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 rather than NULL on no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def year_in_scope(scope: Scope) -> ColumnElement[bool]:
    return and_(P.year == scope.as_of.year, scope.community_clause(P.community_id))


def in_categories(categories: Sequence[str]) -> ColumnElement[bool]:
    """The page's 类别 filter (every category when empty; the report never narrows)."""
    return P.category.in_(tuple(categories)) if categories else true()


def livelihood_summary(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> LivelihoodSummary:
    """The headline counts of the as-of year's projects, in one aggregate query."""
    as_of = scope.as_of
    week_start, week_end = week_of(as_of)
    completed_in_week = and_(
        is_completed(as_of), P.completed_on >= week_start, P.completed_on <= week_end
    )
    query = select(
        count_where(is_completed(as_of)).label("completed"),
        count_where(is_in_progress(as_of)).label("in_progress"),
        count_where(P.status == "未启动").label("not_started"),
        count_where(P.status == "已取消").label("cancelled"),
        count_where(is_overdue(as_of)).label("overdue"),
        count_where(completed_in_week).label("completed_this_week"),
    ).where(year_in_scope(scope), in_categories(categories))
    with connected(engine_or_connection) as connection:
        row = connection.execute(query).one()
    total = int(row.completed) + int(row.in_progress) + int(row.not_started)
    return LivelihoodSummary(
        year=as_of.year,
        total=total,
        completed=int(row.completed),
        in_progress=int(row.in_progress),
        not_started=int(row.not_started),
        cancelled=int(row.cancelled),
        completion_rate=ratio(row.completed, total),
        overdue=int(row.overdue),
        completed_this_week=int(row.completed_this_week),
    )


def livelihood_by_community(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> list[CommunityLivelihood]:
    """Per community: total, completed, completion rate and overdue of the as-of year.

    Lists the communities that have at least one project of the year, including one whose
    projects are all cancelled (it shows total 0, rate 0); communities without any project of
    the year are left out. Sorted by subdistrict, then community (code-point order).
    """
    as_of = scope.as_of
    query = (
        select(
            Community.subdistrict,
            Community.name,
            count_where(is_counted()).label("total"),
            count_where(is_completed(as_of)).label("completed"),
            count_where(is_overdue(as_of)).label("overdue"),
        )
        .join(Community, Community.id == P.community_id)
        .where(year_in_scope(scope), in_categories(categories))
        .group_by(Community.subdistrict, Community.name)
    )
    with connected(engine_or_connection) as connection:
        rows = connection.execute(query).all()
    result = [
        CommunityLivelihood(
            subdistrict=row.subdistrict,
            community=row.name,
            total=int(row.total),
            completed=int(row.completed),
            completion_rate=ratio(row.completed, row.total),
            overdue=int(row.overdue),
        )
        for row in rows
    ]
    return sorted(result, key=lambda item: place_key(item.subdistrict, item.community))
