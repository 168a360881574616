"""人口普查: registration progress of the current campaign, as of a date (contract §3).

普查进度 rows are cumulative, so the figure of a community on a date D is its latest row dated
≤ D ("latest row per community", done in SQL with a MAX(day) sub-select joined back).

As of a date D:
- campaign = the 任务名称 with the latest 日期 ≤ D in scope (ties: the greatest name);
- expected / registered_households / registered_persons = sums of each community's latest
  row of that campaign dated ≤ D; rate = registered_households / expected (0 when expected
  is 0);
- registered_this_week = that registered_households sum minus the same sum taken at D − 7
  (a community without a row by then counts 0);
- the summary is None when no campaign has a row ≤ D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, false, func, or_, select

from figures.area_helpers import as_date, connected, place_key, ratio
from figures.scope import Scope
from storage.models import CensusProgress, Community

C = CensusProgress


@dataclass(frozen=True)
class CommunityCensus:
    """One community's latest figures (a row of ``by_community``)."""

    subdistrict: str
    community: str
    expected: int
    registered_households: int
    rate: float


@dataclass(frozen=True)
class CensusSummary:
    """The ``census`` block of §3."""

    campaign: str
    expected: int
    registered_households: int
    registered_persons: int
    rate: float
    registered_this_week: int
    by_community: list[CommunityCensus] = field(default_factory=list)


def current_campaign(engine_or_connection: Engine | Connection, scope: Scope) -> str | None:
    """The campaign with the latest row dated ≤ as-of in scope, or None."""
    query = (
        select(C.campaign)
        .where(C.day <= scope.as_of, scope.community_clause(C.community_id))
        .order_by(C.day.desc(), C.campaign.desc())
        .limit(1)
    )
    with connected(engine_or_connection) as connection:
        return connection.execute(query).scalar_one_or_none()


def latest_rows(scope: Scope, campaign: str, day: dt.date):  # type: ignore[no-untyped-def]
    """Each in-scope community's latest row of ``campaign`` dated ≤ ``day`` (a subquery)."""
    latest_day = (
        select(C.community_id, func.max(C.day).label("day"))
        .where(C.campaign == campaign, C.day <= day, scope.community_clause(C.community_id))
        .group_by(C.community_id)
        .subquery("latest_day")
    )
    return (
        select(C)
        .join(
            latest_day, and_(latest_day.c.community_id == C.community_id, latest_day.c.day == C.day)
        )
        .where(C.campaign == campaign)
        .subquery("latest")
    )


def registered_households_at(
    connection: Connection, scope: Scope, campaign: str, day: dt.date
) -> int:
    latest = latest_rows(scope, campaign, day)
    query = select(func.coalesce(func.sum(latest.c.registered_households), 0))
    return int(connection.execute(query).scalar_one())


def community_rows(connection: Connection, scope: Scope, campaign: str) -> list[CommunityCensus]:
    """Each in-scope community's latest figures of ``campaign`` as of the date, sorted."""
    latest = _registered_by_community(connection, scope, campaign, scope.as_of)
    rows = [
        CommunityCensus(
            subdistrict=subdistrict,
            community=name,
            expected=expected,
            registered_households=registered,
            rate=ratio(registered, expected),
        )
        for (subdistrict, name), (expected, registered) in latest.items()
    ]
    return sorted(rows, key=lambda item: place_key(item.subdistrict, item.community))


def census_summary(engine_or_connection: Engine | Connection, scope: Scope) -> CensusSummary | None:
    """Totals and per-community progress of the current campaign; None before any row."""
    with connected(engine_or_connection) as connection:
        campaign = current_campaign(connection, scope)
        if campaign is None:
            return None
        return campaign_summary(connection, scope, campaign)


def campaign_start(engine_or_connection: Engine | Connection, campaign: str) -> dt.date | None:
    """The first day with any row of ``campaign`` (the plan line starts there)."""
    query = select(func.min(CensusProgress.day)).where(CensusProgress.campaign == campaign)
    with connected(engine_or_connection) as connection:
        value = connection.execute(query).scalar()
    return None if value is None else as_date(value)


# --- 人口普查 page queries: any campaign's figures, curves per community, daily increments, pace.
# The figures of a campaign reuse the "latest row per community dated ≤ D" sub-select of
# :mod:`figures.census`, so for the current campaign they ARE the weekly report's. Rows are
# cumulative: the households registered on a day are a community's row minus its previous row
# (a window ``LAG`` in SQL), summed over the communities in scope.

PACE_DAYS = 7


@dataclass(frozen=True)
class CurvePoint:
    """A community's cumulative registration on one day of the campaign."""

    subdistrict: str
    community: str
    day: dt.date
    expected: int
    registered: int
    rate: float


@dataclass(frozen=True)
class DayIncrement:
    """Households and persons registered on one day (sum over the communities in scope)."""

    day: dt.date
    households: int
    persons: int


@dataclass(frozen=True)
class CommunityPace:
    """A community's position as of the date and 7 days earlier (for the forecast)."""

    subdistrict: str
    community: str
    expected: int
    registered: int
    registered_week_ago: int


def list_campaigns(engine_or_connection: Engine | Connection, scope: Scope) -> list[str]:
    """Campaigns with a row dated ≤ as-of in scope, the current one (§3) first."""
    latest = func.max(C.day)
    query = (
        select(C.campaign)
        .where(C.day <= scope.as_of, scope.community_clause(C.community_id))
        .group_by(C.campaign)
        .order_by(latest.desc(), C.campaign.desc())
    )
    with connected(engine_or_connection) as connection:
        return list(connection.execute(query).scalars())


