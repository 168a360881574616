"""Importing staff files (contract §1) and ``manage.py import`` (§2), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from ingest.importer import ImportIssue, import_files, plan_import
from storage.models import (
    CensusProgress,
    Community,
    FiscalMonthly,
    FiscalTarget,
    ImportBatch,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = REPO_ROOT / "data" / "samples"
ALL_TABLES = (
    Community,
    Volunteer,
    LivelihoodProject,
    FiscalMonthly,
    FiscalTarget,
    CensusProgress,
    ServiceRecord,
    ImportBatch,
)

# --------------------------------------------------------------------------- file builders


def csv_file(name: str, rows: list[list[object]], encoding: str = "utf-8-sig") -> tuple[str, bytes]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return name, buffer.getvalue().encode(encoding)


def xlsx_file(name: str, sheets: dict[str, list[list[object]]]) -> tuple[str, bytes]:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return name, buffer.getvalue()


def table_file(name: str, *rows: dict[str, object]) -> tuple[str, bytes]:
    """A CSV whose header is the keys of the first row."""
    headers = list(rows[0])
    return csv_file(name, [headers, *[[row[h] for h in headers] for row in rows]])


COMMUNITY = {"街道": "城关街道", "社区": "东门社区", "常住人口": "8650", "户数": "3120"}
COMMUNITIES = table_file(
    "社区名录.csv", COMMUNITY, {**COMMUNITY, "社区": "西门社区", "常住人口": "7420", "户数": "2710"}
)
VOLUNTEER = {
    "志愿者编号": "V001",
    "街道": "城关街道",
    "社区": "东门社区",
    "注册日期": "2023-05-01",
    "性别": "女",
    "出生年份": "1985",
}
VOLUNTEERS = table_file("志愿者.csv", VOLUNTEER)
PROJECT = {
    "项目编号": "P001",
    "街道": "城关街道",
    "社区": "东门社区",
    "项目名称": "东门小区加装电梯",
    "类别": "加装电梯",
    "年度": "2024",
    "计划完成日期": "2024-06-30",
    "状态": "推进中",
    "完成日期": "",
    "投资金额(万元)": "1,120.5",
    "受益户数": "36",
}
FISCAL = {"街道": "城关街道", "月份": "2024-01", "科目": "税收收入", "当月金额(万元)": "120.5"}
TARGET = {"街道": "城关街道", "年度": "2024", "科目": "税收收入", "年度目标(万元)": "1500"}
CENSUS = {
    "任务名称": "人口抽样调查",
    "街道": "城关街道",
    "社区": "东门社区",
    "日期": "2024-11-01",
    "应登记户数": "3000",
    "已登记户数": "1200",
    "已登记人数": "3100",
}
SERVICE = {
    "记录编号": "S001",
    "志愿者编号": "V001",
    "活动名称": "垃圾分类宣传",
    "活动类型": "环境保护",
    "服务日期": "2024-03-05",
    "服务时长(小时)": "2.5",
    "街道": "城关街道",
    "社区": "西门社区",
}


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a failed import wrote nothing."""
    with engine.connect() as conn:
        return {
            model.__tablename__: sorted(map(tuple, conn.execute(select(model.__table__))), key=repr)
            for model in ALL_TABLES
        }


