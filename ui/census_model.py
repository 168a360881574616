"""What the 人口普查 page shows, computed from query results without drawing anything.

The plan line and red/yellow/green come from :mod:`figures.judged` (``census_expected``,
``judge_census``). The forecast is plain arithmetic on the last 7 days' pace:
remaining households ÷ average daily increment, rounded up to whole days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from figures.census import (
    PACE_DAYS,
    CensusSummary,
    CommunityCensus,
    CommunityPace,
    CurvePoint,
    DayIncrement,
)
from figures.judged import census_expected, judge_census
from figures.status import CENSUS_PLAN_DAYS, Rules, needs_attention
from ui import charts, tables
from ui import format as fmt
from ui.livelihood_model import Kpi, community_labels, lowest_bars
from ui.tables import status_mark

DONE = "已完成"
CANNOT_FINISH = "按当前进度无法完成"
MAX_CURVES = 12
PLAN_WORD = "计划进度"
BEHIND_COLUMNS = ("状态", "街道", "社区", "登记率", "计划进度", "落后(个百分点)", "未登记户数")
FORECAST_COLUMNS = (
    "街道",
    "社区",
    "应登记户数",
    "已登记户数",
    "剩余户数",
    "近7日日均登记户数",
    "预计完成日期",
    "与计划完成日比较",
)


def plan_end(start: dt.date) -> dt.date:
    """The day the plan line reaches 100% (the campaign's planned last day)."""
    return start + dt.timedelta(days=CENSUS_PLAN_DAYS - 1)


def _status(rate: float | None, plan_rate: float | None, rules: Rules) -> str | None:
    """The judged status of a 登记率 against the plan line (``figures.judged``)."""
    return judge_census(rate, plan_rate, rules).status


def kpis(summary: CensusSummary, plan_rate: float | None, rules: Rules) -> list[Kpi]:
    """应登记户数, 已登记户数, 已登记人数, 登记率 against the plan line, 本周新增."""
    rate_delta = fmt.signed_points(summary.rate - plan_rate) if plan_rate is not None else None
    status = _status(summary.rate, plan_rate, rules)
    return [
        Kpi("应登记户数（户）", fmt.count(summary.expected)),
        Kpi("已登记户数（户）", fmt.count(summary.registered_households)),
        Kpi("已登记人数（人）", fmt.count(summary.registered_persons)),
        Kpi(
            "登记率",
            fmt.pct(summary.rate),
            rate_delta,
            "normal" if rate_delta else "off",
            f"已登记户数 ÷ 应登记户数；计划进度 {fmt.pct(plan_rate)}"
            + (f"，{fmt.status_word(status)}" if status else ""),
        ),
        Kpi(
            "本周新增（户）",
            fmt.count(summary.registered_this_week),
            help_text="截止日期与 7 天前已登记户数之差",
        ),
    ]


def rate_caption(
    summary: CensusSummary,
    plan_rate: float | None,
    start: dt.date | None,
    as_of: dt.date,
    rules: Rules,
) -> str | None:
    """The sentence under the KPI row: 登记率 against the plan line, and which day it is."""
    if plan_rate is None or start is None:
        return None
    day = (as_of - start).days + 1
    when = (
        f"截至 {as_of.isoformat()} 为第 {day} 天（计划 {CENSUS_PLAN_DAYS} 天完成）"
        if day <= CENSUS_PLAN_DAYS
        else f"计划完成日 {plan_end(start).isoformat()} 已过"
    )
    return (
        f"登记率 {fmt.pct(summary.rate)}，{fmt.pace_sentence(summary.rate, plan_rate, PLAN_WORD)}，"
        f"状态：{fmt.status_word(_status(summary.rate, plan_rate, rules))}。任务自 {start.isoformat()} 开始，{when}。"
    )


def ranking_frame(
    rows: Sequence[CommunityCensus], plan_rate: float | None, rules: Rules
) -> pd.DataFrame:
    """登记率 per community with its level against the plan line, highest first."""
    labels = community_labels((row.subdistrict, row.community) for row in rows)
    records = [
        {
            "社区": labels[(row.subdistrict, row.community)],
            "街道": row.subdistrict,
            "登记率": row.rate,
            "状态": fmt.status_word(_status(row.rate, plan_rate, rules)),
            "已登记户数": row.registered_households,
            "应登记户数": row.expected,
        }
        for row in rows
    ]
    columns = ["社区", "街道", "登记率", "状态", "已登记户数", "应登记户数"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values(["登记率", "社区"], ascending=[False, True], ignore_index=True)


def curve_places(
    rows: Sequence[CommunityCensus], limit: int = MAX_CURVES
) -> tuple[tuple[tuple[str, str], ...], bool]:
    """Which communities get a curve: all, or the ``limit`` furthest behind; and whether cut."""
    ordered = sorted(rows, key=lambda row: (row.rate, row.subdistrict, row.community))
    chosen = tuple((row.subdistrict, row.community) for row in ordered[:limit])
    return chosen, len(rows) > limit


def curve_frame(points: Sequence[CurvePoint], start: dt.date | None) -> pd.DataFrame:
    """日期, 社区, 登记率 and the plan line's 计划进度 for each point."""
    labels = community_labels(dict.fromkeys((p.subdistrict, p.community) for p in points))
    records = [
        {
            "日期": pd.Timestamp(p.day),
            "社区": labels[(p.subdistrict, p.community)],
            "登记率": p.rate,
            "计划进度": census_expected(start, p.day),
        }
        for p in points
    ]
    return pd.DataFrame.from_records(records, columns=["日期", "社区", "登记率", "计划进度"])


def increment_frame(increments: Sequence[DayIncrement]) -> pd.DataFrame:
    """新增户数 per day."""
    records = [
        {"日期": pd.Timestamp(i.day), "新增户数": i.households, "新增人数": i.persons}
        for i in increments
    ]
    return pd.DataFrame.from_records(records, columns=["日期", "新增户数", "新增人数"])


def behind_frame(
    rows: Sequence[CommunityCensus], plan_rate: float | None, rules: Rules
) -> pd.DataFrame:
    """Communities at 预警 or worse (滞后, 严重滞后), furthest behind first."""
    records = []
    for row in rows:
        verdict = judge_census(row.rate, plan_rate, rules)
        status = verdict.status
        if not needs_attention(status) or plan_rate is None or verdict.gap_points is None:
            continue
        records.append(
            {
                "状态": status_mark(status),
                "街道": row.subdistrict,
                "社区": row.community,
                "登记率": row.rate,
                "计划进度": round(plan_rate, 4),
                "落后(个百分点)": round(-verdict.gap_points, 1),
                "未登记户数": max(row.expected - row.registered_households, 0),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(BEHIND_COLUMNS))
    return frame.sort_values(
        ["落后(个百分点)", "街道", "社区"], ascending=[False, True, True], ignore_index=True
    )


def daily_pace(row: CommunityPace) -> float:
    """Average households registered per day over the last 7 days."""
    return max(row.registered - row.registered_week_ago, 0) / PACE_DAYS


def forecast_date(row: CommunityPace, as_of: dt.date) -> dt.date | str:
    """When the community finishes at the current pace: a date, 已完成, or 无法完成."""
    remaining = row.expected - row.registered
    if remaining <= 0:
        return DONE
    pace = daily_pace(row)
    if pace <= 0:
        return CANNOT_FINISH
    return as_of + dt.timedelta(days=math.ceil(remaining / pace))


def _against_plan(forecast: dt.date | str, planned_end: dt.date | None) -> str:
    if not isinstance(forecast, dt.date) or planned_end is None:
        return "—"
    late = (forecast - planned_end).days
    if late > 0:
        return f"晚 {late} 天"
    return "按期" if late == 0 else f"提前 {-late} 天"


def forecast_frame(
    rows: Sequence[CommunityPace], as_of: dt.date, start: dt.date | None
) -> pd.DataFrame:
    """Forecast completion per community at the last 7 days' pace, latest first."""
    planned_end = plan_end(start) if start else None
    records = []
    for row in rows:
        forecast = forecast_date(row, as_of)
        records.append(
            {
                "街道": row.subdistrict,
                "社区": row.community,
                "应登记户数": row.expected,
                "已登记户数": row.registered,
                "剩余户数": max(row.expected - row.registered, 0),
                "近7日日均登记户数": round(daily_pace(row), 1),
                "预计完成日期": forecast.isoformat() if isinstance(forecast, dt.date) else forecast,
                "与计划完成日比较": _against_plan(forecast, planned_end),
                "_order": _forecast_order(forecast),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=[*FORECAST_COLUMNS, "_order"])
    frame = frame.sort_values(
        ["_order", "街道", "社区"], ascending=[False, True, True], ignore_index=True
    )
    return frame.drop(columns="_order")


def _forecast_order(forecast: dt.date | str) -> int:
    """Sort key: cannot finish first, then the latest dates, finished last."""
    if forecast == CANNOT_FINISH:
        return 10**9
    if forecast == DONE:
        return -1
    return forecast.toordinal() if isinstance(forecast, dt.date) else 0


def behind_table(frame: pd.DataFrame) -> tables.Written:
    """The laggards as shown: 登记率 26.9% (not 26.99%), 未登记户数 2,188 户."""
    return tables.written(
        frame,
        rates=("登记率", "计划进度"),
        counts={"未登记户数": "户"},
        one_decimal=("落后(个百分点)",),
    )


def forecast_table(frame: pd.DataFrame) -> tables.Written:
    """The forecast as shown: household counts with separators (2,997, as on the cards)."""
    return tables.written(
        frame,
        counts={"应登记户数": "", "已登记户数": "", "剩余户数": ""},
        one_decimal=("近7日日均登记户数",),
    )


# ---------------------------------------------------------------- built once per view
# (``data.built``: made with the query results, so a rerun of the same view only draws)


@dataclass(frozen=True)
class Headline:
    """The campaign's figures for the KPI row (without its per-community rows: unpickling
    2,000 of them on every rerun cost more than drawing the cards) and the communities that
    get a curve."""

    summary: CensusSummary
    places: tuple[tuple[str, str], ...]
    cut: bool


def headline(summary: CensusSummary | None) -> Headline | None:
    """``campaign_summary`` as the page's head needs it (None without progress data)."""
    if summary is None:
        return None
    places, cut = curve_places(summary.by_community)
    return Headline(replace(summary, by_community=[]), places, cut)


@dataclass(frozen=True)
class RankingViews:
    """The ranking bars (the lowest ``MAX_RANKING_BARS``), whether some were cut, and the
    communities behind the plan line."""

    chart: dict[str, Any]
    cut: bool
    behind: pd.DataFrame
    behind_cells: tables.Written


def ranking_views(summary: CensusSummary, rules: Rules, *, plan_rate: float | None) -> RankingViews:
    """登记率 per community against the plan line: the chart and the laggards' table."""
    ranking, cut = lowest_bars(ranking_frame(summary.by_community, plan_rate, rules), "登记率")
    chart = charts.ranking_bar(
        ranking,
        category="社区",
        value="登记率",
        value_title="登记率",
        status="状态",
        rules=rules,
        percent=True,
        title="各社区登记率（颜色对照计划进度）",
        tooltip=["街道", "社区", "已登记户数", "应登记户数"],
    )
    behind = behind_frame(summary.by_community, plan_rate, rules)
    return RankingViews(charts.spec(chart), cut, behind, behind_table(behind))


def curves_chart(points: Sequence[CurvePoint], *, start: dt.date | None) -> dict[str, Any] | None:
    """Each community's cumulative rate against the plan line (None without points)."""
    frame = curve_frame(points, start)
    if frame.empty:
        return None
    curves = charts.time_series(
        frame,
        x="日期",
        y="登记率",
        y_title="累计登记率",
        series="社区",
        x_title="日期",
        percent=True,
        plan="计划进度",
        plan_title="计划进度",
        title="各社区累计登记率（虚线：计划进度）",
    )
    return charts.spec(charts.day_labels(curves))


def increments_chart(increments: Sequence[DayIncrement]) -> dict[str, Any]:
    """Households registered per day (bars)."""
    bars = charts.time_series(
        increment_frame(increments),
        x="日期",
        y="新增户数",
        y_title="当日登记户数",
        x_title="日期",
        kind="bar",
        title="每日新增登记户数",
    )
    return charts.spec(charts.day_labels(bars))


@dataclass(frozen=True)
class ForecastView:
    """The forecast per community (every row, for the download) and its cells as shown."""

    frame: pd.DataFrame
    cells: tables.Written


def forecast_view(
    rows: Sequence[CommunityPace], *, as_of: dt.date, start: dt.date | None
) -> ForecastView:
    """``forecast_frame`` of the query result and its table (for ``data.built``)."""
    frame = forecast_frame(rows, as_of, start)
    return ForecastView(frame, forecast_table(frame))
