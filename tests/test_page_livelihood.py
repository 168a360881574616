"""The 民生实事 page: its model on fixed values, and the page in AppTest against the report."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from conftest import open_page

from figures import livelihood as detail
from figures.livelihood import (
    CommunityLivelihood,
    LivelihoodSummary,
    MonthPoint,
    ProjectPage,
    ProjectRow,
    livelihood_summary,
)
from figures.report import build_report
from figures.scope import Scope
from figures.status import DEFAULT_RULES, STATUS_COLORS
from storage.db import make_engine
from ui import format as fmt
from ui import livelihood_model as lm

AS_OF = dt.date(2020, 6, 30)


def summary(total: int = 10, completed: int = 6, **changes) -> LivelihoodSummary:
    values = {
        "year": 2020,
        "total": total,
        "completed": completed,
        "in_progress": 3,
        "not_started": total - completed - 3,
        "cancelled": 2,
        "completion_rate": round(completed / total, 4) if total else 0.0,
        "overdue": 4,
        "completed_this_week": 1,
    }
    values.update(changes)
    return LivelihoodSummary(**values)


def project(code: str, overdue_days: int | None = None, **changes) -> ProjectRow:
    values = {
        "code": code,
        "subdistrict": "东城街道",
        "community": "甲社区",
        "name": "1号楼加装电梯",
        "category": "加装电梯",
        "year": 2020,
        "planned_on": dt.date(2020, 5, 1),
        "status": "推进中",
        "completed_on": None,
        "investment": 45.5,
        "beneficiary_households": 24,
        "overdue_days": overdue_days,
    }
    values.update(changes)
    return ProjectRow(**values)


# ---------------------------------------------------------------- model


def test_kpis_show_the_summary_figures_in_order():
    """完成率, 已完成/总数, 推进中, 未启动, 逾期, 本周完成, 已取消 with units."""
    cards = lm.kpis(summary(), AS_OF)
    assert [(c.label, c.value) for c in cards] == [
        ("完成率", "60.0%"),
        ("已完成 / 总数", "6 / 10"),
        ("推进中", "3 项"),
        ("未启动", "1 项"),
        ("逾期", "4 项"),
        ("本周完成", "1 项"),
        ("已取消", "2 项"),
    ]


def test_kpi_rows_place_every_card_once():
    """The two KPI rows hold each card exactly once, at most four to a row."""
    placed = [label for row in lm.KPI_ROWS for label in row]
    assert sorted(placed) == sorted(card.label for card in lm.kpis(summary(), AS_OF))
    assert all(len(row) <= lm.KPI_COLUMNS for row in lm.KPI_ROWS)


def test_completion_rate_card_is_a_dash_without_projects():
    """No project counted: 完成率 shows — and no pace delta."""
    card = lm.kpis(summary(total=0, completed=0, in_progress=0, not_started=0), AS_OF)[0]
    assert (card.value, card.delta) == ("—", None)


@pytest.mark.parametrize(
    ("rate", "expected", "delta", "sentence"),
    [
        (0.6, 0.5, "+10.0 个百分点", "快于序时进度 10.0 个百分点（序时进度 50.0%）"),
        (0.4, 0.5, "-10.0 个百分点", "慢于序时进度 10.0 个百分点（序时进度 50.0%）"),
        (0.5, 0.5, "0.0 个百分点", "与序时进度持平（序时进度 50.0%）"),
    ],
)
def test_pace_is_signed_points_and_says_faster_or_slower(rate, expected, delta, sentence):
    """The card delta carries the sign; the sentence says 快于/慢于/持平."""
    assert fmt.signed_points(rate - expected) == delta
    assert fmt.pace_sentence(rate, expected) == sentence


def test_pace_caption_names_the_status_level():
    """The sentence under the KPIs gives rate, pace and 正常/预警/滞后."""
    text = lm.pace_caption(summary(completed=3, not_started=4), AS_OF, DEFAULT_RULES)
    assert text is not None and text.startswith("完成率 30.0%，慢于序时进度")
    assert text.endswith("状态：滞后。")


def test_community_labels_add_the_subdistrict_only_to_repeated_names():
    """A community name used in two subdistricts becomes 街道·社区."""
    labels = lm.community_labels([("东城", "甲社区"), ("西城", "甲社区"), ("东城", "乙社区")])
    assert labels == {
        ("东城", "甲社区"): "东城·甲社区",
        ("西城", "甲社区"): "西城·甲社区",
        ("东城", "乙社区"): "乙社区",
    }


def test_ranking_frame_is_sorted_and_coloured_by_the_pace_rule():
    """Best rate first; 正常/预警/滞后 against 序时进度 (0.497 on 30 June); no-project rows out."""
    rows = [
        CommunityLivelihood("东城街道", "甲社区", 4, 1, 0.25, 2),
        CommunityLivelihood("东城街道", "乙社区", 2, 2, 1.0, 0),
        CommunityLivelihood("东城街道", "丙社区", 10, 4, 0.4, 0),
        CommunityLivelihood("西城街道", "丁社区", 0, 0, 0.0, 0),
    ]
    frame = lm.ranking_frame(rows, AS_OF, DEFAULT_RULES)
    assert list(frame["社区"]) == ["乙社区", "丙社区", "甲社区"]
    assert list(frame["状态"]) == ["正常", "预警", "滞后"]


@pytest.mark.parametrize(("count", "cut"), [(3, False), (45, True)])
def test_lowest_bars_keep_the_laggards_best_first(count, cut):
    """Beyond MAX_RANKING_BARS, only the lowest rates stay, still sorted high to low."""
    rates = [n / 100 for n in reversed(range(count))]  # as ranking_frame gives them
    frame = pd.DataFrame({"社区": [f"社区{n:02d}" for n in range(count)], "完成率": rates})
    kept, was_cut = lm.lowest_bars(frame, "完成率")
    assert was_cut is cut
    assert len(kept) == min(count, lm.MAX_RANKING_BARS)
    assert list(kept["完成率"]) == sorted(kept["完成率"], reverse=True)
    assert kept["完成率"].min() == 0.0


def test_status_frame_leaves_out_empty_states():
    """Only states with projects appear in the donut."""
    frame = lm.status_frame(summary(total=5, completed=2, not_started=0, cancelled=0))
    assert dict(zip(frame["状态"], frame["项目数"], strict=True)) == {"已完成": 2, "推进中": 3}


def test_monthly_frame_labels_months_for_an_ordinal_axis():
    """月份 as YYYY-MM, cumulative values unchanged."""
    frame = lm.monthly_frame(
        [MonthPoint(dt.date(2020, 1, 1), 0, 1), MonthPoint(dt.date(2020, 2, 1), 2, 3)]
    )
    assert frame.to_dict("records") == [
        {"月份": "2020-01", "累计完成": 0, "计划累计": 1},
        {"月份": "2020-02", "累计完成": 2, "计划累计": 3},
    ]


def test_overdue_frame_puts_the_most_overdue_first():
    """Sorted by 逾期天数 descending, then 项目编号."""
    page = ProjectPage([project("B", 3), project("A", 40), project("C", 40)], 3, 500)
    assert list(lm.overdue_frame(page)["项目编号"]) == ["A", "C", "B"]


@pytest.mark.parametrize(("matched", "note"), [(2, False), (5, True)])
def test_truncation_note_only_when_more_matched_than_shown(matched, note):
    """A note tells how many matched when the list was cut."""
    page = ProjectPage([project("A"), project("B")], matched, 2)
    text = lm.truncation_note(page)
    assert (text is not None) is note
    if note:
        assert "共有 5 个项目符合条件，仅显示前 2 个" in text


def test_display_frame_writes_days_and_dates_and_leaves_blanks():
    """逾期天数 as 「N 天」 (by its column format), dates as YYYY-MM-DD, empty cells blank."""
    page = ProjectPage([project("A", 12), project("B", completed_on=dt.date(2020, 4, 3))], 2, 10)
    shown = lm.display_frame(lm.project_frame(page))
    assert shown["逾期天数"].iloc[0] == 12 and pd.isna(shown["逾期天数"].iloc[1])
    days = lm.project_column_config(shown)["逾期天数"]["type_config"]
    assert days["format"] == fmt.DAYS_PRINTF == "%,d 天"
    assert list(shown["完成日期"]) == ["", "2020-04-03"]
    assert list(shown["计划完成日期"]) == ["2020-05-01", "2020-05-01"]


def test_overdue_days_sort_by_the_days_and_are_marked_red():
    """A click on 逾期天数 sorts 3 天 before 12 天 before 120 天 (as text "12 天" came before
    "3 天"): the cells are numbers, written ``12 天`` by the column's format beside a red bar;
    a project that is not late stays blank."""
    late = [project("A", 12), project("B", 3), project("C", 120), project("D")]
    for table in (
        lm.project_table(ProjectPage(late, 4, 10)),
        lm.overdue_table(ProjectPage(late[:3], 3, 10)),
    ):
        days = table.shown["逾期天数"]
        assert pd.api.types.is_integer_dtype(days)
        by_days = table.shown.sort_values("逾期天数", na_position="first")["项目编号"]
        assert list(by_days)[-3:] == ["B", "A", "C"]
        config = table.column_config["逾期天数"]
        assert config["type_config"]["format"] == "%,d 天"
        assert config["type_config"]["color"] == STATUS_COLORS["red"]
        assert config["type_config"]["max_value"] == 120 and config["type_config"]["min_value"] == 0
    assert pd.isna(lm.project_table(ProjectPage(late, 4, 10)).shown["逾期天数"].iloc[3])


def test_excel_download_has_the_rows_shown_with_chinese_headers_and_notes():
    """The workbook holds the table as shown (万元 column as numbers) and a 说明 sheet."""
    page = ProjectPage([project("A", 12), project("B")], 2, 10)
    frame = lm.project_frame(page)
    book = openpyxl.load_workbook(io.BytesIO(lm.to_xlsx(frame, "民生实事项目", ["当前筛选：全部"])))
    values = list(book["民生实事项目"].values)
    assert values[0] == lm.PROJECT_COLUMNS
    assert [row[0] for row in values[1:]] == ["A", "B"]
    assert values[1][lm.PROJECT_COLUMNS.index("投资金额(万元)")] == 45.5
    assert values[1][lm.PROJECT_COLUMNS.index("逾期天数")] == 12
    assert list(book["说明"].values) == [("说明",), ("当前筛选：全部",)]


def test_filter_parts_describe_the_page_filters():
    """类别, 状态 and 搜索 in words for the caption; nothing when unset."""
    assert lm.filter_parts(["加装电梯"], ["推进中", "未启动"], " 电梯 ") == [
        "类别：加装电梯",
        "状态：推进中、未启动",
        "搜索：电梯",
    ]
    assert lm.filter_parts([], [], "") == []


# ---------------------------------------------------------------- the page (AppTest)


def report_block(url: str, as_of: dt.date, subdistrict: str | None = None) -> dict:
    engine = make_engine(url)
    block = build_report(engine, as_of, subdistrict)["livelihood"]
    engine.dispose()
    return block


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {metric.label: metric.value for metric in at.metric}


def expected_cards(block: dict) -> dict[str, str]:
    """The KPI values a person should read for the report's livelihood block."""
    return {
        "完成率": fmt.pct(block["completion_rate"]),
        "已完成 / 总数": f"{block['completed']:,} / {block['total']:,}",
        "推进中": fmt.count(block["in_progress"], "项"),
        "未启动": fmt.count(block["not_started"], "项"),
        "逾期": fmt.count(block["overdue"], "项"),
        "本周完成": fmt.count(block["completed_this_week"], "项"),
        "已取消": fmt.count(block["cancelled"], "项"),
    }