def count(engine: Engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def counts(result) -> dict[str, tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    return {key: (s.new, s.updated, s.unchanged) for key, s in result.summaries.items()}


def must_import(engine: Engine, *files: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    result = import_files(engine, list(files))
    assert result.ok, [str(e) for e in result.errors]
    return result


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("issue", "expected"),
    [
        (
            ImportIssue("项目.xlsx", "Sheet1", 5, "完成日期", "状态为已完成时必须填写完成日期"),
            "文件 项目.xlsx，工作表 Sheet1，第 5 行，列「完成日期」：状态为已完成时必须填写完成日期",
        ),
        (
            ImportIssue(
                "项目.csv", None, 3, "状态", "状态必须是 未启动、推进中、已完成、已取消 之一"
            ),
            "文件 项目.csv，第 3 行，列「状态」：状态必须是 未启动、推进中、已完成、已取消 之一",
        ),
        (
            ImportIssue("x.txt", None, None, None, "不支持的文件类型"),
            "文件 x.txt：不支持的文件类型",
        ),
    ],
)
def test_issue_reads_as_one_chinese_line(issue, expected):
    """An issue names file, sheet (xlsx only), Excel row and column, then the reason."""
    assert str(issue) == expected


# --------------------------------------------------------------------------- every rule of §1

ERROR_CASES = [
    (
        "项目名称必填",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "项目名称": ""},
        "项目名称",
        "必须填写",
    ),
    (
        "状态不在枚举中",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "状态": "进行中"},
        "状态",
        "状态必须是",
    ),
    (
        "已完成缺完成日期",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "状态": "已完成", "完成日期": ""},
        "完成日期",
        "状态为已完成时必须填写完成日期",
    ),
    (
        "未完成却有完成日期",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "状态": "推进中", "完成日期": "2024-05-01"},
        "完成日期",
        "完成日期必须为空",
    ),
    (
        "社区不在名录",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "社区": "北关社区"},
        "社区",
        "不在社区名录中",
    ),
    (
        "投资为负",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "投资金额(万元)": "-1"},
        "投资金额(万元)",
        "不能为负数",
    ),
    (
        "户数不是数字",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "受益户数": "很多"},
        "受益户数",
        "不是有效的数字",
    ),
    (
        "户数不是整数",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "受益户数": "3.5"},
        "受益户数",
        "必须为整数",
    ),
    (
        "日期无法识别",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "计划完成日期": "六月底"},
        "计划完成日期",
        "无法识别的日期",
    ),
    (
        "日期不存在",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "计划完成日期": "2024-02-30"},
        "计划完成日期",
        "不存在",
    ),
    (
        "年度不合理",
        "民生实事.csv",
        PROJECT,
        {"项目编号": "P002", "年度": "1800"},
        "年度",
        "超出合理范围",
    ),
    ("项目编号重复", "民生实事.csv", PROJECT, {"项目名称": "另一个"}, "项目编号", "重复"),
    (
        "人口必填",
        "社区名录2.csv",
        {**COMMUNITY, "社区": "南苑社区"},
        {"社区": "北苑社区", "常住人口": ""},
        "常住人口",
        "必须填写",
    ),
    (
        "户数为负",
        "社区名录2.csv",
        {**COMMUNITY, "社区": "南苑社区"},
        {"社区": "北苑社区", "户数": "-5"},
        "户数",
        "不能为负数",
    ),
    ("月份不存在", "财政收入.csv", FISCAL, {"月份": "2024-13"}, "月份", "不存在"),
    ("月份不合理", "财政收入.csv", FISCAL, {"月份": "1900-01"}, "月份", "超出合理范围"),
    (
        "当月金额为负",
        "财政收入.csv",
        FISCAL,
        {"月份": "2024-02", "当月金额(万元)": "-3"},
        "当月金额(万元)",
        "不能为负数",
    ),
    ("财政收入重复", "财政收入.csv", FISCAL, {"月份": "2024年1月"}, "街道", "重复"),
    ("目标年度不合理", "财政目标.csv", TARGET, {"年度": "3000"}, "年度", "超出合理范围"),
    (
        "目标不是数字",
        "财政目标.csv",
        TARGET,
        {"年度": "2025", "年度目标(万元)": "一千"},
        "年度目标(万元)",
        "不是有效的数字",
    ),
    (
        "应登记户数为负",
        "普查进度.csv",
        CENSUS,
        {"日期": "2024-11-04", "应登记户数": "-1"},
        "应登记户数",
        "不能为负数",
    ),
    ("普查社区不在名录", "普查进度.csv", CENSUS, {"社区": "北关社区"}, "社区", "不在社区名录中"),
    ("普查重复", "普查进度.csv", CENSUS, {"日期": "2024/11/1"}, "任务名称", "重复"),
    (
        "性别不合规",
        "志愿者2.csv",
        {**VOLUNTEER, "志愿者编号": "V002"},
        {"志愿者编号": "V003", "性别": "未知"},
        "性别",
        "性别应为",
    ),
    (
        "出生年份不合理",
        "志愿者2.csv",
        {**VOLUNTEER, "志愿者编号": "V002"},
        {"志愿者编号": "V003", "出生年份": "2300"},
        "出生年份",
        "超出合理范围",
    ),
    (
        "注册日期必填",
        "志愿者2.csv",
        {**VOLUNTEER, "志愿者编号": "V002"},
        {"志愿者编号": "V003", "注册日期": ""},
        "注册日期",
        "必须填写",
    ),
    (
        "服务时长为零",
        "志愿服务.csv",
        SERVICE,
        {"记录编号": "S002", "服务时长(小时)": "0"},
        "服务时长(小时)",
        "大于 0 且不超过 24",
    ),
    (
        "服务时长超过一天",
        "志愿服务.csv",
        SERVICE,
        {"记录编号": "S002", "服务时长(小时)": "24.5"},
        "服务时长(小时)",
        "大于 0 且不超过 24",
    ),
    (
        "服务时长为负",
        "志愿服务.csv",
        SERVICE,
        {"记录编号": "S002", "服务时长(小时)": "-1"},
        "服务时长(小时)",
        "不能为负数",
    ),
    (
        "志愿者编号未知",
        "志愿服务.csv",
        SERVICE,
        {"记录编号": "S002", "志愿者编号": "V999"},
        "志愿者编号",
        "不存在",
    ),
    (
        "服务社区不在名录",
        "志愿服务.csv",
        SERVICE,
        {"记录编号": "S002", "社区": "北关社区"},
        "社区",
        "不在社区名录中",
    ),
]


