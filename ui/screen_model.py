"""What the big screen (数据大屏) shows, computed from query results without drawing anything.

The screen rotates through five sections; each section is a few big numbers and one chart.
Everything here is plain data (figures, frames, texts, the rotation clock) so it can be
tested without a browser; ``views/screen.py`` only draws it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from figures.area_helpers import week_change
from figures.census import CensusSummary
from figures.fiscal import FiscalReport, headline_fiscal
from figures.judged import judge_census, judge_fiscal, judge_livelihood
from figures.league import LeagueRow
from figures.livelihood import CommunityLivelihood, LivelihoodSummary
from figures.scope import Scope
from figures.status import Rules, overdue_status, week_change_status
from figures.volunteers import VolunteerSummary
from storage.models import HEADLINE_FISCAL_ITEMS
from ui import charts
from ui import format as fmt
from ui.overview_model import league_chart_frame

SECTIONS: tuple[str, ...] = ("overview", "livelihood", "fiscal", "census", "volunteers")
SECTION_TITLES: dict[str, str] = {
    "overview": "总体态势",
    "livelihood": "民生实事",
    "fiscal": "财政税收",
    "census": "人口普查",
    "volunteers": "志愿服务",
}
DEFAULT_ROTATE_SECONDS = 30
DEFAULT_REFRESH_SECONDS = 300
MIN_SECONDS, MAX_ROTATE_SECONDS, MAX_REFRESH_SECONDS = 2, 3600, 86400
# Bars that stay legible from 5 m in the chart half of a 1280×720 canvas.
MAX_BARS = 10
WEEKDAYS = "一二三四五六日"
TAX_SLICES = 6
# A figure card's text width on the narrowest (16:9) canvas, in rem of the board's type scale
# (views/screen.py sets 1 rem from the canvas, so this holds from 720p to 4K), and the value
# sizes the board's style sheet offers.
CARD_TEXT_REM = 15.0
UNIT_REM = 1.5
VALUE_SIZES_REM = (4.6, 4.0, 3.4, 2.8, 2.3, 1.9)


def _em_width(text: str) -> float:
    """Approximate width in em: digits half an em, separators a third, CJK a full em."""
    width = 0.0
    for ch in text:
        if ch.isdigit():
            width += 0.58
        elif ch in ",. /:%+-−":
            width += 0.36
        elif ord(ch) > 0x2E80:
            width += 1.0
        else:
            width += 0.6
    return width


def value_size(value: str, unit: str) -> int:
    """Index into ``VALUE_SIZES_REM``: the largest size at which value and unit fit the card.

    The value and its unit stay on one line (a number is never split from its unit), so the
    value shrinks instead: "17,234.2 小时" lost its 时 at the card edge at a fixed size.
    """
    room = CARD_TEXT_REM - (UNIT_REM * _em_width(unit) + 0.5 if unit else 0.0)
    for index, size in enumerate(VALUE_SIZES_REM):
        if size * _em_width(value) <= room:
            return index
    return len(VALUE_SIZES_REM) - 1


@dataclass(frozen=True)
class ScreenData:
    """Every figure the screen needs, loaded together at one refresh."""

    scope: Scope
    livelihood: LivelihoodSummary
    livelihood_rows: tuple[CommunityLivelihood, ...]
    fiscal: FiscalReport | None
    census: CensusSummary | None
    census_expected: float | None
    volunteers: VolunteerSummary
    league: tuple[LeagueRow, ...]
    data_date: dt.date | None
    loaded_at: dt.datetime
    rules: Rules  # the 红黄绿 rules in force at this refresh (every colour on the screen)


@dataclass(frozen=True)
class Figure:
    """One big number: label, value, unit, a small note and a status level for its colour."""

    label: str
    value: str
    unit: str = ""
    note: str = ""
    status: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A chart of a section: the frame and the arguments of ``ui.charts.ranking_bar`` or donut."""

    kind: str  # ranking | donut
    frame: pd.DataFrame
    title: str
    value: str = ""
    value_title: str = ""
    category: str = "社区"
    status: str | None = None
    percent: bool = False
    options: dict = field(default_factory=dict)


# ---------------------------------------------------------------- scope, title, clock


def screen_title(scope: Scope) -> str:
    """The board's title names the subdistrict (or 全部街道) and, if chosen, the communities."""
    who = scope.subdistrict or "全部街道"
    words = scope.community_words()
    places = {subdistrict for subdistrict, _ in scope.communities}
    if not scope.subdistrict and len(places) == 1:
        # All in one 街道: say it once (花园路街道（新华社区）), not inside the brackets.
        who, words = places.pop(), [name for _, name in scope.communities]
    if words:
        who += "（" + "、".join(words) + "）"
    return f"{who}治理数据大屏"


