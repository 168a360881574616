"""社区排名: one row per community with red/yellow/green per area and the week's rank change.

Built only from the area functions (the same figures as the weekly report) plus the community
register. Each area gives a gap in percentage points between what is achieved and what should be
achieved by now (see ``figures.status``); the score is the mean gap over the areas a community
has data for, and the rank orders communities by score (1 = furthest ahead).

A city has 2,000 communities: every figure, gap and status is computed column-wise (numpy),
for this week and last week alike; only the ranks are ordered in Python (the names' code-point
order). A page that also shows the report or the summaries passes their own per-community rows
as this week's (``report_with_league``, ``league_with_summaries``), so they are read once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select

from figures import census, judged, livelihood, volunteers
from figures.area_helpers import connected
from figures.census import CommunityCensus
from figures.livelihood import CommunityLivelihood
from figures.report import report_dict, report_figures, report_scope
from figures.scope import Scope
from figures.status import Rules, Status, load_rules, statuses_against
from figures.volunteers import CommunityVolunteers
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


@dataclass(frozen=True)
class WeekFigures:
    """What the league judges on one date: each area's per-community rows and the census plan
    line (None without a campaign)."""

    livelihood: Sequence[CommunityLivelihood]
    census: Sequence[CommunityCensus]
    census_expected: float | None
    volunteers: Sequence[CommunityVolunteers]


Starts = dict[str, dt.date | None]  # a campaign's first day, by campaign, once read


def _plan_line(
    connection: Engine | Connection, campaign: str, as_of: dt.date, starts: Starts | None
) -> float | None:
    """The plan line of ``campaign`` on ``as_of``; its first day is read only when ``starts``
    does not hold it yet (and then kept there)."""
    starts = {} if starts is None else starts
    if campaign not in starts:
        starts[campaign] = census.campaign_start(connection, campaign)
    return judged.census_expected(starts[campaign], as_of)


def week_figures(connection: Connection, scope: Scope, starts: Starts | None = None) -> WeekFigures:
    """The league's figures on the scope's date: the three areas' ``by_community`` rows (the
    census rows alone, without the §3 totals) and the campaign's plan line. ``starts`` keeps
    the campaigns' first days already read (both weeks usually share one campaign)."""
    census_rows: list[CommunityCensus] = []
    expected = None
    campaign = census.current_campaign(connection, scope)
    if campaign is not None:
        census_rows = census.community_rows(connection, scope, campaign)
        expected = _plan_line(connection, campaign, scope.as_of, starts)
    return WeekFigures(
        livelihood=livelihood.livelihood_by_community(connection, scope),
        census=census_rows,
        census_expected=expected,
        volunteers=volunteers.volunteer_by_community(connection, scope),
    )


def report_week_figures(
    connection: Engine | Connection,
    scope: Scope,
    livelihood_rows: Sequence[CommunityLivelihood],
    census_block: census.CensusSummary | None,
    volunteer_rows: Sequence[CommunityVolunteers],
    starts: Starts | None = None,
) -> WeekFigures:
    """This week's figures from a report's own blocks of the same scope (nothing read twice);
    the campaign's first day goes into ``starts`` for last week's figures (``community_league``
    with the same ``starts``: both weeks usually share one campaign)."""
    expected = None
    if census_block is not None:
        expected = _plan_line(connection, census_block.campaign, scope.as_of, starts)
    return WeekFigures(
        livelihood=livelihood_rows,
        census=[] if census_block is None else census_block.by_community,
        census_expected=expected,
        volunteers=volunteer_rows,
    )


@dataclass(frozen=True)
class _Judged:
    """One week's league as columns aligned with the community register."""

    livelihood_rate: list[float | None]
    livelihood_status: list[Status | None]
    overdue: list[int]
    census_rate: list[float | None]
    census_status: list[Status | None]
    registered: list[int]
    share: list[float | None]
    volunteer_status: list[Status | None]
    hours: list[float]
    score: list[float | None]


def _aligned(rows: Sequence[Any], keys: list[tuple[str, str]]) -> list[Any]:
    """Each register key's row of an area (None for a community the area does not list)."""
    by_key = {(row.subdistrict, row.community): row for row in rows}
    return [by_key.get(key) for key in keys]


