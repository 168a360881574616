"""Judged figures (``figures.judged``) at their boundary dates, on SQLite and PostgreSQL.

Each area's "expected by now" and its 红黄绿 are computed once in the data layer; these tests
pin them where the status flips: on pace, exactly ``yellow_points`` behind, a little more.
"""

from __future__ import annotations

import datetime as dt

import pytest
from report_rows import Rows

from figures import judged
from figures.league import community_league
from figures.report import build_report, report_scope
from figures.status import DEFAULT_RULES, overdue_status, week_change_status

Y = 2020  # a leap year: 366 days
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
GENERAL = "一般公共预算收入"


@pytest.fixture
def rows(engine) -> Rows:  # type: ignore[no-untyped-def]
    return Rows(engine)


def judged_report(engine, as_of: dt.date) -> judged.JudgedReport:  # type: ignore[no-untyped-def]
    report = build_report(engine, as_of)
    league = community_league(engine, report_scope(as_of))
    return judged.judge_report(report, DEFAULT_RULES, judged.league_census_expected(league))


# ---------------------------------------------------------------- 民生实事: 序时进度 by day


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        (dt.date(Y, 7, 1), "green"),  # day 183 of 366: 序时进度 exactly 50%
        (dt.date(Y, 7, 2), "yellow"),  # 0.3 points behind
        (dt.date(Y, 8, 6), "yellow"),  # day 219: 9.8 points behind
        (dt.date(Y, 8, 7), "red"),  # day 220: 10.1 points behind
    ],
)
def test_livelihood_is_judged_against_the_share_of_the_year_elapsed(engine, rows, as_of, status):
    """Half the projects done, judged against (day of year) / 366 of the as-of date."""
    rows.project(EAST_A, "已完成", dt.date(Y, 3, 1), completed_on=dt.date(Y, 3, 1))
    rows.project(EAST_A, "推进中", dt.date(Y, 12, 1))
    result = judged_report(engine, as_of)
    day = (as_of - dt.date(Y, 1, 1)).days + 1
    verdict = result.livelihood
    assert verdict is not None
    assert (verdict.value, verdict.expected, verdict.status) == (0.5, day / 366, status)
    assert verdict.gap_points == pytest.approx((0.5 - day / 366) * 100)
    assert (verdict.expected_label, verdict.unit, verdict.as_of) == ("序时进度", "%", as_of)
    assert verdict.definition
    assert [p.judged.status for p in result.livelihood_by_community] == [status]


def test_livelihood_expected_is_a_full_year_on_31_december(engine, rows):
    """On 31 December the whole year has elapsed: 序时进度 100%."""
    rows.project(EAST_A, "已完成", dt.date(Y, 3, 1), completed_on=dt.date(Y, 3, 1))
    verdict = judged_report(engine, dt.date(Y, 12, 31)).livelihood
    assert verdict is not None and (verdict.expected, verdict.status) == (1.0, "green")


def test_livelihood_without_projects_is_not_judged(engine, rows):
    """No project of the year: no judgement (not a red 0%)."""
    rows.community(*EAST_A)
    assert judged_report(engine, dt.date(Y, 6, 30)).livelihood is None


# ---------------------------------------------------------------- 财政: month / 12


@pytest.mark.parametrize(("ytd", "status"), [(600.0, "green"), (480.0, "yellow"), (479.0, "red")])
def test_fiscal_is_judged_against_month_over_12(engine, rows, ytd, status):
    """Months 1–6 of a 1,200 target: 序时进度 50%; 480 is exactly 10 points behind."""
    rows.community(*EAST_A)
    rows.target("东城街道", Y, GENERAL, 1200.0)
    for month in range(1, 7):
        rows.fiscal("东城街道", Y, month, GENERAL, ytd / 6)
    result = judged_report(engine, dt.date(Y, 6, 30))
    total = result.fiscal_totals[GENERAL]
    assert (total.judged.expected, total.judged.status) == (0.5, status)
    assert (total.judged.expected_label, total.judged.as_of) == ("序时进度", dt.date(Y, 6, 30))
    assert [(p.name, p.judged.status) for p in result.fiscal_items] == [(GENERAL, status)]


def test_fiscal_expected_follows_the_reporting_month_not_the_day(engine, rows):
    """On 1 July without a July row the figures are June's: 6/12, 数据截至 30 June."""
    rows.target("东城街道", Y, GENERAL, 1200.0)
    rows.fiscal("东城街道", Y, 6, GENERAL, 600.0)
    verdict = judged_report(engine, dt.date(Y, 7, 1)).fiscal_totals[GENERAL].judged
    assert (verdict.expected, verdict.as_of) == (0.5, dt.date(Y, 6, 30))
    rows.fiscal("东城街道", Y, 7, GENERAL, 100.0)
    verdict = judged_report(engine, dt.date(Y, 7, 1)).fiscal_totals[GENERAL].judged
    assert (verdict.expected, verdict.status) == (0.5833, "green")


def test_fiscal_data_date_is_never_after_the_as_of_date(engine, rows):
    """Mid-June with a June row: 6/12, but the figures are as of 15 June, not 30 June."""
    rows.target("东城街道", Y, GENERAL, 1200.0)
    rows.fiscal("东城街道", Y, 6, GENERAL, 600.0)
    verdict = judged_report(engine, dt.date(Y, 6, 15)).fiscal_totals[GENERAL].judged
    assert (verdict.expected, verdict.as_of) == (0.5, dt.date(Y, 6, 15))


