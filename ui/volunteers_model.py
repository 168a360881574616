"""What the 志愿服务 page shows, computed from query results without drawing anything.

Only counts and sums: the page never lists a person (no names exist, and volunteer codes are
not shown either). Registration rate = registered / residents of the communities in scope,
judged against ``VOLUNTEER_TARGET_RATE`` with the one status rule (``figures.status``), the
same way the league table does.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from figures.area_helpers import week_change
from figures.judged import judge_volunteers, volunteer_statuses
from figures.status import STATUS_LABELS, VOLUNTEER_TARGET_RATE, Rules
from figures.volunteers import (
    CommunityPopulation,
    CommunityService,
    GroupService,
    MonthService,
    ServiceTotals,
    VolunteerSummary,
)
from ui import charts, tables
from ui import format as fmt
from ui.tables import status_mark

RANKING_COLUMNS = [
    "排名",
    "街道",
    "社区",
    "常住人口",
    "注册志愿者",
    "注册率",
    "状态",
    "服务人次",
    "服务时长（小时）",
]


@dataclass(frozen=True)
class Kpi:
    """One KPI card."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"
    help_text: str | None = None


def totals_from_summary(summary: VolunteerSummary) -> ServiceTotals:
    """The report's service figures (all activity types) in the page's shape."""
    return ServiceTotals(
        person_times=summary.person_times,
        hours=summary.hours,
        active=summary.active,
        hours_this_week=summary.hours_this_week,
        hours_last_week=summary.hours_last_week,
    )


def registration_rate(registered: int, population: int) -> float | None:
    """Registered volunteers per resident (None without residents)."""
    if population <= 0:
        return None
    return round(registered / population, 4)


def registration_status(registered: int, population: int, rules: Rules) -> str | None:
    """green / yellow / red of the registration rate against the 13% target (league rule)."""
    return judge_volunteers(registered, population, rules).status


def kpis(registered: int, population: int, totals: ServiceTotals, year: int) -> list[Kpi]:
    """注册志愿者, 活跃志愿者, 注册率, 服务人次, 服务时长 and 本周时长 (环比)."""
    rate = registration_rate(registered, population)
    gap = None if rate is None else rate - VOLUNTEER_TARGET_RATE
    change = week_change(totals.hours_this_week, totals.hours_last_week)
    active_share = f"，占注册志愿者 {fmt.pct(totals.active / registered)}" if registered else ""
    return [
        Kpi("注册志愿者", fmt.count(registered, "人"), help_text="注册日期不晚于截止日期"),
        Kpi(
            "活跃志愿者",
            fmt.count(totals.active, "人"),
            help_text=f"{year}年有服务记录的志愿者（去重）{active_share}",
        ),
        Kpi(
            f"注册率（目标 {fmt.target_pct(VOLUNTEER_TARGET_RATE)}）",
            fmt.pct(rate),
            fmt.signed_points(gap),
            "normal" if gap is not None else "off",
            f"注册志愿者 / 常住人口 {fmt.count(population, '人')}",
        ),
        Kpi("服务人次", fmt.count(totals.person_times, "人次"), help_text=f"{year}年累计"),
        Kpi("服务时长", fmt.hours(totals.hours), help_text=f"{year}年累计"),
        Kpi(
            "本周服务时长",
            fmt.hours(totals.hours_this_week),
            fmt.week_change_text(change),
            "normal" if change is not None else "off",
            f"上周 {fmt.hours(totals.hours_last_week)}（截止日期前 7 天与再前 7 天）",
        ),
    ]


