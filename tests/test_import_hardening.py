"""Issue 9 (ingest) and issue 13 (data entry): every reproduction of a bad file, on both databases.

Each test is one reproduction from the issue: it crashed, wrote something wrong or exhausted the
machine before the defensive reader (``ingest.reader``) and the importer's checks; now it is a
clean Chinese error naming file, sheet, row and column, or a correct import. "Nothing written"
is always proved with a snapshot of every table.
"""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest
import raw_xlsx
from sqlalchemy import select
from test_import import (
    COMMUNITIES,
    COMMUNITY,
    PROJECT,
    SERVICE,
    VOLUNTEERS,
    csv_file,
    must_import,
    snapshot,
    table_file,
    xlsx_file,
)

from ingest import reader
from ingest.importer import MAX_LISTED_ERRORS, db_limit_problem, import_files, plan_import
from ingest.parsing import MAX_NUMBER
from ingest.upload_safety import upload_problem
from storage.models import FiscalMonthly, LivelihoodProject

HEADERS = list(PROJECT)
COMMUNITY_HEADERS = list(COMMUNITY)


def refused(engine, files, *, sheet=None, row=None, column=None, fragment=""):  # type: ignore[no-untyped-def]
    """Both the preview and the import refuse ``files`` with one error; nothing is written."""
    before = snapshot(engine)
    for run in (plan_import, import_files):
        result = run(engine, list(files))
        assert not result.ok
        located = [(e.sheet, e.row, e.column) for e in result.errors]
        assert located == [(sheet, row, column)], [str(e) for e in result.errors]
        assert fragment in result.errors[0].message, result.errors[0].message
    assert snapshot(engine) == before
    return result.errors[0]


def damaged_deflate(data: bytes, member: str) -> bytes:
    """``data`` with the middle of ``member``'s compressed stream overwritten (sizes kept)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    raw = bytearray(data)
    offset = info.header_offset
    start = offset + 30 + int.from_bytes(raw[offset + 26 : offset + 28], "little")
    start += int.from_bytes(raw[offset + 28 : offset + 30], "little")
    for i in range(start + 2, start + info.compress_size - 2):
        raw[i] = 0xFF
    return bytes(raw)


def rezipped(data: bytes, member: str, change) -> bytes:  # type: ignore[no-untyped-def]
    """``data`` with one member's content replaced by ``change(content)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            archive.writestr(info.filename, change(body) if info.filename == member else body)
    return buffer.getvalue()


def community_book(rows: int = 60) -> bytes:
    return xlsx_file(
        "社区.xlsx",
        {"名录": [COMMUNITY_HEADERS, *[["城关街道", f"社区{i}", 10, 5] for i in range(rows)]]},
    )[1]


def project_csv(name: str = "项目.csv", **changes: object) -> tuple[str, bytes]:
    return table_file(name, {**PROJECT, **changes})


# --------------------------------------------------------------------------- crashes


