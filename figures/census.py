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

Sums (the totals, the week's increase, the daily increments, which campaigns have rows) come
from ``rollup_census_daily`` when no community is chosen: a sum of latest rows is the sum of
every row-to-row step up to D, kept per (任务, 日期, 街道) by every writer (storage.rollups).
With communities chosen, and for per-community figures, the rows themselves are read: one
index seek per community for its latest day (``_latest_of_each``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, case, false, func, or_, select, true, tuple_
from sqlalchemy.orm import aliased

from figures.area_helpers import as_date, connected, place_key, ratio
from figures.scope import Scope
from storage.models import CensusProgress, Community
from storage.rollups import census_daily

C = CensusProgress
K = aliased(CensusProgress, name="earlier")  # the rows a community's latest day is looked up in
R = census_daily  # per (任务, 日期, 街道): the day's change of the sums over its communities


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
    campaign, day, in_scope = _campaign_days(scope)
    query = (
        select(campaign)
        .where(day <= scope.as_of, in_scope)
        .order_by(day.desc(), campaign.desc())
        .limit(1)
    )
    with connected(engine_or_connection) as connection:
        return connection.execute(query).scalar_one_or_none()


def _rollup_serves(scope: Scope) -> bool:
    """The rollup holds whole subdistricts: it answers a scope without chosen communities."""
    return not scope.communities


def _campaign_days(scope: Scope):  # type: ignore[no-untyped-def]
    """(任务, 日期) columns and the scope's condition on them: the rollup's for whole
    subdistricts, the rows' when communities are chosen (which campaigns have a row when)."""
    if _rollup_serves(scope):
        return R.c.campaign, R.c.day, scope.subdistrict_clause(R.c.subdistrict)
    return C.campaign, C.day, scope.community_clause(C.community_id)


def _communities_in(scope: Scope):  # type: ignore[no-untyped-def]
    """The scope as a condition on ``community`` itself (no sub-select of it)."""
    conditions = [true()]
    if scope.subdistrict:
        conditions.append(Community.subdistrict == scope.subdistrict)
    if scope.communities:
        pairs = tuple_(Community.subdistrict, Community.name)
        conditions.append(pairs.in_(list(scope.communities)))
    return and_(*conditions)


def _latest_day(campaign: str, day: dt.date):  # type: ignore[no-untyped-def]
    """The community's latest day of ``campaign`` ≤ ``day``: one seek in the unique key."""
    return (
        select(func.max(K.day))
        .where(K.campaign == campaign, K.community_id == Community.id, K.day <= day)
        .correlate(Community)
        .scalar_subquery()
    )


def _latest_of_each(
    connection: Connection, scope: Scope, campaign: str, day: dt.date, week_ago: dt.date | None
):  # type: ignore[no-untyped-def]
    """Each in-scope community with a row of ``campaign`` ≤ ``day``: its subdistrict, name,
    expected and registered households of that row (and, given ``week_ago``, its registered
    households as of then, NULL without a row by then).

    One index seek per community, never a pass over the campaign's rows. PostgreSQL gets
    it from LATERAL (asked to join on a looked-up day, it hashes the whole campaign);
    SQLite, which has no LATERAL, from a join on the looked-up day, which it plans as seeks.
    """
    if connection.dialect.name == "postgresql":
        return _latest_lateral(scope, campaign, day, week_ago)
    latest = and_(C.community_id == Community.id, C.campaign == campaign)
    query = (
        select(
            Community.subdistrict,
            Community.name,
            C.expected_households,
            C.registered_households,
        )
        .select_from(Community)
        .join(C, and_(latest, C.day == _latest_day(campaign, day)))
        .where(_communities_in(scope))
    )
    if week_ago is None:
        return query
    before = (
        select(K.registered_households)
        .where(
            K.campaign == campaign,
            K.community_id == Community.id,
            K.day == _latest_day(campaign, week_ago),
        )
        .correlate(Community)
        .scalar_subquery()
    )
    return query.add_columns(before.label("week_ago"))


def _latest_lateral(scope: Scope, campaign: str, day: dt.date, week_ago: dt.date | None):  # type: ignore[no-untyped-def]
    def row_as_of(on: dt.date, name: str):  # type: ignore[no-untyped-def]
        rows = aliased(CensusProgress, name=f"{name}_rows")
        return (
            select(rows.expected_households, rows.registered_households)
            .where(rows.campaign == campaign, rows.community_id == Community.id, rows.day <= on)
            .order_by(rows.day.desc())
            .limit(1)
            .lateral(name)
        )

    now = row_as_of(day, "now")
    query = (
        select(
            Community.subdistrict,
            Community.name,
            now.c.expected_households,
            now.c.registered_households,
        )
        .select_from(Community)
        .join(now, true())
        .where(_communities_in(scope))
    )
    if week_ago is None:
        return query
    before = row_as_of(week_ago, "before")
    return query.outerjoin(before, true()).add_columns(
        before.c.registered_households.label("week_ago")
    )


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
    query = select(func.min(R.c.day)).where(R.c.campaign == campaign)
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
    campaign, day, in_scope = _campaign_days(scope)
    query = (
        select(campaign)
        .where(day <= scope.as_of, in_scope)
        .group_by(campaign)
        .order_by(func.max(day).desc(), campaign.desc())
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
    week_ago = as_of - dt.timedelta(days=PACE_DAYS)
    with connected(engine_or_connection) as connection:
        if _rollup_serves(scope):
            totals = connection.execute(_rollup_totals(scope, campaign, week_ago)).one()
        else:
            totals = connection.execute(_row_totals(scope, campaign, week_ago)).one()
        if not totals.rows:
            return None
        by_community = community_rows(connection, scope, campaign)
    return CensusSummary(
        campaign=campaign,
        expected=int(totals.expected),
        registered_households=int(totals.households),
        registered_persons=int(totals.persons),
        rate=ratio(totals.households, totals.expected),
        registered_this_week=int(totals.households) - int(totals.week_ago),
        by_community=by_community,
    )


def _rollup_totals(scope: Scope, campaign: str, week_ago: dt.date):  # type: ignore[no-untyped-def]
    """The sums as of the date and the households as of a week earlier, from the rollup."""
    earlier = case((R.c.day <= week_ago, R.c.registered_households), else_=0)
    return select(
        func.coalesce(func.sum(R.c.communities), 0).label("rows"),
        func.coalesce(func.sum(R.c.expected_households), 0).label("expected"),
        func.coalesce(func.sum(R.c.registered_households), 0).label("households"),
        func.coalesce(func.sum(R.c.registered_persons), 0).label("persons"),
        func.coalesce(func.sum(earlier), 0).label("week_ago"),
    ).where(
        R.c.campaign == campaign,
        R.c.day <= scope.as_of,
        scope.subdistrict_clause(R.c.subdistrict),
    )


def _row_totals(scope: Scope, campaign: str, week_ago: dt.date):  # type: ignore[no-untyped-def]
    """The same sums from the chosen communities' own latest rows."""
    latest = latest_rows(scope, campaign, scope.as_of)
    before = latest_rows(scope, campaign, week_ago)
    return select(
        func.count().label("rows"),
        func.coalesce(func.sum(latest.c.expected_households), 0).label("expected"),
        func.coalesce(func.sum(latest.c.registered_households), 0).label("households"),
        func.coalesce(func.sum(latest.c.registered_persons), 0).label("persons"),
        select(func.coalesce(func.sum(before.c.registered_households), 0))
        .scalar_subquery()
        .label("week_ago"),
    )


def _registered_by_community(
    connection: Connection, scope: Scope, campaign: str, day: dt.date
) -> dict[tuple[str, str], tuple[int, int]]:
    """(expected, registered households) of each community's latest row dated ≤ ``day``."""
    query = _latest_of_each(connection, scope, campaign, day, None)
    return {
        (row.subdistrict, row.name): (int(row.expected_households), int(row.registered_households))
        for row in connection.execute(query)
    }


def community_pace(
    engine_or_connection: Engine | Connection, scope: Scope, campaign: str
) -> list[CommunityPace]:
    """Each community's registration as of the date and ``PACE_DAYS`` earlier (0 if none)."""
    week_ago = scope.as_of - dt.timedelta(days=PACE_DAYS)
    with connected(engine_or_connection) as connection:
        query = _latest_of_each(connection, scope, campaign, scope.as_of, week_ago)
        rows = [
            CommunityPace(
                subdistrict=row.subdistrict,
                community=row.name,
                expected=int(row.expected_households),
                registered=int(row.registered_households),
                registered_week_ago=int(row.week_ago or 0),
            )
            for row in connection.execute(query)
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
    if _rollup_serves(scope):
        query = (
            select(
                R.c.day,
                func.sum(R.c.registered_households).label("households"),
                func.sum(R.c.registered_persons).label("persons"),
            )
            .where(
                R.c.campaign == campaign,
                R.c.day <= scope.as_of,
                scope.subdistrict_clause(R.c.subdistrict),
            )
            .group_by(R.c.day)
            .order_by(R.c.day)
        )
        if scope.date_from:
            query = query.where(R.c.day >= scope.date_from)
    else:
        query = _increments_from_rows(scope, campaign)
    with connected(engine_or_connection) as connection:
        return [
            DayIncrement(as_date(row.day), int(row.households), int(row.persons))
            for row in connection.execute(query)
        ]


def _increments_from_rows(scope: Scope, campaign: str):  # type: ignore[no-untyped-def]
    """The daily increments of chosen communities: LAG over their own rows."""
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
    return query


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
