"""What the 民生实事 page shows, computed from query results without drawing anything.

KPI texts, the frames behind the charts and tables (Chinese column names, as read on screen
and in the Excel download), and the Excel file itself. Pure functions of plain values, so they
are unit-tested without Streamlit running.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from figures.judged import judge_livelihood, livelihood_expected
from figures.livelihood import (
    CommunityLivelihood,
    ListCounts,
    LivelihoodFigures,
    LivelihoodSummary,
    MonthPoint,
    ProjectPage,
    ProjectRow,
)
from figures.status import STATUS_COLORS, Rules
from ui import charts
from ui import format as fmt
from ui.table_export import excel_bytes

PROJECT_STATUS_COLORS: dict[str, str] = fmt.PROJECT_STATE_COLORS
PROJECT_COLUMNS: tuple[str, ...] = (
    "项目编号",
    "街道",
    "社区",
    "项目名称",
    "类别",
    "状态",
    "计划完成日期",
    "完成日期",
    "逾期天数",
    "投资金额(万元)",
    "受益户数",
)
OVERDUE_COLUMNS: tuple[str, ...] = (
    "逾期天数",
    "项目编号",
    "街道",
    "社区",
    "项目名称",
    "类别",
    "状态",
    "计划完成日期",
)
# Two rows of four columns: seven cards in one row truncate on an office screen (1440 px)
# and at city scale (five-digit counts). Headline figures first, the status counts below.
KPI_ROWS: tuple[tuple[str, ...], ...] = (
    ("完成率", "已完成 / 总数", "逾期", "本周完成"),
    ("推进中", "未启动", "已取消"),
)
KPI_COLUMNS = 4
MAX_RANKING_BARS = 40
RANKING_COLUMNS: tuple[str, ...] = ("社区", "街道", "完成率", "状态", "已完成", "总数", "逾期")


@dataclass(frozen=True)
class Kpi:
    """One KPI card: label, value, optional delta (its sign colours it) and a help text."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "off"
    help_text: str | None = None


