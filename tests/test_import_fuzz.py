"""Fuzzing the importer with CSV and xlsx input (issue 9), on a fixed, small budget.

Every example is a file of one of the seven templates (or a near miss: a header dropped or
added, bytes damaged) whose cells mix valid values with anything: control characters, huge or
non-finite numbers, formulas, serial dates, 示例 rows. Whatever the file, the importer must
return: a refusal with every table's row count unchanged, or an import that a second preview
finds fully applied (idempotent). An exception escaping ``import_files`` fails the test.
``derandomize=True`` makes CI runs repeatable; PostgreSQL gets a smaller share of the budget.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Engine, func, select
from test_import import ALL_TABLES, COMMUNITIES, VOLUNTEERS, must_import

from ingest.importer import import_files, plan_import
from ingest.parsing import TABLE_KINDS

EXAMPLES = {"sqlite": 150, "postgresql": 40}
FIXED_TIME = dt.datetime(2024, 1, 1)
VALID: dict[str, list[object]] = {
    "街道": ["城关街道"],
    "社区": ["东门社区", "西门社区", "北关社区"],
    "常住人口": ["8650", 100, "1,234"],
    "户数": ["3120", 12.0],
    "项目编号": ["P001", "P002", "ＴＯ-００１"],
    "项目名称": ["加装电梯", "道路<b>改造</b>"],
    "类别": ["加装电梯"],
    "年度": ["2024", 2024, "2024年"],
    "计划完成日期": ["2024-06-30", "2024/6/30", "2024年6月30日", 45473],
    "状态": ["推进中", "已完成", "未启动", "已取消"],
    "完成日期": ["", "2024-06-20"],
    "投资金额(万元)": ["1,120.5", "0", 45.5, ""],
    "受益户数": ["36", "", 24],
    "月份": ["2024-01", "2024年3月", "2024-12"],
    "科目": ["税收收入", "增值税"],
    "当月金额(万元)": ["120.5", 80],
    "年度目标(万元)": ["1500"],
    "任务名称": ["人口抽样调查"],
    "日期": ["2024-11-01"],
    "应登记户数": ["3000"],
    "已登记户数": ["1200", "3500"],
    "已登记人数": ["3100"],
    "志愿者编号": ["V001", "V002"],
    "注册日期": ["2023-05-01"],
    "性别": ["女", "男", "男性", ""],
    "出生年份": ["1985", ""],
    "记录编号": ["S001", "S002"],
    "活动名称": ["垃圾分类宣传"],
    "活动类型": ["环境保护"],
    "服务日期": ["2024-03-05"],
    "服务时长(小时)": ["2.5", "24", 8],
}
JUNK = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=4),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "1e308",
            "inf",
            "nan",
            "99999999999999999999",
            "3000000000",
            "2147483647",
            "=30+5",
            "示例：城关街道",
            "#REF!",
            "２０２４－０３",
            "2024-02-30",
            "\x00",
            "\x1b[2J",
            "ＴＯ-００１",
        ]
    ),
    st.integers(min_value=-(10**22), max_value=10**22),
    st.floats(allow_nan=True, allow_infinity=True),
)


def cell(header: str) -> st.SearchStrategy[object]:
    return st.one_of(st.sampled_from(VALID.get(header, [""])), JUNK)


@st.composite
def tables(draw: st.DrawFn) -> list[list[object]]:
    """A header of one template (shuffled, sometimes a column missing or extra) and rows."""
    kind = draw(st.sampled_from(TABLE_KINDS))
    headers = list(draw(st.permutations(kind.headers)))
    if draw(st.integers(0, 9)) == 0:
        headers.pop(draw(st.integers(0, len(headers) - 1)))
    if draw(st.integers(0, 9)) == 0:
        headers.append(draw(st.sampled_from(["备注", "", "社区"])))
    rows = draw(st.lists(st.tuples(*[cell(h) for h in headers]).map(list), min_size=0, max_size=6))
    return [headers, *rows]


def as_csv(rows: list[list[object]], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else str(v) for v in row] for row in rows]
    )
    return buffer.getvalue().encode(encoding, errors="replace")


def as_xlsx(rows: list[list[object]], date1904: bool) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A CSV (any accepted encoding and separator) or an xlsx, sometimes with damaged bytes."""
    rows = draw(tables())
    if draw(st.booleans()):
        delimiter = draw(st.sampled_from([",", ";", "\t"]))
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
        name, data = "fuzz.csv", as_csv(rows, delimiter, encoding)
    else:
        name, data = "fuzz.xlsx", as_xlsx(rows, draw(st.booleans()))
    if data and draw(st.integers(0, 7)) == 0:
        damaged = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            # a position drawn independently of the length: xlsx bytes carry the save time
            damaged[draw(st.integers(0, 2**24)) % len(damaged)] = draw(st.integers(0, 255))
        data = bytes(damaged)
    return name, data


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in ALL_TABLES
        }


def test_any_file_is_a_clean_refusal_or_a_complete_import(engine):
    """Never a traceback, never a partial write: refused → counts unchanged; ok → idempotent."""
    must_import(engine, COMMUNITIES, VOLUNTEERS)

    @settings(
        max_examples=EXAMPLES[engine.dialect.name],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(file=files())
    def check(file: tuple[str, bytes]) -> None:
        before = row_counts(engine)
        result = import_files(engine, [file])
        event("refused" if not result.ok else "imported")
        if not result.ok:
            assert result.errors and result.error_total >= len(result.errors)
            assert row_counts(engine) == before
            return
        again = plan_import(engine, [file])
        assert again.ok, [str(e) for e in again.errors]
        assert all(s.new == 0 and s.updated == 0 for s in again.summaries.values())

    check()
