"""The §3 definitions of the area queries, each at its boundary dates, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from report_rows import Rows

from figures.census import census_summary
from figures.fiscal import fiscal_report
from figures.livelihood import livelihood_by_community, livelihood_summary
from figures.scope import Scope
from figures.volunteers import volunteer_summary

AS_OF = dt.date(2020, 6, 30)
Y = AS_OF.year
SCOPE = Scope(date_to=AS_OF)
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
WEST_A = ("西城街道", "丙社区")


def days(n: int) -> dt.date:
    """AS_OF shifted by ``n`` days."""
    return AS_OF + dt.timedelta(days=n)


@pytest.fixture
def rows(engine) -> Rows:  # type: ignore[no-untyped-def]
    return Rows(engine)


# ---------------------------------------------------------------- livelihood


@pytest.mark.parametrize(
    ("completed_on", "completed", "in_progress"),
    [(days(0), 1, 0), (days(1), 0, 1), (days(-100), 1, 0)],
)
def test_finished_project_counts_completed_only_from_its_completion_date(
    engine, rows, completed_on, completed, in_progress
):
    """已完成 counts completed when 完成日期 ≤ as-of, in_progress when it is later."""
    rows.project(EAST_A, "已完成", dt.date(Y, 5, 1), completed_on=completed_on)
    summary = livelihood_summary(engine, SCOPE)
    assert (summary.completed, summary.in_progress, summary.total) == (completed, in_progress, 1)


@pytest.mark.parametrize(
    ("status", "field"),
    [("未启动", "not_started"), ("推进中", "in_progress"), ("已取消", "cancelled")],
)
def test_each_status_lands_in_its_count(engine, rows, status, field):
    """未启动, 推进中 and 已取消 are counted in their own figure."""
    rows.project(EAST_A, status, dt.date(Y, 12, 1))
    assert getattr(livelihood_summary(engine, SCOPE), field) == 1


def test_cancelled_projects_are_left_out_of_total_and_rate(engine, rows):
    """A cancelled project counts neither in total nor in the completion rate."""
    rows.project(EAST_A, "已取消", dt.date(Y, 3, 1))
    rows.project(EAST_A, "已完成", dt.date(Y, 3, 1), completed_on=dt.date(Y, 3, 1))
    summary = livelihood_summary(engine, SCOPE)
    assert (summary.total, summary.cancelled, summary.completion_rate) == (1, 1, 1.0)


def test_completion_rate_is_a_fraction_rounded_to_4_decimals(engine, rows):
    """2 of 3 completed gives 0.6667."""
    for _ in range(2):
        rows.project(EAST_A, "已完成", dt.date(Y, 3, 1), completed_on=dt.date(Y, 3, 1))
    rows.project(EAST_A, "推进中", dt.date(Y, 12, 1))
    assert livelihood_summary(engine, SCOPE).completion_rate == 0.6667


def test_completion_rate_is_zero_without_projects(engine):
    """No project of the year gives total 0 and rate 0, not an error."""
    summary = livelihood_summary(engine, SCOPE)
    assert (summary.year, summary.total, summary.completion_rate) == (Y, 0, 0.0)


def test_projects_of_other_years_are_ignored(engine, rows):
    """Only projects whose 年度 is the as-of year count."""
    rows.project(EAST_A, "推进中", dt.date(Y - 1, 12, 1))
    rows.project(EAST_A, "未启动", dt.date(Y + 1, 1, 1), year=Y + 1)
    assert livelihood_summary(engine, SCOPE).total == 0


@pytest.mark.parametrize(
    ("status", "planned_on", "completed_on", "overdue"),
    [
        ("推进中", days(0), None, 0),
        ("推进中", days(-1), None, 1),
        ("未启动", days(-1), None, 1),
        ("已完成", days(-1), days(-1), 0),
        ("已完成", days(-1), days(1), 1),
        ("已取消", days(-1), None, 0),
    ],
)
def test_overdue_is_unfinished_with_plan_date_before_as_of(
    engine, rows, status, planned_on, completed_on, overdue
):
    """Overdue: in total, not completed by as-of, 计划完成日期 strictly before as-of."""
    rows.project(EAST_A, status, planned_on, completed_on=completed_on)
    assert livelihood_summary(engine, SCOPE).overdue == overdue


@pytest.mark.parametrize(
    ("completed_on", "this_week"),
    [(days(0), 1), (days(-6), 1), (days(-7), 0), (days(1), 0)],
)
def test_completed_this_week_covers_as_of_minus_6_to_as_of(engine, rows, completed_on, this_week):
    """完成日期 within as-of − 6 … as-of counts for the week."""
    rows.project(EAST_A, "已完成", dt.date(Y, 6, 1), completed_on=completed_on)
    assert livelihood_summary(engine, SCOPE).completed_this_week == this_week


def test_livelihood_by_community_lists_communities_with_projects_sorted(engine, rows):
    """Communities with projects of the year, sorted; one without projects is left out."""
    rows.community(*EAST_B)
    rows.project(WEST_A, "已完成", dt.date(Y, 3, 1), completed_on=dt.date(Y, 3, 1))
    rows.project(EAST_A, "推进中", days(-1))
    rows.project(EAST_A, "已完成", dt.date(Y, 3, 1), completed_on=dt.date(Y, 3, 1))
    result = [
        (r.subdistrict, r.community, r.total, r.completed, r.completion_rate, r.overdue)
        for r in livelihood_by_community(engine, SCOPE)
    ]
    assert result == [(*EAST_A, 2, 1, 0.5, 1), (*WEST_A, 1, 1, 1.0, 0)]


def test_livelihood_by_community_shows_cancelled_only_community_with_zero_total(engine, rows):
    """A community whose projects are all cancelled is listed with total 0 and rate 0."""
    rows.project(EAST_A, "已取消", dt.date(Y, 3, 1))
    [row] = livelihood_by_community(engine, SCOPE)
    assert (row.total, row.completion_rate) == (0, 0.0)


@pytest.mark.parametrize(
    ("scope", "total"),
    [
        (Scope(subdistrict="东城街道", date_to=AS_OF), 2),
        (Scope(subdistrict="西城街道", date_to=AS_OF), 1),
        (Scope(communities=(EAST_B,), date_to=AS_OF), 1),
        (SCOPE, 3),
    ],
)
def test_livelihood_follows_subdistrict_and_community_scope(engine, rows, scope, total):
    """Scope narrows the projects by subdistrict and by community."""
    for place in (EAST_A, EAST_B, WEST_A):
        rows.project(place, "推进中", dt.date(Y, 12, 1))
    assert livelihood_summary(engine, scope).total == total


# ---------------------------------------------------------------- fiscal


def test_fiscal_month_is_latest_with_rows_not_after_as_of_month(engine, rows):
    """Rows of later months are ignored; the month is the latest one ≤ as-of's month."""
    for month in (1, 4, 8):
        rows.fiscal("东城街道", Y, month, "税收收入", 10)
    report = fiscal_report(engine, SCOPE)
    assert (report.year, report.month, report.time_progress) == (Y, 4, 0.3333)