@pytest.mark.parametrize(
    ("change", "sheet", "fragment"),
    [
        ("deflate", None, "压缩数据已损坏"),
        ("sheet_xml", "名录", "内部 XML 结构已损坏"),
        ("workbook_xml", None, "内部 XML 结构已损坏"),
    ],
)
def test_a_corrupt_workbook_is_a_clear_error_naming_the_file(engine, change, sheet, fragment):
    """zlib.error and XML ParseError from a damaged .xlsx become one Chinese error, no traceback."""
    good = community_book()
    if change == "deflate":
        data = damaged_deflate(good, "xl/worksheets/sheet1.xml")
    elif change == "sheet_xml":
        data = rezipped(good, "xl/worksheets/sheet1.xml", lambda body: body[: len(body) // 2])
    else:
        data = rezipped(good, "xl/workbook.xml", lambda body: body[: len(body) // 2])
    error = refused(engine, [("坏.xlsx", data)], sheet=sheet, fragment=fragment)
    assert error.file == "坏.xlsx"


def test_the_upload_check_itself_survives_damaged_compressed_data():
    """The zip-bomb check unpacks every member: damaged deflate data is a refusal, not zlib.error."""
    data = damaged_deflate(community_book(), "xl/worksheets/sheet1.xml")
    assert "已损坏" in (upload_problem("坏.xlsx", data) or "")


def test_a_csv_cell_over_the_field_limit_is_an_error_at_its_row(engine):
    """``_csv.Error: field larger than field limit`` becomes an error at the record's row."""
    name, data = table_file("项目.csv", PROJECT, {**PROJECT, "项目名称": "长" * 140_000})
    refused(engine, [COMMUNITIES, (name, data)], row=3, fragment="单元格内容过长")


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "1e30", "3000000000", "2147483648", "9,999,999,999"]
)
def test_an_integer_beyond_the_column_range_is_refused_at_preview_on_both_databases(engine, value):
    """受益户数 over 2³¹−1 fails on PostgreSQL only: both databases refuse it before writing."""
    must_import(engine, COMMUNITIES)
    error = refused(
        engine,
        [project_csv(受益户数=value)],
        row=2,
        column="受益户数",
        fragment="数值过大",
    )
    assert "2,147,483,647" in error.message or f"{MAX_NUMBER:,}" in error.message


def test_the_largest_integer_both_databases_hold_is_imported(engine):
    """2³¹−1 is the edge: it is written and read back on SQLite and PostgreSQL."""
    must_import(engine, COMMUNITIES, project_csv(受益户数="2147483647"))
    with engine.connect() as conn:
        stored = conn.execute(select(LivelihoodProject.beneficiary_households)).scalar_one()
    assert stored == 2_147_483_647


def test_column_limits_come_from_the_sqlalchemy_types():
    """Integer: 32-bit (PostgreSQL); String(n): n characters; a NUL is never storable."""
    table = LivelihoodProject.__table__
    assert db_limit_problem(table.c.beneficiary_households.type, 2**31 - 1) is None
    assert "数值过大" in (db_limit_problem(table.c.beneficiary_households.type, 2**31) or "")
    assert "内容过长" in (db_limit_problem(table.c.code.type, "x" * 101) or "")
    assert "控制字符" in (db_limit_problem(table.c.name.type, "a\x00b") or "")


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x07", "\u202e"])
def test_a_control_character_in_a_text_cell_is_an_error(engine, control):
    """A NUL (PostgreSQL rejects it) or an ESC in 项目名称: an error naming the character."""
    must_import(engine, COMMUNITIES)
    error = refused(
        engine,
        [project_csv(项目名称=f"电梯{control}改造")],
        row=2,
        column="项目名称",
        fragment="控制字符",
    )
    assert control not in error.message


def test_a_nul_after_the_first_megabyte_of_a_csv_is_refused_by_the_upload_check():
    """The upload check read only the first 1 MiB; a NUL further on is now found."""
    name, data = table_file("项目.csv", *[{**PROJECT, "项目编号": f"P{i}"} for i in range(12000)])
    assert len(data) > 1024 * 1024
    data = data[:-10] + b"\x00" + data[-10:]
    assert "NUL" in (upload_problem(name, data) or "")


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "Infinity", "1e308", "1e13"])
def test_non_finite_and_absurd_amounts_are_refused(engine, value):
    """当月金额 must stay finite when summed: inf, nan and 1e308 are errors at their cell."""
    row = {"街道": "城关街道", "月份": "2024-01", "科目": "税收收入", "当月金额(万元)": value}
    refused(engine, [table_file("财政.csv", row)], row=2, column="当月金额(万元)")


def test_two_maximal_amounts_sum_to_a_finite_total(engine):
    """The largest accepted amount, twice, still sums to a finite number in the database."""
    rows = [
        {
            "街道": "城关街道",
            "月份": f"2024-0{m}",
            "科目": "税收收入",
            "当月金额(万元)": str(MAX_NUMBER),
        }
        for m in (1, 2)
    ]
    must_import(engine, table_file("财政.csv", *rows))
    from sqlalchemy import func

    with engine.connect() as conn:
        total = conn.execute(select(func.sum(FiscalMonthly.amount))).scalar_one()
    assert total == 2 * MAX_NUMBER


# --------------------------------------------------------------------------- silently wrong


def test_a_formula_without_a_computed_value_is_an_error_not_zero(engine):
    """``=30+5`` in 受益户数, never calculated by Excel: an error saying so, not a stored 0."""
    must_import(engine, COMMUNITIES)
    row = [PROJECT[h] for h in HEADERS]
    row[HEADERS.index("受益户数")] = ("f", "30+5")
    data = raw_xlsx.simple([HEADERS, row])
    error = refused(
        engine, [("项目.xlsx", data)], sheet="Sheet1", row=2, column="受益户数", fragment="公式"
    )
    assert "=30+5" in error.message and "数值" in error.message