@pytest.mark.parametrize(
    ("name", "good", "changes", "column", "fragment"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_each_rule_violation_is_reported_at_its_row_and_column(
    engine, name, good, changes, column, fragment
):
    """One bad row after a good one: one error at Excel row 3 and its column; nothing written."""
    before = snapshot(engine)
    result = import_files(
        engine, [COMMUNITIES, VOLUNTEERS, table_file(name, good, {**good, **changes})]
    )
    assert not result.ok
    assert [(e.file, e.sheet, e.row, e.column) for e in result.errors] == [(name, None, 3, column)]
    assert fragment in result.errors[0].message
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ([*COMMUNITY, "备注"], "无法识别的列：备注"),
        (["街道", "社区", "常住人口"], "缺少列：户数"),
        (["姓名", "电话", "住址"], "无法识别表格类型"),
        (["街道", "社区", "社区", "常住人口", "户数"], "重复的列：社区"),
    ],
)
def test_header_problems_are_reported_on_the_header_row(engine, headers, fragment):
    """A header that fits no template is one error on row 1, naming the columns."""
    result = import_files(
        engine, [csv_file("表.csv", [headers, ["城关街道", "东门社区", "1", "2"]])]
    )
    assert not result.ok
    assert [(e.file, e.row, e.column) for e in result.errors] == [("表.csv", 1, None)]
    assert fragment in result.errors[0].message


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("数据.txt", b"a,b", "不支持的文件类型"),
        ("数据", b"a,b", "不支持的文件类型"),
        ("旧格式.xls", b"\xd0\xcf\x11\xe0", "另存为"),
        ("坏文件.xlsx", b"not a zip", "无法读取 Excel 文件"),
        ("空文件.csv", b"", "没有任何数据"),
        ("只有标题.csv", "民生实事项目表\r\n".encode(), "没有任何数据"),
        ("乱码.csv", b"\x81\x20\x81,\x82", "无法识别文件编码"),
    ],
)
def test_unreadable_files_are_reported_by_name(engine, name, data, fragment):
    """Unknown types, old .xls, corrupt workbooks, empty and undecodable files are errors."""
    result = import_files(engine, [COMMUNITIES, (name, data)])
    assert not result.ok
    assert [(e.file, e.row) for e in result.errors] == [(name, None)]
    assert fragment in result.errors[0].message
    assert count(engine, Community) == 0


def test_every_bad_row_of_every_file_is_reported_and_nothing_is_written(engine):
    """Three bad rows among good ones, plus a bad row in another file: all four, DB unchanged."""
    must_import(engine, COMMUNITIES)
    before = snapshot(engine)
    headers = list(PROJECT)
    rows = [
        {**PROJECT, "项目编号": "P1"},
        {**PROJECT, "项目编号": "P2", "状态": "已完成"},  # row 3: no 完成日期
        {**PROJECT, "项目编号": "P3"},
        {**PROJECT, "项目编号": "P4", "社区": "北关社区"},  # row 5: unknown community
        {**PROJECT, "项目编号": "P5"},
        {**PROJECT, "项目编号": "P6"},
        {**PROJECT, "项目编号": "P7", "投资金额(万元)": "-8"},  # row 8: negative
    ]
    workbook = xlsx_file(
        "项目.xlsx", {"Sheet1": [headers, *[[r[h] for h in headers] for r in rows]]}
    )
    other = table_file("财政.csv", FISCAL, {**FISCAL, "月份": "2024-02", "当月金额(万元)": "x"})
    result = import_files(
        engine, [workbook, other, table_file("社区2.csv", {**COMMUNITY, "社区": "新社区"})]
    )
    assert [(e.file, e.sheet, e.row, e.column) for e in result.errors] == [
        ("项目.xlsx", "Sheet1", 3, "完成日期"),
        ("项目.xlsx", "Sheet1", 5, "社区"),
        ("项目.xlsx", "Sheet1", 8, "投资金额(万元)"),
        ("财政.csv", None, 3, "当月金额(万元)"),
    ]
    assert str(result.errors[0]) == (
        "文件 项目.xlsx，工作表 Sheet1，第 3 行，列「完成日期」：状态为已完成时必须填写完成日期"
    )
    assert snapshot(engine) == before


