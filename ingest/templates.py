"""Import templates and table exports in the same layout: one code path for both.

``template_xlsx(kind)`` is the empty template staff fill in: the headers of
``ingest.parsing.TABLE_KINDS`` (the very list the importer recognises, so a template cannot
drift from what is accepted), a note on each header, date and text formats, drop-down lists
for 状态 and for the communities, and one example row. ``table_xlsx(engine, key)`` writes the
current rows of a table the same way, so staff can download, edit and upload again (a round
trip that changes exactly what they edited). ``scripts/make_templates.py`` writes the files in
``data/templates/`` with ``template_xlsx``.

The example row is written as ``示例：…`` in grey: left in by mistake it is refused by the
importer with a message that quotes ``示例``, never imported as data. Drop-down lists are
inline (Excel allows 255 characters); a longer community list is left out and the header note
says where the names come from. The workbook has one sheet: the importer reads every sheet.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Select, select, tuple_

from figures.area_helpers import connected
from figures.scope import CommunityKey
from ingest.parsing import KIND_BY_KEY, TABLE_KINDS, TableKind
from reporting.spreadsheet import XLSX_MIME, new_workbook, write_cell
from storage.models import (
    PROJECT_STATUSES,
    CensusProgress,
    Community,
    FiscalMonthly,
    FiscalTarget,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)

FIXED_TIME = dt.datetime(2024, 1, 1)  # fixed file metadata: the same template byte for byte
EXAMPLE_PREFIX = "示例："
EXAMPLE_NOTE = "第 2 行（灰色）是填写示例，导入前请删除或覆盖；保留会被拒绝导入。"
VALIDATION_ROWS = 5000  # rows that get the drop-down lists
LIST_LIMIT = 255  # Excel's limit for an inline list (all items joined with commas)
MAX_EXPORT_ROWS = 1_048_575  # Excel's last row, minus the header
STREAM_ROWS = 2000

DATE_HEADERS = {"计划完成日期", "完成日期", "日期", "注册日期", "服务日期"}
TEXT_HEADERS = {"项目编号", "志愿者编号", "记录编号", "月份"}
STATUS_CHOICES: list[str] = list(PROJECT_STATUSES)
NOTES: dict[str, str] = {
    "街道": "街道名称，如 城关街道",
    "社区": "社区名称；须已在社区名录中（数据库或本次导入）",
    "常住人口": "人数，非负整数",
    "户数": "户数，非负整数",
    "项目编号": "唯一编号，如 MS2024-001；再次导入同一编号会更新该项目",
    "项目名称": "必填",
    "类别": "如 老旧小区改造、加装电梯、道路及管网、安防监控、充电设施、养老助餐、环境绿化、便民服务",
    "年度": "四位年份，如 2024",
    "计划完成日期": "日期，如 2024-06-30",
    "状态": "未启动、推进中、已完成、已取消 之一",
    "完成日期": "状态为已完成时必填；其他状态留空",
    "投资金额(万元)": "单位万元，非负数；可留空（按 0 计）",
    "受益户数": "非负整数；可留空（按 0 计）",
    "月份": "如 2024-03 或 2024年3月",
    "科目": "如 一般公共预算收入、税收收入、增值税、企业所得税、个人所得税",
    "当月金额(万元)": "单位万元；当月数，不是累计数",
    "年度目标(万元)": "单位万元，非负数",
    "任务名称": "普查任务名称，如 第八次全国人口普查",
    "日期": "统计日期，如 2024-11-15",
    "应登记户数": "非负整数",
    "已登记户数": "截至该日期的累计数；大于应登记户数时会提示核实",
    "已登记人数": "截至该日期的累计数",
    "志愿者编号": "唯一编号，如 V00001（只显示编号，不填姓名）",
    "注册日期": "日期，如 2023-05-01",
    "性别": "男 或 女；可留空",
    "出生年份": "四位年份，如 1985；可留空",
    "记录编号": "唯一编号，如 S0000001",
    "活动名称": "必填",
    "活动类型": "如 环境保护、助老助残、文明交通",
    "服务日期": "日期，如 2024-03-15",
    "服务时长(小时)": "大于 0 且不超过 24",
}
EXAMPLES: dict[str, str] = {
    "街道": "城关街道",
    "社区": "建设路社区",
    "常住人口": "12000",
    "户数": "4300",
    "项目编号": "MS2024-001",
    "项目名称": "3号楼加装电梯",
    "类别": "加装电梯",
    "年度": "2024",
    "计划完成日期": "2024-06-30",
    "状态": "已完成",
    "完成日期": "2024-06-20",
    "投资金额(万元)": "45.5",
    "受益户数": "24",
    "月份": "2024-03",
    "科目": "增值税",
    "当月金额(万元)": "120.5",
    "年度目标(万元)": "5000",
    "任务名称": "第八次全国人口普查",
    "日期": "2024-11-15",
    "应登记户数": "4300",
    "已登记户数": "3200",
    "已登记人数": "8900",
    "志愿者编号": "V00001",
    "注册日期": "2023-05-01",
    "性别": "女",
    "出生年份": "1985",
    "记录编号": "S0000001",
    "活动名称": "垃圾分类宣传",
    "活动类型": "环境保护",
    "服务日期": "2024-03-15",
    "服务时长(小时)": "2.5",
}


def file_name(kind: TableKind, suffix: str = "") -> str:
    """``民生实事.xlsx`` (template) or ``民生实事_2024-06-30.xlsx`` (an export)."""
    return f"{kind.label}{'_' + suffix if suffix else ''}.xlsx"


def _inline_list(values: Iterable[str]) -> list[str] | None:
    """Distinct values for a drop-down, or ``None`` when Excel's 255-character limit is hit."""
    items = sorted(dict.fromkeys(v for v in values if v and "," not in v))
    if not items or len(",".join(items)) > LIST_LIMIT:
        return None
    return items