def campaign_summary(
    engine_or_connection: Engine | Connection, scope: Scope, campaign: str
) -> CensusSummary | None:
    """The §3 ``census`` block for ``campaign`` (any campaign, not only the current one).

    None when the campaign has no row dated ≤ as-of in scope.
    """
    as_of = scope.as_of
    with connected(engine_or_connection) as connection:
        latest = latest_rows(scope, campaign, as_of)
        totals = connection.execute(
            select(
                func.count().label("rows"),
                func.coalesce(func.sum(latest.c.expected_households), 0).label("expected"),
                func.coalesce(func.sum(latest.c.registered_households), 0).label("households"),
                func.coalesce(func.sum(latest.c.registered_persons), 0).label("persons"),
            )
        ).one()
        if not totals.rows:
            return None
        week_ago = registered_households_at(
            connection, scope, campaign, as_of - dt.timedelta(days=PACE_DAYS)
        )
        by_community = community_rows(connection, scope, campaign)
    return CensusSummary(
        campaign=campaign,
        expected=int(totals.expected),
        registered_households=int(totals.households),
        registered_persons=int(totals.persons),
        rate=ratio(totals.households, totals.expected),
        registered_this_week=int(totals.households) - week_ago,
        by_community=by_community,
    )


def _registered_by_community(
    connection: Connection, scope: Scope, campaign: str, day: dt.date
) -> dict[tuple[str, str], tuple[int, int]]:
    """(expected, registered households) of each community's latest row dated ≤ ``day``."""
    latest = latest_rows(scope, campaign, day)
    query = select(
        Community.subdistrict,
        Community.name,
        latest.c.expected_households,
        latest.c.registered_households,
    ).join(Community, Community.id == latest.c.community_id)
    return {
        (row.subdistrict, row.name): (int(row.expected_households), int(row.registered_households))
        for row in connection.execute(query)
    }


def community_pace(
    engine_or_connection: Engine | Connection, scope: Scope, campaign: str
) -> list[CommunityPace]:
    """Each community's registration as of the date and ``PACE_DAYS`` earlier (0 if none)."""
    as_of = scope.as_of
    with connected(engine_or_connection) as connection:
        now = _registered_by_community(connection, scope, campaign, as_of)
        before = _registered_by_community(
            connection, scope, campaign, as_of - dt.timedelta(days=PACE_DAYS)
        )
    rows = [
        CommunityPace(
            subdistrict=place[0],
            community=place[1],
            expected=expected,
            registered=registered,
            registered_week_ago=before.get(place, (0, 0))[1],
        )
        for place, (expected, registered) in now.items()
    ]
    return sorted(rows, key=lambda row: place_key(row.subdistrict, row.community))


def _places_clause(places: Sequence[tuple[str, str]]):  # type: ignore[no-untyped-def]
    if not places:
        return false()
    return or_(
        *(
            and_(Community.subdistrict == subdistrict, Community.name == name)
            for subdistrict, name in places
        )
    )


def progress_curves(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    campaign: str,
    places: tuple[tuple[str, str], ...],
) -> list[CurvePoint]:
    """Daily cumulative rates of the given communities, ``date_from`` … as-of.

    ``places`` are (subdistrict, community) pairs; only those in scope are returned, so a page
    can ask for a handful of communities instead of every curve of a city.
    """
    as_of = scope.as_of
    query = (
        select(
            Community.subdistrict,
            Community.name,
            C.day,
            C.expected_households,
            C.registered_households,
        )
        .join(Community, Community.id == C.community_id)
        .where(
            C.campaign == campaign,
            C.day <= as_of,
            scope.community_clause(C.community_id),
            _places_clause(places),
        )
        .order_by(Community.subdistrict, Community.name, C.day)
    )
    if scope.date_from:
        query = query.where(C.day >= scope.date_from)
    with connected(engine_or_connection) as connection:
        return [
            CurvePoint(
                subdistrict=row.subdistrict,
                community=row.name,
                day=as_date(row.day),
                expected=int(row.expected_households),
                registered=int(row.registered_households),
                rate=ratio(row.registered_households, row.expected_households),
            )
            for row in connection.execute(query)
        ]


def daily_increments(
    engine_or_connection: Engine | Connection, scope: Scope, campaign: str
) -> list[DayIncrement]:
    """Households (and persons) registered per day, ``date_from`` … as-of.

    A community's increment on a day is its row minus its previous row (LAG over its rows);
    the first row counts in full. Summed per day, the increments over as-of − 6 … as-of equal
    §3's registered_this_week.
    """
    by_community = {"partition_by": C.community_id, "order_by": C.day}
    households = C.registered_households - func.coalesce(
        func.lag(C.registered_households).over(**by_community), 0
    )
    persons = C.registered_persons - func.coalesce(
        func.lag(C.registered_persons).over(**by_community), 0
    )
    steps = (
        select(C.day, households.label("households"), persons.label("persons"))
        .where(C.campaign == campaign, C.day <= scope.as_of, scope.community_clause(C.community_id))
        .subquery("steps")
    )
    query = (
        select(
            steps.c.day,
            func.sum(steps.c.households).label("households"),
            func.sum(steps.c.persons).label("persons"),
        )
        .group_by(steps.c.day)
        .order_by(steps.c.day)
    )
    if scope.date_from:
        query = query.where(steps.c.day >= scope.date_from)
    with connected(engine_or_connection) as connection:
        return [
            DayIncrement(as_date(row.day), int(row.households), int(row.persons))
            for row in connection.execute(query)
        ]


__all__ = [
    "PACE_DAYS",
    "CommunityPace",
    "CurvePoint",
    "DayIncrement",
    "campaign_start",
    "campaign_summary",
    "community_pace",
    "daily_increments",
    "list_campaigns",
    "progress_curves",
]