def test_blank_rows_are_skipped_and_row_numbers_stay_as_excel_shows_them(engine):
    """An empty line in the middle is skipped; a bad row after it keeps its Excel number."""
    name, data = table_file("项目.csv", PROJECT)
    data += (
        b"\r\n,,,,,,,,,,\r\n" + "P9,城关街道,东门社区,x,y,2024,2024-01-01,坏状态,,1,1\r\n".encode()
    )
    result = import_files(engine, [COMMUNITIES, (name, data)])
    assert [(e.row, e.column) for e in result.errors] == [(5, "状态")]


def test_title_rows_above_the_header_are_skipped(engine):
    """A one-cell title above the header is not the header; row numbers stay Excel's."""
    headers = list(PROJECT)
    bad = [{**PROJECT, "状态": "?"}[h] for h in headers]
    workbook = xlsx_file("项目.xlsx", {"项目": [["2024年民生实事项目表"], [], headers, bad]})
    result = import_files(engine, [COMMUNITIES, workbook])
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("项目", 4, "状态")]


def test_a_value_under_a_column_without_header_is_an_error(engine):
    """Data in a column that has no header would be silently lost: it is an error."""
    rows = [[*COMMUNITY, ""], ["城关街道", "南苑社区", "1", "2", "多余"]]
    result = import_files(engine, [csv_file("社区.csv", rows)])
    assert [(e.row, e.column) for e in result.errors] == [(2, "第 E 列")]
    assert "没有表头" in result.errors[0].message


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_accepted_encoding_imports_the_same_rows(engine, encoding):
    """UTF-8 with or without BOM, GBK and GB18030 CSVs give the same Chinese names."""
    name, _ = COMMUNITIES
    rows = [
        list(COMMUNITY),
        ["城关街道", "东门社区", "8650", "3120"],
        ["喆街道", "䶮社区", "1", "1"],
    ]
    if encoding == "gbk":
        rows.pop()  # 喆 and 䶮 are outside GBK; GB18030 has them
    must_import(engine, csv_file(name, rows, encoding))
    with engine.connect() as conn:
        names = set(conn.execute(select(Community.subdistrict, Community.name)))
    assert ("城关街道", "东门社区") in names
    assert len(names) == len(rows) - 1


def test_xlsx_reads_every_sheet_real_date_cells_and_skips_empty_sheets(engine):
    """Two sheets (one with （） headers), date cells and a serial number; an empty sheet."""
    headers = list(PROJECT)
    full_width = [h.replace("(", "（").replace(")", "）") for h in headers]
    row_2024 = [PROJECT[h] for h in headers]
    row_2024[6] = dt.datetime(2024, 6, 30)
    row_2025 = [
        {**PROJECT, "项目编号": "P2025", "年度": 2025, "状态": "已完成"}[h] for h in headers
    ]
    row_2025[6] = 45839  # 2025-07-01 as Excel's serial number in a cell without date format
    row_2025[8] = dt.datetime(2025, 6, 20)
    workbook = xlsx_file(
        "项目.xlsx", {"2024年": [headers, row_2024], "2025年": [full_width, row_2025], "空白": []}
    )
    result = must_import(engine, COMMUNITIES, workbook)
    assert counts(result)["livelihood"] == (2, 0, 0)
    with engine.connect() as conn:
        dates = dict(
            conn.execute(select(LivelihoodProject.code, LivelihoodProject.planned_on))
            .tuples()
            .all()
        )
        completed = conn.execute(
            select(LivelihoodProject.completed_on).where(LivelihoodProject.code == "P2025")
        ).scalar_one()
    assert dates == {"P001": dt.date(2024, 6, 30), "P2025": dt.date(2025, 7, 1)}
    assert completed == dt.date(2025, 6, 20)


def test_headers_with_spaces_full_width_parentheses_and_any_order_are_accepted(engine):
    """`` 服务时长（小时）``, a full-width space and a shuffled order are still the template."""
    headers = list(reversed(SERVICE))
    typed = [f" {h.replace('(', '（').replace(')', '）')}\u3000" for h in headers]
    service = csv_file("服务.csv", [typed, [SERVICE[h] for h in headers]])
    result = must_import(engine, COMMUNITIES, VOLUNTEERS, service)
    assert counts(result)["service_records"] == (1, 0, 0)


