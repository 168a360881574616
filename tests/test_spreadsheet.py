"""Text from data is text in every spreadsheet the app writes (issue 10 §5, issue 9).

Names starting with ``= + - @`` imported as a subdistrict, community, 科目, project or file
name come back as string cells from every export: the weekly report (``manage.py report
--format xlsx`` and the /weekly button), the page downloads, the template round trip, the
error list and the audit log; CSV cells get OWASP's leading ``'``. A static check fails if any
module writes a spreadsheet without ``reporting.spreadsheet``.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import functools
import io
import math
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine

from administration import audit
from ingest import templates
from ingest.importer import ImportIssue, import_files, plan_import
from reporting import spreadsheet
from storage.db import make_engine
from ui import data_admin_model

REPO_ROOT = Path(__file__).resolve().parent.parent
SUB = '=HYPERLINK("http://evil.example","点我")'
PLUS, MINUS, AT = "+86社区", "-1社区", "@SUM(1)社区"
ITEM = "=1+2"
PROJECT = "@cmd|' /C calc'!A0"
CATEGORY = "-类别"
CAMPAIGN = "+普查任务"
ACTIVITY = "=活动类型"
HOSTILE = (SUB, PLUS, MINUS, AT, ITEM, PROJECT, CATEGORY, CAMPAIGN, ACTIVITY)
AS_OF = "2024-06-30"
RANGE = {"from": "2024-01-01", "to": AS_OF}


def csv_file(name: str, rows: list[list[object]]) -> tuple[str, bytes]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return name, buffer.getvalue().encode("utf-8")


FILES = [
    csv_file(
        "社区名录.csv",
        [
            ["街道", "社区", "常住人口", "户数"],
            [SUB, PLUS, 8000, 3000],
            [SUB, MINUS, 7000, 2500],
            [SUB, AT, 6000, 2000],
        ],
    ),
    csv_file(
        "民生实事.csv",
        [
            [
                "项目编号",
                "街道",
                "社区",
                "项目名称",
                "类别",
                "年度",
                "计划完成日期",
                "状态",
                "完成日期",
                "投资金额(万元)",
                "受益户数",
            ],
            ["=P1", SUB, PLUS, PROJECT, CATEGORY, 2024, "2024-06-01", "推进中", "", 12.5, 30],
            ["P2", SUB, MINUS, "-2+3", CATEGORY, 2024, "2024-05-01", "已完成", "2024-06-26", 8, 10],
        ],
    ),
    csv_file(
        "财政收入.csv",
        [
            ["街道", "月份", "科目", "当月金额(万元)"],
            *(
                [SUB, f"2024-{m:02d}", name, 100 + m]
                for m in range(1, 7)
                for name in (
                    "一般公共预算收入",
                    "税收收入",
                    ITEM,
                )
            ),
        ],
    ),
    csv_file(
        "财政目标.csv",
        [["街道", "年度", "科目", "年度目标(万元)"], [SUB, 2024, ITEM, 2000]],
    ),
    csv_file(
        "普查进度.csv",
        [
            ["任务名称", "街道", "社区", "日期", "应登记户数", "已登记户数", "已登记人数"],
            [CAMPAIGN, SUB, PLUS, "2024-06-28", 3000, 1200, 3100],
        ],
    ),
    csv_file(
        "志愿者.csv",
        [
            ["志愿者编号", "街道", "社区", "注册日期", "性别", "出生年份"],
            ["+V1", SUB, PLUS, "2023-05-01", "女", 1985],
            ["V2", SUB, AT, "2023-05-01", "男", 1990],
        ],
    ),
    csv_file(
        "志愿服务.csv",
        [
            [
                "记录编号",
                "志愿者编号",
                "活动名称",
                "活动类型",
                "服务日期",
                "服务时长(小时)",
                "街道",
                "社区",
            ],
            ["S1", "+V1", "@活动", ACTIVITY, "2024-06-27", 2.5, SUB, PLUS],
            ["S2", "V2", "-活动", ACTIVITY, "2024-06-26", 3, SUB, AT],
        ],
    ),
]


@pytest.fixture
def hostile(db_url: str) -> str:
    """A database whose names all start with a formula character."""
    engine = make_engine(db_url)
    result = import_files(engine, FILES, user="=admin")
    assert result.ok, [str(e) for e in result.errors]
    refused = [("=HYPERLINK(1).csv", b"x"), ("@a.csv", b"y")]
    audit.record_refused_import(engine, "=admin", refused, "-校验未通过")
    engine.dispose()
    return db_url


def text_cells(data: bytes) -> list[str]:
    """Every text in the workbook; fails on any formula cell (what the issue found)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value}"
                if isinstance(cell.value, str):
                    assert cell.data_type in ("s", "inlineStr"), cell.coordinate
                    found.append(cell.value)
    return found