@pytest.mark.parametrize(
    ("year", "month"),
    [(Y - 1, 6), (Y, 7)],
)
def test_fiscal_is_none_without_rows_of_the_year_by_as_of(engine, rows, year, month):
    """No row of Y (or only rows after as-of's month) gives None."""
    rows.fiscal("东城街道", year, month, "税收收入", 10)
    assert fiscal_report(engine, SCOPE) is None


def test_fiscal_month_amount_and_ytd_sum_months_1_to_month(engine, rows):
    """month_amount is month M's amount; ytd sums months 1…M only."""
    for month, amount in ((1, 10.004), (2, 20.0), (6, 30.0), (7, 999.0)):
        rows.fiscal("东城街道", Y, month, "税收收入", amount)
    [item] = fiscal_report(engine, SCOPE).items
    assert (item.month_amount, item.ytd) == (30.0, 60.0)


def test_fiscal_month_amount_is_zero_when_item_has_no_row_that_month(engine, rows):
    """An item silent in the reporting month shows 0 for the month but keeps its ytd."""
    rows.fiscal("东城街道", Y, 2, "增值税", 5)
    rows.fiscal("东城街道", Y, 6, "税收收入", 10)
    items = {i.item: i for i in fiscal_report(engine, SCOPE).items}
    assert (items["增值税"].month_amount, items["增值税"].ytd) == (0.0, 5.0)


