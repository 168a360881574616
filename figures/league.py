"""社区排名: one row per community with red/yellow/green per area and the week's rank change.

Built only from the area functions (the same figures as the weekly report) plus the community
register. Each area gives a gap in percentage points between what is achieved and what should be
achieved by now (see ``figures.status``); the score is the mean gap over the areas a community
has data for, and the rank orders communities by score (1 = furthest ahead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine, select

from figures import census, livelihood, volunteers
from figures.area_helpers import connected
from figures.scope import Scope
from figures.status import (
    Rules,
    Status,
    census_plan_rate,
    load_rules,
    status_against,
    volunteer_target_share,
    year_elapsed,
)
from storage.models import Community


@dataclass(frozen=True)
class LeagueRow:
    """A community's standing: per-area achievement, expectation and status, and its rank."""

    subdistrict: str
    community: str
    population: int
    livelihood_rate: float | None
    livelihood_expected: float
    livelihood_status: Status | None
    overdue: int
    census_rate: float | None
    census_expected: float | None
    census_status: Status | None
    volunteer_registered: int
    volunteer_share: float | None
    volunteer_status: Status | None
    volunteer_hours: float
    score: float | None
    rank: int | None = None
    rank_change: int | None = None


def _communities(connection: Connection, scope: Scope) -> list[tuple[str, str, int]]:
    query = (
        select(Community.subdistrict, Community.name, Community.population)
        .where(scope.community_clause(Community.id))
        .order_by(Community.subdistrict, Community.name)
    )
    return [(row[0], row[1], int(row[2])) for row in connection.execute(query)]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _standing(
    connection: Connection, scope: Scope, places: list[tuple[str, str, int]], rules: Rules
) -> list[LeagueRow]:
    """Every community's standing as of the scope's date (``places`` and ``rules`` are read
    once for both weeks by ``community_league``)."""
    as_of = scope.as_of
    expected_livelihood = year_elapsed(as_of)
    projects = {
        (row.subdistrict, row.community): row
        for row in livelihood.livelihood_by_community(connection, scope)
    }
    census_summary = census.census_summary(connection, scope)
    census_rows = {}
    census_expected = None
    if census_summary is not None:
        census_rows = {(r.subdistrict, r.community): r for r in census_summary.by_community}
        start = census.campaign_start(connection, census_summary.campaign)
        census_expected = census_plan_rate(start, as_of) if start else None
    volunteer_rows = {
        (r.subdistrict, r.community): r
        for r in volunteers.volunteer_by_community(connection, scope)
    }
    rows = []
    for subdistrict, name, population in places:
        key = (subdistrict, name)
        project = projects.get(key)
        project_rate = project.completion_rate if project and project.total else None
        census_row = census_rows.get(key)
        census_rate = census_row.rate if census_row and census_row.expected else None
        volunteer_row = volunteer_rows.get(key)
        registered = volunteer_row.registered if volunteer_row else 0
        share = volunteer_target_share(registered, population)
        capped_share = None if share is None else min(share, 1.0)
        gaps = [
            achieved - expected
            for achieved, expected in (
                (project_rate, expected_livelihood),
                (census_rate, census_expected),
                (capped_share, 1.0),
            )
            if achieved is not None and expected is not None
        ]
        rows.append(
            LeagueRow(
                subdistrict=subdistrict,
                community=name,
                population=population,
                livelihood_rate=project_rate,
                livelihood_expected=round(expected_livelihood, 4),
                livelihood_status=status_against(project_rate, expected_livelihood, rules),
                overdue=project.overdue if project else 0,
                census_rate=census_rate,
                census_expected=None if census_expected is None else round(census_expected, 4),
                census_status=status_against(census_rate, census_expected, rules),
                volunteer_registered=registered,
                volunteer_share=None if share is None else round(share, 4),
                volunteer_status=status_against(capped_share, 1.0, rules),
                volunteer_hours=volunteer_row.hours if volunteer_row else 0.0,
                score=_mean(gaps),
            )
        )
    return _ranked(rows)


def _ranked(rows: list[LeagueRow]) -> list[LeagueRow]:
    """Rank by score (ties share a rank); communities without any figure are unranked."""
    scored = sorted(
        (row for row in rows if row.score is not None),
        key=lambda row: (-round(row.score or 0.0, 6), row.subdistrict, row.community),
    )
    ranked: list[LeagueRow] = []
    previous_score, previous_rank = None, 0
    for position, row in enumerate(scored, start=1):
        score = round(row.score or 0.0, 6)
        rank = previous_rank if score == previous_score else position
        ranked.append(replace(row, rank=rank))
        previous_score, previous_rank = score, rank
    unranked = [row for row in rows if row.score is None]
    return ranked + unranked


def community_league(engine_or_connection: Engine | Connection, scope: Scope) -> list[LeagueRow]:
    """The league of this week and last week in one pass: this week's standing, each row with
    its rank change against 7 days earlier.

    One connection, the community register and the rules read once for both weeks; the pages
    fetch this once per view (``ui.data``) and share it (table, chart, agenda, 通报).
    """
    last_week = replace(scope, date_to=scope.as_of - dt.timedelta(days=7))
    with connected(engine_or_connection) as connection:
        places = _communities(connection, scope)
        rules = load_rules(connection)
        now = _standing(connection, scope, places, rules)
        before = {
            (r.subdistrict, r.community): r.rank
            for r in _standing(connection, last_week, places, rules)
        }
    result = []
    for row in now:
        previous = before.get((row.subdistrict, row.community))
        change = previous - row.rank if previous is not None and row.rank is not None else None
        result.append(replace(row, rank_change=change))
    return result
