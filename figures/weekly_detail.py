"""周例会 lists: the projects behind the week's livelihood figures, named one by one.

The weekly report counts ``completed_this_week`` and ``overdue``; the meeting wants to know
WHICH projects, and which ones fell overdue during the week (计划完成日期 in the 7 days before
as-of, still not done). The conditions are the ones of :mod:`figures.livelihood`, so the list
of projects completed this week has exactly ``completed_this_week`` entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, or_, select

from figures.area_helpers import connected, week_of
from figures.livelihood import P, is_completed, is_overdue, year_in_scope
from figures.scope import Scope
from storage.models import Community

COMPLETED = "本周完成"
NEWLY_OVERDUE = "本周新增逾期"
# A meeting agenda, not an archive: a city-wide week never lists more than this many.
MAX_ROWS = 500


@dataclass(frozen=True)
class WeekProject:
    """One project that changed this week: completed, or newly overdue."""

    change: str
    subdistrict: str
    community: str
    code: str
    name: str
    category: str
    planned_on: dt.date
    completed_on: dt.date | None


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def newly_overdue_condition(as_of: dt.date):  # type: ignore[no-untyped-def]
    """Overdue on as-of but not a week earlier: planned in as-of − 7 … as-of − 1."""
    return and_(is_overdue(as_of), P.planned_on >= as_of - dt.timedelta(days=7))


def completed_this_week_condition(as_of: dt.date):  # type: ignore[no-untyped-def]
    week_start, week_end = week_of(as_of)
    return and_(is_completed(as_of), P.completed_on >= week_start, P.completed_on <= week_end)


def week_projects(engine_or_connection: Engine | Connection, scope: Scope) -> list[WeekProject]:
    """Projects of the as-of year completed this week or newly overdue, by place then code."""
    as_of = scope.as_of
    completed = completed_this_week_condition(as_of)
    overdue = newly_overdue_condition(as_of)
    query = (
        select(
            Community.subdistrict,
            Community.name.label("community"),
            P.code,
            P.name,
            P.category,
            P.planned_on,
            P.completed_on,
            completed.label("is_completed"),
        )
        .join(Community, Community.id == P.community_id)
        .where(year_in_scope(scope), or_(completed, overdue))
        .order_by(Community.subdistrict, Community.name, P.code)
        .limit(MAX_ROWS)
    )
    with connected(engine_or_connection) as connection:
        rows = connection.execute(query).all()
    return [
        WeekProject(
            change=COMPLETED if row.is_completed else NEWLY_OVERDUE,
            subdistrict=row.subdistrict,
            community=row.community,
            code=row.code,
            name=row.name,
            category=row.category,
            planned_on=_as_date(row.planned_on),  # type: ignore[arg-type]
            completed_on=_as_date(row.completed_on) if row.is_completed else None,
        )
        for row in rows
    ]
