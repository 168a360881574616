"""What the 周例会 page shows, computed from the weekly report (contract §3) and the league.

Every number comes from ``figures.report.build_report`` (the same dict ``manage.py report
--format json`` prints), the league (rank changes) and the week's project list. The page, the
通报 text and the PDF are all built from the values here, so the PDF is what the page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from figures import judged
from figures.area_helpers import week_change
from figures.fiscal import headline_fiscal
from figures.league import LeagueRow, ReportWithLeague, report_with_league
from figures.livelihood import COMPLETED, NEWLY_OVERDUE, WeekProject, week_projects
from figures.report import report_scope
from figures.status import RED, Rules, Status, load_rules
from reporting.pdf import PdfDocument, PdfSection, PdfTable, render_pdf
from storage.models import HEADLINE_FISCAL_ITEMS
from ui import format as fmt
from ui.filters import escape_markdown

if TYPE_CHECKING:
    from ui.tables import Written

Report = dict[str, Any]
MOVERS_SHOWN = 3
RANK_STATUS_COLUMNS = ("民生实事", "人口普查", "志愿服务")
COMMUNITY_FILTER_NOTE = "周报按街道汇总：只按街道和报告日期统计，与导出的 Excel、PDF 周报数字一致。"


@dataclass(frozen=True)
class Metric:
    """One st.metric card: label, value, delta text and how to colour the delta."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"
    help_text: str | None = None


# ---------------------------------------------------------------- small texts


def who(report: Report) -> str:
    return report["subdistrict"] or "全部街道"


def week_text(report: Report) -> str:
    """``2026-11-16 至 2026-11-22``: the report's week."""
    return f"{report['week']['start']} 至 {report['week']['end']}"


def document_title(report: Report) -> str:
    return f"{who(report)}周例会通报（{week_text(report)}）"


def has_data(report: Report) -> bool:
    """False when the report is empty in every area (nothing imported for this scope)."""
    lv, vol = report["livelihood"], report["volunteers"]
    return bool(
        lv["total"]
        or lv["cancelled"]
        or report["fiscal"]
        or report["census"]
        or vol["registered"]
        or vol["person_times"]
    )


def newly_overdue_count(projects: Sequence[WeekProject]) -> int:
    return sum(1 for project in projects if project.change == NEWLY_OVERDUE)


# ---------------------------------------------------------------- fiscal headline


def headline_revenue(report: Report, item: str = HEADLINE_FISCAL_ITEMS[0]) -> dict[str, Any]:
    """One 科目 summed over the subdistricts in the report: ytd, month, target, rate."""
    return headline_fiscal(judged.fiscal_block(report), item)


# ---------------------------------------------------------------- cards


def week_metrics(report: Report, projects: Sequence[WeekProject]) -> list[Metric]:
    """The week's changes, one card per figure the meeting opens with."""
    lv = report["livelihood"]
    newly = newly_overdue_count(projects)
    metrics = [
        Metric(
            "本周完成民生实事",
            fmt.count(lv["completed_this_week"], "项"),
            help_text=(
                f"{lv['year']} 年共 {fmt.count(lv['total'], '项')}，"
                f"已完成 {fmt.count(lv['completed'], '项')}，"
                f"完成率 {fmt.pct(lv['completion_rate'])}"
            ),
        ),
        Metric(
            "逾期民生实事",
            fmt.count(lv["overdue"], "项"),
            f"本周新增 {fmt.count(newly, '项')}" if newly else None,
            "inverse" if newly else "off",
            "计划完成日期已过仍未完成的项目" + ("" if newly else "；本周无新增逾期"),
        ),
    ]
    census = report["census"]
    metrics.append(
        Metric(
            "本周普查新增登记",
            fmt.count(census["registered_this_week"], "户") if census else "—",
            None,
            "off",
            (
                f"{census['campaign']}：登记率 {fmt.pct(census['rate'])}，"
                f"已登记 {fmt.count_number(census['registered_households'])} / "
                f"{fmt.count(census['expected'], '户')}"
            )
            if census
            else "截至报告日暂无普查任务",
        )
    )
    vol = report["volunteers"]
    change = week_change(vol["hours_this_week"], vol["hours_last_week"])
    metrics.append(
        Metric(
            "本周志愿服务时长",
            fmt.hours(vol["hours_this_week"]),
            fmt.week_change_text(change),
            "normal" if change is not None else "off",
            f"上周 {fmt.hours(vol['hours_last_week'])}",
        )
    )
    revenue = headline_revenue(report)
    metrics.append(
        Metric(
            f"一般公共预算收入 1—{revenue['month']} 月" if revenue else "一般公共预算收入",
            fmt.amount(revenue.get("ytd")) if revenue else "—",
            fmt.pace_delta(revenue.get("target_rate"), revenue.get("time_progress")),
            "normal" if revenue.get("target_rate") is not None else "off",
            (
                f"完成年度目标 {fmt.pct(revenue.get('target_rate'))}，"
                f"序时进度 {fmt.pct(revenue['time_progress'])}"
            )
            if revenue
            else "本年度暂无财政数据",
        )
    )
    return metrics