def community_labels(places: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A chart label per community: its name, or 街道·社区 when the name occurs twice."""
    places = list(places)
    counts = Counter(name for _, name in places)
    return {(sub, name): name if counts[name] == 1 else f"{sub}·{name}" for sub, name in places}


def summary_of(figures: LivelihoodFigures) -> LivelihoodSummary:
    """The headline counts (through ``data.built`` a rerun reads them without the 2,000
    per-community rows they were read with)."""
    return figures.summary


def list_counts_of(figures: LivelihoodFigures) -> ListCounts:
    """How many projects the lists match (so they send no count statement), likewise."""
    return figures.list_counts


def kpis(summary: LivelihoodSummary, as_of: dt.date) -> list[Kpi]:
    """The KPI row: 完成率 against 序时进度, then the counts of §3."""
    expected = livelihood_expected(as_of)
    rate_delta = fmt.signed_points(summary.completion_rate - expected) if summary.total else None
    return [
        Kpi(
            "完成率",
            fmt.pct(summary.completion_rate) if summary.total else "—",
            rate_delta,
            "normal" if rate_delta else "off",
            "已完成 ÷ 总数（不含已取消），与序时进度（全年已过天数占比）比较；"
            + fmt.pace_sentence(summary.completion_rate, expected),
        ),
        Kpi(
            "已完成 / 总数",
            f"{fmt.count_number(summary.completed)} / {fmt.count_number(summary.total)}",
            help_text=f"{summary.year} 年度项目，完成日期不晚于 {as_of.isoformat()}",
        ),
        Kpi("推进中", fmt.count(summary.in_progress, "项")),
        Kpi("未启动", fmt.count(summary.not_started, "项")),
        Kpi(
            "逾期",
            fmt.count(summary.overdue, "项"),
            help_text="未完成且计划完成日期早于截止日期",
        ),
        Kpi(
            "本周完成",
            fmt.count(summary.completed_this_week, "项"),
            help_text="完成日期在截止日期前 7 天内（含当日）",
        ),
        Kpi("已取消", fmt.count(summary.cancelled, "项"), help_text="不计入总数和完成率"),
    ]


def pace_caption(summary: LivelihoodSummary, as_of: dt.date, rules: Rules) -> str | None:
    """The sentence under the KPI row: 完成率 88.5%，慢于序时进度 0.4 个百分点（序时进度 88.9%）."""
    if not summary.total:
        return None
    verdict = judge_livelihood(summary.completion_rate, as_of, rules)
    level = fmt.status_word(verdict.status or "red")
    return (
        f"完成率 {fmt.pct(summary.completion_rate)}，"
        f"{fmt.pace_sentence(summary.completion_rate, verdict.expected)}，状态：{level}。"
    )


def ranking_frame(
    rows: Sequence[CommunityLivelihood], as_of: dt.date, rules: Rules
) -> pd.DataFrame:
    """Completion rate per community with its 红黄绿 level against 序时进度, best first."""
    counted = [row for row in rows if row.total]
    labels = community_labels((row.subdistrict, row.community) for row in counted)
    records = [
        {
            "社区": labels[(row.subdistrict, row.community)],
            "街道": row.subdistrict,
            "完成率": row.completion_rate,
            "状态": fmt.status_word(
                judge_livelihood(row.completion_rate, as_of, rules).status or "red"
            ),
            "已完成": row.completed,
            "总数": row.total,
            "逾期": row.overdue,
        }
        for row in counted
    ]
    frame = pd.DataFrame.from_records(records, columns=list(RANKING_COLUMNS))
    return frame.sort_values(["完成率", "社区"], ascending=[False, True], ignore_index=True)


def lowest_bars(
    frame: pd.DataFrame, value: str, limit: int = MAX_RANKING_BARS
) -> tuple[pd.DataFrame, bool]:
    """At most ``limit`` bars: the lowest values (the laggards), still best first; and
    whether rows were left out (a city has a thousand communities: no chart can show them)."""
    if len(frame) <= limit:
        return frame, False
    kept = frame.sort_values(value, kind="stable").head(limit)
    return kept.sort_values(value, ascending=False, kind="stable", ignore_index=True), True


def status_frame(summary: LivelihoodSummary) -> pd.DataFrame:
    """项目数 per 状态 as of the date (cancelled shown too), empty states left out."""
    counts = {
        "已完成": summary.completed,
        "推进中": summary.in_progress,
        "未启动": summary.not_started,
        "已取消": summary.cancelled,
    }
    records = [{"状态": status, "项目数": n} for status, n in counts.items() if n]
    return pd.DataFrame.from_records(records, columns=["状态", "项目数"])


def monthly_frame(points: Sequence[MonthPoint]) -> pd.DataFrame:
    """累计完成 and 计划累计 at each month's end (月份 as ``YYYY-MM``, an ordinal axis)."""
    records = [
        {"月份": p.month.strftime("%Y-%m"), "累计完成": p.completed, "计划累计": p.planned}
        for p in points
    ]
    return pd.DataFrame.from_records(records, columns=["月份", "累计完成", "计划累计"])


def _project_record(row: ProjectRow) -> dict:
    return {
        "项目编号": row.code,
        "街道": row.subdistrict,
        "社区": row.community,
        "项目名称": row.name,
        "类别": row.category,
        "状态": row.status,
        "计划完成日期": row.planned_on,
        "完成日期": row.completed_on,
        "逾期天数": row.overdue_days,
        "投资金额(万元)": row.investment,
        "受益户数": row.beneficiary_households,
    }


def project_frame(page: ProjectPage) -> pd.DataFrame:
    """The project table as shown (and downloaded): one row per project, Chinese headers."""
    records = [_project_record(row) for row in page.rows]
    frame = pd.DataFrame.from_records(records, columns=list(PROJECT_COLUMNS))
    return frame.astype({"逾期天数": "Int64", "受益户数": "Int64"})


def overdue_frame(page: ProjectPage) -> pd.DataFrame:
    """Overdue projects, most overdue first (ties by 项目编号)."""
    frame = project_frame(page)
    frame = frame.sort_values(["逾期天数", "项目编号"], ascending=[False, True], ignore_index=True)
    return frame.loc[:, list(OVERDUE_COLUMNS)]


def truncation_note(page: ProjectPage, what: str = "项目") -> str | None:
    """Says when the list shows only the first ``limit`` of the matches."""
    if not page.truncated:
        return None
    return (
        f"共有 {fmt.count(page.matched, '个')}{what}符合条件，仅显示前 {fmt.count(len(page.rows), '个')}；"
        "请用类别、状态、社区或搜索缩小范围。"
    )


def filter_parts(categories: Sequence[str], statuses: Sequence[str], search: str) -> list[str]:
    """The page filters in words, for the caption (当前筛选：… · 类别：…)."""
    parts = []
    if categories:
        parts.append("类别：" + "、".join(categories))
    if statuses:
        parts.append("状态：" + "、".join(statuses))
    if search.strip():
        parts.append(f"搜索：{search.strip()}")
    return parts


def _date_text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table's cells as read on screen: ``2026-06-06``, blank when empty.

    (Streamlit prints a grey "None" for a missing date; the download keeps types.) 逾期天数
    stays a number, so a click on its header sorts by the days (3 天 before 12 天); its
    column format writes ``169 天`` and leaves a project that is not late blank.
    """
    shown = frame.copy()
    for column in ("计划完成日期", "完成日期"):
        if column in shown.columns:
            shown[column] = [_date_text(v) for v in shown[column]]
    return shown


def project_column_config(shown: pd.DataFrame) -> dict[str, Any]:
    """``column_config`` for the project (or overdue) table as shown: 状态 in its state's colour
    and 逾期天数 as ``169 天`` beside a red bar (as long as the most overdue project's is
    longest), drawn by the table itself, and 万元 with two decimals.

    (A pandas Styler did this cell by cell: 0.3 s a run for the city's 2,000 projects.)
    """
    config: dict[str, Any] = {}
    if "状态" in shown.columns:
        config["状态"] = st.column_config.MultiselectColumn(
            options=list(PROJECT_STATUS_COLORS),
            color=list(PROJECT_STATUS_COLORS.values()),
            width="small",
        )
    if "逾期天数" in shown.columns:
        most = shown["逾期天数"].max()
        config["逾期天数"] = st.column_config.ProgressColumn(
            format=fmt.DAYS_PRINTF,
            min_value=0,
            max_value=max(int(most), 1) if pd.notna(most) else 1,
            color=STATUS_COLORS["red"],
        )
    if "投资金额(万元)" in shown.columns:
        config["投资金额(万元)"] = st.column_config.NumberColumn(format="accounting")
    return config


@dataclass(frozen=True)
class ProjectTable:
    """A project list ready to draw: the frame as downloaded, the cells as read on screen,
    and the table's ``column_config`` (made once per view, with the query result)."""

    frame: pd.DataFrame
    shown: pd.DataFrame
    column_config: dict[str, Any]
    matched: int
    note: str | None


def _project_table(frame: pd.DataFrame, page: ProjectPage, note: str | None) -> ProjectTable:
    shown = display_frame(frame)
    return ProjectTable(frame, shown, project_column_config(shown), page.matched, note)


def project_table(page: ProjectPage) -> ProjectTable:
    """The project list of ``page`` (``data.built`` caches it with the query result, so a
    rerun reads neither the 2,000 rows nor the frames made from them)."""
    return _project_table(project_frame(page), page, truncation_note(page))


def overdue_table(page: ProjectPage) -> ProjectTable:
    """The overdue list of ``page``, most overdue first."""
    return _project_table(overdue_frame(page), page, truncation_note(page, "逾期项目"))


def ranking_chart(
    figures: LivelihoodFigures, rules: Rules, *, as_of: dt.date
) -> tuple[charts.ChartSpec, bool]:
    """The ranking bars (the lowest ``MAX_RANKING_BARS`` communities) and whether some were
    left out."""
    ranking, cut = lowest_bars(ranking_frame(figures.by_community, as_of, rules), "完成率")
    chart = charts.ranking_bar(
        ranking,
        category="社区",
        value="完成率",
        value_title="完成率",
        status="状态",
        rules=rules,
        percent=True,
        title="各社区完成率（颜色对照序时进度）",
        tooltip=["街道", "社区", "已完成", "总数", "逾期"],
    )
    return charts.spec(chart), cut


def status_chart(figures: LivelihoodFigures) -> charts.ChartSpec:
    """The donut of project states."""
    chart = charts.share_donut(
        status_frame(figures.summary),
        category="状态",
        value="项目数",
        value_title="项目数",
        title="项目状态构成",
        colors=PROJECT_STATUS_COLORS,
    )
    return charts.spec(chart)


def monthly_chart(points: Sequence[MonthPoint]) -> charts.ChartSpec:
    """累计完成 by month against the plan line."""
    chart = charts.time_series(
        monthly_frame(points),
        x="月份",
        y="累计完成",
        y_title="累计完成项目数",
        x_title="月份",
        x_type="O",
        plan="计划累计",
        plan_title="计划累计（按计划完成日期）",
        title="逐月累计完成（虚线：按计划完成日期的累计计划数）",
    )
    return charts.spec(chart)


def to_xlsx(frame: pd.DataFrame, sheet: str, notes: Sequence[str] = ()) -> bytes:
    """The frame as an .xlsx file: the table as shown, then a 说明 sheet with the filters."""
    sheets = {sheet: frame}
    if notes:
        sheets["说明"] = pd.DataFrame({"说明": list(notes)})
    return excel_bytes(sheets)