def test_values_land_in_their_columns(engine):
    """Every template's cells end up in the right columns with the right types."""
    completed = {**PROJECT, "状态": "已完成", "完成日期": "2024年6月1日"}
    must_import(
        engine,
        COMMUNITIES,
        VOLUNTEERS,
        table_file("项目.csv", completed),
        table_file("财政.csv", {**FISCAL, "月份": "2024年3月"}),
        table_file("目标.csv", TARGET),
        table_file("普查.csv", CENSUS),
        table_file("服务.csv", SERVICE),
    )
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Community.name, Community.id)).tuples().all())
        project = conn.execute(select(LivelihoodProject)).one()
        fiscal = conn.execute(select(FiscalMonthly)).one()
        target = conn.execute(select(FiscalTarget)).one()
        census = conn.execute(select(CensusProgress)).one()
        volunteer = conn.execute(select(Volunteer)).one()
        service = conn.execute(select(ServiceRecord)).one()
    assert (project.community_id, project.year, project.status) == (ids["东门社区"], 2024, "已完成")
    assert (project.completed_on, project.investment, project.beneficiary_households) == (
        dt.date(2024, 6, 1),
        1120.5,
        36,
    )
    assert (fiscal.subdistrict, fiscal.year, fiscal.month, fiscal.item, fiscal.amount) == (
        "城关街道",
        2024,
        3,
        "税收收入",
        120.5,
    )
    assert (target.year, target.item, target.target) == (2024, "税收收入", 1500.0)
    assert (census.community_id, census.day, census.expected_households) == (
        ids["东门社区"],
        dt.date(2024, 11, 1),
        3000,
    )
    assert (census.registered_households, census.registered_persons) == (1200, 3100)
    assert (volunteer.code, volunteer.gender, volunteer.birth_year) == ("V001", "女", 1985)
    assert (service.volunteer_id, service.community_id, service.hours) == (
        volunteer.id,
        ids["西门社区"],
        2.5,
    )


def test_blank_optional_cells_are_stored_as_defaults(engine):
    """Blank 投资金额/受益户数 count as 0; blank 性别/出生年份 stay unknown."""
    project = {**PROJECT, "投资金额(万元)": "", "受益户数": ""}
    volunteer = {**VOLUNTEER, "性别": "", "出生年份": " "}
    must_import(
        engine, COMMUNITIES, table_file("项目.csv", project), table_file("志愿者.csv", volunteer)
    )
    with engine.connect() as conn:
        assert conn.execute(
            select(LivelihoodProject.investment, LivelihoodProject.beneficiary_households)
        ).one() == (0.0, 0)
        assert conn.execute(select(Volunteer.gender, Volunteer.birth_year)).one() == (None, None)


# --------------------------------------------------------------------------- upsert


def test_reimporting_the_same_files_changes_nothing(engine):
    """The second import of the samples counts every row unchanged and rewrites none."""
    files = [
        (path.name, path.read_bytes())
        for path in sorted(SAMPLES.glob("*"))
        if "errors" not in path.name
    ]
    first = must_import(engine, *files)
    data_before = {k: v for k, v in snapshot(engine).items() if k != "import_batch"}
    second = must_import(engine, *files)
    assert all(new == 0 and updated == 0 for new, updated, _ in counts(second).values())
    assert {k: s.unchanged for k, s in second.summaries.items()} == {
        k: s.new for k, s in first.summaries.items()
    }
    assert {k: v for k, v in snapshot(engine).items() if k != "import_batch"} == data_before


def test_a_changed_row_is_updated_in_place(engine):
    """Same 项目编号, new 状态: one row updated (same id, new batch), the other unchanged."""
    other = {**PROJECT, "项目编号": "P002"}
    must_import(engine, COMMUNITIES, table_file("项目.csv", PROJECT, other))
    with engine.connect() as conn:
        before = conn.execute(
            select(LivelihoodProject.id, LivelihoodProject.batch_id).where(
                LivelihoodProject.code == "P001"
            )
        ).one()
    changed = {**PROJECT, "状态": "已完成", "完成日期": "2024-06-01", "社区": "西门社区"}
    result = must_import(engine, table_file("项目.csv", changed, other))
    assert counts(result) == {"livelihood": (0, 1, 1)}
    with engine.connect() as conn:
        after = conn.execute(
            select(
                LivelihoodProject.id,
                LivelihoodProject.batch_id,
                LivelihoodProject.status,
                Community.name,
            )
            .join(Community)
            .where(LivelihoodProject.code == "P001")
        ).one()
    assert after.id == before.id
    assert after.batch_id != before.batch_id
    assert (after.status, after.name) == ("已完成", "西门社区")
    assert count(engine, LivelihoodProject) == 2


