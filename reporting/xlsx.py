"""The weekly report as an Excel workbook (``reporting.spreadsheet``), one sheet per area.

Sheets: 总览, 民生实事, 财政税收, 人口普查, 志愿服务. Each starts with a title row naming the
scope and the week, then a frozen header row with units (万元, 户, 人, 小时), numbers kept as
numbers (percent and thousands formats), and a 合计 row taken from the report's own totals.
财政税收 has no 合计 row: its 科目 nest (税收收入 is part of 一般公共预算收入), so a column
sum would count money twice.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reporting.spreadsheet import display_width, new_workbook, write_cell
from ui.format import XLSX_FORMATS, count, hours, pct

Report = dict[str, Any]
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 2, 3


@dataclass(frozen=True)
class Column:
    """One column: header (with unit), the key it reads, and its number format."""

    header: str
    key: str
    kind: str = "text"  # text | int | amount | hours | rate | points


class Formats:
    """The workbook's cell formats, created once per workbook."""

    def __init__(self, book: Workbook) -> None:
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}
        self.title = book.add_format({**base, "bold": True, "font_size": 14})
        self.note = book.add_format({**base, "font_color": "#595959"})
        self.header = book.add_format(
            {
                **base,
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "text_wrap": True,
            }
        )
        kinds = XLSX_FORMATS  # the vocabulary's number formats: cells read as the pages do
        self.body = {
            k: book.add_format(
                {**base, "border": 1, "num_format": f} if f else {**base, "border": 1}
            )
            for k, f in kinds.items()
        }
        self.total = {
            k: book.add_format(
                {
                    **base,
                    "border": 1,
                    "bold": True,
                    "bg_color": "#F2F2F2",
                    **({"num_format": f} if f else {}),
                }
            )
            for k, f in kinds.items()
        }


def title_text(report: Report, area: str) -> str:
    """The title row: scope, area and week."""
    week = report["week"]
    who = report["subdistrict"] or "全部街道"
    suffix = f" · {area}" if area else ""
    return f"{who}工作周报{suffix}（{week['start']} 至 {week['end']}，截至 {report['as_of']}）"


def write_sheet(
    book: Workbook,
    formats: Formats,
    report: Report,
    name: str,
    columns: list[Column],
    rows: list[dict[str, Any]],
    totals: dict[str, Any] | None = None,
    note: str = "",
) -> Worksheet:
    """A titled table sheet with frozen header, formats, optional 合计 row and fitted widths."""
    sheet = book.add_worksheet(name)
    write_cell(sheet, TITLE_ROW, 0, title_text(report, name), formats.title)
    if note:
        write_cell(sheet, TITLE_ROW + 1, 0, note, formats.note)
    widths = [display_width(c.header) for c in columns]
    for col, column in enumerate(columns):
        write_cell(sheet, HEADER_ROW, col, column.header, formats.header)
    body = list(rows) + ([totals] if totals is not None else [])
    for offset, row in enumerate(body):
        is_total = totals is not None and offset == len(body) - 1
        style = formats.total if is_total else formats.body
        for col, column in enumerate(columns):
            value = row.get(column.key)
            write_cell(sheet, FIRST_DATA_ROW + offset, col, value, style[column.kind])
            widths[col] = max(
                widths[col], display_width(value) + (2 if column.kind == "rate" else 0)
            )
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, 8), 40))
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.set_row(HEADER_ROW, 30)
    return sheet


def total_row(label_key: str, **values: Any) -> dict[str, Any]:
    """A 合计 row: the label in the first column and the report's own totals."""
    return {label_key: "合计", **values}


def overview_rows(report: Report) -> list[dict[str, Any]]:
    """总览: one row per headline figure, with its unit and number kind."""
    rows: list[dict[str, Any]] = []

    def add(area: str, label: str, value: Any, kind: str, unit: str = "") -> None:
        rows.append({"area": area, "label": label, "unit": unit, kind: value})

    lv = report["livelihood"]
    add("民生实事", f"{lv['year']} 年项目数", lv["total"], "int", "项")
    add("民生实事", "已完成", lv["completed"], "int", "项")
    add("民生实事", "推进中", lv["in_progress"], "int", "项")
    add("民生实事", "未启动", lv["not_started"], "int", "项")
    add("民生实事", "已取消", lv["cancelled"], "int", "项")
    add("民生实事", "完成率", lv["completion_rate"], "rate")
    add("民生实事", "逾期", lv["overdue"], "int", "项")
    add("民生实事", "本周完成", lv["completed_this_week"], "int", "项")
    fiscal = report["fiscal"]
    if fiscal is None:
        add("财政税收", "本年度暂无财政数据", None, "text")
    else:
        add("财政税收", "数据月份", f"{fiscal['year']} 年 {fiscal['month']} 月", "text")
        add("财政税收", "序时进度", fiscal["time_progress"], "rate")
    census = report["census"]
    if census is None:
        add("人口普查", "暂无普查进度", None, "text")
    else:
        add("人口普查", "任务", census["campaign"], "text")
        add("人口普查", "应登记户数", census["expected"], "int", "户")
        add("人口普查", "已登记户数", census["registered_households"], "int", "户")
        add("人口普查", "已登记人数", census["registered_persons"], "int", "人")
        add("人口普查", "登记率", census["rate"], "rate")
        add("人口普查", "本周新增登记", census["registered_this_week"], "int", "户")
    vol = report["volunteers"]
    add("志愿服务", "注册志愿者", vol["registered"], "int", "人")
    add("志愿服务", "本年活跃志愿者", vol["active"], "int", "人")
    add("志愿服务", "本年服务人次", vol["person_times"], "int", "人次")
    add("志愿服务", "本年服务时长", vol["hours"], "hours", "小时")
    add("志愿服务", "本周服务时长", vol["hours_this_week"], "hours", "小时")
    add("志愿服务", "上周服务时长", vol["hours_last_week"], "hours", "小时")
    return rows


