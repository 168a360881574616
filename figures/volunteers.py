"""志愿服务: registered volunteers and the year's service, as of a date (contract §3).

As of a date D in year Y:
- registered = volunteers with 注册日期 ≤ D (per community: the volunteer's community);
- over the service records of Y dated ≤ D (per community: the record's community):
  person_times = their count, hours = their 服务时长 sum, active = distinct volunteers;
- hours_this_week / hours_last_week = 服务时长 of the records dated in D − 6 … D /
  D − 13 … D − 7. The week is a plain 7-day window: early in January it reaches back
  into Y − 1 (unlike the year figures above).

Additive figures (人次, hours) are sums over ``rollup_service_daily``; active volunteers of the
whole city come from ``rollup_volunteer_year`` (see ``storage.rollups``), so no figure here
reads the ten million service records of a city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, case, func, or_, select

from figures.area_helpers import connected, last_week_of, place_key, round_amount, week_of
from figures.scope import Scope
from storage import rollups
from storage.models import Community, ServiceRecord, Volunteer

R = ServiceRecord
V = Volunteer
D = rollups.service_daily  # per day × community × 活动类型: 人次 and hours (additive)


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


def _active_in_year(connection: Connection, scope: Scope) -> int:
    """Distinct volunteers with a record of the year dated ≤ as-of (by the record's community).

    The whole city reads ``rollup_volunteer_year`` (first day served per volunteer and year,
    a range count); a community scope counts the few records in scope directly.
    """
    as_of = scope.as_of
    if scope.community_ids() is None:
        query = select(func.count()).where(
            rollups.volunteer_year.c.year == as_of.year,
            rollups.volunteer_year.c.first_date <= as_of,
        )
    else:
        query = select(func.count(func.distinct(R.volunteer_id))).where(_records_of_year(scope))
    return int(connection.execute(query).scalar_one())


def _rollup_hours_between(start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    inside = and_(D.c.service_date >= start, D.c.service_date <= end)
    return func.coalesce(func.sum(case((inside, D.c.hours), else_=0)), 0)


def _service_totals(connection: Connection, scope: Scope):  # type: ignore[no-untyped-def]
    """Year figures and both weeks in one pass over the daily rollup (one date range)."""
    as_of = scope.as_of
    year_start = dt.date(as_of.year, 1, 1)
    last_week = last_week_of(as_of)
    query = select(
        func.coalesce(
            func.sum(case((D.c.service_date >= year_start, D.c.person_times), else_=0)), 0
        ).label("person_times"),
        _rollup_hours_between(year_start, as_of).label("hours"),
        _rollup_hours_between(*week_of(as_of)).label("hours_this_week"),
        _rollup_hours_between(*last_week).label("hours_last_week"),
    ).where(
        D.c.service_date >= min(year_start, last_week[0]),
        D.c.service_date <= as_of,
        scope.community_clause(D.c.community_id),
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
            D.c.community_id,
            func.sum(D.c.person_times).label("person_times"),
            func.sum(D.c.hours).label("hours"),
        )
        .where(
            D.c.service_date >= dt.date(scope.as_of.year, 1, 1),
            D.c.service_date <= scope.as_of,
            scope.community_clause(D.c.community_id),
        )
        .group_by(D.c.community_id)
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


def volunteer_by_community(
    engine_or_connection: Engine | Connection, scope: Scope
) -> list[CommunityVolunteers]:
    """Only the ``by_community`` rows of ``volunteer_summary`` (the league needs no totals)."""
    with connected(engine_or_connection) as connection:
        return _by_community(connection, scope)


def volunteer_summary(engine_or_connection: Engine | Connection, scope: Scope) -> VolunteerSummary:
    """Registered and active volunteers, 人次 and hours of the year, and the two weeks."""
    with connected(engine_or_connection) as connection:
        registered = connection.execute(
            select(func.count()).select_from(V).where(_registered_by(scope))
        ).scalar_one()
        totals = _service_totals(connection, scope)
        active = _active_in_year(connection, scope)
        by_community = _by_community(connection, scope)
    return VolunteerSummary(
        registered=int(registered),
        active=active,
        person_times=int(totals.person_times),
        hours=round_amount(float(totals.hours)) or 0.0,
        hours_this_week=round_amount(float(totals.hours_this_week)) or 0.0,
        hours_last_week=round_amount(float(totals.hours_last_week)) or 0.0,
        by_community=by_community,
    )