def _floats(values: list[float | None]) -> np.ndarray:
    """A column with None as nan (no figure), for the column-wise judgement."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _or_none(array: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in array.tolist()]  # nan != nan


@dataclass(frozen=True)
class _Columns:
    """One week's figures as columns aligned with the community register, and its scores:
    what ranking needs (last week is only ranked) and what judging builds on."""

    projects: list[CommunityLivelihood | None]
    people_rows: list[CommunityVolunteers | None]
    livelihood_rate: list[float | None]
    census_rate: list[float | None]
    registered: list[int]
    share: np.ndarray
    capped: np.ndarray
    lv: np.ndarray
    lv_expected: float
    cs: np.ndarray
    cs_expected: float
    score: list[float | None]


def _columns(places: list[tuple[str, str, int]], week: WeekFigures, as_of: dt.date) -> _Columns:
    """Every community's figures and score on one date, column by column.

    The same arithmetic as ``figures.judged`` one figure at a time (``tests/test_league.py``
    compares the two): gap = (achieved − expected) × 100 points, the score the mean of the
    known gaps ÷ 100 summed in the areas' order.
    """
    keys = [(subdistrict, name) for subdistrict, name, _ in places]
    size = len(keys)
    projects = _aligned(week.livelihood, keys)
    people_rows = _aligned(week.volunteers, keys)
    livelihood_rate = [r.completion_rate if r is not None and r.total else None for r in projects]
    census_rate = [
        r.rate if r is not None and r.expected else None for r in _aligned(week.census, keys)
    ]
    registered = [0 if r is None else r.registered for r in people_rows]
    share, capped = judged.volunteer_share_columns(registered, [p for _, _, p in places])

    lv = _floats(livelihood_rate)
    lv_expected = judged.livelihood_expected(as_of)
    cs = _floats(census_rate)
    cs_expected = np.nan if week.census_expected is None else week.census_expected
    total, count = np.zeros(size), np.zeros(size)
    for achieved, expected in ((lv, lv_expected), (cs, cs_expected), (capped, 1.0)):
        gap = ((achieved - expected) * 100) / 100
        known = ~np.isnan(gap)
        total = np.where(known, total + gap, total)
        count += known
    score = np.full(size, np.nan)
    np.divide(total, count, out=score, where=count > 0)
    return _Columns(
        projects=projects,
        people_rows=people_rows,
        livelihood_rate=livelihood_rate,
        census_rate=census_rate,
        registered=registered,
        share=share,
        capped=capped,
        lv=lv,
        lv_expected=lv_expected,
        cs=cs,
        cs_expected=cs_expected,
        score=_or_none(score),
    )


def _judge(
    places: list[tuple[str, str, int]], week: WeekFigures, rules: Rules, as_of: dt.date
) -> _Judged:
    """Every community's figures, statuses and score on one date (``_columns`` judged)."""
    columns = _columns(places, week, as_of)
    return _Judged(
        livelihood_rate=columns.livelihood_rate,
        livelihood_status=statuses_against(columns.lv, columns.lv_expected, rules),
        overdue=[0 if r is None else r.overdue for r in columns.projects],
        census_rate=columns.census_rate,
        census_status=statuses_against(columns.cs, columns.cs_expected, rules),
        registered=columns.registered,
        share=[None if v is None else round(v, 4) for v in _or_none(columns.share)],
        volunteer_status=statuses_against(columns.capped, 1.0, rules),
        hours=[0.0 if r is None else r.hours for r in columns.people_rows],
        score=columns.score,
    )


def _ranks(places: list[tuple[str, str, int]], scores: list[float | None]) -> list[int | None]:
    """Rank by score, best first (ties share a rank; equal scores are listed by subdistrict,
    then community); communities without any figure are unranked (None)."""
    rounded = [None if score is None else round(score or 0.0, 6) for score in scores]
    order = sorted(
        (i for i, score in enumerate(rounded) if score is not None),
        key=lambda i: (-rounded[i], places[i][0], places[i][1]),  # type: ignore[operator]
    )
    ranks: list[int | None] = [None] * len(places)
    previous_score, previous_rank = None, 0
    for position, index in enumerate(order, start=1):
        score = rounded[index]
        rank = previous_rank if score == previous_score else position
        ranks[index] = rank
        previous_score, previous_rank = score, rank
    return ranks