@pytest.mark.parametrize(
    ("prior_rows", "yoy"),
    [
        ([(1, 50.0), (6, 50.0)], 0.2),
        ([(1, 100.0), (7, 500.0)], 0.2),
        ([], None),
        ([(1, 0.0)], None),
        ([(7, 80.0)], None),
    ],
)
def test_fiscal_yoy_compares_with_same_months_of_last_year(engine, rows, prior_rows, yoy):
    """yoy = ytd / (months 1…M of Y−1) − 1; None when that sum is 0 or missing."""
    rows.fiscal("东城街道", Y, 6, "税收收入", 120.0)
    for month, amount in prior_rows:
        rows.fiscal("东城街道", Y - 1, month, "税收收入", amount)
    assert fiscal_report(engine, SCOPE).items[0].yoy == yoy


def test_fiscal_target_rate_is_ytd_over_annual_target(engine, rows):
    """target_rate = ytd / 年度目标, rounded to 4 decimals."""
    rows.fiscal("东城街道", Y, 6, "税收收入", 100.0)
    rows.target("东城街道", Y, "税收收入", 300.0)
    [item] = fiscal_report(engine, SCOPE).items
    assert (item.target, item.target_rate) == (300.0, 0.3333)


def test_fiscal_target_and_rate_are_none_without_target(engine, rows):
    """No target of Y (a target of Y−1 does not count) gives None for both."""
    rows.fiscal("东城街道", Y, 6, "税收收入", 100.0)
    rows.target("东城街道", Y - 1, "税收收入", 300.0)
    [item] = fiscal_report(engine, SCOPE).items
    assert (item.target, item.target_rate) == (None, None)


def test_fiscal_item_with_only_a_target_is_listed_with_zero_amounts(engine, rows):
    """An item with a target of Y but no row yet appears with ytd 0."""
    rows.fiscal("东城街道", Y, 6, "税收收入", 100.0)
    rows.target("东城街道", Y, "一般公共预算收入", 500.0)
    items = {i.item: i for i in fiscal_report(engine, SCOPE).items}
    assert (items["一般公共预算收入"].ytd, items["一般公共预算收入"].target_rate) == (0.0, 0.0)


def test_fiscal_item_only_in_last_year_is_not_listed(engine, rows):
    """Items without a row or target in Y are left out."""
    rows.fiscal("东城街道", Y, 6, "税收收入", 100.0)
    rows.fiscal("东城街道", Y - 1, 6, "契税", 100.0)
    assert [i.item for i in fiscal_report(engine, SCOPE).items] == ["税收收入"]


def test_fiscal_items_sorted_by_subdistrict_then_headline_items_first(engine, rows):
    """一般公共预算收入, 税收收入 lead each subdistrict; other 科目 follow by name."""
    for subdistrict in ("西城街道", "东城街道"):
        for item in ("增值税", "税收收入", "个人所得税", "一般公共预算收入"):
            rows.fiscal(subdistrict, Y, 6, item, 1.0)
    items = [(i.subdistrict, i.item) for i in fiscal_report(engine, SCOPE).items]
    order = ["一般公共预算收入", "税收收入", *sorted(["增值税", "个人所得税"])]
    assert items == [("东城街道", i) for i in order] + [("西城街道", i) for i in order]


