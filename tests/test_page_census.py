"""The 人口普查 page: its model on fixed values, and the page in AppTest against the report."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import open_page

from figures import census as detail
from figures.census import CensusSummary, CommunityCensus, CommunityPace, CurvePoint
from figures.report import build_report
from figures.scope import Scope
from figures.status import CENSUS_PLAN_DAYS, DEFAULT_RULES
from storage.db import make_engine
from ui import census_model as cm
from ui import format as fmt
from ui.tables import status_mark

AS_OF = dt.date(2020, 11, 20)
START = dt.date(2020, 11, 1)
OLD_CAMPAIGN = "第七次全国人口普查户口登记"


def pace(
    registered: int, week_ago: int, expected: int = 100, name: str = "甲社区"
) -> CommunityPace:
    return CommunityPace("东城街道", name, expected, registered, week_ago)


def community(name: str, rate: float, expected: int = 100) -> CommunityCensus:
    return CommunityCensus("东城街道", name, expected, round(expected * rate), rate)


def census(rate: float = 0.4) -> CensusSummary:
    return CensusSummary("普查", 1000, round(1000 * rate), 2500, rate, 120)


# ---------------------------------------------------------------- model


@pytest.mark.parametrize(
    ("registered", "week_ago", "expected", "forecast"),
    [
        (100, 90, 100, cm.DONE),
        (105, 90, 100, cm.DONE),
        (60, 60, 100, cm.CANNOT_FINISH),
        (60, 25, 100, AS_OF + dt.timedelta(days=8)),  # 40 left at 5 a day
        (60, 39, 100, AS_OF + dt.timedelta(days=14)),  # 40 left at 3 a day: 13.3 → 14
    ],
)
def test_forecast_date_at_the_last_seven_days_pace(registered, week_ago, expected, forecast):
    """Remaining ÷ 7-day average, rounded up; 已完成 when done; 无法完成 at pace 0."""
    assert cm.forecast_date(pace(registered, week_ago, expected), AS_OF) == forecast


def test_forecast_frame_lists_the_latest_first_and_compares_with_the_plan():
    """无法完成 first, then the latest dates, 已完成 last; 晚/提前 N 天 against plan end."""
    rows = [
        pace(100, 90, name="甲社区"),
        pace(60, 25, name="乙社区"),
        pace(60, 60, name="丙社区"),
        pace(90, 20, name="丁社区"),
    ]
    frame = cm.forecast_frame(rows, AS_OF, START)
    assert list(frame["社区"]) == ["丙社区", "乙社区", "丁社区", "甲社区"]
    plan_end = START + dt.timedelta(days=CENSUS_PLAN_DAYS - 1)  # 2020-12-10
    assert list(frame["预计完成日期"]) == [
        cm.CANNOT_FINISH,
        "2020-11-28",
        "2020-11-21",
        cm.DONE,
    ]
    assert frame["与计划完成日比较"].iloc[1] == f"提前 {(plan_end - dt.date(2020, 11, 28)).days} 天"
    assert frame["近7日日均登记户数"].iloc[1] == 5.0


def test_behind_frame_lists_red_and_yellow_furthest_behind_first():
    """Only 滞后/预警 communities, sorted by points behind the plan line."""
    rows = [community("甲社区", 0.9), community("乙社区", 0.45), community("丙社区", 0.3)]
    frame = cm.behind_frame(rows, 0.5, DEFAULT_RULES)
    assert list(frame["社区"]) == ["丙社区", "乙社区"]
    assert list(frame["状态"]) == [status_mark("red"), status_mark("yellow")]
    assert list(frame["落后(个百分点)"]) == [20.0, 5.0]
    assert list(frame["未登记户数"]) == [70, 55]


def test_behind_frame_is_empty_without_a_plan_line():
    """No plan line known: nobody is declared behind."""
    assert cm.behind_frame([community("甲社区", 0.1)], None, DEFAULT_RULES).empty


def test_kpis_show_the_campaign_figures_and_the_plan_gap():
    """应登记, 已登记户/人, 登记率 with its signed gap to the plan line, 本周新增."""
    cards = cm.kpis(census(0.4), 0.5, DEFAULT_RULES)
    assert [(c.label, c.value) for c in cards] == [
        ("应登记户数（户）", "1,000"),
        ("已登记户数（户）", "400"),
        ("已登记人数（人）", "2,500"),
        ("登记率", "40.0%"),
        ("本周新增（户）", "120"),
    ]
    assert cards[3].delta == "-10.0 个百分点"


def test_rate_caption_says_which_day_of_the_campaign_it_is():
    """登记率, 慢于计划进度, the status and 第 N 天 of the planned days."""
    text = cm.rate_caption(census(0.4), 0.5, START, AS_OF, DEFAULT_RULES)
    assert text is not None
    assert text.startswith("登记率 40.0%，慢于计划进度 10.0 个百分点（计划进度 50.0%），状态：预警")
    assert f"第 20 天（计划 {CENSUS_PLAN_DAYS} 天完成）" in text


def test_rate_caption_after_the_planned_end_says_it_has_passed():
    """Long after the campaign: no 第 N 天, the planned end date instead."""
    text = cm.rate_caption(census(1.0), 1.0, START, dt.date(2026, 1, 1), DEFAULT_RULES)
    assert text is not None and text.endswith("计划完成日 2020-12-10 已过。")


def test_ranking_frame_is_sorted_with_status_against_the_plan():
    """Highest rate first; 正常 at or above the plan line."""
    frame = cm.ranking_frame(
        [community("甲社区", 0.3), community("乙社区", 0.6)], 0.5, DEFAULT_RULES
    )
    assert list(frame["社区"]) == ["乙社区", "甲社区"]
    assert list(frame["状态"]) == ["正常", "滞后"]


@pytest.mark.parametrize(("count", "cut"), [(3, False), (15, True)])
def test_curve_places_keep_the_furthest_behind_when_there_are_many(count, cut):
    """At most MAX_CURVES communities, the lowest rates first."""
    rows = [community(f"社区{n:02d}", n / 100) for n in range(count)]
    places, was_cut = cm.curve_places(rows)
    assert was_cut is cut
    assert len(places) == min(count, cm.MAX_CURVES)
    assert places[0] == ("东城街道", "社区00")


def test_curve_frame_carries_the_plan_line_of_each_day():
    """计划进度 on day n is n / CENSUS_PLAN_DAYS (capped at 100%)."""
    points = [CurvePoint("东城街道", "甲社区", START + dt.timedelta(days=9), 100, 30, 0.3)]
    frame = cm.curve_frame(points, START)
    assert frame["计划进度"].iloc[0] == pytest.approx(10 / CENSUS_PLAN_DAYS)


# ---------------------------------------------------------------- the page (AppTest)


def report_census(url: str, as_of: dt.date, subdistrict: str | None = None) -> dict:
    engine = make_engine(url)
    block = build_report(engine, as_of, subdistrict)["census"]
    engine.dispose()
    return block


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {metric.label: metric.value for metric in at.metric}


def expected_cards(block: dict) -> dict[str, str]:
    return {
        "应登记户数（户）": fmt.count(block["expected"]),
        "已登记户数（户）": fmt.count(block["registered_households"]),
        "已登记人数（人）": fmt.count(block["registered_persons"]),
        "登记率": fmt.pct(block["rate"]),
        "本周新增（户）": fmt.count(block["registered_this_week"]),
    }


def test_default_view_shows_the_report_figures_of_the_current_campaign(app_db):
    """Opened without parameters: the report's census block as of today."""
    at = open_page("census")
    assert not at.exception
    block = report_census(app_db, dt.date.today())
    assert metrics(at) == expected_cards(block)
    assert f"普查任务：{block['campaign']}" in at.caption[0].value