def test_fiscal_total_sums_the_subdistricts(engine, rows):
    """The headline 科目 of two subdistricts: summed ytd over summed target."""
    for subdistrict, amount in (("东城街道", 500.0), ("西城街道", 100.0)):
        rows.target(subdistrict, Y, GENERAL, 600.0)
        rows.fiscal(subdistrict, Y, 6, GENERAL, amount)
    total = judged_report(engine, dt.date(Y, 6, 30)).fiscal_totals[GENERAL]
    assert (total.total.ytd, total.total.target, total.judged.value) == (600.0, 1200.0, 0.5)


# ---------------------------------------------------------------- 人口普查: the plan line


@pytest.mark.parametrize(("households", "status"), [(50, "green"), (40, "yellow"), (39, "red")])
def test_census_is_judged_against_the_plan_line(engine, rows, households, status):
    """Day 20 of a 40-day campaign: 计划进度 50%; 40 of 100 households is 10 points behind."""
    start = dt.date(Y, 11, 1)
    rows.census("普查", EAST_B, start, 100, 0)
    rows.census("普查", EAST_A, start + dt.timedelta(days=19), 100, households)
    as_of = start + dt.timedelta(days=19)
    assert judged.campaign_expected(engine, "普查", as_of) == 0.5
    league = {r.community: r for r in community_league(engine, report_scope(as_of))}
    assert (league["甲社区"].census_expected, league["甲社区"].census_status) == (0.5, status)
    verdict = judged_report(engine, as_of).census
    assert verdict is not None and (verdict.expected, verdict.expected_label) == (0.5, "计划进度")


@pytest.mark.parametrize(("day", "expected"), [(0, 1 / 40), (39, 1.0), (60, 1.0)])
def test_census_plan_line_starts_on_the_first_day_and_stops_at_100(engine, rows, day, expected):
    """The first day is 1/40 of the plan; day 40 and later are 100%."""
    start = dt.date(Y, 11, 1)
    rows.census("普查", EAST_A, start, 100, 10)
    assert judged.campaign_expected(engine, "普查", start + dt.timedelta(days=day)) == expected


# ---------------------------------------------------------------- 志愿服务: the 13% target


@pytest.mark.parametrize(("registered", "status"), [(130, "green"), (117, "yellow"), (116, "red")])
def test_volunteers_are_judged_against_the_target_share(engine, rows, registered, status):
    """1,000 residents: 130 registered is the 13% target; 117 is 90% of it (10 points)."""
    as_of = dt.date(Y, 6, 30)
    for number in range(registered):
        rows.volunteer(f"V{number:04d}", EAST_A, as_of)
    rows.volunteer("LATE", EAST_A, as_of + dt.timedelta(days=1))  # not yet registered
    (row,) = community_league(engine, report_scope(as_of))
    assert row.volunteer_status == status
    verdict = judged.judge_volunteers(registered, 1000, DEFAULT_RULES, as_of)
    assert (verdict.status, verdict.expected_label) == (status, "目标")


def test_volunteer_share_past_the_target_is_capped():
    """Twice the target is simply on target: the gap is 0, not +100 points."""
    verdict = judged.judge_volunteers(260, 1000, DEFAULT_RULES)
    assert (verdict.value, verdict.gap_points, verdict.status) == (1.0, 0.0, "green")


# ---------------------------------------------------------------- rules that were outside status


@pytest.mark.parametrize("levels", [3, 5])
def test_volunteer_statuses_of_a_column_are_each_communitys_judgement(levels):
    """The 志愿服务 ranking judges its 2,000 communities column-wise: each status is exactly
    ``judge_volunteers``' (thresholds of 13%, no residents, past the target, nobody)."""
    from figures.status import Rules

    rules = Rules(levels=levels)
    population = [0, 1000, 1000, 1000, 1000, 1000, 3, 7919, 1000, 10**7, 1000]
    registered = [5, 0, 130, 131, 117, 116, 1, 1030, 2000, 1_299_999, 97]
    registered += [round(1000 * 0.13 * (1 - points / 100)) for points in range(40)]
    population += [1000] * 40
    want = [
        judged.judge_volunteers(r, p, rules).status
        for r, p in zip(registered, population, strict=True)
    ]
    assert judged.volunteer_statuses(registered, population, rules) == want
    assert None in want and len(set(want)) >= 4


def test_overdue_is_red_from_the_first_project():
    assert (overdue_status(0), overdue_status(1)) == ("green", "red")


def test_week_change_down_is_yellow():
    assert week_change_status(10.0, 10.0) == "green"
    assert week_change_status(9.9, 10.0) == "yellow"
    assert week_change_status(5.0, 0.0) is None


# ---------------------------------------------------------------- the red items, one selection


def test_red_items_are_the_agenda_and_the_alerts(engine, rows):
    """An overdue community, a red completion rate and a red 财政 item, each once."""
    as_of = dt.date(Y, 6, 30)
    rows.project(EAST_A, "推进中", dt.date(Y, 3, 1))  # overdue, rate 0
    rows.target("东城街道", Y, GENERAL, 1200.0)
    rows.fiscal("东城街道", Y, 6, GENERAL, 100.0)
    report = build_report(engine, as_of)
    league = community_league(engine, report_scope(as_of))
    red = judged.red_items(report, league, DEFAULT_RULES)
    assert [(r.area, r.name) for r in red] == [
        ("逾期项目", "甲社区"),
        ("民生实事", "甲社区"),
        ("财政税收", GENERAL),
    ]
    assert red[0].overdue == 1 and red[0].judged is None