def test_default_view_shows_the_report_figures(app_db):
    """Opened without parameters: every KPI equals the report as of today."""
    at = open_page("livelihood")
    assert not at.exception
    assert metrics(at) == expected_cards(report_block(app_db, dt.date.today()))
    assert at.title[0].value == "民生实事"


def test_as_of_date_from_url_reproduces_that_days_report(app_db):
    """?to=<a past date>: the KPIs are the report's for that date."""
    as_of = dt.date.today() - dt.timedelta(days=45)
    at = open_page("livelihood", {"to": as_of.isoformat()})
    assert not at.exception
    assert metrics(at) == expected_cards(report_block(app_db, as_of))


def test_subdistrict_from_url_shows_that_subdistricts_report(app_db):
    """?subdistrict=…: the KPIs are that subdistrict's report."""
    at = open_page("livelihood", {"subdistrict": "新华路街道"})
    assert not at.exception
    assert metrics(at) == expected_cards(report_block(app_db, dt.date.today(), "新华路街道"))


def test_community_link_from_the_overview_lands_on_that_community(app_db):
    """The overview's click-through (?subdistrict=…&community=…) shows that community."""
    at = open_page("livelihood", {"subdistrict": "新华路街道", "community": "育英街社区"})
    assert not at.exception
    row = next(
        r
        for r in report_block(app_db, dt.date.today(), "新华路街道")["by_community"]
        if r["community"] == "育英街社区"
    )
    assert metrics(at)["已完成 / 总数"] == f"{row['completed']} / {row['total']}"
    assert "育英街社区" in at.caption[0].value
    table = at.dataframe[-1].value
    assert set(table["社区"]) == {"育英街社区"}