def test_an_excel_error_cell_is_an_error_not_text(engine):
    """A ``#REF!`` cell in 项目名称 is not imported as the text "#REF!"."""
    must_import(engine, COMMUNITIES)
    row = [PROJECT[h] for h in HEADERS]
    row[HEADERS.index("项目名称")] = "#REF!"
    name, data = xlsx_file("项目.xlsx", {"Sheet1": [HEADERS, row]})
    refused(engine, [(name, data)], sheet="Sheet1", row=2, column="项目名称", fragment="#REF!")


def test_a_bare_serial_in_a_1904_workbook_uses_the_workbooks_epoch(engine):
    """44833 in a 1904-date-system workbook is 2026-09-30, not 2022-09-29."""
    must_import(engine, COMMUNITIES)
    row = [PROJECT[h] for h in HEADERS]
    row[HEADERS.index("计划完成日期")] = 44833
    row[HEADERS.index("年度")] = 2026
    must_import(engine, ("项目.xlsx", raw_xlsx.simple([HEADERS, row], date1904=True)))
    with engine.connect() as conn:
        planned = conn.execute(select(LivelihoodProject.planned_on)).scalar_one()
    assert planned.isoformat() == "2026-09-30"


def test_a_1900_workbook_keeps_its_epoch(engine):
    """The same serial in an ordinary workbook is still 2022-09-29."""
    must_import(engine, COMMUNITIES)
    row = [PROJECT[h] for h in HEADERS]
    row[HEADERS.index("计划完成日期")] = 44833
    must_import(engine, ("项目.xlsx", raw_xlsx.simple([HEADERS, row])))
    with engine.connect() as conn:
        planned = conn.execute(select(LivelihoodProject.planned_on)).scalar_one()
    assert planned.isoformat() == "2022-09-29"


def test_a_template_example_row_is_one_error_and_never_imported(engine):
    """The template's 示例： row left in: one error for the row, not one per cell."""
    from ingest.templates import EXAMPLE_PREFIX, EXAMPLES

    must_import(engine, COMMUNITIES)
    example = [EXAMPLE_PREFIX + EXAMPLES[h] for h in HEADERS]
    real = [PROJECT[h] for h in HEADERS]
    name, data = xlsx_file("项目.xlsx", {"民生实事": [HEADERS, example, real]})
    error = refused(engine, [(name, data)], sheet="民生实事", row=2)
    assert error.message == "第 2 行是模板示例行，请删除示例行"


def test_an_example_row_with_only_some_cells_marked_is_still_one_error(engine):
    """示例： left in only two cells of the row still marks the whole row."""
    must_import(engine, COMMUNITIES)
    row = {**PROJECT, "项目编号": "示例：MS2024-001", "项目名称": "示例：加装电梯"}
    refused(engine, [table_file("项目.csv", row)], row=2, fragment="模板示例行")


def test_full_width_letters_in_a_key_are_the_same_key(engine):
    """``ＴＯ-００１`` and ``TO-001`` are one project: the second import changes nothing."""
    must_import(engine, COMMUNITIES, project_csv(项目编号="ＴＯ-００１"))
    again = must_import(engine, project_csv(项目编号="TO-001"))
    assert (again.summaries["livelihood"].new, again.summaries["livelihood"].unchanged) == (0, 1)
    with engine.connect() as conn:
        assert conn.execute(select(LivelihoodProject.code)).scalars().all() == ["TO-001"]


def test_full_width_volunteer_codes_match_their_service_records(engine):
    """A service record typed ``Ｖ００１`` refers to volunteer V001."""
    must_import(
        engine,
        COMMUNITIES,
        VOLUNTEERS,
        table_file("服务.csv", {**SERVICE, "志愿者编号": "Ｖ００１"}),
    )