def test_subdistrict_from_url_shows_that_subdistricts_report(app_db):
    """?subdistrict=…: KPIs equal that subdistrict's report."""
    at = open_page("census", {"subdistrict": "花园路街道"})
    assert not at.exception
    assert metrics(at) == expected_cards(report_census(app_db, dt.date.today(), "花园路街道"))


def test_community_link_lands_on_that_communitys_figures(app_db):
    """?subdistrict=…&community=…: the community's own rate, one forecast row."""
    at = open_page("census", {"subdistrict": "花园路街道", "community": "柳林社区"})
    assert not at.exception
    row = next(
        r
        for r in report_census(app_db, dt.date.today(), "花园路街道")["by_community"]
        if r["community"] == "柳林社区"
    )
    assert metrics(at)["登记率"] == fmt.pct(row["rate"])
    forecast = at.dataframe[-1].value
    assert list(forecast["社区"]) == ["柳林社区"]


def test_campaign_from_url_is_restored_with_its_figures(app_db):
    """?campaign=<an earlier campaign>: the filter holds it and the KPIs are its figures."""
    at = open_page("census", {"campaign": OLD_CAMPAIGN})
    assert not at.exception
    assert at.selectbox(key="pf_campaign").value == OLD_CAMPAIGN
    assert f"普查任务：{OLD_CAMPAIGN}" in at.caption[0].value
    engine = make_engine(app_db)
    summary = detail.campaign_summary(engine, Scope(date_to=dt.date.today()), OLD_CAMPAIGN)
    engine.dispose()
    assert metrics(at)["已登记户数（户）"] == fmt.count(summary.registered_households)


def test_earlier_campaign_outside_the_dates_explains_how_to_see_its_curves(app_db):
    """The 2020 campaign with this year's dates: a hint to move 开始日期, not an empty chart."""
    at = open_page("census", {"campaign": OLD_CAMPAIGN})
    assert any("请把开始日期调到 2020-11-01 或更早" in info.value for info in at.info)


def test_current_campaign_in_url_is_accepted_without_a_notice(app_db):
    """?campaign=<the current campaign> is a valid link."""
    campaign = report_census(app_db, dt.date.today())["campaign"]
    at = open_page("census", {"campaign": campaign})
    assert not at.exception
    assert not at.warning


def test_unknown_campaign_gives_a_notice_and_the_current_campaign(app_db):
    """A campaign that does not exist is ignored with a visible notice."""
    at = open_page("census", {"campaign": "不存在的任务"})
    assert not at.exception
    assert any("已忽略无效的普查任务：不存在的任务" in w.value for w in at.warning)
    assert metrics(at) == expected_cards(report_census(app_db, dt.date.today()))


def test_empty_database_shows_the_import_hint(empty_app_db):
    """No census rows: a helpful message, no KPIs, no exception."""
    at = open_page("census")
    assert not at.exception
    assert any("导入普查进度表" in info.value for info in at.info)
    assert not at.metric