def assert_shown(data: bytes, *expected: str) -> None:
    """The workbook has no formula and each ``expected`` text is inside some text cell."""
    texts = text_cells(data)
    for text in expected:
        assert any(text in cell for cell in texts), (text, texts[:40])


# --------------------------------------------------------------------------- the module


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(1)"])
def test_text_is_written_as_a_string_cell(text: str) -> None:
    """Text never becomes a formula, whichever way a sheet of the module is written to."""
    buffer = io.BytesIO()
    book = spreadsheet.new_workbook(buffer)
    sheet = book.add_worksheet("表")
    spreadsheet.write_cell(sheet, 0, 0, text)
    sheet.write(0, 1, text)  # even xlsxwriter's own write() of a module sheet
    sheet.write_row(0, 2, [text])
    book.close()
    row = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    # xlsx stores a carriage return as _x000D_ (Excel shows it as one; openpyxl does not decode)
    assert [(c.value.replace("_x000D_", "\r"), c.data_type) for c in row] == [(text, "s")] * 3


def test_numbers_and_dates_keep_their_types_and_formats() -> None:
    """Numbers stay numbers with their format, dates are dates; NaN and infinity are blank."""
    buffer = io.BytesIO()
    book = spreadsheet.new_workbook(buffer)
    sheet = book.add_worksheet("表")
    money = book.add_format({"num_format": "#,##0.00"})
    values = [-5, 1234.5, dt.date(2024, 6, 30), math.nan, math.inf, None, True]
    for col, value in enumerate(values):
        spreadsheet.write_cell(sheet, 0, col, value, money if col == 1 else None)
    book.close()
    row = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [(c.value, c.data_type) for c in row] == [
        (-5, "n"),
        (1234.5, "n"),
        (dt.datetime(2024, 6, 30), "d"),
        (None, "n"),
        (None, "n"),
        (None, "n"),
        ("是", "s"),
    ]
    assert row[1].number_format == "#,##0.00"
    assert row[2].number_format == spreadsheet.DATE_FORMAT