def league_of(
    places: list[tuple[str, str, int]],
    rules: Rules,
    as_of: dt.date,
    now: WeekFigures,
    before: WeekFigures,
) -> list[LeagueRow]:
    """The league on ``as_of`` from both weeks' figures: ranked rows first (best first), then
    the unranked ones in register order, each with its rank change since 7 days earlier."""
    this_week = _judge(places, now, rules, as_of)
    ranks = _ranks(places, this_week.score)
    # Last week is only ranked: its scores, not its statuses.
    previous = _ranks(places, _columns(places, before, as_of - dt.timedelta(days=7)).score)
    livelihood_expected = round(judged.livelihood_expected(as_of), 4)
    census_expected = None if now.census_expected is None else round(now.census_expected, 4)
    rows = []
    for i, (subdistrict, name, population) in enumerate(places):
        rank, earlier = ranks[i], previous[i]
        rows.append(
            LeagueRow(
                subdistrict=subdistrict,
                community=name,
                population=population,
                livelihood_rate=this_week.livelihood_rate[i],
                livelihood_expected=livelihood_expected,
                livelihood_status=this_week.livelihood_status[i],
                overdue=this_week.overdue[i],
                census_rate=this_week.census_rate[i],
                census_expected=census_expected,
                census_status=this_week.census_status[i],
                volunteer_registered=this_week.registered[i],
                volunteer_share=this_week.share[i],
                volunteer_status=this_week.volunteer_status[i],
                volunteer_hours=this_week.hours[i],
                score=this_week.score[i],
                rank=rank,
                rank_change=None if rank is None or earlier is None else earlier - rank,
            )
        )
    ranked = sorted(
        (row for row in rows if row.rank is not None),
        key=lambda row: (row.rank, row.subdistrict, row.community),
    )
    return ranked + [row for row in rows if row.rank is None]


def community_league(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    this_week: WeekFigures | None = None,
    starts: Starts | None = None,
) -> list[LeagueRow]:
    """The league of this week and last week in one pass: this week's standing, each row with
    its rank change against 7 days earlier.

    One connection, the community register and the rules read once for both weeks; the pages
    fetch this once per view (``ui.data``) and share it (table, chart, agenda, 通报).
    ``this_week``: the figures of ``scope`` already read (a report's), not read again;
    ``starts``: the campaigns' first days read with them (``report_week_figures``).
    """
    last_week = replace(scope, date_to=scope.as_of - dt.timedelta(days=7))
    with connected(engine_or_connection) as connection:
        places = _communities(connection, scope)
        rules = load_rules(connection)
        starts = {} if starts is None else starts
        now = this_week if this_week is not None else week_figures(connection, scope, starts)
        before = week_figures(connection, last_week, starts)
    return league_of(places, rules, scope.as_of, now, before)


@dataclass(frozen=True)
class ReportWithLeague:
    """The §3 report of a date and subdistrict and the league of the same scope."""

    report: dict[str, Any]
    league: list[LeagueRow]


def report_with_league(
    engine_or_connection: Engine | Connection, as_of: dt.date, subdistrict: str | None = None
) -> ReportWithLeague:
    """``build_report`` and ``community_league`` of its scope in one pass: the league takes
    this week's per-community rows from the report's own blocks (/weekly, its PDF and Word
    通报, the push and the alerts show both)."""
    scope = report_scope(as_of, subdistrict)
    with connected(engine_or_connection) as connection:
        figures = report_figures(connection, scope)
        starts: Starts = {}
        this_week = report_week_figures(
            connection,
            scope,
            figures.livelihood_rows,
            figures.census,
            figures.volunteers.by_community,
            starts,
        )
        rows = community_league(connection, scope, this_week, starts)
    return ReportWithLeague(report_dict(figures), rows)


@dataclass(frozen=True)
class LeagueWithSummaries:
    """The livelihood, census and volunteer summaries of a scope and the league of the same
    scope."""

    livelihood: livelihood.LivelihoodSummary
    census: census.CensusSummary | None
    volunteers: volunteers.VolunteerSummary
    league: list[LeagueRow]


def league_with_summaries(
    engine_or_connection: Engine | Connection, scope: Scope
) -> LeagueWithSummaries:
    """The overview's livelihood, census and volunteer cards and its league in one pass: the
    league takes this week's per-community rows from the summaries (read once; the livelihood
    summary and its rows are one statement, ``livelihood_figures``)."""
    with connected(engine_or_connection) as connection:
        projects = livelihood.livelihood_figures(connection, scope)
        census_block = census.census_summary(connection, scope)
        volunteer_block = volunteers.volunteer_summary(connection, scope)
        starts: Starts = {}
        this_week = report_week_figures(
            connection,
            scope,
            projects.by_community,
            census_block,
            volunteer_block.by_community,
            starts,
        )
        rows = community_league(connection, scope, this_week, starts)
    return LeagueWithSummaries(projects.summary, census_block, volunteer_block, rows)
