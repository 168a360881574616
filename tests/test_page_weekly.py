"""The 周例会 page: its model on the report, the week's project list, and the page in AppTest."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import open_page

from figures.league import community_league
from figures.livelihood import COMPLETED, NEWLY_OVERDUE, WeekProject, week_projects
from figures.report import build_report, report_scope
from figures.status import DEFAULT_RULES
from storage.db import make_engine
from ui import format as fmt
from ui import weekly_model as wm

# Several report dates: today, a week ago, a month-end, and a date in the published 2020 data.
# Each is worked out when its test runs (not at import), so a run crossing midnight holds.
DATES = {
    "today": lambda today: today,
    "a-week-ago": lambda today: today - dt.timedelta(days=7),
    "january-31": lambda today: dt.date(today.year, 1, 31),
    "2020-11-30": lambda _today: dt.date(2020, 11, 30),
}


@pytest.fixture
def today() -> dt.date:
    """The date the app takes for "today" when this test runs."""
    return dt.date.today()


def _report(url: str, as_of: dt.date, subdistrict: str | None = None) -> dict:
    engine = make_engine(url)
    try:
        return build_report(engine, as_of, subdistrict)
    finally:
        engine.dispose()


def _project(change: str, community: str = "甲社区") -> WeekProject:
    day = dt.date(2026, 11, 30)
    return WeekProject(change, "东城街道", community, "P1", "加装电梯", "加装电梯", day, None)


# ---------------------------------------------------------------- model


def test_week_change_is_this_week_over_last_week_minus_one():
    """环比 of 110 hours after 100 is +10%; with no hours last week it is undefined."""
    assert wm.week_change(110.0, 100.0) == pytest.approx(0.1)
    assert wm.week_change(5.0, 0.0) is None


@pytest.mark.parametrize(("change", "text"), [(2, "↑2"), (-1, "↓1"), (0, "持平"), (None, "—")])
def test_rank_change_text_shows_direction_and_size(change, text):
    """A rise is ↑n, a fall ↓n, no move 持平, and no rank either week a dash."""
    assert fmt.rank_change_text(change) == text


def test_newly_overdue_count_counts_only_newly_overdue_projects():
    """Projects completed this week are not counted as newly overdue."""
    projects = [_project(NEWLY_OVERDUE), _project(COMPLETED), _project(NEWLY_OVERDUE, "乙社区")]
    assert wm.newly_overdue_count(projects) == 2


def test_headline_revenue_sums_subdistricts_of_the_report(app_db, today):
    """一般公共预算收入 over all subdistricts: the sum of the report's items."""
    report = _report(app_db, today)
    items = [i for i in report["fiscal"]["items"] if i["item"] == "一般公共预算收入"]
    revenue = wm.headline_revenue(report)
    assert revenue["ytd"] == pytest.approx(sum(i["ytd"] for i in items))
    assert revenue["target_rate"] == pytest.approx(
        revenue["ytd"] / sum(i["target"] for i in items), abs=1e-4
    )


def test_bulletin_states_the_report_figures(app_db, today):
    """The 通报 text carries the report's counts, rates and hours as written in a document."""
    report = _report(app_db, today)
    engine = make_engine(app_db)
    rows = community_league(engine, report_scope(today))
    text = wm.bulletin_text(report, rows, week_projects(engine, report_scope(today)), DEFAULT_RULES)
    engine.dispose()
    lv, vol = report["livelihood"], report["volunteers"]
    assert text.startswith(wm.document_title(report))
    assert f"共实施民生实事项目{lv['total']:,} 项，已完成{lv['completed']:,} 项" in text
    assert f"完成率{fmt.pct(lv['completion_rate'])}" in text
    assert f"本周服务{vol['hours_this_week']:,.1f} 小时" in text
    if report["census"]:
        assert f"本周新增登记{report['census']['registered_this_week']:,} 户" in text


def test_agenda_names_every_community_with_overdue_projects(app_db, today):
    """Each community with overdue projects in the report is on the agenda with its count."""
    report = _report(app_db, today)
    agenda = wm.agenda_frame(report, [], [], DEFAULT_RULES)
    overdue = [r for r in report["livelihood"]["by_community"] if r["overdue"]]
    texts = set(zip(agenda["对象"], agenda["情况"], strict=True))
    for row in overdue:
        assert (
            f"{row['subdistrict']} {row['community']}",
            f"逾期项目 {row['overdue']} 项",
        ) in texts