# ---------------------------------------------------------------- tables


def projects_frame(projects: Sequence[WeekProject]) -> pd.DataFrame:
    """本周完成 and 本周新增逾期 projects, with their community."""
    records = [
        {
            "变化": project.change,
            "街道": project.subdistrict,
            "社区": project.community,
            "项目编号": project.code,
            "项目名称": project.name,
            "类别": project.category,
            "计划完成日期": project.planned_on.isoformat(),
            "完成日期": project.completed_on.isoformat() if project.completed_on else "—",
        }
        for project in projects
    ]
    columns = ["变化", "街道", "社区", "项目编号", "项目名称", "类别", "计划完成日期", "完成日期"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    order = {COMPLETED: 1, NEWLY_OVERDUE: 0}
    return frame.sort_values(
        ["变化", "街道", "社区", "项目编号"],
        key=lambda col: col.map(order) if col.name == "变化" else col,
        kind="stable",
    ).reset_index(drop=True)


def fiscal_frame(report: Report) -> pd.DataFrame:
    """The headline 科目 per subdistrict: month, ytd, target, rate, 序时进度 gap, 同比."""
    columns = ["街道", "科目", "当月（万元）", "累计（万元）", "年度目标（万元）", "完成目标"]
    columns += ["与序时进度", "同比"]
    fiscal = report["fiscal"]
    if fiscal is None:
        return pd.DataFrame(columns=columns)
    records = [
        {
            "街道": item["subdistrict"],
            "科目": item["item"],
            "当月（万元）": fmt.wan_number(item["month_amount"]),
            "累计（万元）": fmt.wan_number(item["ytd"]),
            "年度目标（万元）": fmt.wan_number(item["target"]),
            "完成目标": fmt.pct(item["target_rate"]),
            "与序时进度": "—"
            if item["target_rate"] is None
            else fmt.pace_phrase(item["target_rate"], fiscal["time_progress"]),
            "同比": fmt.signed_pct(item["yoy"]),
        }
        for item in fiscal["items"]
        if item["item"] in HEADLINE_FISCAL_ITEMS
    ]
    return pd.DataFrame.from_records(records, columns=columns)


# The page's fiscal table: fiscal_frame's columns, the gap to 序时进度 in points as on /fiscal.
FISCAL_CELL_COLUMNS = (
    *("街道", "科目", "当月（万元）", "累计（万元）", "年度目标（万元）", "完成目标"),
    *("较序时进度（个百分点）", "同比"),
)


def fiscal_cells(report: Report) -> Written:
    """``fiscal_frame`` as the page's table draws it (``tables.Written``): the figures kept as
    numbers, so a click on a header sorts by the number (+9.1% before +10.2%), written by the
    column formats as /fiscal writes them (118,790.00, 86.5%, +3.2 points, +27.6%, a dash
    when unknown). The PDF keeps ``fiscal_frame``'s words (快于序时进度 3.2 个百分点)."""
    from ui import tables  # the page's alone: push and the Word 通报 import this module too

    fiscal = report["fiscal"]
    items = [] if fiscal is None else fiscal["items"]
    records = [
        {
            "街道": item["subdistrict"],
            "科目": item["item"],
            "当月（万元）": item["month_amount"],
            "累计（万元）": item["ytd"],
            "年度目标（万元）": item["target"],
            "完成目标": item["target_rate"],
            "较序时进度（个百分点）": judged.gap_points(
                item["target_rate"], fiscal["time_progress"]
            ),
            "同比": item["yoy"],
        }
        for item in items
        if item["item"] in HEADLINE_FISCAL_ITEMS
    ]
    frame = pd.DataFrame.from_records(records, columns=list(FISCAL_CELL_COLUMNS))
    return tables.written(
        frame,
        rates=("完成目标",),
        amounts=("当月（万元）", "累计（万元）", "年度目标（万元）"),
        points=("较序时进度（个百分点）",),
        changes=("同比",),
    )


def ranks_cells(rows: Sequence[LeagueRow]) -> Written:
    """``ranks_frame`` as the page's table draws it (``tables.Written``): 排名 and 综合得分 kept as
    numbers, so they sort as numbers (2 before 10), printed ``12`` and ``+5.2`` (a dash
    without a rank)."""
    import streamlit as st

    from ui import tables

    frame = ranks_frame(rows)
    frame["排名"] = [row.rank for row in rows]
    frame["综合得分"] = [None if row.score is None else row.score * 100 for row in rows]
    cells = tables.written(frame, points=("综合得分",))
    rank = st.column_config.NumberColumn(format="%d", width="small")  # as on the overview
    config = {**cells.column_config, "排名": rank}
    return tables.Written(cells.data, config)


def ranks_frame(rows: Sequence[LeagueRow]) -> pd.DataFrame:
    """This week's league with the change since last week, best first."""
    records = [
        {
            "排名": "—" if row.rank is None else str(row.rank),
            "较上周": fmt.rank_change_text(row.rank_change),
            "街道": row.subdistrict,
            "社区": row.community,
            "综合得分": fmt.score_text(row.score),
            "民生实事": fmt.status_mark(row.livelihood_status),
            "人口普查": fmt.status_mark(row.census_status),
            "志愿服务": fmt.status_mark(row.volunteer_status),
        }
        for row in rows
    ]
    columns = ["排名", "较上周", "街道", "社区", "综合得分", *RANK_STATUS_COLUMNS]
    return pd.DataFrame.from_records(records, columns=columns)


def movers(rows: Sequence[LeagueRow]) -> tuple[list[LeagueRow], list[LeagueRow]]:
    """The communities that rose most and fell most since last week (up to 3 each)."""
    moved = [row for row in rows if row.rank_change]
    risers = sorted(
        (r for r in moved if (r.rank_change or 0) > 0),
        key=lambda r: (-(r.rank_change or 0), r.subdistrict, r.community),
    )
    fallers = sorted(
        (r for r in moved if (r.rank_change or 0) < 0),
        key=lambda r: (r.rank_change or 0, r.subdistrict, r.community),
    )
    return risers[:MOVERS_SHOWN], fallers[:MOVERS_SHOWN]


def agenda_frame(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> pd.DataFrame:
    """Red items with their community: the meeting's agenda, by area then place.

    The items are ``figures.judged.red_items`` (the alerts' too); overdue projects are listed
    under 民生实事 with how many became overdue this week.
    """
    newly: dict[tuple[str, str], int] = {}
    for project in projects:
        if project.change == NEWLY_OVERDUE:
            key = (project.subdistrict, project.community)
            newly[key] = newly.get(key, 0) + 1
    items = [_agenda_item(red, newly) for red in judged.red_items(report, rows, rules)]
    area_order = {"民生实事": 0, "财政税收": 1, "人口普查": 2}
    items.sort(key=lambda item: (area_order[item["领域"]], item["对象"]))
    return pd.DataFrame.from_records(items, columns=["状态", "领域", "对象", "情况"])


def _agenda_item(red: judged.RedFigure, newly: dict[tuple[str, str], int]) -> dict[str, str]:
    place = f"{red.subdistrict} {red.name}"
    verdict = red.judged
    if red.area == judged.OVERDUE or verdict is None:
        count = newly.get((red.subdistrict, red.name))
        extra = f"（本周新增 {fmt.count(count, '项')}）" if count else ""
        return _agenda("民生实事", place, f"逾期项目 {fmt.count(red.overdue, '项')}{extra}")
    if red.area == judged.CENSUS:
        text = f"登记率 {fmt.pct(verdict.value)}，计划进度 {fmt.pct(verdict.expected)}"
        return _agenda(red.area, place, text, verdict.status)
    pace = f"{fmt.pct(verdict.value)}，{fmt.pace_phrase(verdict.value, verdict.expected)}"
    if red.area == judged.FISCAL:
        return _agenda(red.area, red.subdistrict, f"{red.name}完成年度目标 {pace}", verdict.status)
    return _agenda(red.area, place, f"完成率 {pace}", verdict.status)


def _agenda(area: str, place: str, text: str, status: Status | None = RED) -> dict[str, str]:
    return {"状态": fmt.status_mark(status), "领域": area, "对象": place, "情况": text}


# ---------------------------------------------------------------- 通报


def _date_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _livelihood_paragraph(report: Report, newly: int) -> str:
    lv = report["livelihood"]
    if not lv["total"]:
        return f"一、民生实事。{lv['year']}年暂无民生实事项目。"
    expected = judged.livelihood_expected(dt.date.fromisoformat(report["as_of"]))
    return (
        f"一、民生实事。{lv['year']}年共实施民生实事项目{fmt.count(lv['total'], '项')}，"
        f"已完成{fmt.count(lv['completed'], '项')}，完成率{fmt.pct(lv['completion_rate'])}，"
        f"{fmt.pace_phrase(lv['completion_rate'], expected)}；"
        f"推进中{fmt.count(lv['in_progress'], '项')}，未启动{fmt.count(lv['not_started'], '项')}。"
        f"本周完成{fmt.count(lv['completed_this_week'], '项')}；"
        f"逾期{fmt.count(lv['overdue'], '项')}，其中本周新增逾期{fmt.count(newly, '项')}。"
    )


def fiscal_months_note(report: Report) -> str:
    """``（2026年1—11月）``: the closed months the fiscal figures cover (empty without data)."""
    fiscal = report.get("fiscal")
    if not fiscal:
        return ""
    return f"（{fiscal['year']}年{fmt.months_covered(fiscal['month'])}）"


def _fiscal_paragraph(report: Report) -> str:
    fiscal = report["fiscal"]
    if fiscal is None:
        return "二、财政税收。本年度暂无财政数据。"
    months = fmt.months_covered(fiscal["month"])
    parts = []
    for item in fiscal["items"]:
        if item["item"] not in HEADLINE_FISCAL_ITEMS:
            continue
        sentence = (
            f"{item['subdistrict']}{item['item']}累计{fmt.amount(item['ytd'])}"
            f"（当月{fmt.amount(item['month_amount'])}），{fmt.change_phrase(item['yoy'])}"
        )
        if item["target_rate"] is not None:
            sentence += (
                f"，完成年度目标{fmt.pct(item['target_rate'])}，"
                f"{fmt.pace_phrase(item['target_rate'], fiscal['time_progress'])}"
            )
        parts.append(sentence)
    body = "；".join(parts) if parts else "暂无一般公共预算收入和税收收入数据"
    return f"二、财政税收。{months}（序时进度{fmt.pct(fiscal['time_progress'])}），{body}。"


def _census_paragraph(report: Report) -> str:
    census = report["census"]
    if census is None:
        return "三、人口普查。截至报告日暂无普查任务。"
    return (
        f"三、人口普查。{census['campaign']}应登记{fmt.count(census['expected'], '户')}，"
        f"已登记{fmt.count(census['registered_households'], '户')}、"
        f"{fmt.count(census['registered_persons'], '人')}，登记率{fmt.pct(census['rate'])}；"
        f"本周新增登记{fmt.count(census['registered_this_week'], '户')}。"
    )


def _volunteer_paragraph(report: Report) -> str:
    vol = report["volunteers"]
    change = week_change(vol["hours_this_week"], vol["hours_last_week"])
    compare = fmt.change_phrase(change, "环比", missing="上周无服务记录")
    return (
        f"四、志愿服务。注册志愿者{fmt.count(vol['registered'], '人')}，"
        f"本年活跃{fmt.count(vol['active'], '人')}，"
        f"累计服务{fmt.count(vol['person_times'], '人次')}、{fmt.hours(vol['hours'])}；"
        f"本周服务{fmt.hours(vol['hours_this_week'])}，上周{fmt.hours(vol['hours_last_week'])}，"
        f"{compare}。"
    )


def _mover_names(rows: Sequence[LeagueRow]) -> str:
    return "、".join(f"{r.community}（{fmt.rank_change_text(r.rank_change)}）" for r in rows)


def _ranks_paragraph(rows: Sequence[LeagueRow]) -> str:
    risers, fallers = movers(rows)
    if not risers and not fallers:
        return "五、社区排名。与上周相比各社区排名无变化。"
    parts = []
    if risers:
        parts.append(f"排名上升较多的有{_mover_names(risers)}")
    if fallers:
        parts.append(f"排名下降较多的有{_mover_names(fallers)}")
    return "五、社区排名。与上周相比，" + "；".join(parts) + "。"


def _agenda_paragraph(agenda: pd.DataFrame) -> str:
    """Red items grouped by area, one line per area, each item with its community."""
    if agenda.empty:
        return "六、需重点关注事项。本周无红色事项。"
    lines = []
    for number, (area, group) in enumerate(agenda.groupby("领域", sort=False), start=1):
        places_and_texts = zip(group["对象"], group["情况"], strict=True)
        items = "；".join(f"{place}（{text}）" for place, text in places_and_texts)
        lines.append(f"（{number}）{area}{len(group)}项：{items}。")
    return "六、需重点关注事项（红色事项）。\n" + "\n".join(lines)


def bulletin_paragraphs(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> list[str]:
    """The 通报 as paragraphs, every figure taken from the report, the league and the list."""
    return _paragraphs(report, rows, projects, agenda_frame(report, rows, projects, rules))


def _paragraphs(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], agenda: pd.DataFrame
) -> list[str]:
    as_of = dt.date.fromisoformat(report["as_of"])
    return [
        f"截至{_date_words(as_of)}（本周 {week_text(report)}），{who(report)}重点工作进展如下：",
        _livelihood_paragraph(report, newly_overdue_count(projects)),
        _fiscal_paragraph(report),
        _census_paragraph(report),
        _volunteer_paragraph(report),
        _ranks_paragraph(rows),
        _agenda_paragraph(agenda),
    ]


def bulletin_text(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> str:
    """The 通报 ready to paste into a document: a title line, then one paragraph per area."""
    return _text_of(report, bulletin_paragraphs(report, rows, projects, rules))


def _text_of(report: Report, paragraphs: Sequence[str]) -> str:
    return "\n\n".join([document_title(report), *paragraphs])


@dataclass(frozen=True)
class WeeklyPage:
    """Everything /weekly draws from its four query results, made once per view (the page
    caches it with the results through ``ui.data.built``; a rerun redraws, never recomputes)."""

    metrics: list[Metric]
    agenda: pd.DataFrame
    projects: pd.DataFrame
    fiscal: Written  # numbers that sort as numbers (``fiscal_cells``)
    ranks: Written  # likewise (``ranks_cells``)
    paragraphs: list[str]
    text: str
    # The 通报 as drawn: one markdown line per line, escaped, numbers kept with their units
    # (escaping is done character by character: 40 ms a run at city scale, done here once).
    lines: list[str]


def shown_lines(paragraphs: Sequence[str]) -> list[str]:
    """The 通报's lines as the page draws them with ``st.markdown``."""
    return [
        fmt.keep_units(escape_markdown(line))
        for paragraph in paragraphs
        for line in paragraph.split("\n")
    ]


def weekly_page(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> WeeklyPage:
    """The page's tables and 通报 for one report date and subdistrict."""
    agenda = agenda_frame(report, rows, projects, rules)
    paragraphs = _paragraphs(report, rows, projects, agenda)
    return WeeklyPage(
        metrics=week_metrics(report, projects),
        agenda=agenda,
        projects=projects_frame(projects),
        fiscal=fiscal_cells(report),
        ranks=ranks_cells(rows),
        paragraphs=paragraphs,
        text=_text_of(report, paragraphs),
        lines=shown_lines(paragraphs),
    )


# ---------------------------------------------------------------- PDF


def _pdf_text(value: object) -> str:
    return str(value)


def _table(title: str, frame: pd.DataFrame, widths: Sequence[float] | None = None) -> PdfTable:
    rows = [[_pdf_text(value) for value in record] for record in frame.itertuples(index=False)]
    return PdfTable(title, list(frame.columns), rows, widths)


def _metrics_table(metrics: Sequence[Metric]) -> PdfTable:
    # A printed table has no blank cells: a blank 变化 read as a figure left out.
    rows = [[m.label, m.value, m.delta or "—", m.help_text or "—"] for m in metrics]
    return PdfTable("", ["指标", "数值", "变化", "说明"], rows, (3, 2.4, 2.6, 5))


def pdf_document(
    report: Report, rows: Sequence[LeagueRow], projects: Sequence[WeekProject], rules: Rules
) -> PdfDocument:
    """The page as a printable document: 通报, the week's cards, then the page's tables."""
    paragraphs = bulletin_paragraphs(report, rows, projects, rules)
    agenda = agenda_frame(report, rows, projects, rules)
    return PdfDocument(
        title=document_title(report),
        subtitle=f"报告日期 {report['as_of']} · 范围 {who(report)}",
        sections=(
            PdfSection("通报", paragraphs),
            PdfSection("本周变化", tables=(_metrics_table(week_metrics(report, projects)),)),
            PdfSection(
                "会议议程：红色事项",
                tables=(_table("", agenda, (1.4, 1.6, 3, 6)),),
            ),
            PdfSection(
                "本周完成与新增逾期的项目",
                tables=(_table("", projects_frame(projects), (2, 2, 2, 2, 4, 2, 2, 2)),),
            ),
            PdfSection(
                "财政收入：当月、累计与序时进度",
                tables=(_table("", fiscal_frame(report)),),
            ),
            PdfSection(
                "社区排名变化（与上周相比）",
                (f"状态按统一规则：{rules.sentence()}。",),
                tables=(_table("", ranks_frame(rows)),),
            ),
        ),
    )


def weekly_view(
    weekly: ReportWithLeague, projects: Sequence[WeekProject], rules: Rules
) -> WeeklyPage:
    """``weekly_page`` of the page's one report-and-league fetch (for ``ui.data.built``)."""
    return weekly_page(weekly.report, weekly.league, projects, rules)


@dataclass(frozen=True)
class WeeklyHead:
    """What /weekly writes around its figures (header, file names, the fiscal heading) from
    the report: a few words, so a rerun reads them instead of the report and the league
    (2,000 communities each at city scale, 20 ms to unpickle, issue 11)."""

    week: str  # ``week_text``
    who: str  # ``who``: the subdistrict or 全部街道
    as_of: str
    has_data: bool
    fiscal_months_note: str


def weekly_head(weekly: ReportWithLeague) -> WeeklyHead:
    """The ``WeeklyHead`` of the page's one report-and-league fetch (for ``ui.data.built``)."""
    report = weekly.report
    return WeeklyHead(
        week=week_text(report),
        who=who(report),
        as_of=report["as_of"],
        has_data=has_data(report),
        fiscal_months_note=fiscal_months_note(report),
    )


def weekly_xlsx(weekly: ReportWithLeague) -> bytes:
    """The report's Excel workbook (``manage.py report --format xlsx``) from the page's fetch."""
    from reporting.xlsx import render_xlsx

    return render_xlsx(weekly.report)


def weekly_pdf(engine, as_of: dt.date, subdistrict: str | None) -> bytes:  # type: ignore[no-untyped-def]
    """The PDF of the page for a date and subdistrict (the page caches it: fonts take a moment)."""
    weekly = report_with_league(engine, as_of, subdistrict)
    projects = week_projects(engine, report_scope(as_of, subdistrict))
    return render_pdf(pdf_document(weekly.report, weekly.league, projects, load_rules(engine)))
