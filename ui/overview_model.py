"""What the overview shows, computed from query results without drawing anything.

Kept apart from the page so it can be tested with plain values: the KPI cards, the league
table as a data frame, and the attention list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import streamlit as st

from figures.area_helpers import week_change
from figures.census import CensusSummary
from figures.fiscal import FiscalReport, headline_fiscal
from figures.judged import judge_fiscal, livelihood_expected, score_statuses
from figures.league import LeagueRow, LeagueWithSummaries
from figures.livelihood import LivelihoodSummary
from figures.scope import Scope
from figures.status import Rules, needs_attention, overdue_status, severity
from figures.volunteers import VolunteerSummary
from storage.models import HEADLINE_FISCAL_ITEMS
from ui import charts, tables
from ui import format as fmt
from ui.table_export import excel_bytes
from ui.tables import status_mark, status_of_mark

LEAGUE_STATUS_COLUMNS = ("民生实事", "人口普查", "志愿服务")


@dataclass(frozen=True)
class Card:
    """One KPI card: label, value, delta text and the page it leads to."""

    label: str
    value: str
    delta: str | None
    delta_color: str
    help_text: str
    page: str


def year_progress(scope: Scope) -> float:
    return livelihood_expected(scope.as_of)


def _pace_color(rate: float | None, expected: float | None) -> str:
    if rate is None or expected is None:
        return "off"
    return "normal"


def kpi_cards(
    scope: Scope,
    projects: LivelihoodSummary,
    fiscal_block: FiscalReport | None,
    census_block: CensusSummary | None,
    volunteer_block: VolunteerSummary,
) -> list[Card]:
    """The four area cards of the overview, in the order leaders read them."""
    expected = livelihood_expected(scope.as_of)
    cards = [
        Card(
            label=f"{projects.year}年民生实事完成率",
            value=fmt.pct(projects.completion_rate) if projects.total else "—",
            delta=fmt.pace_delta(projects.completion_rate, expected) if projects.total else None,
            delta_color=_pace_color(projects.completion_rate, expected),
            help_text=(
                f"已完成 {fmt.count_number(projects.completed)} / {fmt.count(projects.total, '项')}，"
                f"逾期 {fmt.count(projects.overdue, '项')}，"
                f"本周完成 {fmt.count(projects.completed_this_week, '项')}"
            ),
            page="views/livelihood.py",
        )
    ]
    revenue = headline_fiscal(fiscal_block)
    cards.append(
        Card(
            label=(
                f"一般公共预算收入（{fmt.months_covered(revenue['month'])}累计）"
                if revenue
                else "一般公共预算收入（累计）"
            ),
            value=fmt.amount(revenue.get("ytd")) if revenue else "—",
            delta=fmt.pace_delta(revenue.get("target_rate"), revenue.get("time_progress")),
            delta_color=_pace_color(revenue.get("target_rate"), revenue.get("time_progress")),
            help_text=(
                f"截至 {revenue['year']} 年 {revenue['month']} 月，完成年度目标 "
                f"{fmt.pct(revenue.get('target_rate'))}，序时进度 {fmt.pct(revenue['time_progress'])}"
                if revenue
                else "暂无本年财政数据"
            ),
            page="views/fiscal.py",
        )
    )
    if census_block is not None:
        cards.append(
            Card(
                label="人口普查登记率",
                value=fmt.pct(census_block.rate),
                delta=f"本周 +{fmt.count(census_block.registered_this_week, '户')}",
                delta_color="normal",
                help_text=(
                    f"{census_block.campaign}：已登记 "
                    f"{fmt.count_number(census_block.registered_households)} / "
                    f"{fmt.count(census_block.expected, '户')}，"
                    f"{fmt.count(census_block.registered_persons, '人')}"
                ),
                page="views/census.py",
            )
        )
    else:
        cards.append(Card("人口普查登记率", "—", None, "off", "暂无普查任务", "views/census.py"))
    this_week, last_week = volunteer_block.hours_this_week, volunteer_block.hours_last_week
    change = week_change(this_week, last_week)
    cards.append(
        Card(
            label="本周志愿服务时长",
            value=fmt.hours(this_week),
            delta=fmt.week_change_text(change),
            delta_color="normal" if change is not None else "off",
            help_text=(
                f"上周 {fmt.hours(last_week)}；本年 {fmt.count(volunteer_block.person_times, '人次')}、"
                f"{fmt.hours(volunteer_block.hours)}，"
                f"注册志愿者 {fmt.count(volunteer_block.registered, '人')}"
            ),
            page="views/volunteers.py",
        )
    )
    return cards


def _mark(status: str | None) -> str:
    return status_mark(status)


def league_frame(rows: Sequence[LeagueRow]) -> pd.DataFrame:
    """The league as the table leaders read: rank, community, per-area status and figures."""
    records = [
        {
            "排名": row.rank,
            "较上周": fmt.rank_change_text(row.rank_change),
            "街道": row.subdistrict,
            "社区": row.community,
            "民生实事完成率": row.livelihood_rate,
            "民生实事": _mark(row.livelihood_status),
            "逾期项目": row.overdue,
            "普查登记率": row.census_rate,
            "人口普查": _mark(row.census_status),
            "注册志愿者": row.volunteer_registered,
            "志愿服务": _mark(row.volunteer_status),
        }
        for row in rows
    ]
    return pd.DataFrame.from_records(records)


# The rates are drawn as bars; counts are written by tables.written (ui.format).
LEAGUE_RATES = ("民生实事完成率", "普查登记率")
LEAGUE_COUNTS = {"逾期项目": "项", "注册志愿者": "人"}


def league_display(table: pd.DataFrame) -> pd.DataFrame:
    """The league as shown: rates in percent (0–100) so their bars print 70.1%, not 70.11%.

    The table itself (downloads, tests) keeps fractions, as the report does.
    """
    shown = table.copy()
    for column in LEAGUE_RATES:
        if column in shown.columns:
            shown[column] = shown[column] * 100
    return shown


def league_column_config() -> dict[str, Any]:
    """Rates as bars, status marks in their colours: drawn by the table, not a Styler."""
    rate_bar = st.column_config.ProgressColumn(format=fmt.PCT_PRINTF, min_value=0, max_value=100)
    return {
        "排名": st.column_config.NumberColumn(format="%d", width="small"),
        "民生实事完成率": rate_bar,
        "普查登记率": rate_bar,
        **tables.status_columns(LEAGUE_STATUS_COLUMNS),
    }


def league_cells(shown: pd.DataFrame) -> tables.Written:
    """The counts of the rows on screen written as everywhere else (12,317 人)."""
    return tables.written(shown, counts=LEAGUE_COUNTS)


def picked_community(table: pd.DataFrame, event: Any) -> tuple[str, str] | None:
    """The (subdistrict, community) of the row the user clicked, if any."""
    try:
        selected = list(event.selection.rows)
    except AttributeError:
        return None
    if not selected or selected[0] >= len(table):
        return None
    row = table.iloc[selected[0]]
    return str(row["街道"]), str(row["社区"])


def league_chart_frame(rows: Sequence[LeagueRow], rules: Rules) -> pd.DataFrame:
    """Score per community (in points) with its overall status, for the ranking bar chart."""
    scored = [row for row in rows if row.score is not None]
    scores = [cast(float, row.score) for row in scored]
    records = [
        {
            "社区": row.community,
            "街道": row.subdistrict,
            "综合得分": round(score * 100, 1),
            "状态": fmt.status_word(status),
        }
        for row, score, status in zip(scored, scores, score_statuses(scores, rules), strict=True)
    ]
    return pd.DataFrame.from_records(records, columns=["社区", "街道", "综合得分", "状态"])


def attention_items(
    rows: Sequence[LeagueRow],
    fiscal_block: FiscalReport | None,
    rules: Rules,
) -> pd.DataFrame:
    """The worst first (严重滞后, 滞后, then 预警): what the meeting should talk about."""
    items: list[dict[str, Any]] = []
    for row in rows:
        where = f"{row.subdistrict} {row.community}"
        if row.overdue:
            items.append(
                _item(
                    overdue_status(row.overdue),
                    "民生实事",
                    where,
                    f"逾期项目 {fmt.count(row.overdue, '项')}",
                )
            )
        if needs_attention(row.livelihood_status):
            items.append(
                _item(
                    row.livelihood_status,
                    "民生实事",
                    where,
                    f"完成率 {fmt.pct(row.livelihood_rate)}，"
                    f"{fmt.pace_phrase(row.livelihood_rate, row.livelihood_expected)}",
                )
            )
        if needs_attention(row.census_status):
            items.append(
                _item(
                    row.census_status,
                    "人口普查",
                    where,
                    f"登记率 {fmt.pct(row.census_rate)}，计划进度 {fmt.pct(row.census_expected)}",
                )
            )
    if fiscal_block is not None:
        for item in fiscal_block.items:
            if item.item not in HEADLINE_FISCAL_ITEMS or item.target_rate is None:
                continue
            status = judge_fiscal(item.target_rate, fiscal_block, rules).status
            if needs_attention(status):
                items.append(
                    _item(
                        status,
                        "财政税收",
                        item.subdistrict,
                        f"{item.item}完成年度目标 {fmt.pct(item.target_rate)}，"
                        f"{fmt.pace_phrase(item.target_rate, fiscal_block.time_progress)}",
                    )
                )
    items.sort(
        key=lambda item: (-severity(status_of_mark(item["状态"])), item["领域"], item["对象"])
    )
    return pd.DataFrame.from_records(items, columns=["状态", "领域", "对象", "情况"])


def _item(status: str | None, area: str, where: str, text: str) -> dict[str, Any]:
    return {"状态": _mark(status), "领域": area, "对象": where, "情况": text}


# ---------------------------------------------------------------- built once per view
# Module-level builders for ``ui.data.built``: made from the cached query results once per
# view and data version, not on every rerun of the page.


def league_tables(rows: Sequence[LeagueRow]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The league as downloaded (fractions) and as shown (percent for the bars)."""
    table = league_frame(rows)
    return table, league_display(table)