def clock_text(now: dt.datetime) -> str:
    """``2026年11月22日 星期日 14:03:27``: the live clock in the title bar."""
    return f"{now.year}年{now.month}月{now.day}日 星期{WEEKDAYS[now.weekday()]} {now:%H:%M:%S}"


def data_date_text(data_date: dt.date | None) -> str:
    """数据截至: the newest data date, not the time of the query."""
    return f"数据截至 {data_date.isoformat()}" if data_date else "暂无数据"


def rolled_scope(
    scope: Scope, today: dt.date, *, from_in_url: bool = False, to_in_url: bool = False
) -> Scope:
    """The scope moved to ``today`` when its dates are defaults, so a screen left on overnight
    shows the new day (and on 1 January the new year) without a page reload."""
    changes = {}
    if not to_in_url:
        changes["date_to"] = today
    if not from_in_url:
        changes["date_from"] = dt.date(today.year, 1, 1)
    return replace(scope, **changes)


# ---------------------------------------------------------------- rotation


@dataclass(frozen=True)
class Rotation:
    """Which section shows and since when: two numbers, so memory never grows."""

    index: int
    started: float


def advance(rotation: Rotation | None, now: float, dwell: float, count: int) -> Rotation:
    """The next section once the current one has been shown ``dwell`` seconds.

    A small tolerance keeps a fragment that wakes a few milliseconds early from skipping a turn.
    """
    if rotation is None:
        return Rotation(0, now)
    if now - rotation.started >= dwell - 0.25:
        return Rotation((rotation.index + 1) % count, now)
    return rotation