def test_hidden_notes_and_drop_down_sheets_do_not_fail_the_workbook(engine):
    """A hidden notes sheet and a one-column list sheet are skipped with a warning."""
    must_import(engine, COMMUNITIES)
    data_sheet = raw_xlsx.rows_xml([HEADERS, [PROJECT[h] for h in HEADERS]])
    notes = raw_xlsx.rows_xml([["填写说明", "第二列", "第三列"], ["日期用 YYYY-MM-DD", "", ""]])
    lists = raw_xlsx.rows_xml([["状态"], ["未启动"], ["推进中"], ["已完成"]])
    data = raw_xlsx.workbook(
        [
            ("民生实事", raw_xlsx.sheet_xml(data_sheet)),
            ("说明", raw_xlsx.sheet_xml(notes)),
            ("下拉", raw_xlsx.sheet_xml(lists)),
        ],
        hidden=["说明"],
    )
    result = must_import(engine, ("项目.xlsx", data))
    assert result.summaries["livelihood"].new == 1
    assert [(w.sheet, "已跳过" in w.message) for w in result.warnings] == [
        ("说明", True),
        ("下拉", True),
    ]


def test_a_visible_sheet_with_an_unknown_header_is_still_an_error(engine):
    """The skipping rule is narrow: a visible three-column sheet that is no template fails."""
    must_import(engine, COMMUNITIES)
    name, data = xlsx_file(
        "项目.xlsx",
        {
            "民生实事": [HEADERS, [PROJECT[h] for h in HEADERS]],
            "别的表": [["姓名", "电话", "住址"], ["张三", "123", "x"]],
        },
    )
    refused(engine, [(name, data)], sheet="别的表", row=1, fragment="无法识别表格类型")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_separated_csv_is_read(engine, delimiter):
    """Excel's ``;`` CSV (comma-decimal locales) and tab-separated text are sniffed and read."""
    rows = [COMMUNITY_HEADERS, ["城关街道", "东门社区", "8,650", "3120"]]
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    result = must_import(engine, ("社区.csv", text.encode("utf-8")))
    assert result.summaries["communities"].new == 1


def test_a_comma_csv_with_semicolons_in_cells_stays_comma_separated():
    """Sniffing picks the separator that yields template headers, not the most frequent one."""
    text = "街道,社区,常住人口,户数\r\n城关街道,东门社区;西门,1,2\r\n"
    assert reader.sniff_delimiter(text) == ","


# --------------------------------------------------------------------------- limits


def test_a_million_row_workbook_is_refused_in_seconds(sqlite_engine):
    """1,048,575 rows without a ``<dimension>``: refused before openpyxl builds any of them."""
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>P{n}</t></is></c><c r="K{n}"><v>-1</v></c></row>'
    body = raw_xlsx.rows_xml([HEADERS]) + "".join(row.format(n=n) for n in range(2, 1_048_577))
    data = raw_xlsx.workbook([("Sheet1", raw_xlsx.sheet_xml(body))])
    started = time.perf_counter()
    result = plan_import(sqlite_engine, [("大.xlsx", data)])
    elapsed = time.perf_counter() - started
    assert [e.message for e in result.errors] == [
        f"数据行数超过上限（每个文件最多 {reader.MAX_ROWS:,} 行）：请拆分成多个文件后分批导入"
    ]
    assert elapsed < 15, elapsed  # about 1 s; 18 minutes and 3 GB before