def league_chart(rows: Sequence[LeagueRow], rules: Rules) -> tuple[dict[str, Any] | None, int]:
    """The score bars of the best and worst ``charts.EDGE_BARS`` communities (a Vega-Lite
    spec, made once per view), and how many communities the chart leaves out (the table
    lists them all)."""
    frame = league_chart_frame(rows, rules)
    if frame.empty:
        return None, 0
    shown, hidden = charts.ends(frame, "综合得分")
    title = "社区综合得分（与序时进度之差的平均）"
    if hidden:
        title = f"社区综合得分：最高与最低各 {charts.EDGE_BARS} 个（与序时进度之差的平均）"
    chart = charts.ranking_bar(
        shown,
        category="社区",
        value="综合得分",
        value_title="综合得分（个百分点）",
        status="状态",
        rules=rules,
        title=title,
    )
    return charts.spec(chart), hidden


def area_cards(
    projects: LivelihoodSummary,
    fiscal_block: FiscalReport | None,
    census_block: CensusSummary | None,
    volunteer_block: VolunteerSummary,
    *,
    scope: Scope,
) -> list[Card]:
    """``kpi_cards`` from the four query results (for ``data.built``: a rerun neither reads
    the summaries' per-community rows nor writes the cards again)."""
    return kpi_cards(scope, projects, fiscal_block, census_block, volunteer_block)