def test_page_filters_are_restored_from_the_url(app_db):
    """?category=…&status=…&q=… fill the widgets and are named in the caption."""
    params = {"category": "加装电梯,养老助餐", "status": "推进中", "q": "社区"}
    at = open_page("livelihood", params)
    assert not at.exception
    assert at.multiselect(key="pf_category").value == ["加装电梯", "养老助餐"]
    assert at.multiselect(key="pf_status").value == ["推进中"]
    assert at.text_input(key="pf_q").value == "社区"
    caption = at.caption[0].value
    assert "类别：加装电梯、养老助餐" in caption and "状态：推进中" in caption


def test_category_narrows_the_kpis(app_db):
    """?category=加装电梯: the KPIs count only that category's projects."""
    at = open_page("livelihood", {"category": "加装电梯"})
    assert not at.exception
    engine = make_engine(app_db)
    expected = livelihood_summary(engine, Scope(date_to=dt.date.today()), ("加装电梯",))
    engine.dispose()
    assert metrics(at)["已完成 / 总数"] == f"{expected.completed} / {expected.total}"


def test_search_from_the_url_finds_one_project_by_code(app_db):
    """?q=<项目编号> lists exactly that project."""
    engine = make_engine(app_db)
    code = detail.project_list(engine, Scope(date_to=dt.date.today()), limit=1).rows[0].code
    engine.dispose()
    at = open_page("livelihood", {"q": code})
    assert not at.exception
    assert list(at.dataframe[-1].value["项目编号"]) == [code]


def test_status_filter_keeps_only_that_state_in_the_project_table(app_db):
    """?status=推进中: every listed project is 推进中 as of the date."""
    at = open_page("livelihood", {"status": "推进中"})
    assert not at.exception
    assert set(at.dataframe[-1].value["状态"]) == {"推进中"}


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"category": "不存在的类别"}, "已忽略无效的类别：不存在的类别"),
        ({"status": "已暂停"}, "已忽略无效的状态：已暂停"),
        ({"q": "电" * 301}, "已忽略过长的筛选参数「搜索项目」"),
    ],
)
def test_invalid_url_values_give_a_notice_not_an_error(app_db, params, notice):
    """A stale or mistyped link opens with a visible notice and the default figures."""
    at = open_page("livelihood", params)
    assert not at.exception
    assert any(notice in warning.value for warning in at.warning)
    assert metrics(at) == expected_cards(report_block(app_db, dt.date.today()))


def test_empty_database_shows_the_import_hint(empty_app_db):
    """No projects: a helpful message, no KPIs, no exception."""
    at = open_page("livelihood")
    assert not at.exception
    assert any("导入民生实事表" in info.value for info in at.info)
    assert not at.metric