def test_a_formula_or_link_cannot_be_written_at_all() -> None:
    """The module's sheets refuse write_formula and write_url outright."""
    book = spreadsheet.new_workbook(io.BytesIO())
    sheet = book.add_worksheet("表")
    with pytest.raises(TypeError):
        sheet.write_formula(0, 0, "=1+2")
    with pytest.raises(TypeError):
        sheet.write_url(0, 0, "http://evil.example")
    book.close()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+86", "'+86"),
        ("-1社区", "'-1社区"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("花园路", "花园路"),
        ("a=b", "a=b"),
        (-5, "-5"),
        (2.5, "2.5"),
        (None, ""),
        (dt.date(2024, 6, 30), "2024-06-30"),
    ],
)
def test_csv_cells_follow_owasp(value, cell) -> None:
    """A text cell a spreadsheet would run gets a leading '; numbers stay numbers."""
    data = spreadsheet.csv_bytes(["列"], [[value]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["列"], [cell]]


# --------------------------------------------------------------------------- every export


def test_weekly_report_xlsx_from_the_command_line(hostile: str, tmp_path: Path) -> None:
    """``manage.py report --format xlsx``: title, places, 科目 and task as text cells."""
    output = tmp_path / "周报.xlsx"
    completed = subprocess.run(
        [sys.executable, "manage.py", "report", "--as-of", AS_OF, "--format", "xlsx"]
        + ["--output", str(output)],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": hostile},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert_shown(output.read_bytes(), SUB, PLUS, MINUS, AT, ITEM, CAMPAIGN)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What every download button of a page run would hand to the browser, by file name."""
    import streamlit as st
    from streamlit.elements.widgets.button import ButtonMixin

    captured: dict[str, bytes] = {}
    original = ButtonMixin.download_button

    def record(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        body = data() if callable(data) else data
        captured[str(kwargs.get("file_name") or label)] = body
        return original(self, label, body, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", record)
    monkeypatch.setattr(st, "download_button", functools.partial(record, st._main))
    return captured


def open_with(db_url: str, monkeypatch: pytest.MonkeyPatch, page: str, params: dict[str, str]):  # type: ignore[no-untyped-def]
    import streamlit as st
    from conftest import open_page

    from storage.db import get_engine

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DASHBOARD_DEMO_ON_EMPTY", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    get_engine.cache_clear()
    at = open_page(page, params)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("page", "params", "expected"),
    [
        ("livelihood", RANGE, (SUB, PLUS, PROJECT, CATEGORY, "=P1")),
        ("fiscal", RANGE, (SUB, ITEM)),
        ("volunteers", RANGE, (PLUS, AT)),
        ("weekly", {"as_of": AS_OF}, (SUB, PLUS, ITEM, CAMPAIGN)),
    ],
)
def test_page_downloads(hostile, monkeypatch, downloads, page, params, expected) -> None:
    """Each page's 下载 Excel holds the names as text cells, never formulas."""
    open_with(hostile, monkeypatch, page, params)
    workbooks = [body for name, body in downloads.items() if name.endswith(".xlsx")]
    assert workbooks, f"/{page} offered no Excel download"
    texts = [text for body in workbooks for text in text_cells(body)]
    for text in expected:
        assert any(text in cell for cell in texts), (text, texts[:40])


@pytest.mark.parametrize("key", [kind.key for kind in templates.TABLE_KINDS])
def test_template_round_trip(hostile: str, key: str) -> None:
    """「当前数据」 holds the names as text and imports back unchanged, name for name."""
    engine: Engine = make_engine(hostile)
    data = templates.table_xlsx(engine, key)
    text_cells(data)
    result = plan_import(engine, [(templates.file_name(templates.KIND_BY_KEY[key]), data)])
    engine.dispose()
    assert result.ok, [str(e) for e in result.errors]
    [summary] = result.summaries.values()
    assert (summary.new, summary.updated) == (0, 0) and summary.unchanged > 0


def test_audit_export(hostile: str) -> None:
    """The log's xlsx has text cells; its CSV starts such cells with '."""
    engine = make_engine(hostile)
    entries = audit.list_entries(engine)
    engine.dispose()
    assert_shown(audit.to_xlsx(entries), "=HYPERLINK(1).csv", "@a.csv", "=admin", "-校验未通过")
    rows = list(csv.reader(io.StringIO(audit.to_csv(entries).decode("utf-8-sig"), newline="")))
    cells = {cell for row in rows for cell in row}
    assert {"'=HYPERLINK(1).csv", "'@a.csv", "'=admin", "'-校验未通过"} <= cells
    assert not any(cell.startswith(spreadsheet.FORMULA_STARTS) for cell in cells)


def test_error_list_download() -> None:
    """The upload's error list: file, sheet, column and reason stay text."""
    issue = ImportIssue("=cmd.csv", "@表", 2, "+列", "-原因")
    assert_shown(data_admin_model.issues_xlsx([issue]), "=cmd.csv", "@表", "+列", "-原因")


def test_page_frames_keep_numbers_as_numbers() -> None:
    """A page table: text cells are strings, numbers are numbers."""
    frame = pd.DataFrame({"社区": ["=1+2", "-社区"], "时长": [1.5, -2.0]})
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.frames_xlsx({"表": frame})))
    cells = [[(c.value, c.data_type) for c in row] for row in book["表"].iter_rows()]
    assert cells == [
        [("社区", "s"), ("时长", "s")],
        [("=1+2", "s"), (1.5, "n")],
        [("-社区", "s"), (-2.0, "n")],
    ]


# --------------------------------------------------------------------------- no bypass

APP_CODE = (
    "figures",
    "storage",
    "ingest",
    "administration",
    "demo",
    "reporting",
    "ui",
    "views",
    "manage.py",
    "dashboard.py",
)
WRITER = "reporting/spreadsheet.py"
# Ways to put a value into a spreadsheet without the module.
FORBIDDEN_CALLS = {
    "to_excel",
    "to_csv",
    "ExcelWriter",
    "writer",  # csv.writer
    "DictWriter",
    "Workbook",  # xlsxwriter.Workbook / openpyxl.Workbook
    "write_string",
    "write_number",
    "write_datetime",
    "write_formula",
    "write_array_formula",
    "write_dynamic_array_formula",
    "write_url",
    "write_rich_string",
    "write_boolean",
    "write_row",
    "write_column",
}
FORBIDDEN_IMPORTS = {"xlsxwriter", "csv"}
READERS = {
    "ingest/importer.py",
    "ingest/parsing.py",
    "ingest/reader.py",
    "ingest/upload_safety.py",
}
# Modules whose ``to_csv`` / ``to_xlsx`` are built on ``reporting.spreadsheet``, and
# psycopg's COPY stream (``copy.write_row`` sends a row into the database, not into a file).
SAFE_RECEIVERS = {"audit", "spreadsheet", "copy"}


def bypasses(path: Path, relative: str) -> list[str]:
    """Where ``path`` writes a spreadsheet cell, a CSV row or a workbook by itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                top = name.split(".")[0]
                allowed = (top == "csv" and relative in READERS) or (
                    top == "xlsxwriter" and _only_types(node)
                )
                if top in FORBIDDEN_IMPORTS and not allowed:
                    found.append(f"{relative}:{node.lineno} import {name}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            receiver = func.value if isinstance(func, ast.Attribute) else None
            receiver_name = receiver.id if isinstance(receiver, ast.Name) else ""
            if receiver_name in SAFE_RECEIVERS:
                continue
            if name in FORBIDDEN_CALLS and not (name == "writer" and receiver_name != "csv"):
                found.append(f"{relative}:{node.lineno} {name}()")
            elif name == "write" and isinstance(receiver, ast.Name | ast.Attribute):
                target = ast.unparse(receiver).lower()
                if "sheet" in target or target in ("ws", "worksheet"):
                    found.append(f"{relative}:{node.lineno} {target}.write()")
    return found


def _only_types(node: ast.Import | ast.ImportFrom) -> bool:
    """``from xlsxwriter.workbook import Workbook`` for type hints is not a writer."""
    return isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
        ("xlsxwriter.workbook", "xlsxwriter.worksheet", "xlsxwriter.format")
    )


def app_files() -> list[tuple[Path, str]]:
    files = []
    for name in APP_CODE:
        path = REPO_ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            relative = file.relative_to(REPO_ROOT).as_posix()
            if relative != WRITER and "/migrations/" not in relative:
                files.append((file, relative))
    return files


def test_every_spreadsheet_is_written_by_the_one_module() -> None:
    """No module but ``reporting/spreadsheet.py`` writes xlsx cells or CSV rows."""
    found = [hit for path, relative in app_files() for hit in bypasses(path, relative)]
    assert found == []


def test_streamlits_own_table_export_is_switched_off() -> None:
    """Streamlit's built-in CSV download of a table does not guard against formulas."""
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["disableDataExport"] is True


@pytest.mark.parametrize(
    "source",
    [
        "import xlsxwriter\n",
        "import csv\nw = csv.writer(buf)\n",
        "frame.to_excel(writer)\n",
        "frame.to_csv(buf)\n",
        "sheet.write(0, 0, name)\n",
        "self.sheet.write_string(0, 0, name)\n",
        "book = openpyxl.Workbook()\n",
    ],
)
def test_the_bypass_check_finds_a_writer_of_its_own(tmp_path: Path, source: str) -> None:
    """The static check above would catch each way of writing a spreadsheet by hand."""
    path = tmp_path / "page.py"
    path.write_text(source, encoding="utf-8")
    assert bypasses(path, "ui/page.py")