def test_fiscal_follows_subdistrict_scope_only(engine, rows):
    """A subdistrict scope keeps its own rows; its month ignores other subdistricts."""
    rows.fiscal("东城街道", Y, 3, "税收收入", 1.0)
    rows.fiscal("西城街道", Y, 5, "税收收入", 1.0)
    report = fiscal_report(
        engine, Scope(subdistrict="东城街道", communities=(("东城街道", "x"),), date_to=AS_OF)
    )
    assert (report.month, [i.subdistrict for i in report.items]) == (3, ["东城街道"])


# ---------------------------------------------------------------- census


def test_census_campaign_is_latest_dated_not_after_as_of(engine, rows):
    """A campaign whose rows all come after as-of is not the current one."""
    rows.census("2020年人口普查", EAST_A, days(-10), 100, 50)
    rows.census("2021年抽样调查", EAST_A, days(1), 100, 10)
    assert census_summary(engine, SCOPE).campaign == "2020年人口普查"


def test_census_is_none_before_any_row(engine, rows):
    """No row dated ≤ as-of gives None."""
    rows.census("2020年人口普查", EAST_A, days(1), 100, 50)
    assert census_summary(engine, SCOPE) is None


def test_census_sums_the_latest_row_of_each_community(engine, rows):
    """Each community contributes its latest row ≤ as-of; later rows are ignored."""
    rows.census("普查", EAST_A, days(-20), 100, 10, 20)
    rows.census("普查", EAST_A, days(-2), 100, 60, 130)
    rows.census("普查", EAST_A, days(1), 100, 99, 200)
    rows.census("普查", EAST_B, days(-5), 200, 90, 180)
    summary = census_summary(engine, SCOPE)
    totals = (summary.expected, summary.registered_households, summary.registered_persons)
    assert (totals, summary.rate) == ((300, 150, 310), 0.5)


def test_census_by_community_uses_each_latest_row(engine, rows):
    """by_community shows each community's latest figures and rate, sorted."""
    rows.census("普查", WEST_A, days(-1), 3, 2)
    rows.census("普查", EAST_A, days(-9), 100, 10)
    rows.census("普查", EAST_A, days(-1), 100, 40)
    result = [
        (r.subdistrict, r.community, r.expected, r.registered_households, r.rate)
        for r in census_summary(engine, SCOPE).by_community
    ]
    assert result == [(*EAST_A, 100, 40, 0.4), (*WEST_A, 3, 2, 0.6667)]


@pytest.mark.parametrize(
    ("early_day", "this_week"),
    [(days(-7), 70), (days(-8), 70), (days(-6), 100)],
)
def test_census_registered_this_week_subtracts_the_sum_at_as_of_minus_7(
    engine, rows, early_day, this_week
):
    """Sum at as-of minus sum at as-of − 7; a community without a row by then counts 0."""
    rows.census("普查", EAST_A, early_day, 100, 30)
    rows.census("普查", EAST_A, days(0), 100, 80)
    rows.census("普查", EAST_B, days(-3), 100, 20)
    assert census_summary(engine, SCOPE).registered_this_week == this_week


def test_census_follows_subdistrict_scope(engine, rows):
    """A subdistrict scope sums its own communities only."""
    rows.census("普查", EAST_A, days(-1), 100, 40)
    rows.census("普查", WEST_A, days(-1), 100, 90)
    summary = census_summary(engine, Scope(subdistrict="西城街道", date_to=AS_OF))
    assert (summary.registered_households, len(summary.by_community)) == (90, 1)


# ---------------------------------------------------------------- volunteers


@pytest.mark.parametrize(("registered_on", "registered"), [(days(0), 1), (days(1), 0)])
def test_volunteer_registered_on_as_of_counts(engine, rows, registered_on, registered):
    """注册日期 ≤ as-of counts as registered."""
    rows.volunteer("V1", EAST_A, registered_on)
    assert volunteer_summary(engine, SCOPE).registered == registered