def _fiscal_item(subdistrict: str, rate: float | None, yoy: float | None) -> dict:
    return {
        "subdistrict": subdistrict,
        "item": "一般公共预算收入",
        "month_amount": 1_000.5,
        "ytd": 12_000.25,
        "target": None if rate is None else 12_000.25 / rate,
        "target_rate": rate,
        "yoy": yoy,
    }


def test_the_fiscal_table_holds_numbers_that_sort_by_value():
    """/weekly's fiscal table sorts 同比 +9.1% before +10.2% and the gap to 序时进度 by its
    points (as text "+10.2%" came first, "快于…" and "慢于…" apart): numbers written by the
    column formats as /fiscal writes them; no 上年同期 or no target stays a dash, not 0."""
    report = {
        "fiscal": {
            "time_progress": 0.9167,
            "items": [
                _fiscal_item("甲街道", 0.95, 0.102),
                _fiscal_item("乙街道", 0.88, 0.091),
                _fiscal_item("丙街道", 0.9167, -0.12),
                _fiscal_item("丁街道", None, None),
            ],
        }
    }
    cells = wm.fiscal_cells(report)
    data, config = cells.data, cells.column_config
    assert list(data.columns) == [
        *wm.fiscal_frame(report).columns[:6],
        "较序时进度（个百分点）",
        "同比",
    ]
    assert list(data.sort_values("同比").dropna(subset=["同比"])["街道"]) == [
        "丙街道",
        "乙街道",
        "甲街道",
    ]
    gaps = data.sort_values("较序时进度（个百分点）").dropna(subset=["较序时进度（个百分点）"])
    assert list(gaps["街道"]) == ["乙街道", "丙街道", "甲街道"]
    assert list(data["同比"][:3]) == pytest.approx([10.2, 9.1, -12.0])
    assert data["较序时进度（个百分点）"].iloc[0] == pytest.approx(3.33)
    assert (
        data[["年度目标（万元）", "完成目标", "较序时进度（个百分点）", "同比"]]
        .iloc[3]
        .isna()
        .all()
    )
    formats = {name: c["type_config"].get("format") for name, c in config.items()}
    assert formats["同比"] == fmt.CHANGE_PRINTF and formats["完成目标"] == fmt.PCT_PRINTF
    assert formats["较序时进度（个百分点）"] == fmt.POINTS_PRINTF
    assert formats["累计（万元）"] == "%,.2f"
    assert wm.fiscal_frame(report)["同比"].tolist()[:2] == ["+10.2%", "+9.1%"]  # the PDF's words


def test_the_ranks_table_sorts_rank_and_score_as_numbers():
    """排名 2 before 10 and 综合得分 -3.0 before +5.2 (text sorted "10" before "2"); a community
    without a rank keeps a dash."""
    from figures.league import LeagueRow

    def row(name: str, rank: int | None, score: float | None) -> LeagueRow:
        return LeagueRow(
            "甲街道", name, 1, None, 0.5, None, 0, None, None, None, 0, None, None, 0.0, score, rank
        )

    rows = [row("甲社区", 2, 0.052), row("乙社区", 10, -0.03), row("丙社区", None, None)]
    cells = wm.ranks_cells(rows)
    ranked = cells.data.dropna(subset=["排名"]).sort_values("排名")
    assert list(ranked["社区"]) == ["甲社区", "乙社区"]
    assert list(cells.data["综合得分"][:2]) == pytest.approx([5.2, -3.0])
    assert cells.data[["排名", "综合得分"]].iloc[2].isna().all()
    assert cells.column_config["排名"]["type_config"]["format"] == "%d"
    assert cells.column_config["综合得分"]["type_config"]["format"] == fmt.POINTS_PRINTF
    assert wm.ranks_frame(rows)["排名"].tolist() == ["2", "10", "—"]  # the PDF's text


def test_empty_report_has_no_data():
    """A report with nothing in any area is recognised as empty (the page shows a hint)."""
    empty = {
        "livelihood": {"total": 0, "cancelled": 0},
        "fiscal": None,
        "census": None,
        "volunteers": {"registered": 0, "person_times": 0},
    }
    assert not wm.has_data(empty)


# ---------------------------------------------------------------- query (both databases)


def test_week_projects_match_the_report_counts(db_kind, loaded_demo, today):
    """The list holds exactly completed_this_week projects marked 本周完成, on both databases."""
    engine = loaded_demo(db_kind, today)  # a copy of load_demo(today=today) on a fresh database
    as_of = today
    report = build_report(engine, as_of)
    projects = week_projects(engine, report_scope(as_of))
    completed = [p for p in projects if p.change == COMPLETED]
    assert len(completed) == report["livelihood"]["completed_this_week"]
    week_start = as_of - dt.timedelta(days=6)
    assert all(week_start <= p.completed_on <= as_of for p in completed)
    newly = [p for p in projects if p.change == NEWLY_OVERDUE]
    assert len(newly) <= report["livelihood"]["overdue"]
    assert all(as_of - dt.timedelta(days=7) <= p.planned_on < as_of for p in newly)