def refresh_tick(now: float, refresh_seconds: int) -> int:
    """Number of the refresh period ``now`` falls in: a new number means reload the data."""
    return int(now // max(refresh_seconds, 1))


def fragment_interval(rotate_seconds: int, refresh_seconds: int) -> int:
    """How often the board wakes up: often enough for both the rotation and the refresh."""
    return max(MIN_SECONDS, min(rotate_seconds, refresh_seconds))


# ---------------------------------------------------------------- number formats


def _gap_note(rate: float | None, expected: float | None, what: str) -> str:
    """The one pace sentence (:func:`ui.format.pace_phrase`); nothing when nothing compares."""
    return "" if rate is None or expected is None else fmt.pace_phrase(rate, expected, what)


def _week_change(this_week: float, last_week: float) -> tuple[str, str | None]:
    """环比 text and a status (green when not down, yellow when down)."""
    change = week_change(this_week, last_week)
    if change is None:
        return "上周无服务记录", None
    return f"{fmt.week_change_text(change)}（上周 {fmt.hours(last_week)}）", week_change_status(
        this_week, last_week
    )


# ---------------------------------------------------------------- figures per section


def overview_figures(data: ScreenData) -> list[Figure]:
    """One figure per area, as the overview page's cards, with its status colour."""
    projects = data.livelihood
    pace = judge_livelihood(projects.completion_rate, data.scope.as_of, data.rules)
    figures = [
        Figure(
            f"{projects.year}年民生实事完成率",
            fmt.pct_number(projects.completion_rate) if projects.total else "—",
            "%" if projects.total else "",
            _gap_note(pace.value, pace.expected, pace.expected_label) if projects.total else "",
            pace.status if projects.total else None,
        )
    ]
    revenue = headline_fiscal(data.fiscal)
    value, unit = fmt.amount_parts(revenue.get("ytd"))
    figures.append(
        Figure(
            "一般公共预算收入累计",
            value,
            unit,
            f"完成年度目标 {fmt.pct(revenue.get('target_rate'))}" if revenue else "暂无本年数据",
            judge_fiscal(revenue.get("target_rate"), data.fiscal, data.rules).status
            if data.fiscal
            else None,
        )
    )
    census = data.census
    figures.append(
        Figure(
            "人口普查登记率",
            fmt.pct_number(census.rate) if census else "—",
            "%" if census else "",
            f"本周新增 {fmt.count(census.registered_this_week, '户')}"
            if census
            else "暂无普查任务",
            judge_census(census.rate, data.census_expected, data.rules).status if census else None,
        )
    )
    vol = data.volunteers
    note, status = _week_change(vol.hours_this_week, vol.hours_last_week)
    figures.append(
        Figure("本周志愿服务时长", fmt.hours_number(vol.hours_this_week), "小时", note, status)
    )
    return figures


def livelihood_figures(data: ScreenData) -> list[Figure]:
    projects = data.livelihood
    pace = judge_livelihood(projects.completion_rate, data.scope.as_of, data.rules)
    return [
        Figure(
            f"{projects.year}年完成率",
            fmt.pct_number(projects.completion_rate) if projects.total else "—",
            "%" if projects.total else "",
            _gap_note(pace.value, pace.expected, pace.expected_label) if projects.total else "",
            pace.status if projects.total else None,
        ),
        Figure(
            "已完成 / 项目总数",
            f"{fmt.count_number(projects.completed)} / {fmt.count_number(projects.total)}",
            "项",
            f"推进中 {fmt.count(projects.in_progress, '项')}，未启动 {fmt.count(projects.not_started, '项')}",
        ),
        Figure(
            "逾期项目",
            fmt.count_number(projects.overdue),
            "项",
            "计划完成日期已过仍未完成",
            overdue_status(projects.overdue),
        ),
        Figure(
            "本周完成", fmt.count_number(projects.completed_this_week), "项", "近 7 天完工的项目"
        ),
    ]


def _revenue_rows(fiscal: FiscalReport, item: str) -> list:
    return [row for row in fiscal.items if row.item == item]


def fiscal_figures(data: ScreenData) -> list[Figure]:
    fiscal = data.fiscal
    if fiscal is None:
        return [Figure("财政收入", "—", "", "本年度暂无财政数据")]
    revenue = headline_fiscal(fiscal)
    tax = headline_fiscal(fiscal, HEADLINE_FISCAL_ITEMS[1])
    ytd, ytd_unit = fmt.amount_parts(revenue.get("ytd"))
    month_value, month_unit = fmt.amount_parts(revenue.get("month_amount"))
    tax_value, tax_unit = fmt.amount_parts(tax.get("ytd"))
    return [
        Figure(
            "一般公共预算收入累计",
            ytd,
            ytd_unit,
            f"{fmt.months_covered(fiscal.month)}；{fiscal.month}月当月 {month_value} {month_unit}".strip(),
        ),
        Figure(
            "完成年度目标",
            fmt.pct_number(revenue.get("target_rate")),
            "%" if revenue.get("target_rate") is not None else "",
            _gap_note(revenue.get("target_rate"), fiscal.time_progress, "序时进度")
            or "未设年度目标",
            judge_fiscal(revenue.get("target_rate"), fiscal, data.rules).status,
        ),
        Figure(
            "序时进度",
            fmt.pct_number(fiscal.time_progress),
            "%",
            f"{fiscal.year} 年 {fiscal.month} / 12",
        ),
        Figure(
            "税收收入累计",
            tax_value,
            tax_unit,
            f"完成年度目标 {fmt.pct(tax.get('target_rate'))}" if tax else "暂无税收收入数据",
            judge_fiscal(tax.get("target_rate"), fiscal, data.rules).status if tax else None,
        ),
    ]


def census_figures(data: ScreenData) -> list[Figure]:
    census = data.census
    if census is None:
        return [Figure("人口普查", "—", "", "截至今日暂无普查任务")]
    return [
        Figure(
            "登记率",
            fmt.pct_number(census.rate),
            "%",
            _gap_note(census.rate, data.census_expected, "计划进度"),
            judge_census(census.rate, data.census_expected, data.rules).status,
        ),
        Figure(
            "已登记户数",
            fmt.count_number(census.registered_households),
            "户",
            f"应登记 {fmt.count(census.expected, '户')}",
        ),
        Figure("已登记人数", fmt.count_number(census.registered_persons), "人"),
        Figure("本周新增登记", fmt.count_number(census.registered_this_week), "户", "近 7 天"),
    ]


def volunteer_figures(data: ScreenData) -> list[Figure]:
    vol = data.volunteers
    note, status = _week_change(vol.hours_this_week, vol.hours_last_week)
    return [
        Figure("注册志愿者", fmt.count_number(vol.registered), "人"),
        Figure(
            "本年活跃志愿者",
            fmt.count_number(vol.active),
            "人",
            f"服务 {fmt.count(vol.person_times, '人次')}",
        ),
        Figure("本年服务时长", fmt.hours_number(vol.hours), "小时"),
        Figure("本周服务时长", fmt.hours_number(vol.hours_this_week), "小时", note, status),
    ]


FIGURES = {
    "overview": overview_figures,
    "livelihood": livelihood_figures,
    "fiscal": fiscal_figures,
    "census": census_figures,
    "volunteers": volunteer_figures,
}


def section_figures(section: str, data: ScreenData) -> list[Figure]:
    """The big numbers of ``section``."""
    return FIGURES[section](data)


# ---------------------------------------------------------------- charts per section


def _bars(records: list[dict], value: str, *, lowest: bool) -> tuple[pd.DataFrame, bool]:
    """At most ``MAX_BARS`` rows: the lowest (who needs help) or the highest; and if cut."""
    frame = pd.DataFrame.from_records(records, columns=["社区", value, "状态"])
    if len(frame) <= MAX_BARS:
        return frame, False
    ordered = frame.sort_values(value, ascending=lowest, kind="stable")
    return ordered.head(MAX_BARS).reset_index(drop=True), True


def _unfinished_first(records: list[dict], value: str) -> list[dict]:
    """Only the communities below 100% when more than a chart's worth are: a "lowest" list
    must not show finished ones (it padded itself with 100% bars)."""
    unfinished = [r for r in records if r[value] is not None and r[value] < 1]
    return unfinished if len(records) > MAX_BARS and unfinished else records


def _label(row_subdistrict: str, community: str, scope: Scope) -> str:
    """Community names are unique within a subdistrict; add the subdistrict when mixed."""
    return community if scope.subdistrict else f"{community}（{row_subdistrict[:2]}）"


def overview_chart(data: ScreenData) -> ChartSpec | None:
    frame = league_chart_frame(data.league, data.rules)
    if frame.empty:
        return None
    frame = frame.assign(
        社区=[_label(s, c, data.scope) for s, c in zip(frame["街道"], frame["社区"], strict=True)]
    )[["社区", "综合得分", "状态"]]
    cut = len(frame) > MAX_BARS
    if cut:
        frame = frame.sort_values("综合得分", kind="stable").head(MAX_BARS)
    title = "综合得分最低的社区（个百分点）" if cut else "社区综合得分（个百分点）"
    return ChartSpec("ranking", frame, title, "综合得分", "与应达进度之差", status="状态")


def livelihood_chart(data: ScreenData) -> ChartSpec | None:
    as_of = data.scope.as_of
    records = [
        {
            "社区": _label(r.subdistrict, r.community, data.scope),
            "完成率": r.completion_rate,
            "状态": fmt.status_word(judge_livelihood(r.completion_rate, as_of, data.rules).status),
        }
        for r in data.livelihood_rows
        if r.total
    ]
    if not records:
        return None
    shown = _unfinished_first(records, "完成率")
    frame, cut = _bars(shown, "完成率", lowest=True)
    cut = cut or len(shown) < len(records)
    title = "完成率最低的社区" if cut else "各社区完成率"
    return ChartSpec("ranking", frame, title, "完成率", "完成率", status="状态", percent=True)


def fiscal_chart(data: ScreenData) -> ChartSpec | None:
    """税收构成: this year's tax types summed over the subdistricts in scope."""
    fiscal = data.fiscal
    if fiscal is None:
        return None
    totals: dict[str, float] = {}
    for row in fiscal.items:
        if row.item in HEADLINE_FISCAL_ITEMS or row.ytd <= 0:
            continue
        totals[row.item] = totals.get(row.item, 0.0) + row.ytd
    if not totals:
        return None
    ordered = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))
    head, rest = ordered[:TAX_SLICES], ordered[TAX_SLICES:]
    if rest:
        head.append(("其他税种", sum(amount for _, amount in rest)))
    frame = pd.DataFrame(head, columns=["税种", "累计"])
    frame["累计"] = frame["累计"].round(2)
    return ChartSpec(
        "donut",
        frame,
        f"税收构成（{fmt.months_covered(fiscal.month)}累计）",
        "累计",
        "累计（万元）",
        "税种",
    )