@pytest.mark.parametrize(
    ("day", "person_times"),
    [(days(0), 1), (dt.date(Y, 1, 1), 1), (dt.date(Y - 1, 12, 31), 0), (days(1), 0)],
)
def test_service_counts_records_of_the_year_up_to_as_of(engine, rows, day, person_times):
    """person_times, hours and active cover records of Y dated ≤ as-of."""
    rows.volunteer("V1", EAST_A, dt.date(Y - 2, 1, 1))
    rows.service("V1", EAST_A, day, 2.5)
    summary = volunteer_summary(engine, SCOPE)
    expected = (person_times, 2.5 * person_times, person_times)
    assert (summary.person_times, summary.hours, summary.active) == expected


def test_active_counts_distinct_volunteers(engine, rows):
    """Three records of two volunteers: 3 人次, 2 active."""
    rows.volunteer("V1", EAST_A, dt.date(Y - 1, 1, 1))
    rows.volunteer("V2", EAST_A, dt.date(Y - 1, 1, 1))
    for code in ("V1", "V1", "V2"):
        rows.service(code, EAST_A, days(-30), 1.0)
    summary = volunteer_summary(engine, SCOPE)
    assert (summary.person_times, summary.active) == (3, 2)


@pytest.mark.parametrize(
    ("day", "this_week", "last_week"),
    [
        (days(0), 2.0, 0.0),
        (days(-6), 2.0, 0.0),
        (days(-7), 0.0, 2.0),
        (days(-13), 0.0, 2.0),
        (days(-14), 0.0, 0.0),
        (days(1), 0.0, 0.0),
    ],
)
def test_service_hours_by_week_boundaries(engine, rows, day, this_week, last_week):
    """This week is as-of − 6 … as-of; last week as-of − 13 … as-of − 7."""
    rows.volunteer("V1", EAST_A, dt.date(Y - 1, 1, 1))
    rows.service("V1", EAST_A, day, 2.0)
    summary = volunteer_summary(engine, SCOPE)
    assert (summary.hours_this_week, summary.hours_last_week) == (this_week, last_week)


def test_week_hours_reach_back_into_last_year_in_january(engine, rows):
    """Early in January the week is still 7 days, even across the new year."""
    rows.volunteer("V1", EAST_A, dt.date(2019, 1, 1))
    rows.service("V1", EAST_A, dt.date(2019, 12, 31), 3.0)
    summary = volunteer_summary(engine, Scope(date_to=dt.date(2020, 1, 2)))
    assert (summary.hours_this_week, summary.hours) == (3.0, 0.0)


def test_volunteers_by_community_counts_registration_and_records_separately(engine, rows):
    """registered by the volunteer's community, 人次/hours by the record's community."""
    rows.community(*EAST_B)
    rows.volunteer("V1", EAST_A, dt.date(Y, 1, 1))
    rows.service("V1", WEST_A, days(-1), 1.5)
    rows.service("V1", WEST_A, days(-2), 1.0)
    result = [
        (r.subdistrict, r.community, r.registered, r.person_times, r.hours)
        for r in volunteer_summary(engine, SCOPE).by_community
    ]
    assert result == [(*EAST_A, 1, 0, 0.0), (*WEST_A, 0, 2, 2.5)]


def test_volunteers_follow_subdistrict_scope(engine, rows):
    """A subdistrict scope counts its volunteers and the records made in it."""
    rows.volunteer("V1", EAST_A, dt.date(Y, 1, 1))
    rows.volunteer("V2", WEST_A, dt.date(Y, 1, 1))
    rows.service("V1", WEST_A, days(-1), 4.0)
    summary = volunteer_summary(engine, Scope(subdistrict="西城街道", date_to=AS_OF))
    assert (summary.registered, summary.person_times, summary.active) == (1, 1, 1)