def overview_workbook(
    rows: Sequence[LeagueRow], fiscal_block: FiscalReport | None, rules: Rules
) -> bytes:
    """The Excel download: every community and every attention item, whatever is on screen."""
    return excel_bytes(
        {"社区排名": league_frame(rows), "需要关注": attention_items(rows, fiscal_block, rules)}
    )


# The same builders over the overview's one fetch of the census and volunteer summaries with
# the league (``figures.league.league_with_summaries``: their per-community rows read once).


def cards_of(
    fiscal_block: FiscalReport | None, figures: LeagueWithSummaries, *, scope: Scope
) -> list[Card]:
    return kpi_cards(scope, figures.livelihood, fiscal_block, figures.census, figures.volunteers)


def league_tables_of(figures: LeagueWithSummaries) -> tuple[pd.DataFrame, pd.DataFrame]:
    return league_tables(figures.league)


def league_chart_of(
    figures: LeagueWithSummaries, rules: Rules
) -> tuple[dict[str, Any] | None, int]:
    return league_chart(figures.league, rules)


def attention_items_of(
    figures: LeagueWithSummaries, fiscal_block: FiscalReport | None, rules: Rules
) -> pd.DataFrame:
    return attention_items(figures.league, fiscal_block, rules)


def overview_workbook_of(
    figures: LeagueWithSummaries, fiscal_block: FiscalReport | None, rules: Rules
) -> bytes:
    return overview_workbook(figures.league, fiscal_block, rules)