def census_chart(data: ScreenData) -> ChartSpec | None:
    census = data.census
    if census is None:
        return None
    records = [
        {
            "社区": _label(r.subdistrict, r.community, data.scope),
            "登记率": r.rate,
            "状态": fmt.status_word(judge_census(r.rate, data.census_expected, data.rules).status),
        }
        for r in census.by_community
        if r.expected
    ]
    if not records:
        return None
    shown = _unfinished_first(records, "登记率")
    frame, cut = _bars(shown, "登记率", lowest=True)
    cut = cut or len(shown) < len(records)
    title = "登记率最低的社区" if cut else "各社区登记率"
    return ChartSpec("ranking", frame, title, "登记率", "登记率", status="状态", percent=True)


def volunteer_chart(data: ScreenData) -> ChartSpec | None:
    records = [
        {
            "社区": _label(r.subdistrict, r.community, data.scope),
            "服务时长": round(r.hours, 1),
            "状态": "",
        }
        for r in data.volunteers.by_community
        if r.hours > 0
    ]
    if not records:
        return None
    frame, cut = _bars(records, "服务时长", lowest=False)
    frame = frame.drop(columns=["状态"])
    title = "本年服务时长最多的社区（小时）" if cut else "各社区本年服务时长（小时）"
    return ChartSpec("ranking", frame, title, "服务时长", "服务时长（小时）")