class _Sheet:
    """One worksheet in the template layout; rows are written in order (streaming)."""

    def __init__(self, workbook: Any, kind: TableKind) -> None:
        self.kind = kind
        self.sheet = workbook.add_worksheet(kind.label)
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.text = workbook.add_format({"num_format": "@"})
        self.example = workbook.add_format({"italic": True, "font_color": "#808080"})
        self.next_row = 1

    def write_header(self, communities: Sequence[CommunityKey], example: bool) -> None:
        lists = {
            "状态": STATUS_CHOICES,
            "街道": _inline_list(s for s, _ in communities),
            "社区": _inline_list(c for _, c in communities),
        }
        if self.kind.key == "communities":  # this table defines the names: no lists
            lists["街道"] = lists["社区"] = None
        for index, header in enumerate(self.kind.headers):
            width = max(12, 2 * len(header) + 4)
            column_format = (
                self.date
                if header in DATE_HEADERS
                else self.text
                if header in TEXT_HEADERS
                else None
            )
            self.sheet.set_column(index, index, width, column_format)
            write_cell(self.sheet, 0, index, header, self.header)
            note = NOTES.get(header, "")
            if example and index == 0:
                note = f"{EXAMPLE_NOTE}\n{note}"
            if header in ("街道", "社区") and communities and lists[header] is None:
                note += "（名称较多，未设下拉列表；请与社区名录一致）"
            if note:
                self.sheet.write_comment(0, index, note, {"x_scale": 2, "y_scale": 1.5})
            choices = lists.get(header)
            if choices:
                self.sheet.data_validation(
                    1,
                    index,
                    VALIDATION_ROWS,
                    index,
                    {
                        "validate": "list",
                        "source": choices,
                        "error_type": "stop" if header == "状态" else "warning",
                        "error_message": f"请从下拉列表中选择{header}",
                    },
                )
        self.sheet.freeze_panes(1, 0)

    def write_example(self) -> None:
        for index, header in enumerate(self.kind.headers):
            text = EXAMPLE_PREFIX + EXAMPLES.get(header, "")
            write_cell(self.sheet, self.next_row, index, text, self.example)
        self.next_row += 1

    def add_row(self, values: Sequence[Any]) -> None:
        for index, value in enumerate(values):
            if value is None:
                continue
            date = isinstance(value, dt.date)
            write_cell(self.sheet, self.next_row, index, value, self.date if date else None)
        self.next_row += 1


def _workbook(target: Any, title: str, *, stream: bool = False) -> Any:
    return new_workbook(target, stream=stream, properties={"title": title, "created": FIXED_TIME})


def template_xlsx(
    kind: TableKind, communities: Sequence[CommunityKey] = (), *, example: bool = True
) -> bytes:
    """The empty template of ``kind``: headers with notes, drop-downs and the example row."""
    buffer = io.BytesIO()
    workbook = _workbook(buffer, f"{kind.label} 导入模板")
    sheet = _Sheet(workbook, kind)
    sheet.write_header(communities, example)
    if example:
        sheet.write_example()
    workbook.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------- exports