def write_overview(book: Workbook, formats: Formats, report: Report) -> None:
    """总览: 板块 | 指标 | 数值 | 单位, each value in the format of its kind."""
    sheet = book.add_worksheet("总览")
    write_cell(sheet, TITLE_ROW, 0, title_text(report, ""), formats.title)
    for col, header in enumerate(["板块", "指标", "数值", "单位"]):
        write_cell(sheet, HEADER_ROW, col, header, formats.header)
    for offset, row in enumerate(overview_rows(report)):
        line = FIRST_DATA_ROW + offset
        kind = next(k for k in ("int", "amount", "hours", "rate", "text") if k in row)
        write_cell(sheet, line, 0, row["area"], formats.body["text"])
        write_cell(sheet, line, 1, row["label"], formats.body["text"])
        write_cell(sheet, line, 2, row[kind], formats.body[kind])
        write_cell(sheet, line, 3, row["unit"], formats.body["text"])
    for col, width in enumerate([12, 20, 24, 8]):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(FIRST_DATA_ROW, 0)


PLACE = [Column("街道", "subdistrict"), Column("社区", "community")]


def write_livelihood(book: Workbook, formats: Formats, report: Report) -> None:
    lv = report["livelihood"]
    columns = PLACE + [
        Column("项目数（项）", "total", "int"),
        Column("已完成（项）", "completed", "int"),
        Column("完成率", "completion_rate", "rate"),
        Column("逾期（项）", "overdue", "int"),
    ]
    totals = total_row(
        "subdistrict",
        total=lv["total"],
        completed=lv["completed"],
        completion_rate=lv["completion_rate"],
        overdue=lv["overdue"],
    )
    note = f"{lv['year']} 年度项目；已取消项目不计入（共 {count(lv['cancelled'], '项')}）"
    write_sheet(book, formats, report, "民生实事", columns, lv["by_community"], totals, note)


def write_fiscal(book: Workbook, formats: Formats, report: Report) -> None:
    fiscal = report["fiscal"]
    columns = [
        Column("街道", "subdistrict"),
        Column("科目", "item"),
        Column("当月（万元）", "month_amount", "amount"),
        Column("累计（万元）", "ytd", "amount"),
        Column("年度目标（万元）", "target", "amount"),
        Column("完成目标", "target_rate", "rate"),
        Column("较序时进度（个百分点）", "pace_points", "points"),
        Column("同比", "yoy", "rate"),
    ]
    if fiscal is None:
        write_sheet(book, formats, report, "财政税收", columns, [], note="本年度暂无财政数据")
        return
    note = f"数据月份 {fiscal['year']} 年 {fiscal['month']} 月；序时进度 {pct(fiscal['time_progress'])}"
    rows = [with_pace(item, fiscal["time_progress"]) for item in fiscal["items"]]
    write_sheet(book, formats, report, "财政税收", columns, rows, note=note)


def with_pace(item: dict[str, Any], time_progress: float) -> dict[str, Any]:
    """The item plus its lead over 序时进度 in percentage points (None without a target)."""
    rate = item["target_rate"]
    pace = None if rate is None else round((rate - time_progress) * 100, 2)
    return {**item, "pace_points": pace}


def write_census(book: Workbook, formats: Formats, report: Report) -> None:
    census = report["census"]
    columns = PLACE + [
        Column("应登记（户）", "expected", "int"),
        Column("已登记（户）", "registered_households", "int"),
        Column("登记率", "rate", "rate"),
    ]
    if census is None:
        write_sheet(book, formats, report, "人口普查", columns, [], note="截至报告日暂无普查进度")
        return
    totals = total_row(
        "subdistrict",
        expected=census["expected"],
        registered_households=census["registered_households"],
        rate=census["rate"],
    )
    note = f"任务：{census['campaign']}；已登记 {count(census['registered_persons'], '人')}"
    write_sheet(book, formats, report, "人口普查", columns, census["by_community"], totals, note)


def write_volunteers(book: Workbook, formats: Formats, report: Report) -> None:
    vol = report["volunteers"]
    columns = PLACE + [
        Column("注册志愿者（人）", "registered", "int"),
        Column("服务人次", "person_times", "int"),
        Column("服务时长（小时）", "hours", "hours"),
    ]
    totals = total_row(
        "subdistrict",
        registered=vol["registered"],
        person_times=vol["person_times"],
        hours=vol["hours"],
    )
    note = (
        f"本年活跃志愿者 {count(vol['active'], '人')}；本周服务 {hours(vol['hours_this_week'])}，"
        f"上周 {hours(vol['hours_last_week'])}"
    )
    write_sheet(book, formats, report, "志愿服务", columns, vol["by_community"], totals, note)


def render_xlsx(report: Report) -> bytes:
    """The workbook as bytes (write them to a .xlsx file or an HTTP download)."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    formats = Formats(book)
    write_overview(book, formats, report)
    write_livelihood(book, formats, report)
    write_fiscal(book, formats, report)
    write_census(book, formats, report)
    write_volunteers(book, formats, report)
    book.close()
    return buffer.getvalue()
