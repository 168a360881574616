"""志愿服务: registered volunteers and the year's service, as of a date (contract §3).

As of a date D in year Y:
- registered = volunteers with 注册日期 ≤ D (per community: the volunteer's community);
- over the service records of Y dated ≤ D (per community: the record's community):
  person_times = their count, hours = their 服务时长 sum, active = distinct volunteers;
- hours_this_week / hours_last_week = 服务时长 of the records dated in D − 6 … D /
  D − 13 … D − 7. The week is a plain 7-day window: early in January it reaches back
  into Y − 1 (unlike the year figures above).

Additive figures (人次, hours) are sums over ``rollup_service_daily`` (a community scope) or
``rollup_service_city_daily`` (the whole city); distinct volunteers of the whole city come from
``rollup_volunteer_first_day`` (the year's active) and the per-day id sets of
``rollup_volunteer_day_set`` (united in numpy), of a scope from ``rollup_volunteer_month``
(see ``storage.rollups``), so no figure here scans the service records of a window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    Numeric,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from figures.area_helpers import (
    AMOUNT_DECIMALS,
    connected,
    last_week_of,
    place_key,
    round_amount,
    week_of,
)
from figures.scope import Scope
from storage import bulk, rollups
from storage.models import Community, ServiceRecord, Volunteer

R = ServiceRecord
V = Volunteer
D = rollups.service_daily  # per day × community × 活动类型: 人次 and hours (additive)
P = rollups.volunteer_month  # per month × community × volunteer × 活动类型: first / last day
A = rollups.activity_daily  # per day × community × 活动类型 × 活动名称: 人次 and hours
C = rollups.service_city_daily  # per day × 活动类型, whole city: 人次 and hours (additive)
S = rollups.volunteer_day_set  # per day × 活动类型, whole city: the set of volunteers who served
M = rollups.volunteer_month_set  # per month × 活动类型, whole city: the union of its day sets
T = rollups.activity_total  # per activity (name, type), whole city, all time: sums, first/last day


def _whole_city(scope: Scope) -> bool:
    """No community filter: the whole-city rollups answer (far fewer rows to read)."""
    return scope.community_ids() is None


def _sums_of(scope: Scope):  # type: ignore[no-untyped-def]
    """The additive rollup for the scope and the condition that keeps its communities."""
    if _whole_city(scope):
        return C, true()
    return D, scope.community_clause(D.c.community_id)


def _city_sets(
    connection: Connection, start: dt.date, end: dt.date, types: Sequence[str]
) -> list[tuple[dt.date, str, np.ndarray]]:
    """The whole city's volunteer sets covering start … end and the chosen types, as
    (day or month start, type, ids): a month set for each whole month, day sets for the
    days of a partial month at either end."""
    first_whole = start if start.day == 1 else _month_end(start) + dt.timedelta(days=1)
    last_whole = end if end == _month_end(end) else end.replace(day=1) - dt.timedelta(days=1)
    if first_whole > last_whole:  # no whole month inside: days only
        return _sets_of(connection, S, S.c.service_date.between(start, end), types)
    months = M.c.month.between(first_whole, last_whole)
    days = or_(
        S.c.service_date.between(start, first_whole - dt.timedelta(days=1)),
        S.c.service_date.between(last_whole + dt.timedelta(days=1), end),
    )
    return _sets_of(connection, M, months, types) + _sets_of(connection, S, days, types)


def _sets_of(connection: Connection, sets, when, types: Sequence[str]):  # type: ignore[no-untyped-def]
    query = select(*sets.c).where(when, sets.c.activity_type.in_(list(types)) if types else true())
    return [
        (_as_date(day), kind, rollups.decode_ids(blob))
        for day, kind, blob in connection.execute(query)
    ]


def _count_distinct(sets: Sequence[np.ndarray]) -> int:
    """How many different ids the sets hold together (marked in one array indexed by id)."""
    ids = np.concatenate(list(sets)) if sets else np.empty(0, dtype=np.uint32)
    if ids.size == 0:
        return 0
    seen = np.zeros(int(ids.max()) + 1, dtype=bool)
    seen[ids] = True
    return int(np.count_nonzero(seen))


def _count_distinct_by(sets, key) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Distinct ids per group of sets (``key`` maps a (day, type) to its group)."""
    groups: dict = {}  # type: ignore[type-arg]
    for day, kind, ids in sets:
        groups.setdefault(key(day, kind), []).append(ids)
    return {group: _count_distinct(members) for group, members in groups.items()}


