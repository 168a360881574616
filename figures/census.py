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
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, func, select

from figures.area_helpers import connected, place_key, ratio
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
    latest = latest_rows(scope, campaign, scope.as_of)
    query = select(
        Community.subdistrict,
        Community.name,
        latest.c.expected_households,
        latest.c.registered_households,
    ).join(Community, Community.id == latest.c.community_id)
    rows = [
        CommunityCensus(
            subdistrict=row.subdistrict,
            community=row.name,
            expected=int(row.expected_households),
            registered_households=int(row.registered_households),
            rate=ratio(row.registered_households, row.expected_households),
        )
        for row in connection.execute(query)
    ]
    return sorted(rows, key=lambda item: place_key(item.subdistrict, item.community))


def census_summary(engine_or_connection: Engine | Connection, scope: Scope) -> CensusSummary | None:
    """Totals and per-community progress of the current campaign; None before any row."""
    as_of = scope.as_of
    with connected(engine_or_connection) as connection:
        campaign = current_campaign(connection, scope)
        if campaign is None:
            return None
        latest = latest_rows(scope, campaign, as_of)
        totals = connection.execute(
            select(
                func.coalesce(func.sum(latest.c.expected_households), 0).label("expected"),
                func.coalesce(func.sum(latest.c.registered_households), 0).label("households"),
                func.coalesce(func.sum(latest.c.registered_persons), 0).label("persons"),
            )
        ).one()
        week_ago = registered_households_at(
            connection, scope, campaign, as_of - dt.timedelta(days=7)
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