# ---------------------------------------------------------------- page


def _metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.mark.parametrize("which", list(DATES))
def test_figures_equal_the_json_report_for_the_date(app_db, today, which):
    """For each as_of in the URL the cards show the report's figures for that date."""
    as_of = DATES[which](today)
    at = open_page("weekly", {"as_of": as_of.isoformat()})
    assert not at.exception
    report = _report(app_db, as_of)
    if not wm.has_data(report):
        assert any("没有任何数据" in info.value for info in at.info)
        return
    shown = _metrics(at)
    lv, vol = report["livelihood"], report["volunteers"]
    assert shown["本周完成民生实事"] == fmt.count(lv["completed_this_week"], "项")
    assert shown["逾期民生实事"] == fmt.count(lv["overdue"], "项")
    assert shown["本周志愿服务时长"] == fmt.hours(vol["hours_this_week"])
    if report["census"]:
        assert shown["本周普查新增登记"] == fmt.count(
            report["census"]["registered_this_week"], "户"
        )
    assert f"截至 {as_of.isoformat()}" in at.caption[0].value
    numbers = set()
    for table in at.dataframe:  # the fiscal and rank tables sort their figures as numbers
        for name in {"累计（万元）", "同比", "排名", "综合得分"} & set(table.value.columns):
            assert pd.api.types.is_numeric_dtype(table.value[name]), name
            numbers.add(name)
    assert "排名" in numbers and ("同比" in numbers or not report["fiscal"])


def test_subdistrict_from_url_gives_that_subdistricts_report(app_db, today):
    """?subdistrict= narrows every figure to that subdistrict; a community filter is ignored."""
    at = open_page("weekly", {"subdistrict": "花园路街道", "community": "柳林社区"})
    assert not at.exception
    report = _report(app_db, today, "花园路街道")
    shown = _metrics(at)
    assert shown["逾期民生实事"] == fmt.count(report["livelihood"]["overdue"], "项")
    revenue = wm.headline_revenue(report)
    assert shown[f"一般公共预算收入 1—{revenue['month']} 月"] == fmt.amount(revenue["ytd"])
    assert any("已忽略社区筛选" in info.value for info in at.info)
    assert not at.code  # the plain text is drawn once its expander is opened
    at.session_state["weekly_copy"] = True
    at.run()
    assert "花园路街道" in at.code[0].value


def test_as_of_from_url_is_restored_in_the_date_input(app_db):
    """Opening ?as_of=… puts that date in the 报告日期 input."""
    at = open_page("weekly", {"as_of": "2026-03-15"})
    assert at.date_input(key="pf_as_of").value == dt.date(2026, 3, 15)


def test_invalid_as_of_gives_a_notice_and_today(app_db, today):
    """A malformed date is reported and the report is for today."""
    at = open_page("weekly", {"as_of": "2026-13-40"})
    assert not at.exception
    assert any("2026-13-40" in warning.value for warning in at.warning)
    assert at.date_input(key="pf_as_of").value == today


def test_empty_database_shows_the_import_hint(empty_app_db):
    """With no data the page explains what to do instead of showing zeros."""
    at = open_page("weekly")
    assert not at.exception
    assert any("没有任何数据" in info.value for info in at.info)


def test_markdown_escaping_writes_every_markup_character_literally():
    """``escape_markdown`` (one ``str.translate`` pass over a city's long 通报) puts a
    backslash before each character that can start markup, and list or heading markers at a
    line's start, exactly as a character-by-character writer does."""
    import random
    import re

    from ui.filters import escape_markdown

    def reference(text: str) -> str:
        escaped = "".join("\\" + ch if ch in "\\`*_[]<>|~$" else ch for ch in text)
        lines = []
        for line in escaped.split("\n"):
            stripped = line.lstrip()
            if stripped[:1] in ("#", "-", "+", ">", "="):
                line = line.replace(stripped, "\\" + stripped, 1)
            else:
                line = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", line)
            lines.append(line)
        return "\n".join(lines)

    chance = random.Random(11)
    alphabet = "\\`*_[]<>|~$#-+>=( )1.社区 a\n\t"
    for _ in range(3000):
        text = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 40)))
        assert escape_markdown(text) == reference(text), text
    assert escape_markdown("*甲* [乙](x) $1$ <b>") == r"\*甲\* \[乙\](x) \$1\$ \<b\>"
