"""The 志愿服务 page: its model on fixed values, and the page in AppTest against the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from conftest import open_page

from figures import volunteers as vd
from figures.report import build_report
from figures.scope import Scope
from figures.status import DEFAULT_RULES
from figures.volunteers import (
    CommunityPopulation,
    CommunityService,
    GroupService,
    MonthService,
    ServiceTotals,
    volunteer_summary,
)
from storage.db import make_engine
from ui import format as fmt
from ui import volunteers_model as vm

TOTALS = ServiceTotals(
    person_times=1200, hours=3456.5, active=300, hours_this_week=110.0, hours_last_week=100.0
)


# ---------------------------------------------------------------- model


@pytest.mark.parametrize(
    ("registered", "population", "rate", "status"),
    [
        (130, 1000, 0.13, "green"),
        (200, 1000, 0.2, "green"),
        (120, 1000, 0.12, "yellow"),
        (100, 1000, 0.1, "red"),
        (5, 0, None, None),
    ],
)
def test_registration_rate_and_status_against_the_13_percent_target(
    registered, population, rate, status
):
    """Rate = registered / residents; at 13% or more green, within 10% of it yellow, else red."""
    assert vm.registration_rate(registered, population) == rate
    assert vm.registration_status(registered, population, DEFAULT_RULES) == status


@pytest.mark.parametrize(
    ("this_week", "last_week", "expected"),
    [(110.0, 100.0, 0.1), (50.0, 100.0, -0.5), (5.0, 0.0, None)],
)
def test_week_change_is_this_week_over_last_week(this_week, last_week, expected):
    """环比 = this week's hours / last week's − 1; none when last week had no hours."""
    assert vm.week_change(this_week, last_week) == expected


def test_kpis_read_as_a_person_would_say_them():
    """Six cards: counts with units, rate against the target, week with 环比."""
    cards = {card.label: card for card in vm.kpis(260, 2000, TOTALS, 2020)}
    assert [label for label in cards] == [
        "注册志愿者",
        "活跃志愿者",
        "注册率（目标 13%）",
        "服务人次",
        "服务时长",
        "本周服务时长",
    ]
    assert cards["注册志愿者"].value == "260 人"
    rate = cards["注册率（目标 13%）"]
    assert (rate.value, rate.delta) == ("13.0%", "0.0 个百分点")
    assert cards["服务时长"].value == "3,456.5 小时"
    assert (cards["本周服务时长"].value, cards["本周服务时长"].delta) == (
        "110.0 小时",
        "环比 +10.0%",
    )


def test_kpis_without_residents_or_last_week_show_no_delta():
    """No population: no rate; no hours last week: no 环比 (never a division by zero)."""
    quiet = ServiceTotals(0, 0.0, 0, 3.0, 0.0)
    cards = {card.label: card for card in vm.kpis(0, 0, quiet, 2020)}
    rate = cards["注册率（目标 13%）"]
    assert (rate.value, rate.delta) == ("—", None)
    assert cards["本周服务时长"].delta is None


def test_ranking_lists_every_community_most_hours_first_with_shared_ranks():
    """Communities without service are listed with 0; equal hours share a rank."""
    populations = [
        CommunityPopulation("东城", "甲", 1000),
        CommunityPopulation("东城", "乙", 1000),
        CommunityPopulation("西城", "丙", 2000),
    ]
    service = [CommunityService("东城", "甲", 3, 6.0), CommunityService("西城", "丙", 2, 6.0)]
    frame = vm.ranking_frame(
        populations, {("东城", "甲"): 130, ("西城", "丙"): 100}, service, DEFAULT_RULES
    )
    assert list(frame.itertuples(index=False, name=None)) == [
        (1, "东城", "甲", 1000, 130, 0.13, "● 正常", 3, 6.0),
        (1, "西城", "丙", 2000, 100, 0.05, "● 滞后", 2, 6.0),
        (3, "东城", "乙", 1000, 0, 0.0, "● 滞后", 0, 0.0),
    ]


def test_rate_chart_frame_uses_the_status_words_of_the_chart_legend():
    """The chart colours by 正常/预警/滞后, the words of the shared status scale."""
    populations = [CommunityPopulation("东城", "甲", 1000), CommunityPopulation("东城", "乙", 0)]
    frame = vm.rate_chart_frame(
        vm.ranking_frame(populations, {("东城", "甲"): 120}, [], DEFAULT_RULES)
    )
    assert frame.to_dict("records") == [{"社区": "甲", "注册率": 0.12, "状态": "预警"}]


def test_month_and_top_frames_keep_the_query_order():
    """Months as YYYY-MM in calendar order; top activities numbered from 1."""
    months = vm.month_frame([MonthService(2019, 12, 1, 2.0, 1), MonthService(2020, 1, 4, 8.0, 3)])
    assert list(months["月份"]) == ["2019-12", "2020-01"]
    top = vm.top_frame(
        [GroupService(vd_type, name, 5, 1.0, 2) for vd_type, name in (("A", "一"), ("B", "二"))]
    )
    assert list(top[["排名", "活动名称"]].itertuples(index=False, name=None)) == [
        (1, "一"),
        (2, "二"),
    ]


# ---------------------------------------------------------------- the page (AppTest)


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {metric.label: metric.value for metric in at.metric}


def report_block(url: str, subdistrict: str | None = None) -> dict:
    engine = make_engine(url)
    block = build_report(engine, dt.date.today(), subdistrict)["volunteers"]
    engine.dispose()
    return block


def assert_report_figures(shown: dict[str, str], block) -> None:  # type: ignore[no-untyped-def]
    figures = block if isinstance(block, dict) else asdict(block)
    assert shown["注册志愿者"] == fmt.count(figures["registered"], "人")
    assert shown["活跃志愿者"] == fmt.count(figures["active"], "人")
    assert shown["服务人次"] == fmt.count(figures["person_times"], "人次")
    assert shown["服务时长"] == fmt.hours(figures["hours"])
    assert shown["本周服务时长"] == fmt.hours(figures["hours_this_week"])


def test_default_view_shows_the_report_figures(app_db):
    """全部街道: every KPI equals the weekly report's volunteers block as of today."""
    at = open_page("volunteers")
    assert not at.exception
    assert_report_figures(metrics(at), report_block(app_db))
    assert "活动类型：全部" in at.caption[0].value