def _month_text(year: int, month: int) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def _export_query(key: str) -> Select:
    """Rows of one table in template column order (the natural key orders them)."""
    C = Community
    if key == "communities":
        return select(C.subdistrict, C.name, C.population, C.households).order_by(
            C.subdistrict, C.name
        )
    if key == "livelihood":
        P = LivelihoodProject
        return (
            select(
                P.code,
                C.subdistrict,
                C.name,
                P.name,
                P.category,
                P.year,
                P.planned_on,
                P.status,
                P.completed_on,
                P.investment,
                P.beneficiary_households,
            )
            .join(C, C.id == P.community_id)
            .order_by(P.code)
        )
    if key == "fiscal_monthly":
        F = FiscalMonthly
        return select(F.subdistrict, F.year, F.month, F.item, F.amount).order_by(
            F.subdistrict, F.year, F.month, F.item
        )
    if key == "fiscal_targets":
        G = FiscalTarget
        return select(G.subdistrict, G.year, G.item, G.target).order_by(
            G.subdistrict, G.year, G.item
        )
    if key == "census":
        K = CensusProgress
        return (
            select(
                K.campaign,
                C.subdistrict,
                C.name,
                K.day,
                K.expected_households,
                K.registered_households,
                K.registered_persons,
            )
            .join(C, C.id == K.community_id)
            .order_by(K.campaign, C.subdistrict, C.name, K.day)
        )
    if key == "volunteers":
        V = Volunteer
        return (
            select(V.code, C.subdistrict, C.name, V.registered_on, V.gender, V.birth_year)
            .join(C, C.id == V.community_id)
            .order_by(V.code)
        )
    if key == "service_records":
        S = ServiceRecord
        return (
            select(
                S.code,
                Volunteer.code,
                S.activity_name,
                S.activity_type,
                S.service_date,
                S.hours,
                C.subdistrict,
                C.name,
            )
            .join(Volunteer, Volunteer.id == S.volunteer_id)
            .join(C, C.id == S.community_id)
            .order_by(S.code)
        )
    raise KeyError(key)


def _restricted(query: Select, key: str, allowed: set[CommunityKey] | None) -> Select | None:
    """Only the rows an editor may write back; ``None`` when that is no row at all."""
    if allowed is None:
        return query
    if key in ("fiscal_monthly", "fiscal_targets") or not allowed:
        return None
    return query.where(tuple_(Community.subdistrict, Community.name).in_(sorted(allowed)))


def _shaped(key: str, row: Sequence[Any]) -> list[Any]:
    """A database row as the template's cells (fiscal months back to ``YYYY-MM`` text)."""
    values = list(row)
    if key == "fiscal_monthly":
        subdistrict, year, month, item, amount = values
        return [subdistrict, _month_text(year, month), item, amount]
    return values


def export_rows(
    engine: Engine, key: str, allowed: set[CommunityKey] | None = None
) -> Iterator[list[Any]]:
    """The current rows of table ``key`` as template cells, streamed from the database."""
    query = _restricted(_export_query(key), key, allowed)
    if query is None:
        return
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(
            query.limit(MAX_EXPORT_ROWS)
        )
        for row in result:
            yield _shaped(key, row)


def table_xlsx(
    engine: Engine,
    key: str,
    allowed: set[CommunityKey] | None = None,
    communities: Sequence[CommunityKey] = (),
) -> bytes:
    """The current data of table ``key`` in the template layout (no example row)."""
    kind = KIND_BY_KEY[key]
    buffer = io.BytesIO()
    workbook = _workbook(buffer, f"{kind.label} 当前数据", stream=True)
    sheet = _Sheet(workbook, kind)
    sheet.write_header(communities, example=False)
    for values in export_rows(engine, key, allowed):
        sheet.add_row(values)
    workbook.close()
    return buffer.getvalue()


def list_community_keys(engine: Engine | Connection) -> list[CommunityKey]:
    """Every ``(街道, 社区)`` for the drop-down lists, sorted."""
    query = select(Community.subdistrict, Community.name).order_by(
        Community.subdistrict, Community.name
    )
    with connected(engine) as connection:
        return [(s, n) for s, n in connection.execute(query)]


__all__ = [
    "EXAMPLE_PREFIX",
    "NOTES",
    "STATUS_CHOICES",
    "TABLE_KINDS",
    "XLSX_MIME",
    "export_rows",
    "file_name",
    "list_community_keys",
    "table_xlsx",
    "template_xlsx",
]