def _month_end(day: dt.date) -> dt.date:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _present_between(start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    """Presence rows of volunteers who served (that month, community, 活动类型) in start … end.

    Exact: a row whose first or last day lies in the window has a record in it. A row with
    its first day before and its last day after the window may or may not: that happens
    only for a window inside one month that starts after the 1st and ends before the last
    day, and then the volunteer's records of those days are looked up (one index range of
    ``ix_service_volunteer_date`` per such row).
    """
    clauses = [P.c.first_day.between(start, end), P.c.last_day.between(start, end)]
    inside_one_month = (start.year, start.month) == (end.year, end.month)
    if inside_one_month and start.day > 1 and end < _month_end(end):
        served_inside = (
            select(R.id)
            .where(
                R.volunteer_id == P.c.volunteer_id,
                R.service_date >= start,
                R.service_date <= end,
                R.community_id == P.c.community_id,
                R.activity_type == P.c.activity_type,
            )
            .exists()
        )
        clauses.append(and_(P.c.first_day < start, P.c.last_day > end, served_inside))
    return and_(P.c.month >= start.replace(day=1), P.c.month <= end, or_(*clauses))


def _distinct_volunteers(start: dt.date, end: dt.date, scope: Scope, types: Sequence[str]):  # type: ignore[no-untyped-def]
    """``COUNT(DISTINCT volunteer)`` and the conditions of the presence rows in the window,
    scope (by the record's community) and types (empty = all)."""
    conditions = and_(
        _present_between(start, end),
        scope.community_clause(P.c.community_id),
        P.c.activity_type.in_(list(types)) if types else true(),
    )
    return func.count(func.distinct(P.c.volunteer_id)), conditions


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


def _registrations(scope: Scope):  # type: ignore[no-untyped-def]
    """Rows of (community_id, volunteers) whose sum per community is its volunteers with
    注册日期 ≤ as-of: the registration rollups' years before the as-of year and months of it
    before the as-of month, and the volunteers registered from the 1st of that month to
    as-of (one range of ``ix_volunteer_registered_on``)."""
    as_of = scope.as_of
    month_start = as_of.replace(day=1)
    years, months = rollups.registered_year, rollups.registered_month
    return union_all(
        select(years.c.community_id, years.c.volunteers).where(
            years.c.year < as_of.year, scope.community_clause(years.c.community_id)
        ),
        select(months.c.community_id, months.c.volunteers).where(
            months.c.month >= dt.date(as_of.year, 1, 1),
            months.c.month < month_start,
            scope.community_clause(months.c.community_id),
        ),
        # One row per volunteer (a few thousand a month at city scale): grouped here, SQLite
        # would rather walk the (community, 注册日期) index in community order.
        select(V.community_id, literal(1).label("volunteers")).where(
            V.registered_on >= month_start,
            V.registered_on <= as_of,
            scope.community_clause(V.community_id),
        ),
    ).subquery("registrations")


def _year_service(scope: Scope, types: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    """Rows of (community_id, person_times, hours) whose sums per community are its 人次 and
    hours of the records of the chosen types (empty = all) of 1 January … as-of: of every
    type the month rollup's months before the as-of month and the daily rows of that month,
    of some types the daily rows of the year."""
    as_of = scope.as_of
    year_start = dt.date(as_of.year, 1, 1)
    days_from = as_of.replace(day=1) if not types else year_start
    days = select(D.c.community_id, D.c.person_times, D.c.hours).where(
        D.c.service_date >= days_from,
        D.c.service_date <= as_of,
        scope.community_clause(D.c.community_id),
        _daily_types(types),
    )
    if types:
        return days.subquery("year_service")
    months = rollups.service_month
    whole_months = select(months.c.community_id, months.c.person_times, months.c.hours).where(
        months.c.month >= year_start,
        months.c.month < days_from,
        scope.community_clause(months.c.community_id),
    )
    return union_all(whole_months, days).subquery("year_service")


def _by_community(connection: Connection, scope: Scope) -> list[CommunityVolunteers]:
    """Communities with registered volunteers or records of the year, with both counts."""
    registrations = _registrations(scope)
    registered = (
        select(
            registrations.c.community_id,
            func.sum(registrations.c.volunteers).label("registered"),
        )
        .group_by(registrations.c.community_id)
        .subquery("registered")
    )
    year_service = _year_service(scope)
    service = (
        select(
            year_service.c.community_id,
            func.sum(year_service.c.person_times).label("person_times"),
            func.sum(year_service.c.hours).label("hours"),
        )
        .group_by(year_service.c.community_id)
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
    """Registered and active volunteers, 人次 and hours of the year, and the two weeks.

    The service figures are ``service_totals`` of every activity type (the page's own); the
    registered total is the sum of ``by_community`` (it holds every community in scope with a
    registered volunteer), not a statement of its own.
    """
    with connected(engine_or_connection) as connection:
        totals = service_totals(connection, scope)
        by_community = _by_community(connection, scope)
    return VolunteerSummary(
        registered=sum(row.registered for row in by_community),
        active=totals.active,
        person_times=totals.person_times,
        hours=totals.hours,
        hours_this_week=totals.hours_this_week,
        hours_last_week=totals.hours_last_week,
        by_community=by_community,
    )


# --- 志愿服务 page: service by month, by activity type, by community and the top activities.
# The report's figures (``volunteers.volunteer_summary``) cover every activity type. The page
# can narrow the service records to some 活动类型; the functions here take that choice
# (``types``, empty = all) and apply the same §3 definitions to the narrowed records:
# - year figures (``service_totals``, ``service_by_community``): records of the as-of year
#   dated ≤ as-of, by the record's community; the week and last week as in ``volunteers``;
# - breakdowns for the charts (``service_by_month``, ``service_by_type``, ``top_activities``):
#   records dated ``date_from`` … as-of (the page's time window), grouped in SQL.
# Additive figures (人次, hours, which types occur) are sums over ``rollup_service_daily`` (or
# ``rollup_service_city_daily`` for the whole city) and, per activity, ``rollup_activity_daily``;
# distinct volunteer counts (not additive) are unions of the whole city's day sets or counted
# over ``rollup_volunteer_month`` in a scope (the ranked activities' from their own records).
# Nothing here returns a person: volunteers are only counted (never listed).

TOP_LIMIT = 10
# A whole-city window shorter than this is ranked by grouping its daily activity rows (city
# data: about 650 a day, a few tens of ms): activities crossing its ends are many next to
# those inside it, so the per-activity totals would save nothing.
SHORT_WINDOW_DAYS = 92
TOP_MEASURES = ("person_times", "hours")


@dataclass(frozen=True)
class ServiceTotals:
    """Year figures and the two weeks of the records of the chosen types."""

    person_times: int
    hours: float
    active: int
    hours_this_week: float
    hours_last_week: float


@dataclass(frozen=True)
class CommunityService:
    """One community's year figures (by the record's community)."""

    subdistrict: str
    community: str
    person_times: int
    hours: float


@dataclass(frozen=True)
class CommunityPopulation:
    """A community in scope with its resident population (the registration rate's base)."""

    subdistrict: str
    community: str
    population: int


@dataclass(frozen=True)
class MonthService:
    """Service of one calendar month of the window."""

    year: int
    month: int
    person_times: int
    hours: float
    volunteers: int


@dataclass(frozen=True)
class GroupService:
    """Service of one activity type, or one activity (name and type), in the window."""

    activity_type: str
    activity_name: str | None
    person_times: int
    hours: float
    volunteers: int


def window(scope: Scope) -> tuple[dt.date, dt.date]:
    """The page's time window: ``date_from`` (default 1 January of the as-of year) … as-of."""
    return scope.date_from or dt.date(scope.as_of.year, 1, 1), scope.as_of


def _codepoint_order(column, connection: Connection):  # type: ignore[no-untyped-def]
    """The column in code-point order on both databases (ties break the same everywhere)."""
    return column.collate("C") if connection.dialect.name == "postgresql" else column


def activity_types(engine_or_connection: Engine | Connection, scope: Scope) -> list[str]:
    """The 活动类型 of the records in the window and scope (the filter's options).

    Read from the daily rollup: it has a row for every (day, community, type) with a record.
    """
    start, end = window(scope)
    sums, in_scope = _sums_of(scope)
    query = (
        select(sums.c.activity_type)
        .where(sums.c.service_date >= start, sums.c.service_date <= end, in_scope)
        .distinct()
    )
    with connected(engine_or_connection) as connection:
        return sorted(connection.execute(query).scalars())


def _daily_types(types: Sequence[str], sums=D):  # type: ignore[no-untyped-def]
    return sums.c.activity_type.in_(list(types)) if types else true()


def _active(connection: Connection, scope: Scope, types: Sequence[str]) -> int:
    """Distinct volunteers with a record of the chosen types in the year, dated ≤ as-of.

    Not additive, so not in the daily rollup: the whole city without a type filter sums
    ``rollup_volunteer_first_day`` (first days of the year ≤ as-of), with a type filter the
    union of the year's day sets; a community scope the presence rollup.
    """
    as_of = scope.as_of
    if types and _whole_city(scope):
        return _count_distinct(
            [ids for _, _, ids in _city_sets(connection, dt.date(as_of.year, 1, 1), as_of, types)]
        )
    if not types and _whole_city(scope):
        first = rollups.volunteer_first_day
        query = select(func.coalesce(func.sum(first.c.volunteers), 0)).where(
            first.c.year == as_of.year, first.c.first_date <= as_of
        )
    else:
        volunteers, conditions = _distinct_volunteers(
            dt.date(as_of.year, 1, 1), as_of, scope, types
        )
        query = select(volunteers).where(conditions)
    return int(connection.execute(query).scalar_one())


def service_totals(
    engine_or_connection: Engine | Connection, scope: Scope, types: tuple[str, ...] = ()
) -> ServiceTotals:
    """人次, hours and active volunteers of the year, and hours of the week and last week.

    人次 and hours are sums over the daily rollup (additive); active volunteers see ``_active``.
    """
    as_of = scope.as_of
    week, last_week = week_of(as_of), last_week_of(as_of)
    sums, in_scope = _sums_of(scope)
    in_year = sums.c.service_date >= dt.date(as_of.year, 1, 1)

    def hours_between(start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
        inside = and_(sums.c.service_date >= start, sums.c.service_date <= end)
        return func.coalesce(func.sum(case((inside, sums.c.hours), else_=0)), 0)

    query = select(
        func.coalesce(func.sum(case((in_year, sums.c.person_times), else_=0)), 0).label(
            "person_times"
        ),
        func.coalesce(func.sum(case((in_year, sums.c.hours), else_=0)), 0).label("hours"),
        hours_between(*week).label("this_week"),
        hours_between(*last_week).label("last_week"),
    ).where(
        sums.c.service_date <= as_of,
        or_(in_year, sums.c.service_date >= last_week[0]),
        in_scope,
        _daily_types(types, sums),
    )
    with connected(engine_or_connection) as connection:
        row = connection.execute(query).one()
        active = _active(connection, scope, types)
    return ServiceTotals(
        person_times=int(row.person_times),
        hours=round_amount(row.hours) or 0.0,
        active=active,
        hours_this_week=round_amount(row.this_week) or 0.0,
        hours_last_week=round_amount(row.last_week) or 0.0,
    )


def service_by_community(
    engine_or_connection: Engine | Connection, scope: Scope, types: tuple[str, ...] = ()
) -> list[CommunityService]:
    """人次 and hours of the year per community with any record of the chosen types
    (sums over the month and the daily rollup)."""
    year_service = _year_service(scope, types)
    query = (
        select(
            Community.subdistrict,
            Community.name,
            func.sum(year_service.c.person_times).label("person_times"),
            func.sum(year_service.c.hours).label("hours"),
        )
        .join(Community, Community.id == year_service.c.community_id)
        .group_by(Community.subdistrict, Community.name)
    )
    with connected(engine_or_connection) as connection:
        rows = [
            CommunityService(
                row.subdistrict, row.name, int(row.person_times), round_amount(row.hours) or 0.0
            )
            for row in connection.execute(query)
        ]
    return sorted(rows, key=lambda row: place_key(row.subdistrict, row.community))


def community_population(
    engine_or_connection: Engine | Connection, scope: Scope
) -> list[CommunityPopulation]:
    """Every community in scope with its 常住人口 (also those without any volunteer)."""
    query = select(Community.subdistrict, Community.name, Community.population).where(
        scope.community_clause(Community.id)
    )
    with connected(engine_or_connection) as connection:
        rows = [
            CommunityPopulation(row.subdistrict, row.name, int(row.population or 0))
            for row in connection.execute(query)
        ]
    return sorted(rows, key=lambda row: place_key(row.subdistrict, row.community))


def _daily_in_window(scope: Scope, types: Sequence[str]):  # type: ignore[no-untyped-def]
    """The additive rollup for the scope and its rows of the window and types."""
    start, end = window(scope)
    sums, in_scope = _sums_of(scope)
    return sums, and_(
        sums.c.service_date >= start,
        sums.c.service_date <= end,
        in_scope,
        _daily_types(types, sums),
    )


def _distinct_in_window(scope: Scope, types: Sequence[str]):  # type: ignore[no-untyped-def]
    return _distinct_volunteers(*window(scope), scope, types)


def service_by_month(
    engine_or_connection: Engine | Connection, scope: Scope, types: tuple[str, ...] = ()
) -> list[MonthService]:
    """人次, hours and distinct volunteers per calendar month of the window.

    人次 and hours: sums over the daily rollup; volunteers: the union of the day sets of
    each month (whole city) or the presence rollup (a community scope).
    """
    sums, conditions = _daily_in_window(scope, types)
    year = extract("year", sums.c.service_date)
    month = extract("month", sums.c.service_date)
    additive = (
        select(
            year.label("year"),
            month.label("month"),
            func.sum(sums.c.person_times).label("person_times"),
            func.sum(sums.c.hours).label("hours"),
        )
        .where(conditions)
        .group_by(year, month)
    )
    with connected(engine_or_connection) as connection:
        counted = _volunteers_by_month(connection, scope, types)
        rows = [
            MonthService(
                int(row.year),
                int(row.month),
                int(row.person_times),
                round_amount(row.hours) or 0.0,
                counted.get((int(row.year), int(row.month)), 0),
            )
            for row in connection.execute(additive)
        ]
    return sorted(rows, key=lambda row: (row.year, row.month))


def _volunteers_by_month(
    connection: Connection, scope: Scope, types: Sequence[str]
) -> dict[tuple[int, int], int]:
    if _whole_city(scope):
        sets = _city_sets(connection, *window(scope), types)
        return _count_distinct_by(sets, lambda day, _kind: (day.year, day.month))
    volunteers, conditions = _distinct_in_window(scope, types)
    distinct = select(P.c.month, volunteers.label("volunteers")).where(conditions)
    return {
        (_as_date(row.month).year, _as_date(row.month).month): int(row.volunteers)
        for row in connection.execute(distinct.group_by(P.c.month))
    }


def _volunteers_by_type(
    connection: Connection, scope: Scope, types: Sequence[str]
) -> dict[str, int]:
    if _whole_city(scope):
        sets = _city_sets(connection, *window(scope), types)
        return _count_distinct_by(sets, lambda _day, kind: kind)
    volunteers, conditions = _distinct_in_window(scope, types)
    distinct = (
        select(P.c.activity_type, volunteers.label("volunteers"))
        .where(conditions)
        .group_by(P.c.activity_type)
    )
    return {row.activity_type: int(row.volunteers) for row in connection.execute(distinct)}


def _as_date(value: dt.date | str) -> dt.date:
    """A date column as read back (SQLite returns a computed date as text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def service_by_type(
    engine_or_connection: Engine | Connection, scope: Scope, types: tuple[str, ...] = ()
) -> list[GroupService]:
    """人次, hours and distinct volunteers per 活动类型 in the window, most 人次 first.

    人次 and hours: sums over the daily rollup; volunteers: the union of each type's day
    sets (whole city) or the presence rollup (a community scope).
    """
    sums, conditions = _daily_in_window(scope, types)
    additive = (
        select(
            sums.c.activity_type,
            func.sum(sums.c.person_times).label("person_times"),
            func.sum(sums.c.hours).label("hours"),
        )
        .where(conditions)
        .group_by(sums.c.activity_type)
    )
    with connected(engine_or_connection) as connection:
        counted = _volunteers_by_type(connection, scope, types)
        rows = [
            GroupService(
                activity_type=row.activity_type,
                activity_name=None,
                person_times=int(row.person_times),
                hours=round_amount(row.hours) or 0.0,
                volunteers=counted.get(row.activity_type, 0),
            )
            for row in connection.execute(additive)
        ]
    return sorted(rows, key=lambda row: (-row.person_times, -row.hours, row.activity_type))


def top_activities(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    types: tuple[str, ...] = (),
    measure: str = "person_times",
    limit: int = TOP_LIMIT,
) -> list[GroupService]:
    """The ``limit`` activities (name and type) with the most 人次 or hours in the window.

    Ranked by the measure, then the other one (hours as shown, to 0.01), then name and type
    in code-point order, so both databases pick the same ten. The whole city from the
    per-activity totals (``_city_ranking``), a short window or a community scope over the
    activity rollup (``ranking_from_daily``). Their volunteers: ``_activity_volunteers``.
    """
    if measure not in TOP_MEASURES:
        raise ValueError(f"未知的排序指标：{measure}")
    start, end = window(scope)
    in_window = and_(
        A.c.service_date >= start,
        A.c.service_date <= end,
        scope.community_clause(A.c.community_id),
        A.c.activity_type.in_(list(types)) if types else true(),
    )
    with connected(engine_or_connection) as connection:
        if _whole_city(scope) and (end - start).days >= SHORT_WINDOW_DAYS:
            ranked = _city_ranking(connection, start, end, types, measure, limit)
        else:
            ranked = ranking_from_daily(connection, in_window, measure, limit)
        counted = _activity_volunteers(connection, in_window, ranked)
    return [
        GroupService(
            activity_type=row.activity_type,
            activity_name=row.activity_name,
            person_times=int(row.person_times),
            hours=round_amount(row.hours) or 0.0,
            volunteers=counted.get((row.activity_name, row.activity_type), 0),
        )
        for row in ranked
    ]


def ranking_from_daily(connection: Connection, in_window, measure: str, limit: int) -> list:  # type: ignore[no-untyped-def, type-arg]
    """The ranking as one grouped query over the activity rollup rows ``in_window``: rows of
    (activity_name, activity_type, person_times, hours). A community scope's path, and the
    whole city's reference in the tests."""
    person_times = func.sum(A.c.person_times)
    hours = func.sum(A.c.hours)
    shown_hours = _as_shown(hours, connection)
    primary, secondary = (
        (person_times, shown_hours) if measure == "person_times" else (shown_hours, person_times)
    )
    query = (
        select(
            A.c.activity_name,
            A.c.activity_type,
            person_times.label("person_times"),
            hours.label("hours"),
        )
        .where(in_window)
        .group_by(A.c.activity_name, A.c.activity_type)
        .order_by(
            primary.desc(),
            secondary.desc(),
            _codepoint_order(A.c.activity_name, connection),
            _codepoint_order(A.c.activity_type, connection),
        )
        .limit(limit)
    )
    return list(connection.execute(query).all())


@dataclass(frozen=True)
class _Ranked:
    """A candidate of the whole city's ranking: its sums in the window, hours as shown."""

    activity_name: str
    activity_type: str
    person_times: int
    hours: float
    shown_hours: float


def _city_ranking(
    connection: Connection,
    start: dt.date,
    end: dt.date,
    types: tuple[str, ...],
    measure: str,
    limit: int,
) -> list[_Ranked]:
    """The whole city's ranking without grouping the window's activity rows.

    An activity wholly inside the window has its all-time totals in ``rollup_activity_total``:
    the best ``limit`` of those (with every tie of the last one) are read in index order. An
    activity crossing an end of the window is summed over it from the daily rows, unless its
    all-time measure is already below the ``limit``-th inside one (hours are positive, so a
    window's part is at most the whole). The ranking is the best ``limit`` of both, ordered
    as ``ranking_from_daily``: no other activity can beat ``limit`` of these.
    """
    if limit <= 0:
        return []
    of_types = T.c.activity_type.in_(list(types)) if types else true()
    inside = and_(T.c.first_day >= start, T.c.last_day <= end, of_types)
    measured = T.c.person_times if measure == "person_times" else T.c.hours_shown
    last_kept = _limit_th_inside(connection, inside, measure, limit)
    if last_kept is None:
        inside_rows, may_reach = inside, of_types
    elif measure == "person_times":
        inside_rows, may_reach = (
            and_(inside, measured >= last_kept),
            and_(of_types, measured >= last_kept),
        )
    else:  # a sum's last bit depends on the order of the additions: keep a cent of room
        inside_rows, may_reach = (
            and_(inside, measured >= last_kept),
            and_(of_types, measured >= last_kept - 0.01),
        )
    columns = [T.c.activity_name, T.c.activity_type, T.c.person_times, T.c.hours, T.c.hours_shown]
    best_inside = select(*columns)  # by the measure's index: a short range from the top
    candidates = [_Ranked(*row) for row in connection.execute(best_inside.where(inside_rows))]
    candidates += _crossing_sums(connection, start, end, types, may_reach)

    def rank(row: _Ranked) -> tuple:  # type: ignore[type-arg]
        measures = (
            (-row.person_times, -row.shown_hours)
            if measure == "person_times"
            else (-row.shown_hours, -row.person_times)
        )
        return (*measures, row.activity_name, row.activity_type)  # str order = code points

    return sorted(candidates, key=rank)[:limit]


def _limit_th_inside(connection: Connection, inside, measure: str, limit: int):  # type: ignore[no-untyped-def]
    """The ``limit``-th best measure of the activities wholly inside the window (None when
    fewer), walking the measure's index from the top."""
    measured = T.c.person_times if measure == "person_times" else T.c.hours_shown
    query = select(measured).where(inside).order_by(measured.desc()).limit(1).offset(limit - 1)
    return connection.execute(query).scalar()


def _crossing_sums(
    connection: Connection, start: dt.date, end: dt.date, types: tuple[str, ...], may_reach
) -> list[_Ranked]:  # type: ignore[no-untyped-def]
    """Activities with days both inside and outside the window (and ``may_reach``), summed
    over the window: those reaching over its first day (first_day < start ≤ last_day) and
    over its last day (first_day ≤ end < last_day)."""
    one_day = dt.timedelta(days=1)
    crossing: set[tuple[str, str]] = set()
    for first_at_most, last_at_least in ((start - one_day, start), (end, end + one_day)):
        query = rollups.activities_reaching(
            connection,
            first_at_most,
            last_at_least,
            [T.c.activity_name, T.c.activity_type],
            may_reach,
        )
        if query is not None:
            crossing.update((name, kind) for name, kind in connection.execute(query))
    hours = func.sum(A.c.hours)
    found: list[_Ranked] = []
    for chunk in bulk.chunks(sorted({name for name, _ in crossing})):
        query = (
            select(
                A.c.activity_name,
                A.c.activity_type,
                func.sum(A.c.person_times),
                hours,
                _as_shown(hours, connection),
            )
            .where(
                A.c.activity_name.in_(chunk),
                A.c.service_date >= start,
                A.c.service_date <= end,
                A.c.activity_type.in_(list(types)) if types else true(),
            )
            .group_by(A.c.activity_name, A.c.activity_type)
        )
        found.extend(
            _Ranked(name, kind, int(people), float(total), float(shown))
            for name, kind, people, total, shown in connection.execute(query)
            if (name, kind) in crossing
        )
    return found


def _as_shown(hours, connection: Connection):  # type: ignore[no-untyped-def]
    """Hours rounded as shown, for ranking: 37.1 and 37.1 tie (then 人次 decides) although
    their float sums may differ in the last bit, depending on the order of the additions."""
    if connection.dialect.name == "postgresql":
        return func.round(cast(hours, Numeric), AMOUNT_DECIMALS)
    return func.round(hours, AMOUNT_DECIMALS)


def _activity_volunteers(connection: Connection, in_window, ranked) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """Distinct volunteers of the ranked activities, from their own records only: the
    activity rollup's (day, community) keys of those few names lead to them by index."""
    if not ranked:
        return {}
    same_activity = and_(
        R.service_date == A.c.service_date,
        R.community_id == A.c.community_id,
        R.activity_type == A.c.activity_type,
        R.activity_name == A.c.activity_name,
    )
    query = (
        select(
            A.c.activity_name,
            A.c.activity_type,
            func.count(func.distinct(R.volunteer_id)).label("volunteers"),
        )
        .select_from(A)
        .join(R, same_activity)
        .where(in_window, A.c.activity_name.in_(sorted({row.activity_name for row in ranked})))
        .group_by(A.c.activity_name, A.c.activity_type)
    )
    return {
        (r.activity_name, r.activity_type): int(r.volunteers) for r in connection.execute(query)
    }
