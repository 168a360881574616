"""领导驾驶舱 (/): KPI cards, league table and attention list, as a person reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import open_page

from figures.report import build_report
from figures.scope import Scope
from figures.status import DEFAULT_RULES, year_elapsed
from storage.db import get_engine
from ui import format as fmt
from ui import overview_model

TODAY = dt.date.today()


def _metric(at, label_start: str):
    return next(m for m in at.metric if m.label.startswith(label_start))


def test_default_view_shows_four_cards_matching_the_report(app_db):
    """The cards show the weekly report's figures for every subdistrict as of today."""
    at = open_page()
    assert not at.exception
    report = build_report(get_engine(app_db), TODAY)
    assert len(at.metric) == 4
    rate = report["livelihood"]["completion_rate"]
    assert _metric(at, f"{TODAY.year}年民生实事完成率").value == fmt.pct(rate)
    assert _metric(at, "人口普查登记率").value == fmt.pct(report["census"]["rate"])
    hours = report["volunteers"]["hours_this_week"]
    assert _metric(at, "本周志愿服务时长").value == fmt.hours(hours)
    general = [i for i in report["fiscal"]["items"] if i["item"] == "一般公共预算收入"]
    ytd = round(sum(i["ytd"] for i in general), 2)
    assert _metric(at, "一般公共预算收入").value == fmt.amount(ytd)


def test_caption_states_scope_and_data_date(app_db):
    """The caption says what is shown: 当前筛选 … 数据截至."""
    at = open_page()
    caption = at.caption[0].value
    assert caption.startswith("当前筛选：全部街道 · 全部社区")
    assert "数据截至" in caption


def test_url_filters_are_restored_into_the_widgets_and_figures(app_db):
    """?subdistrict=…&community=… fills the sidebar and narrows the league table."""
    at = open_page(None, {"subdistrict": "新华路街道", "community": "育英街社区,货场路社区"})
    assert not at.exception
    assert at.selectbox(key="subdistrict").value == "新华路街道"
    assert at.multiselect(key="community").value == ["育英街社区", "货场路社区"]
    league = at.dataframe[0].value
    assert sorted(league["社区"]) == ["育英街社区", "货场路社区"]
    assert "育英街社区、货场路社区" in at.caption[0].value


def test_league_statuses_follow_the_report_rates(app_db):
    """Each community's completion rate in the table equals the report's by_community rate."""
    at = open_page(None, {"subdistrict": "新华路街道"})
    report = build_report(get_engine(app_db), TODAY, "新华路街道")
    expected = {
        row["community"]: row["completion_rate"]
        for row in report["livelihood"]["by_community"]
        if row["total"]
    }
    # The table shows percent (0–100) so its bars print one decimal; the rate is the same.
    table = at.dataframe[0].value.set_index("社区")["民生实事完成率"].to_dict()
    assert {name: shown / 100 for name, shown in table.items()} == pytest.approx(expected)


def test_invalid_url_values_give_a_notice_not_an_exception(app_db):
    """An unknown subdistrict and a malformed date are ignored with a visible notice."""
    at = open_page(None, {"subdistrict": "不存在街道", "from": "2026-13-01"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "不存在街道" in notices and "开始日期" in notices
    assert at.selectbox(key="subdistrict").value is None


def test_changing_the_subdistrict_updates_the_url(app_db):
    """Choosing a subdistrict writes it into the query parameters."""
    at = open_page()
    at.selectbox(key="subdistrict").select("文化路街道").run()
    assert at.query_params["subdistrict"] == "文化路街道"
    assert not at.exception


def test_reset_clears_filters_and_url(app_db):
    """重置筛选 returns to 全部街道 and an empty URL."""
    at = open_page(None, {"subdistrict": "花园路街道"})
    at.button(key="reset_filters").click().run()
    assert at.selectbox(key="subdistrict").value is None
    assert "subdistrict" not in at.query_params


def test_empty_database_shows_helpful_messages(empty_app_db):
    """No data: no exception, a message instead of an empty table."""
    at = open_page()
    assert not at.exception
    assert any("没有社区" in info.value for info in at.info)


def test_attention_lists_red_before_yellow():
    """The agenda puts 滞后 before 预警."""
    from figures.fiscal import FiscalItem, FiscalReport

    block = FiscalReport(
        year=2026,
        month=6,
        time_progress=0.5,
        items=[
            FiscalItem("甲街道", "一般公共预算收入", 10, 450, 1000, 0.45, None),
            FiscalItem("乙街道", "一般公共预算收入", 10, 300, 1000, 0.30, None),
        ],
    )
    frame = overview_model.attention_items([], block, DEFAULT_RULES)
    assert list(frame["对象"]) == ["乙街道", "甲街道"]
    assert list(frame["状态"]) == ["● 滞后", "● 预警"]


def test_kpi_card_delta_is_points_against_year_elapsed():
    """The completion card's delta is signed points against 序时进度 by day."""
    from figures.census import CensusSummary
    from figures.livelihood import LivelihoodSummary
    from figures.volunteers import VolunteerSummary

    as_of = dt.date(2026, 6, 30)
    projects = LivelihoodSummary(2026, 10, 6, 4, 0, 0, 0.6, 1, 2)
    volunteers = VolunteerSummary(10, 5, 20, 40.0, 8.0, 4.0, [])
    census = CensusSummary("核查", 100, 50, 120, 0.5, 10, [])
    cards = overview_model.kpi_cards(Scope(date_to=as_of), projects, None, census, volunteers)
    gap = (0.6 - year_elapsed(as_of)) * 100
    assert cards[0].delta == f"{gap:+.1f} 个百分点（快于序时进度）"
    assert cards[1].value == "—"
    assert cards[3].delta == "环比 +100.0%"


def test_to_alone_means_year_to_date_as_of_that_day(app_db):
    """?to=2020-06-30 alone: from 1 January 2020, no swap notice, and the URL stays as given."""
    at = open_page(None, {"to": "2020-06-30"})
    assert not at.exception
    assert not at.warning
    assert "2020-01-01 至 2020-06-30" in at.caption[0].value
    assert "from" not in at.query_params
    assert at.query_params["to"] == "2020-06-30"
