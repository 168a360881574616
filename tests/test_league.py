"""社区排名: per-area status from the one rule set, ranks by mean gap, rank change per week."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import numpy as np
import pytest

from figures import judged
from figures.census import CommunityCensus, campaign_start
from figures.league import LeagueRow, WeekFigures, community_league, league_of
from figures.livelihood import CommunityLivelihood
from figures.scope import Scope
from figures.status import Rules, status_against, statuses_against
from figures.volunteers import CommunityVolunteers
from tests.report_rows import Rows

AS_OF = dt.date(2026, 6, 30)  # 序时进度 by day: 181/365 = 0.4959
A = ("甲街道", "一社区")
B = ("甲街道", "二社区")
C = ("乙街道", "三社区")


@pytest.fixture
def rows(engine):
    """Three communities: A ahead on projects, B behind, C with no figures at all."""
    r = Rows(engine)
    for _ in range(2):
        r.project(A, "已完成", dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    r.project(B, "推进中", dt.date(2026, 12, 1))
    r.project(B, "已完成", dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    r.project(B, "未启动", dt.date(2026, 6, 1))
    r.community(*C)
    return r


def _by_name(league):
    return {row.community: row for row in league}


def test_livelihood_status_compares_completion_with_year_elapsed(engine, rows):
    """A at 100% is green; B at 1/3 is more than 10 points behind 49.6% → red."""
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["一社区"].livelihood_status == "green"
    assert league["二社区"].livelihood_status == "red"
    assert league["二社区"].overdue == 1


def test_community_without_projects_is_judged_on_what_it_has(engine, rows):
    """No project: no livelihood status; residents with no volunteer registered: red, ranked last."""
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["三社区"].livelihood_status is None
    assert league["三社区"].volunteer_status == "red"
    assert league["三社区"].rank == 3


def test_rank_orders_by_score_and_scope_limits_rows(engine, rows):
    """A ranks above B; a subdistrict scope lists only its own communities."""
    league = community_league(engine, Scope(subdistrict="甲街道", date_to=AS_OF))
    assert [(row.community, row.rank) for row in league] == [("一社区", 1), ("二社区", 2)]


def test_rank_change_compares_with_seven_days_earlier(engine, rows):
    """B overtakes A within the week: B moves up one, A down one."""
    for _ in range(3):
        rows.project(B, "已完成", dt.date(2026, 6, 28), dt.date(2026, 6, 28))
    rows.project(A, "推进中", dt.date(2026, 12, 1))
    rows.project(A, "推进中", dt.date(2026, 12, 1))
    league = _by_name(community_league(engine, Scope(subdistrict="甲街道", date_to=AS_OF)))
    assert league["二社区"].rank == 1 and league["二社区"].rank_change == 1
    assert league["一社区"].rank == 2 and league["一社区"].rank_change == -1


def test_census_status_uses_the_campaign_plan_line(engine, rows):
    """Day 20 of the 40-day plan expects 50%: 45% is yellow, 30% is red."""
    start = dt.date(2026, 6, 11)
    rows.census("核查", A, start, 100, 5)
    rows.census("核查", A, AS_OF, 100, 45)
    rows.census("核查", B, AS_OF, 100, 30)
    assert campaign_start(engine, "核查") == start
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["一社区"].census_expected == pytest.approx(0.5)
    assert league["一社区"].census_status == "yellow"
    assert league["二社区"].census_status == "red"


@pytest.mark.parametrize("with_report", ["report_with_league", "league_with_summaries"])
def test_both_weeks_plan_lines_read_the_campaigns_first_day_once(
    engine, rows, monkeypatch, with_report
):
    """The league of a report (or of the overview's summaries) takes this week's plan line
    from the report's census block and last week's from the same first day: read once."""
    from figures import census, league

    rows.census("核查", A, dt.date(2026, 6, 11), 100, 5)
    rows.census("核查", A, AS_OF, 100, 45)
    reads = []
    original = census.campaign_start

    def counted(*args):  # type: ignore[no-untyped-def]
        reads.append(args[1:])
        return original(*args)

    monkeypatch.setattr(census, "campaign_start", counted)
    if with_report == "report_with_league":
        table = league.report_with_league(engine, AS_OF).league
    else:
        table = league.league_with_summaries(engine, Scope(date_to=AS_OF)).league
    assert reads == [("核查",)]
    assert _by_name(table)["一社区"].census_expected == pytest.approx(0.5)
    assert table == community_league(engine, Scope(date_to=AS_OF))


def test_volunteer_status_against_thirteen_percent_of_residents(engine, rows):
    """130 of 1,000 residents registered is green; 100 (77% of target) is red."""
    for number in range(130):
        rows.volunteer(f"A{number}", A, dt.date(2025, 1, 1))
    for number in range(100):
        rows.volunteer(f"B{number}", B, dt.date(2025, 1, 1))
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["一社区"].volunteer_status == "green"
    assert league["二社区"].volunteer_status == "red"


# ---------------------------------------------------------------- the column-wise league


def _reference_league(places, rules, as_of, now, before):  # type: ignore[no-untyped-def]
    """The league as first written: one community at a time with the scalar judgements of
    ``figures.judged``, ranked by rounded score then name, rank change against last week."""

    def standing(week, day):  # type: ignore[no-untyped-def]
        projects = {(r.subdistrict, r.community): r for r in week.livelihood}
        censuses = {(r.subdistrict, r.community): r for r in week.census}
        people = {(r.subdistrict, r.community): r for r in week.volunteers}
        rows = []
        for subdistrict, name, population in places:
            key = (subdistrict, name)
            project, census_row, volunteer_row = (
                projects.get(key),
                censuses.get(key),
                people.get(key),
            )
            registered = volunteer_row.registered if volunteer_row else 0
            verdicts = (
                judged.judge_livelihood(
                    project.completion_rate if project and project.total else None, day, rules
                ),
                judged.judge_census(
                    census_row.rate if census_row and census_row.expected else None,
                    week.census_expected,
                    rules,
                    day,
                ),
                judged.judge_volunteers(registered, population, rules, day),
            )
            gaps = [v.gap_points / 100 for v in verdicts if v.gap_points is not None]
            share = judged.volunteer_share(registered, population)
            rows.append(
                LeagueRow(
                    subdistrict=subdistrict,
                    community=name,
                    population=population,
                    livelihood_rate=verdicts[0].value,
                    livelihood_expected=round(judged.livelihood_expected(day), 4),
                    livelihood_status=verdicts[0].status,
                    overdue=project.overdue if project else 0,
                    census_rate=verdicts[1].value,
                    census_expected=None
                    if week.census_expected is None
                    else round(week.census_expected, 4),
                    census_status=verdicts[1].status,
                    volunteer_registered=registered,
                    volunteer_share=None if share is None else round(share, 4),
                    volunteer_status=verdicts[2].status,
                    volunteer_hours=volunteer_row.hours if volunteer_row else 0.0,
                    score=sum(gaps) / len(gaps) if gaps else None,
                )
            )
        scored = sorted(
            (r for r in rows if r.score is not None),
            key=lambda r: (-round(r.score or 0.0, 6), r.subdistrict, r.community),
        )
        ranked, previous_score, previous_rank = [], None, 0
        for position, row in enumerate(scored, start=1):
            score = round(row.score or 0.0, 6)
            rank = previous_rank if score == previous_score else position
            ranked.append(replace(row, rank=rank))
            previous_score, previous_rank = score, rank
        return ranked + [r for r in rows if r.score is None]

    earlier = {
        (r.subdistrict, r.community): r.rank for r in standing(before, as_of - dt.timedelta(days=7))
    }
    result = []
    for row in standing(now, as_of):
        last = earlier.get((row.subdistrict, row.community))
        change = last - row.rank if last is not None and row.rank is not None else None
        result.append(replace(row, rank_change=change))
    return result


def _generated_week(random_, places, census_expected):  # type: ignore[no-untyped-def]
    """Figures drawn from a few values each, so many communities tie on their score; some
    communities lack an area (or have no project of the year counted)."""
    livelihood_rows, census_rows, volunteer_rows = [], [], []
    for subdistrict, name, population in places:
        if random_.random() < 0.8:
            total = random_.choice([0, 3, 4, 6])
            completed = random_.randint(0, total)
            rate = round(completed / total, 4) if total else 0.0
            livelihood_rows.append(
                CommunityLivelihood(
                    subdistrict, name, total, completed, rate, random_.randint(0, 2)
                )
            )
        if random_.random() < 0.7:
            expected = random_.choice([0, 100, 200])
            registered = random_.randint(0, expected)
            rate = round(registered / expected, 4) if expected else 0.0
            census_rows.append(CommunityCensus(subdistrict, name, expected, registered, rate))
        if random_.random() < 0.9:
            registered = random_.choice([0, 13, 26, 65, 117, 130, 200]) * max(population, 1) // 1000
            hours = float(random_.choice([0, 1.5, 12.25]))
            volunteer_rows.append(CommunityVolunteers(subdistrict, name, registered, 0, hours))
    return WeekFigures(livelihood_rows, census_rows, census_expected, volunteer_rows)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "rules",
    [Rules(), Rules(yellow_points=12.5), Rules(levels=5), Rules(levels=5, severe_points=30.0)],
)
def test_the_column_wise_league_is_the_one_community_at_a_time_league(seed, rules):
    """On 300 generated communities with many ties, missing areas, residents of 0 and a plan
    line or none: the same rows (figures, statuses, scores, ranks, ties, changes, order)."""
    random_ = random.Random(seed)
    places = sorted(
        {
            (f"{random_.choice('甲乙丙丁')}街道", f"{i:03d}社区", random_.choice([0, 1000, 2000]))
            for i in range(300)
        }
    )
    as_of = dt.date(2026, 6, 30) + dt.timedelta(days=seed * 17)
    plan = [None, 0.5, 0.925][seed % 3]
    now = _generated_week(random_, places, plan)
    before = _generated_week(random_, places, [0.35, None, 0.75][seed % 3])
    expected = _reference_league(places, rules, as_of, now, before)
    assert league_of(places, rules, as_of, now, before) == expected
    assert len({row.rank for row in expected if row.rank}) < len(expected)  # ties were made


def test_statuses_of_columns_are_the_scalar_rule_on_every_threshold():
    """Each level's edge (±1e-9 around ahead, on pace, yellow and severe) and unknown values."""
    achieved = [None, 0.0, 0.3, 0.5, 1.0, 0.8, 0.8 + 1e-12, 0.8 - 1e-12, 0.9, 0.9995, 0.9996]
    achieved += [1.05, 1.05 - 1e-12, 0.7, 0.7 - 1e-12, 0.7 + 1e-12, 0.75, 0.6, 0.95]
    column = np.array([np.nan if a is None else a for a in achieved])
    for rules in (Rules(), Rules(levels=5), Rules(yellow_points=25, levels=5, severe_points=30)):
        for expected in (0.9, 0.8, 1.0):
            want = [status_against(a, expected, rules) for a in achieved]
            assert statuses_against(column, expected, rules) == want
        assert statuses_against(column, np.nan, rules) == [None] * len(achieved)