def test_service_rollups_follow_new_and_moved_records(engine):
    """After an import the 志愿服务 rollups equal the records, also when a record moves day."""
    from storage.rollups import rollups_match

    second = {**SERVICE, "记录编号": "S002", "服务日期": "2024-03-06"}
    must_import(engine, COMMUNITIES, VOLUNTEERS, table_file("服务.csv", SERVICE, second))
    moved = {**SERVICE, "服务日期": "2024-04-01", "社区": "东门社区", "服务时长(小时)": "3"}
    must_import(engine, table_file("服务.csv", moved, second))
    with engine.connect() as conn:
        assert rollups_match(conn)


def test_community_from_the_same_import_is_accepted(engine):
    """A project may name a community that only the same import adds, in any file order."""
    result = must_import(engine, table_file("项目.csv", PROJECT), COMMUNITIES)
    assert counts(result) == {"communities": (2, 0, 0), "livelihood": (1, 0, 0)}


def test_volunteer_from_the_same_import_is_accepted(engine):
    """A service record may name a volunteer that only the same import adds."""
    result = must_import(engine, table_file("服务.csv", SERVICE), VOLUNTEERS, COMMUNITIES)
    assert counts(result)["service_records"] == (1, 0, 0)


def test_a_second_import_may_refer_to_what_the_first_wrote(engine):
    """Communities and volunteers already in the database satisfy later imports."""
    must_import(engine, COMMUNITIES, VOLUNTEERS)
    result = must_import(engine, table_file("服务.csv", SERVICE))
    assert counts(result) == {"service_records": (1, 0, 0)}


def test_more_registered_than_expected_households_is_only_a_warning(engine):
    """已登记户数 > 应登记户数 is imported, with a warning naming the row and column."""
    over = {**CENSUS, "已登记户数": "3050"}
    result = must_import(engine, COMMUNITIES, table_file("普查.csv", over))
    assert [(w.file, w.row, w.column, w.level) for w in result.warnings] == [
        ("普查.csv", 2, "已登记户数", "warning")
    ]
    assert count(engine, CensusProgress) == 1


def test_duplicate_key_across_files_is_an_error(engine):
    """The same community in two files of one import: the second names the first."""
    result = import_files(engine, [COMMUNITIES, table_file("名录副本.csv", COMMUNITY)])
    assert [(e.file, e.row, e.column) for e in result.errors] == [("名录副本.csv", 2, "街道")]
    assert "文件 社区名录.csv，第 2 行" in result.errors[0].message
    assert count(engine, Community) == 0


def test_rows_outside_the_allowed_communities_are_refused(engine):
    """An editor of 东门社区 cannot write 西门社区 nor subdistrict-level fiscal figures."""
    must_import(engine, COMMUNITIES)
    west = {**PROJECT, "项目编号": "P002", "社区": "西门社区"}
    result = import_files(
        engine,
        [table_file("项目.csv", PROJECT, west), table_file("财政.csv", FISCAL)],
        allowed_communities={("城关街道", "东门社区")},
    )
    assert [(e.file, e.row, e.column) for e in result.errors] == [
        ("项目.csv", 3, "社区"),
        ("财政.csv", 2, "街道"),
    ]
    assert "无权写入该社区的数据" in result.errors[0].message
    assert count(engine, LivelihoodProject) == 0


def test_rows_of_allowed_communities_are_imported(engine):
    """The editor's own community is written as usual."""
    must_import(engine, COMMUNITIES)
    result = import_files(
        engine, [table_file("项目.csv", PROJECT)], allowed_communities={("城关街道", "东门社区")}
    )
    assert result.ok and counts(result) == {"livelihood": (1, 0, 0)}


def test_an_editor_may_not_name_a_volunteer_of_another_community(engine):
    """A 志愿服务 row of the editor's own community that names a volunteer registered in another
    community is refused at 志愿者编号: the volunteer and their figures belong to that
    community. The editor's own volunteers, stored or in the same import, are accepted."""
    west_volunteer = {**VOLUNTEER, "志愿者编号": "V002", "社区": "西门社区"}
    must_import(engine, COMMUNITIES, table_file("志愿者.csv", VOLUNTEER, west_volunteer))
    east = {**SERVICE, "社区": "东门社区"}
    theirs = {**east, "记录编号": "S002", "志愿者编号": "V002"}
    editor = {("城关街道", "东门社区")}
    before = snapshot(engine)
    result = import_files(
        engine, [table_file("服务.csv", east, theirs)], allowed_communities=editor
    )
    assert [(e.file, e.row, e.column) for e in result.errors] == [("服务.csv", 3, "志愿者编号")]
    message = str(result.errors[0])
    assert "第 3 行" in message and "V002" in message and "城关街道/西门社区" in message, message
    assert "无权" in message
    assert snapshot(engine) == before

    own_new = {**VOLUNTEER, "志愿者编号": "V003"}
    with_new = {**east, "记录编号": "S003", "志愿者编号": "V003"}
    result = import_files(
        engine,
        [table_file("志愿者.csv", own_new), table_file("服务.csv", east, with_new)],
        allowed_communities=editor,
    )
    assert result.ok, [str(e) for e in result.errors]
    assert counts(result) == {"volunteers": (1, 0, 0), "service_records": (2, 0, 0)}