@pytest.mark.parametrize("subdistrict", ["花园路街道", "新华路街道"])
def test_subdistrict_from_url_shows_that_subdistricts_report(app_db, subdistrict):
    """?subdistrict=…: the KPIs are the report's for that subdistrict."""
    at = open_page("volunteers", {"subdistrict": subdistrict})
    assert not at.exception
    assert_report_figures(metrics(at), report_block(app_db, subdistrict))


def test_community_from_url_narrows_figures_and_ranking(app_db):
    """?subdistrict=…&community=…: the area query's figures and one ranking row."""
    at = open_page("volunteers", {"subdistrict": "花园路街道", "community": "柳林社区"})
    assert not at.exception
    engine = make_engine(app_db)
    summary = volunteer_summary(
        engine, Scope("花园路街道", (("花园路街道", "柳林社区"),), None, dt.date.today())
    )
    engine.dispose()
    assert_report_figures(metrics(at), summary)
    ranking = next(frame.value for frame in at.dataframe if "注册率" in frame.value.columns)
    assert list(ranking["社区"]) == ["柳林社区"]
    assert "柳林社区" in at.caption[0].value


def test_ranking_adds_up_to_the_report(app_db):
    """The ranking's registered, 人次 and hours sum to the report's totals."""
    at = open_page("volunteers")
    block = report_block(app_db)
    ranking = next(frame.value for frame in at.dataframe if "注册率" in frame.value.columns)
    assert int(ranking["注册志愿者"].sum()) == block["registered"]
    assert int(ranking["服务人次"].sum()) == block["person_times"]
    assert round(float(ranking["服务时长（小时）"].sum()), 2) == block["hours"]


def test_activity_type_from_url_is_restored_and_narrows_service(app_db):
    """?activity_type=平安巡逻 selects it; 人次 are that type's, registration is unchanged."""
    at = open_page("volunteers", {"activity_type": "平安巡逻"})
    assert not at.exception
    assert at.multiselect(key="pf_activity_type").value == ["平安巡逻"]
    assert "活动类型：平安巡逻" in at.caption[0].value
    engine = make_engine(app_db)
    totals = vd.service_totals(engine, Scope(date_to=dt.date.today()), ("平安巡逻",))
    engine.dispose()
    shown = metrics(at)
    assert shown["服务人次"] == fmt.count(totals.person_times, "人次")
    assert shown["注册志愿者"] == fmt.count(report_block(app_db)["registered"], "人")


def test_unknown_activity_type_in_url_gives_a_notice(app_db):
    """An activity type that does not exist is dropped with a visible notice, no exception."""
    at = open_page("volunteers", {"activity_type": "不存在的类型"})
    assert not at.exception
    assert any("不存在的类型" in warning.value for warning in at.warning)
    assert "活动类型：全部" in at.caption[0].value


def test_no_volunteer_code_is_shown(app_db):
    """Aggregates only: no table on the page carries a volunteer's or a record's code."""
    at = open_page("volunteers")
    for frame in at.dataframe:
        text = frame.value.to_string()
        assert "ZY-" not in text and "FW-" not in text
        assert not any("编号" in str(column) for column in frame.value.columns)


def test_empty_database_shows_the_import_hint(empty_app_db):
    """No communities: a helpful message pointing to the import, no exception."""
    at = open_page("volunteers")
    assert not at.exception
    assert any("导入社区名录" in info.value for info in at.info)


def test_choosing_activity_types_writes_them_into_the_url(app_db):
    """Picking 活动类型 in the sidebar puts ?activity_type=A,B in the URL."""
    at = open_page("volunteers")
    at.multiselect(key="pf_activity_type").select("平安巡逻").select("环境整治").run()
    assert not at.exception
    assert at.query_params.get("activity_type") in ("平安巡逻,环境整治", ["平安巡逻,环境整治"])
    assert "活动类型：平安巡逻、环境整治" in at.caption[0].value