def ranking_frame(
    populations: Sequence[CommunityPopulation],
    registered: dict[tuple[str, str], int],
    service: Sequence[CommunityService],
    rules: Rules,
) -> pd.DataFrame:
    """Every community in scope, most service hours first, with its registration status."""
    by_place = {(row.subdistrict, row.community): row for row in service}
    counts = [registered.get((place.subdistrict, place.community), 0) for place in populations]
    statuses = volunteer_statuses(counts, [place.population for place in populations], rules)
    records = []
    for place, count, status in zip(populations, counts, statuses, strict=True):
        served = by_place.get((place.subdistrict, place.community))
        records.append(
            {
                "街道": place.subdistrict,
                "社区": place.community,
                "常住人口": place.population,
                "注册志愿者": count,
                "注册率": registration_rate(count, place.population),
                "状态": status_mark(status),
                "服务人次": served.person_times if served else 0,
                "服务时长（小时）": served.hours if served else 0.0,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=RANKING_COLUMNS[1:])
    if frame.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    frame = frame.sort_values(
        ["服务时长（小时）", "服务人次", "街道", "社区"],
        ascending=[False, False, True, True],
        kind="stable",
    ).reset_index(drop=True)
    frame.insert(
        0, "排名", frame["服务时长（小时）"].rank(method="min", ascending=False).astype(int)
    )
    return frame


def ranking_table(frame: pd.DataFrame) -> tables.Written:
    """The league as shown: 12,317 人 (not 12317 人), 注册率 13.2% (not 13.15%), 1,301.2 小时."""
    return tables.written(
        frame,
        rates=("注册率",),
        counts={"常住人口": "人", "注册志愿者": "人", "服务人次": ""},
        one_decimal=("服务时长（小时）",),
    )


def type_table(frame: pd.DataFrame) -> tables.Written:
    """Per 活动类型 as shown: 3,180.5 hours and 1,193 人次, as the bars beside them."""
    return tables.written(
        frame, counts={"服务人次": "", "参与志愿者": ""}, one_decimal=("服务时长",)
    )


def ranking_column_config() -> dict[str, Any]:
    """排名 as a plain number; 状态 in its colour, drawn by the table (not a Styler)."""
    return {
        "排名": st.column_config.NumberColumn(format="%d", width="small"),
        **tables.status_columns(["状态"]),
    }


def rate_chart_frame(ranking: pd.DataFrame) -> pd.DataFrame:
    """Registration rate per community with the status word the chart colours by."""
    if ranking.empty:
        return pd.DataFrame(columns=["社区", "注册率", "状态"])
    words = {status_mark(key): label for key, label in STATUS_LABELS.items()}
    frame = ranking[ranking["注册率"].notna()][["社区", "注册率", "状态"]].copy()
    frame["状态"] = frame["状态"].map(lambda mark: words.get(mark, "—"))
    return frame


def _month_label(year: int, month: int, as_of: dt.date | None) -> str:
    """``2026-11``; the month of ``as_of`` before its last day ``2026-12（至2日）``."""
    label = f"{year}-{month:02d}"
    if as_of is None or (year, month) != (as_of.year, as_of.month):
        return label
    if as_of.day == calendar.monthrange(year, month)[1]:
        return label
    return f"{label}（至{as_of.day}日）"


def month_frame(months: Sequence[MonthService], as_of: dt.date | None = None) -> pd.DataFrame:
    """人次 and hours per month (月份 as YYYY-MM, in calendar order). The month still running
    on ``as_of`` says so: two days of December drawn as a month read as a collapse."""
    records = [
        {
            "月份": _month_label(row.year, row.month, as_of),
            "服务人次": row.person_times,
            "服务时长": row.hours,
            "参与志愿者": row.volunteers,
        }
        for row in months
    ]
    return pd.DataFrame.from_records(
        records, columns=["月份", "服务人次", "服务时长", "参与志愿者"]
    )


def running_month_note(months: pd.DataFrame) -> str | None:
    """A caption when the last month is still running (its axis label may be thinned out)."""
    if months.empty:
        return None
    last = str(months["月份"].iloc[-1])
    if "（至" not in last:
        return None
    month, _, rest = last.partition("（至")
    day = rest.removesuffix("日）")
    return f"{month} 只含 1—{day} 日的记录，不是整月，柱和线因此偏低。"


def type_frame(groups: Sequence[GroupService]) -> pd.DataFrame:
    """人次, hours and distinct volunteers per 活动类型, most hours first: the table stands
    beside the bars of 服务时长 and lists the types in the same order (it followed 人次, so
    便民服务 and 文明劝导 swapped places between the two)."""
    records = [
        {
            "活动类型": row.activity_type,
            "服务人次": row.person_times,
            "服务时长": row.hours,
            "参与志愿者": row.volunteers,
        }
        for row in sorted(groups, key=lambda g: (-g.hours, g.activity_type))
    ]
    return pd.DataFrame.from_records(
        records, columns=["活动类型", "服务人次", "服务时长", "参与志愿者"]
    )


def top_frame(groups: Sequence[GroupService]) -> pd.DataFrame:
    """The top activities, numbered in the order given (the query's order)."""
    records = [
        {
            "排名": position,
            "活动名称": row.activity_name,
            "活动类型": row.activity_type,
            "服务人次": row.person_times,
            "服务时长（小时）": row.hours,
            "参与志愿者": row.volunteers,
        }
        for position, row in enumerate(groups, start=1)
    ]
    return pd.DataFrame.from_records(
        records,
        columns=["排名", "活动名称", "活动类型", "服务人次", "服务时长（小时）", "参与志愿者"],
    )


def registered_by_community(summary: VolunteerSummary) -> dict[tuple[str, str], int]:
    """The report's registered volunteers per (subdistrict, community)."""
    return {(row.subdistrict, row.community): row.registered for row in summary.by_community}


def service_from_summary(summary: VolunteerSummary) -> list[CommunityService]:
    """The report's per-community 人次 and hours (all activity types)."""
    return [
        CommunityService(row.subdistrict, row.community, row.person_times, row.hours)
        for row in summary.by_community
        if row.person_times
    ]


# ---------------------------------------------------------------- built once per view
# (``data.built``: made with the query results, so a rerun of the same view only draws)

RATE_BARS = 20
TOP_HOURS_BARS = 20


@dataclass(frozen=True)
class MonthCharts:
    """The two monthly charts and the note on the running month (``None`` without months)."""

    person_times: dict[str, Any] | None
    hours: dict[str, Any] | None
    note: str | None


def month_charts(months: Sequence[MonthService], *, as_of: dt.date) -> MonthCharts:
    """每月服务人次 (bars) and 每月服务时长 (line)."""
    frame = month_frame(months, as_of)
    if frame.empty:
        return MonthCharts(None, None, None)
    person_times = charts.time_series(
        frame,
        x="月份",
        y="服务人次",
        y_title="服务人次",
        x_type="O",
        kind="bar",
        title="每月服务人次",
    )
    hours = charts.time_series(
        frame,
        x="月份",
        y="服务时长",
        y_title="服务时长（小时）",
        x_type="O",
        title="每月服务时长",
    )
    return MonthCharts(charts.spec(person_times), charts.spec(hours), running_month_note(frame))


def type_chart(groups: Sequence[GroupService]) -> tuple[dict[str, Any], tables.Written]:
    """Service hours by activity type (chart) and the table beside it (a few rows)."""
    by_type = type_frame(groups)
    chart = charts.ranking_bar(
        by_type,
        category="活动类型",
        value="服务时长",
        value_title="服务时长（小时）",
        title="按活动类型：服务时长",
    )
    return charts.spec(chart), type_table(by_type)


@dataclass(frozen=True)
class RankingViews:
    """The community ranking (every row, for the download), its cells as shown, two charts."""

    ranking: pd.DataFrame
    cells: tables.Written
    hours_chart: dict[str, Any]
    rate_chart: dict[str, Any] | None


def _ranking_views(
    populations: Sequence[CommunityPopulation],
    summary: VolunteerSummary,
    by_community: Sequence[CommunityService],
    rules: Rules,
) -> RankingViews:
    ranking = ranking_frame(populations, registered_by_community(summary), by_community, rules)
    hours = charts.ranking_bar(
        ranking.head(TOP_HOURS_BARS),
        category="社区",
        value="服务时长（小时）",
        value_title="服务时长（小时）",
        title=f"服务时长最多的 {TOP_HOURS_BARS} 个社区"
        if len(ranking) > TOP_HOURS_BARS
        else "各社区服务时长",
    )
    rates = rate_chart_frame(ranking)
    rate_chart = None
    if not rates.empty:
        # The laggards: a "top 20" by rate left out the community furthest from the target.
        shown, cut = charts.lowest(rates, "注册率", RATE_BARS)
        rate_chart = charts.spec(
            charts.ranking_bar(
                shown,
                category="社区",
                value="注册率",
                value_title="注册率",
                status="状态",
                percent=True,
                rules=rules,
                title=f"注册率最低的 {RATE_BARS} 个社区" if cut else "各社区注册率",
            )
        )
    return RankingViews(ranking, ranking_table(ranking), charts.spec(hours), rate_chart)


def ranking_views(
    populations: Sequence[CommunityPopulation], summary: VolunteerSummary, rules: Rules
) -> RankingViews:
    """The ranking of every activity type (service from the summary's own figures)."""
    return _ranking_views(populations, summary, service_from_summary(summary), rules)


def ranking_views_of_types(
    populations: Sequence[CommunityPopulation],
    summary: VolunteerSummary,
    rules: Rules,
    by_community: Sequence[CommunityService],
) -> RankingViews:
    """The ranking with service of the chosen activity types only."""
    return _ranking_views(populations, summary, by_community, rules)


@dataclass(frozen=True)
class Headline:
    """What the KPI row needs, without the per-community rows behind it: unpickling 2,000
    small objects on every rerun cost more than drawing the cards (issue 11)."""

    communities: int
    registered: int
    population: int
    totals: ServiceTotals


def headline(summary: VolunteerSummary, populations: Sequence[CommunityPopulation]) -> Headline:
    """The registered volunteers, residents in scope and the year's service (all types)."""
    return Headline(
        communities=len(populations),
        registered=summary.registered,
        population=sum(row.population for row in populations),
        totals=totals_from_summary(summary),
    )


def top_tables(
    by_person_times: Sequence[GroupService], by_hours: Sequence[GroupService]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two 活动排行 tables (by 服务人次, by 服务时长), made once per view."""
    return top_frame(by_person_times), top_frame(by_hours)
