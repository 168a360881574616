"""志愿服务: registered volunteers and the year's service, as of a date (contract §3).

As of a date D in year Y:
- registered = volunteers with 注册日期 ≤ D (per community: the volunteer's community);
- over the service records of Y dated ≤ D (per community: the record's community):
  person_times = their count, hours = their 服务时长 sum, active = distinct volunteers;
- hours_this_week / hours_last_week = 服务时长 of the records dated in D − 6 … D /
  D − 13 … D − 7. The week is a plain 7-day window: early in January it reaches back
  into Y − 1 (unlike the year figures above).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, case, func, or_, select

from queries.area_helpers import connected, last_week_of, place_key, round_amount, week_of
from queries.models import Community, ServiceRecord, Volunteer
from queries.scope import Scope

R = ServiceRecord
V = Volunteer


@dataclass(frozen=True)
class CommunityVolunteers:
    """One community's volunteers and service (a row of ``by_community``)."""

    subdistrict: str
    community: str
    registered: int
    person_times: int
    hours: float


@dataclass(frozen=True)
class VolunteerSummary:
    """The ``volunteers`` block of §3."""

    registered: int
    active: int
    person_times: int
    hours: float
    hours_this_week: float
    hours_last_week: float
    by_community: list[CommunityVolunteers] = field(default_factory=list)


def _registered_by(scope: Scope):  # type: ignore[no-untyped-def]
    return and_(V.registered_on <= scope.as_of, scope.community_clause(V.community_id))


def _records_of_year(scope: Scope):  # type: ignore[no-untyped-def]
    """Service records of the as-of year dated ≤ as-of, in scope by the record's community."""
    return and_(
        R.service_date >= dt.date(scope.as_of.year, 1, 1),
        R.service_date <= scope.as_of,
        scope.community_clause(R.community_id),
    )


def _hours_between(start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    inside = and_(R.service_date >= start, R.service_date <= end)
    return func.coalesce(func.sum(case((inside, R.hours), else_=0)), 0)


def _service_totals(connection: Connection, scope: Scope):  # type: ignore[no-untyped-def]
    """Year figures and both weeks in one pass: one date range, so the date index serves it."""
    as_of = scope.as_of
    week = week_of(as_of)
    last_week = last_week_of(as_of)
    in_year = R.service_date >= dt.date(as_of.year, 1, 1)
    query = select(
        func.coalesce(func.sum(case((in_year, 1), else_=0)), 0).label("person_times"),
        func.coalesce(func.sum(case((in_year, R.hours), else_=0)), 0).label("hours"),
        func.count(func.distinct(case((in_year, R.volunteer_id)))).label("active"),
        _hours_between(*week).label("hours_this_week"),
        _hours_between(*last_week).label("hours_last_week"),
    ).where(
        R.service_date >= min(dt.date(as_of.year, 1, 1), last_week[0]),
        R.service_date <= as_of,
        scope.community_clause(R.community_id),
    )
    return connection.execute(query).one()


def _by_community(connection: Connection, scope: Scope) -> list[CommunityVolunteers]:
    """Communities with registered volunteers or records of the year, with both counts."""
    registered = (
        select(V.community_id, func.count().label("registered"))
        .where(_registered_by(scope))
        .group_by(V.community_id)
        .subquery("registered")
    )
    service = (
        select(
            R.community_id,
            func.count().label("person_times"),
            func.sum(R.hours).label("hours"),
        )
        .where(_records_of_year(scope))
        .group_by(R.community_id)
        .subquery("service")
    )
    query = (
        select(
            Community.subdistrict,
            Community.name,
            func.coalesce(registered.c.registered, 0).label("registered"),
            func.coalesce(service.c.person_times, 0).label("person_times"),
            func.coalesce(service.c.hours, 0).label("hours"),
        )
        .outerjoin(registered, registered.c.community_id == Community.id)
        .outerjoin(service, service.c.community_id == Community.id)
        .where(or_(registered.c.community_id.is_not(None), service.c.community_id.is_not(None)))
    )
    rows = [
        CommunityVolunteers(
            subdistrict=row.subdistrict,
            community=row.name,
            registered=int(row.registered),
            person_times=int(row.person_times),
            hours=round_amount(float(row.hours)) or 0.0,
        )
        for row in connection.execute(query)
    ]
    return sorted(rows, key=lambda item: place_key(item.subdistrict, item.community))


def volunteer_summary(engine_or_connection: Engine | Connection, scope: Scope) -> VolunteerSummary:
    """Registered and active volunteers, 人次 and hours of the year, and the two weeks."""
    with connected(engine_or_connection) as connection:
        registered = connection.execute(
            select(func.count()).select_from(V).where(_registered_by(scope))
        ).scalar_one()
        totals = _service_totals(connection, scope)
        by_community = _by_community(connection, scope)
    return VolunteerSummary(
        registered=int(registered),
        active=int(totals.active),
        person_times=int(totals.person_times),
        hours=round_amount(float(totals.hours)) or 0.0,
        hours_this_week=round_amount(float(totals.hours_this_week)) or 0.0,
        hours_last_week=round_amount(float(totals.hours_last_week)) or 0.0,
        by_community=by_community,
    )