def test_each_file_gets_an_import_batch_that_its_rows_point_to(engine):
    """One ImportBatch per file: name, sha256, user, row count and a JSON summary."""
    projects = table_file("项目.csv", PROJECT, {**PROJECT, "项目编号": "P002"})
    import_files(engine, [COMMUNITIES, projects], user="张三")
    with engine.connect() as conn:
        batches = {b.source_file: b for b in conn.execute(select(ImportBatch))}
        project_batches = set(conn.execute(select(LivelihoodProject.batch_id)).scalars())
        community_batches = set(conn.execute(select(Community.batch_id)).scalars())
    batch = batches["项目.csv"]
    assert batch.file_hash == hashlib.sha256(projects[1]).hexdigest()
    assert (batch.imported_by, batch.rows_total) == ("张三", 2)
    assert isinstance(batch.imported_at, dt.datetime)
    assert json.loads(batch.summary)["tables"]["livelihood"] == {
        "label": "民生实事",
        "new": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert project_batches == {batch.id}
    assert community_batches == {batches["社区名录.csv"].id}


def test_a_failed_import_records_no_batch(engine):
    """All-or-nothing includes the import log: no ImportBatch for a refused import."""
    import_files(engine, [COMMUNITIES, table_file("项目.csv", {**PROJECT, "状态": "?"})])
    assert count(engine, ImportBatch) == 0


# --------------------------------------------------------------------------- preview, progress


def test_plan_import_counts_what_import_would_do_without_writing(engine):
    """The preview's counts equal the real import's, and the preview writes nothing."""
    must_import(engine, COMMUNITIES, table_file("项目.csv", PROJECT))
    files = [
        table_file("社区.csv", COMMUNITY, {**COMMUNITY, "社区": "南苑社区"}),
        table_file("项目.csv", {**PROJECT, "社区": "南苑社区"}, {**PROJECT, "项目编号": "P2"}),
        table_file("普查.csv", {**CENSUS, "社区": "南苑社区"}),
    ]
    before = snapshot(engine)
    plan = plan_import(engine, files)
    assert snapshot(engine) == before
    assert counts(plan) == {
        "communities": (1, 0, 1),
        "livelihood": (1, 1, 0),
        "census": (1, 0, 0),
    }
    assert counts(must_import(engine, *files)) == counts(plan)


def test_plan_import_reports_the_same_errors_as_import(engine):
    """A preview of a bad file lists its errors and no summary."""
    files = [COMMUNITIES, table_file("项目.csv", {**PROJECT, "状态": "?"})]
    plan = plan_import(engine, files)
    assert not plan.ok and plan.summaries == {}
    assert [str(e) for e in plan.errors] == [str(e) for e in import_files(engine, files).errors]


def test_progress_is_reported_up_to_the_total(engine):
    """The callback sees rows validated then written, ending with done == total."""
    services = [{**SERVICE, "记录编号": f"S{i:05d}"} for i in range(4500)]
    seen: list[tuple[int, int, str]] = []
    must_import(engine, COMMUNITIES, VOLUNTEERS, table_file("服务.csv", *services))
    import_files(
        engine,
        [table_file("服务2.csv", *[{**s, "记录编号": s["记录编号"] + "b"} for s in services])],
        progress=lambda *a: seen.append(a),
    )
    assert seen[-1] == (4500, 4500, "写入 志愿服务")
    assert any(message.startswith("校验") and total == 4500 for _, total, message in seen)
    assert all(0 <= done <= total for done, total, _ in seen)


def test_reading_a_big_workbook_reports_progress(engine):
    """A sheet of thousands of rows reports 读取 progress before validation starts."""
    headers = list(COMMUNITY)
    rows = [[f"街道{i % 7}", f"社区{i}", i, i // 3] for i in range(2500)]
    seen: list[tuple[int, int, str]] = []
    must_import(engine, xlsx_file("名录.xlsx", {"名录": [headers, *rows]}))
    plan_import(
        engine,
        [xlsx_file("名录.xlsx", {"名录": [headers, *rows]})],
        progress=lambda *a: seen.append(a),
    )
    assert (2000, 2501, "读取 名录.xlsx（工作表 名录）") in seen


# --------------------------------------------------------------------------- samples


def test_sample_files_import_cleanly(engine):
    """Every sample but the error example imports in one command."""
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*")) if "errors" not in p.name]
    result = must_import(engine, *files)
    assert set(result.summaries) == {
        "communities",
        "volunteers",
        "livelihood",
        "fiscal_monthly",
        "fiscal_targets",
        "census",
        "service_records",
    }


def test_sample_error_file_reports_its_four_bad_rows(engine):
    """livelihood_errors.csv has bad rows 3, 5, 6 and 8, each a different rule."""
    files = [
        (p.name, p.read_bytes())
        for p in (SAMPLES / "communities.csv", SAMPLES / "livelihood_errors.csv")
    ]
    result = import_files(engine, files)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "完成日期"),
        (5, "状态"),
        (6, "社区"),
        (8, "投资金额(万元)"),
    ]


# --------------------------------------------------------------------------- command line


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python manage.py ARGS`` on ``db_url``; output decoded as is (``\\r`` kept)."""
    env = {**os.environ, "DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def write(tmp_path: Path, file: tuple[str, bytes]) -> str:
    path = tmp_path / file[0]
    path.write_bytes(file[1])
    return str(path)


def test_cli_import_exits_0_with_a_summary_per_table(db_url, tmp_path):
    """Good files: exit 0 and 新增/更新/未变 per table on stdout."""
    done = run_cli(
        db_url,
        "import",
        write(tmp_path, COMMUNITIES),
        write(tmp_path, table_file("项目.csv", PROJECT)),
    )
    assert done.returncode == 0, done.stderr
    assert "社区名录：新增 2 行，更新 0 行，未变 0 行" in done.stdout
    assert "民生实事：新增 1 行，更新 0 行，未变 0 行" in done.stdout


def test_cli_import_exits_1_listing_every_error_and_writes_nothing(db_url, tmp_path):
    """Bad rows: exit 1, every error on stderr, and a later count shows nothing written."""
    bad = table_file(
        "项目.csv", {**PROJECT, "状态": "?"}, {**PROJECT, "项目编号": "P2", "年度": "x"}
    )
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES), write(tmp_path, bad))
    assert done.returncode == 1
    assert "文件 项目.csv，第 2 行，列「状态」" in done.stderr
    assert "文件 项目.csv，第 3 行，列「年度」" in done.stderr
    assert done.stdout == ""
    from storage.db import make_engine

    engine = make_engine(db_url)
    try:
        assert count(engine, Community) == 0
    finally:
        engine.dispose()


def test_cli_import_prints_warnings_and_still_succeeds(db_url, tmp_path):
    """A warning goes to stderr; the exit code stays 0."""
    over = table_file("普查.csv", {**CENSUS, "已登记户数": "9999"})
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES), write(tmp_path, over))
    assert done.returncode == 0
    assert "警告：文件 普查.csv，第 2 行，列「已登记户数」" in done.stderr


def test_cli_import_of_a_missing_file_exits_1(db_url, tmp_path):
    """A path that does not exist is named, and nothing is imported."""
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES), str(tmp_path / "没有.csv"))
    assert done.returncode == 1
    assert "找不到文件" in done.stderr


def test_cli_import_shows_progress_for_a_large_file(db_url, tmp_path):
    """From 2,000 rows a ``\\r`` progress line with rows and percent goes to stderr."""
    services = [{**SERVICE, "记录编号": f"S{i:05d}"} for i in range(2500)]
    done = run_cli(
        db_url,
        "import",
        write(tmp_path, COMMUNITIES),
        write(tmp_path, VOLUNTEERS),
        write(tmp_path, table_file("服务.csv", *services)),
    )
    assert done.returncode == 0, done.stderr
    assert "\r" in done.stderr and "2503/2503 行（100%）" in done.stderr


def test_cli_import_is_quiet_for_a_small_file_without_terminal(db_url, tmp_path):
    """Small imports into a pipe print no progress line."""
    done = run_cli(db_url, "import", write(tmp_path, COMMUNITIES))
    assert done.returncode == 0 and done.stderr == ""


def test_cli_init_db_is_safe_to_run_twice(db_url):
    """``init-db`` migrates an existing database again without error."""
    assert run_cli(db_url, "init-db").returncode == 0
    assert run_cli(db_url, "init-db").returncode == 0