CHARTS = {
    "overview": overview_chart,
    "livelihood": livelihood_chart,
    "fiscal": fiscal_chart,
    "census": census_chart,
    "volunteers": volunteer_chart,
}


def section_chart(section: str, data: ScreenData) -> ChartSpec | None:
    """The chart of ``section``, or None when there is nothing to draw."""
    return CHARTS[section](data)


def empty_message(section: str) -> str:
    """What the chart area says when the section has no data in scope."""
    return {
        "overview": "当前范围内没有可排名的社区",
        "livelihood": "本年度暂无民生实事项目",
        "fiscal": "本年度暂无分税种数据",
        "census": "截至今日暂无普查任务",
        "volunteers": "本年暂无志愿服务记录",
    }[section]


def section_caption(index: int, sections: Sequence[str] = SECTIONS) -> str:
    """``民生实事 · 2/5``: where the rotation is."""
    return f"{SECTION_TITLES[sections[index]]} · {index + 1}/{len(sections)}"


# ---------------------------------------------------------------- loading


def load_screen_data(engine, scope: Scope, loaded_at: dt.datetime) -> ScreenData:  # type: ignore[no-untyped-def]
    """Every figure of every section in one go (the screen refreshes them together).

    Uses the area queries and the league, so the screen shows the report's own figures.
    """
    from figures import census, fiscal, league, livelihood, meta, volunteers
    from figures.status import load_rules

    census_block = census.census_summary(engine, scope)
    livelihood_figures = livelihood.livelihood_figures(engine, scope)
    livelihood_rows = livelihood_figures.by_community
    volunteer_block = volunteers.volunteer_summary(engine, scope)
    # The league's this week is the figures above (read once), its last week its own; the
    # campaign's first day is read once for both weeks (``starts``).
    starts: league.Starts = {}
    this_week = league.report_week_figures(
        engine, scope, livelihood_rows, census_block, volunteer_block.by_community, starts
    )
    expected = this_week.census_expected
    return ScreenData(
        scope=scope,
        livelihood=livelihood_figures.summary,
        livelihood_rows=tuple(livelihood_rows),
        fiscal=fiscal.fiscal_report(engine, scope),
        census=census_block,
        census_expected=expected,
        volunteers=volunteer_block,
        league=tuple(league.community_league(engine, scope, this_week, starts)),
        data_date=meta.latest_data_date(engine, scope),
        loaded_at=loaded_at,
        rules=load_rules(engine),
    )


@dataclass(frozen=True)
class SectionView:
    """One section as drawn: its big numbers and its chart (a Vega-Lite spec, None when the
    section has nothing to chart), with the board's dates. Made once per refresh period and
    section, so the board's reruns (every few seconds, all day) only draw."""

    figures: list[Figure]
    chart: dict | None
    data_date: dt.date | None
    loaded_at: dt.datetime


def chart_of(spec: ChartSpec, rules: Rules) -> dict:
    """The big-screen chart of ``spec`` as a Vega-Lite spec."""
    if spec.kind == "donut":
        chart = charts.share_donut(
            spec.frame,
            category=spec.category,
            value=spec.value,
            value_title=spec.value_title,
            title=spec.title,
            big=True,
        )
    else:
        chart = charts.ranking_bar(
            spec.frame,
            category=spec.category,
            value=spec.value,
            value_title=spec.value_title,
            status=spec.status,
            percent=spec.percent,
            title=spec.title,
            big=True,
            rules=rules,
        )
    return charts.spec(chart)


def section_view(section: str, data: ScreenData) -> SectionView:
    """``section`` of the board as drawn."""
    spec = section_chart(section, data)
    chart = None if spec is None else chart_of(spec, data.rules)
    return SectionView(section_figures(section, data), chart, data.data_date, data.loaded_at)