def test_a_workbook_whose_dimension_claims_too_many_rows_is_refused_before_reading(
    sqlite_engine, monkeypatch
):
    """The ``<dimension>`` of a sheet is checked before its first row is read."""
    monkeypatch.setattr(reader, "prescan_xlsx", lambda data: None)
    body = raw_xlsx.rows_xml([COMMUNITY_HEADERS, ["城关街道", "东门社区", 1, 2]])
    data = raw_xlsx.workbook([("Sheet1", raw_xlsx.sheet_xml(body, "A1:D1048576"))])
    result = plan_import(sqlite_engine, [("大.xlsx", data)])
    assert [(e.sheet, "超过上限" in e.message) for e in result.errors] == [("Sheet1", True)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_row_limit_holds_for_csv_and_xlsx(sqlite_engine, monkeypatch, kind):
    """Over ``MAX_ROWS`` data rows (configurable): one error, nothing else read."""
    monkeypatch.setattr(reader, "MAX_ROWS", 50)
    rows = [COMMUNITY_HEADERS, *[["城关街道", f"社区{i}", 1, 2] for i in range(51)]]
    file = csv_file("社区.csv", rows) if kind == "csv" else ("社区.xlsx", raw_xlsx.simple(rows))
    result = plan_import(sqlite_engine, [file])
    assert [e.message for e in result.errors] == [
        "数据行数超过上限（每个文件最多 50 行）：请拆分成多个文件后分批导入"
    ]
    monkeypatch.setattr(reader, "MAX_ROWS", 51)
    assert plan_import(sqlite_engine, [file]).ok


def test_the_row_limit_is_configurable_by_environment(monkeypatch):
    """``DASHBOARD_IMPORT_MAX_ROWS`` sets the limit; nonsense falls back to the default."""
    monkeypatch.setenv("DASHBOARD_IMPORT_MAX_ROWS", "1234")
    assert reader._env_int("DASHBOARD_IMPORT_MAX_ROWS", 200_000) == 1234
    monkeypatch.setenv("DASHBOARD_IMPORT_MAX_ROWS", "lots")
    assert reader._env_int("DASHBOARD_IMPORT_MAX_ROWS", 200_000) == 200_000


def test_errors_beyond_a_thousand_are_counted_not_listed(sqlite_engine):
    """1,500 bad rows × 2 errors: 1,000 listed in file order, all 3,000 counted."""
    rows = [{**COMMUNITY, "社区": f"社区{i}", "常住人口": "x", "户数": "-1"} for i in range(1500)]
    result = plan_import(sqlite_engine, [table_file("社区.csv", *rows)])
    assert len(result.errors) == MAX_LISTED_ERRORS
    assert result.error_total == 3000 and result.errors_not_listed == 2000
    assert [e.row for e in result.errors[:4]] == [2, 2, 3, 3]


def test_a_padded_workbook_that_passes_the_upload_check_previews_quickly(sqlite_engine):
    """Many rows padded with incompressible text to pass the ratio check: refused fast."""
    import random

    noise = random.Random(9)
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{t}</t></is></c></row>'
    body = "".join(
        row.format(n=n, t="".join(noise.choices("ABCDEFGH", k=12))) for n in range(1, 400_001)
    )
    data = raw_xlsx.workbook([("Sheet1", raw_xlsx.sheet_xml(body))])
    assert upload_problem("填充.xlsx", data) is None
    started = time.perf_counter()
    result = plan_import(sqlite_engine, [("填充.xlsx", data)])
    assert not result.ok and "超过上限" in result.errors[0].message
    assert time.perf_counter() - started < 15


# --------------------------------------------------------------------------- one pass


def test_every_check_runs_on_every_row_in_one_pass(engine):
    """A row with a format error is still checked for its community, its rule and its rights."""
    from ingest.importer import import_files as run

    must_import(engine, COMMUNITIES)
    bad = {
        **PROJECT,
        "项目编号": "P9",
        "社区": "北关社区",  # not in the register
        "年度": "二〇二四",  # a format error in another column
        "状态": "已完成",  # without 完成日期
    }
    before = snapshot(engine)
    result = run(
        engine,
        [table_file("项目.csv", PROJECT, bad)],
        allowed_communities={("城关街道", "东门社区")},
    )
    found = [(e.row, e.column, e.message) for e in result.errors]
    assert [(row, column) for row, column, _ in found] == [
        (3, "年度"),
        (3, "完成日期"),
        (3, "社区"),
        (3, "社区"),
    ], found
    messages = " | ".join(message for _, _, message in found)
    for fragment in ("「二〇二四」不是有效的年份", "状态为已完成时必须填写完成日期"):
        assert fragment in messages
    assert "无权写入该社区" in messages and "不在社区名录中" in messages
    assert snapshot(engine) == before


def test_a_duplicate_of_a_row_with_errors_is_still_named(engine):
    """Two rows with one key: named as a duplicate even when the second has another error."""
    must_import(engine, COMMUNITIES)
    result = import_files(engine, [table_file("项目.csv", PROJECT, {**PROJECT, "受益户数": "x"})])
    assert sorted((e.row, e.column) for e in result.errors) == [(3, "受益户数"), (3, "项目编号")]


def test_the_preview_lists_the_rows_to_be_written_with_old_and_new_values(engine):
    """New rows and changed rows (旧 → 新) appear in the preview; unchanged rows do not."""
    must_import(
        engine, COMMUNITIES, project_csv(项目编号="P1"), project_csv("b.csv", 项目编号="P2")
    )
    changed = {**PROJECT, "项目编号": "P1", "状态": "已完成", "完成日期": "2024-06-01"}
    same = {**PROJECT, "项目编号": "P2"}
    new = {**PROJECT, "项目编号": "P3"}
    result = plan_import(engine, [table_file("项目.csv", changed, same, new)])
    summary = result.summaries["livelihood"]
    assert (summary.new, summary.updated, summary.unchanged) == (1, 1, 1)
    by_code = {row["项目编号"]: row for row in summary.preview}
    assert set(by_code) == {"P1", "P3"}
    assert by_code["P1"]["变化"] == "更新" and by_code["P3"]["变化"] == "新增"
    assert by_code["P1"]["状态"] == "推进中 → 已完成"
    assert by_code["P1"]["完成日期"] == " → 2024-06-01"
    assert by_code["P1"]["项目名称"] == PROJECT["项目名称"]
    assert by_code["P3"]["投资金额(万元)"] == "1,120.5"


def test_the_preview_shows_at_most_twenty_rows_per_table(sqlite_engine):
    """A big import previews its first rows, not all of them."""
    rows = [{**COMMUNITY, "社区": f"社区{i}"} for i in range(30)]
    summary = plan_import(sqlite_engine, [table_file("社区.csv", *rows)]).summaries["communities"]
    assert summary.new == 30 and len(summary.preview) == 20


# --------------------------------------------------------------------------- anything else


def test_a_workbook_that_is_not_a_zip_under_an_xlsx_name_is_an_error(engine):
    """A CSV renamed to .xlsx is one clear error, as before."""
    refused(engine, [("x.xlsx", b"a,b\r\n1,2\r\n")], fragment="无法读取 Excel 文件")


def test_an_openpyxl_written_workbook_with_formulas_that_have_values_imports(engine):
    """A formula Excel did calculate (a cached value) is read as its value."""
    must_import(engine, COMMUNITIES)
    row = [PROJECT[h] for h in HEADERS]
    row[HEADERS.index("受益户数")] = 35
    xml = raw_xlsx.rows_xml([HEADERS, row]).replace(
        '<c r="K2"><v>35</v></c>', '<c r="K2"><f>30+5</f><v>35</v></c>'
    )
    must_import(engine, ("项目.xlsx", raw_xlsx.workbook([("Sheet1", raw_xlsx.sheet_xml(xml))])))
    with engine.connect() as conn:
        assert conn.execute(select(LivelihoodProject.beneficiary_households)).scalar_one() == 35


def test_openpyxl_reads_the_raw_workbooks_as_excel_would():
    """The hand-written workbooks of these tests are valid for openpyxl too."""
    data = raw_xlsx.simple([["a", 1]], date1904=True)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.epoch.year == 1904
    assert [list(r) for r in workbook.active.iter_rows(values_only=True)] == [["a", 1]]


def test_a_zip_bomb_given_to_the_importer_directly_is_refused(sqlite_engine, monkeypatch):
    """The command line has no upload check: the reader itself bounds the unpacked size."""
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 1024 * 1024)
    data = rezipped(community_book(), "xl/theme/theme1.xml", lambda body: b" " * (2 * 1024 * 1024))
    result = plan_import(sqlite_engine, [("炸弹.xlsx", data)])
    assert [("疑似压缩炸弹" in e.message) for e in result.errors] == [True]


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    """``manage.py import`` does not read a file beyond ``DASHBOARD_IMPORT_MAX_FILE_MB``."""
    import manage

    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "大.csv"
    path.write_bytes(b"x" * (1024 * 1024 + 1))
    files, problems = manage.read_import_files([str(path)])
    assert files == [] and problems == [f"文件过大（上限 1 MB，请拆分后分批导入）：{path}"]


def test_every_written_column_is_range_checked_or_internal():
    """A new template column must name its table column (``Column.db``) to get its limit."""
    from ingest.importer import SPECS

    internal = {"id", "batch_id", "community_id", "volunteer_id"}
    checked_by_parser = {("fiscal_monthly", "year"), ("fiscal_monthly", "month")}  # parse_month
    for spec in SPECS:
        names = [column.name for column in spec.table.columns]
        mapped = {column.db for column in spec.columns if column.db in names}
        typos = {c.db for c in spec.columns if c.db and c.db not in mapped and c.header != "街道"}
        assert not typos, (spec.kind.key, typos)  # only 街道 is shared by tables without it
        for name in names:
            if name in internal or name in mapped:
                continue
            if spec.kind.key == "communities" and name == "name":
                continue  # 社区: the same 100-character text parser as the column
            assert (spec.table.name, name) in checked_by_parser, (spec.kind.key, name)
