"""Import of the staff's Excel/CSV files (contract §1): read, validate everything, upsert.

The flow of one command or upload:

1. read every file through the one defensive reader (``ingest.reader``: every sheet of an
   ``.xlsx``; a ``.csv`` in UTF-8 or GBK, any separator), within its row and cell limits;
2. recognise each sheet's template from its header and parse every cell (``ingest.parsing``),
   then check it against its table column's type on both databases (``limit_check``);
3. check what needs the whole import or the database: duplicate keys, unknown communities and
   volunteers, the editor's allowed communities, on every row (a row with a bad cell too);
4. only when no row of no file is wrong, upsert in one transaction, tables in dependency order
   (communities, volunteers, then the rest), one ``ImportBatch`` per file, and bring the
   志愿服务 rollups (``storage.rollups``) up to date for the days and volunteers touched.

Every problem is collected, never only the first, so that staff can fix a file in one go
(past ``MAX_LISTED_ERRORS`` they are counted, not listed). Existing keys are looked up in
chunks and rows are written with ``executemany``: an import of 100,000 rows is a few hundred
statements, not hundreds of thousands.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import itertools
import json
import math
import operator
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    Engine,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    any_,
    bindparam,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.types import TypeEngine

from figures.scope import CommunityKey
from ingest.parsing import (
    EXAMPLE_MARK,
    KIND_BY_KEY,
    ParseError,
    TableKind,
    is_blank,
    normalize_header,
    parse_code,
    parse_date,
    parse_gender,
    parse_hours,
    parse_int,
    parse_month,
    parse_number,
    parse_status,
    parse_text,
    parse_year,
    recognise_table,
    visible,
)
from ingest.reader import (
    EPOCH_1900,
    PROGRESS_EVERY,
    FileProblem,
    RowsRead,
    Sheet,
    UnreadableCell,
    damage,
    read_file,
)
from storage import bulk, rollups
from storage.db import write_transaction
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

Progress = Callable[[int, int, str], None]

LOOKUP_CHUNK = bulk.PARAMETER_CHUNK  # keys per ``IN (...)``
# Codes per lookup of one column (``_one_of``): one array parameter on PostgreSQL, on SQLite
# under its 32,766 variables; 100,000 records are then 10 statements, not 200.
CODE_CHUNK = 10_000
WRITE_CHUNK = 5000  # rows per executemany, so that progress moves during a big write
MAX_LISTED_ERRORS = 1000  # errors listed in detail; the rest are only counted
PREVIEW_ROWS = 20  # rows of each table shown in the preview
IMPORT_CACHE_KIB = 512 * 1024  # SQLite page cache while importing (``_large_page_cache``)
ANALYZE_AFTER = 1000  # new rows after which PostgreSQL's statistics are refreshed
# ... unless they are less than this share of the rows the statistics describe already
# (autovacuum's own default threshold: it re-analyzes the table itself past 10 % changed).
ANALYZE_SHARE = 0.1


# --------------------------------------------------------------------------- public results


@dataclass
class ImportIssue:
    """One problem, located as Excel shows it: file, sheet, row (header = 1) and column."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        parts = [f"文件 {self.file}"]
        if self.sheet is not None:
            parts.append(f"工作表 {self.sheet}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return "，".join(parts) + "：" + self.message


@dataclass
class TableSummary:
    """What an import does (or did) to one table."""

    table_label: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    # The first rows to be written, as the preview shows them: 变化 (新增/更新) and one entry
    # per template column; a changed cell reads ``旧值 → 新值``.
    preview: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    """``ok`` is False when any error was found; then nothing was written."""

    ok: bool
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    summaries: dict[str, TableSummary] = field(default_factory=dict)
    error_total: int = -1  # every error found; ``errors`` lists the first MAX_LISTED_ERRORS

    def __post_init__(self) -> None:
        if self.error_total < 0:
            self.error_total = len(self.errors)

    @property
    def errors_not_listed(self) -> int:
        """Errors counted but not listed in detail (``另有 N 处错误未列出``)."""
        return self.error_total - len(self.errors)


# --------------------------------------------------------------------------- table specs


@dataclass(frozen=True)
class Column:
    """How one header's cells are read into one record field."""

    header: str
    field: str
    parse: Callable[[Any], Any]
    required: bool = True
    default: Any = None
    db: str | None = None  # the table column the value is written to (range-checked)


@dataclass(frozen=True)
class Ids:
    """Database ids known so far; ``None`` stands for a row not written yet (a preview)."""

    communities: dict[CommunityKey, int | None]
    volunteers: dict[str, int | None]

    def community(self, values: dict[str, Any]) -> int | None:
        return self.communities.get((values["subdistrict"], values["community"]))


@dataclass(frozen=True)
class TableSpec:
    """A template bound to its table: columns, keys and how a record becomes a table row."""

    kind: TableKind
    table: Table
    columns: tuple[Column, ...]
    import_key: tuple[str, ...]  # record fields that must be unique within one import
    db_key: tuple[str, ...]  # table columns of the natural key
    db_values: tuple[str, ...]  # the other written columns, compared for "unchanged"
    to_row: Callable[[dict[str, Any], Ids], dict[str, Any]]
    has_community: bool = True


# The text parsers below, with (maximum length, whether their fast path needs ASCII): what
# ``_texts`` checks for a whole column at once.
_TEXT_PARSERS: weakref.WeakKeyDictionary[Callable[[Any], str], tuple[int, bool]] = (
    weakref.WeakKeyDictionary()
)


def _text(max_length: int) -> Callable[[Any], str]:
    """A text parser with a fast path for the common case: a short, printable ``str``."""

    def parse(value: Any) -> str:
        if value.__class__ is str:
            text = value.strip()
            if len(text) <= max_length and text.isprintable():
                return text
        return parse_text(value, max_length)

    _TEXT_PARSERS[parse] = (max_length, False)
    return parse


def _code(max_length: int) -> Callable[[Any], str]:
    """A key typed by people: full-width letters and digits read as ASCII (NFKC)."""

    def parse(value: Any) -> str:
        if value.__class__ is str and value.isascii():
            text = value.strip()
            if len(text) <= max_length and text.isprintable():
                return text
        return parse_code(value, max_length)

    _TEXT_PARSERS[parse] = (max_length, True)
    return parse


SUBDISTRICT = Column("街道", "subdistrict", _text(100), db="subdistrict")
COMMUNITY = Column("社区", "community", _text(100))


def _community_row(v: dict[str, Any], _ids: Ids) -> dict[str, Any]:
    return {
        "subdistrict": v["subdistrict"],
        "name": v["community"],
        "population": v["population"],
        "households": v["households"],
    }


def _livelihood_row(v: dict[str, Any], ids: Ids) -> dict[str, Any]:
    return {
        "code": v["code"],
        "community_id": ids.community(v),
        "name": v["name"],
        "category": v["category"],
        "year": v["year"],
        "planned_on": v["planned_on"],
        "status": v["status"],
        "completed_on": v["completed_on"],
        "investment": v["investment"],
        "beneficiary_households": v["beneficiary_households"],
    }


def _fiscal_monthly_row(v: dict[str, Any], _ids: Ids) -> dict[str, Any]:
    year, month = v["month"]
    return {
        "subdistrict": v["subdistrict"],
        "year": year,
        "month": month,
        "item": v["item"],
        "amount": v["amount"],
    }


def _fiscal_target_row(v: dict[str, Any], _ids: Ids) -> dict[str, Any]:
    return {
        "subdistrict": v["subdistrict"],
        "year": v["year"],
        "item": v["item"],
        "target": v["target"],
    }


def _census_row(v: dict[str, Any], ids: Ids) -> dict[str, Any]:
    return {
        "campaign": v["campaign"],
        "community_id": ids.community(v),
        "day": v["day"],
        "expected_households": v["expected"],
        "registered_households": v["registered_households"],
        "registered_persons": v["registered_persons"],
    }


def _volunteer_row(v: dict[str, Any], ids: Ids) -> dict[str, Any]:
    return {
        "code": v["code"],
        "community_id": ids.community(v),
        "registered_on": v["registered_on"],
        "gender": v["gender"],
        "birth_year": v["birth_year"],
    }


def _service_row(v: dict[str, Any], ids: Ids) -> dict[str, Any]:
    return {
        "code": v["code"],
        "volunteer_id": ids.volunteers.get(v["volunteer_code"]),
        "activity_name": v["activity_name"],
        "activity_type": v["activity_type"],
        "service_date": v["service_date"],
        "hours": v["hours"],
        "community_id": ids.communities.get((v["subdistrict"], v["community"])),  # 10⁵ rows
    }


def _birth_year(value: Any) -> int:
    return parse_year(value, low=1900, high=dt.date.today().year)


# In dependency order: the order in which tables are written.
SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        KIND_BY_KEY["communities"],
        Community.__table__,
        (
            SUBDISTRICT,
            COMMUNITY,
            Column("常住人口", "population", parse_int, db="population"),
            Column("户数", "households", parse_int, db="households"),
        ),
        import_key=("subdistrict", "community"),
        db_key=("subdistrict", "name"),
        db_values=("population", "households"),
        to_row=_community_row,
    ),
    TableSpec(
        KIND_BY_KEY["volunteers"],
        Volunteer.__table__,
        (
            Column("志愿者编号", "code", _code(100), db="code"),
            SUBDISTRICT,
            COMMUNITY,
            Column("注册日期", "registered_on", parse_date, db="registered_on"),
            Column("性别", "gender", parse_gender, required=False, db="gender"),
            Column("出生年份", "birth_year", _birth_year, required=False, db="birth_year"),
        ),
        import_key=("code",),
        db_key=("code",),
        db_values=("community_id", "registered_on", "gender", "birth_year"),
        to_row=_volunteer_row,
    ),
    TableSpec(
        KIND_BY_KEY["livelihood"],
        LivelihoodProject.__table__,
        (
            Column("项目编号", "code", _code(100), db="code"),
            SUBDISTRICT,
            COMMUNITY,
            Column("项目名称", "name", _text(300), db="name"),
            Column("类别", "category", _text(100), db="category"),
            Column("年度", "year", parse_year, db="year"),
            Column("计划完成日期", "planned_on", parse_date, db="planned_on"),
            Column("状态", "status", parse_status, db="status"),
            Column("完成日期", "completed_on", parse_date, required=False, db="completed_on"),
            Column(
                "投资金额(万元)",
                "investment",
                parse_number,
                required=False,
                default=0.0,
                db="investment",
            ),
            Column(
                "受益户数",
                "beneficiary_households",
                parse_int,
                required=False,
                default=0,
                db="beneficiary_households",
            ),
        ),
        import_key=("code",),
        db_key=("code",),
        db_values=(
            "community_id",
            "name",
            "category",
            "year",
            "planned_on",
            "status",
            "completed_on",
            "investment",
            "beneficiary_households",
        ),
        to_row=_livelihood_row,
    ),
    TableSpec(
        KIND_BY_KEY["fiscal_monthly"],
        FiscalMonthly.__table__,
        (
            SUBDISTRICT,
            Column("月份", "month", parse_month),
            Column("科目", "item", _text(100), db="item"),
            Column("当月金额(万元)", "amount", parse_number, db="amount"),
        ),
        import_key=("subdistrict", "month", "item"),
        db_key=("subdistrict", "year", "month", "item"),
        db_values=("amount",),
        to_row=_fiscal_monthly_row,
        has_community=False,
    ),
    TableSpec(
        KIND_BY_KEY["fiscal_targets"],
        FiscalTarget.__table__,
        (
            SUBDISTRICT,
            Column("年度", "year", parse_year, db="year"),
            Column("科目", "item", _text(100), db="item"),
            Column("年度目标(万元)", "target", parse_number, db="target"),
        ),
        import_key=("subdistrict", "year", "item"),
        db_key=("subdistrict", "year", "item"),
        db_values=("target",),
        to_row=_fiscal_target_row,
        has_community=False,
    ),
    TableSpec(
        KIND_BY_KEY["census"],
        CensusProgress.__table__,
        (
            Column("任务名称", "campaign", _text(200), db="campaign"),
            SUBDISTRICT,
            COMMUNITY,
            Column("日期", "day", parse_date, db="day"),
            Column("应登记户数", "expected", parse_int, db="expected_households"),
            Column("已登记户数", "registered_households", parse_int, db="registered_households"),
            Column("已登记人数", "registered_persons", parse_int, db="registered_persons"),
        ),
        import_key=("campaign", "subdistrict", "community", "day"),
        db_key=("campaign", "community_id", "day"),
        db_values=("expected_households", "registered_households", "registered_persons"),
        to_row=_census_row,
    ),
    TableSpec(
        KIND_BY_KEY["service_records"],
        ServiceRecord.__table__,
        (
            Column("记录编号", "code", _code(100), db="code"),
            Column("志愿者编号", "volunteer_code", _code(100)),
            Column("活动名称", "activity_name", _text(300), db="activity_name"),
            Column("活动类型", "activity_type", _text(100), db="activity_type"),
            Column("服务日期", "service_date", parse_date, db="service_date"),
            Column("服务时长(小时)", "hours", parse_hours, db="hours"),
            SUBDISTRICT,
            COMMUNITY,
        ),
        import_key=("code",),
        db_key=("code",),
        db_values=(
            "volunteer_id",
            "activity_name",
            "activity_type",
            "service_date",
            "hours",
            "community_id",
        ),
        to_row=_service_row,
    ),
)
SPEC_BY_KEY: dict[str, TableSpec] = {spec.kind.key: spec for spec in SPECS}


_UNREAD = object()  # a field whose cell could not be read (absent from a row's values)
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "livelihood": ("status", "completed_on"),
    "census": ("registered_households", "expected"),
}


def row_rules(kind_key: str, values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rules across the cells of one row: ``(column, message, level)`` for each breach."""
    issues: list[tuple[str, str, str]] = []
    if any(values.get(name, _UNREAD) is _UNREAD for name in RULE_FIELDS.get(kind_key, ())):
        return issues  # a cell the rule needs could not be read: its own error says why
    if kind_key == "livelihood":
        if values["status"] == "已完成" and values["completed_on"] is None:
            issues.append(("完成日期", "状态为已完成时必须填写完成日期", "error"))
        elif values["status"] != "已完成" and values["completed_on"] is not None:
            issues.append(
                (
                    "完成日期",
                    f"状态为{values['status']}时完成日期必须为空（只有已完成的项目才有完成日期）",
                    "error",
                )
            )
    elif kind_key == "census" and values["registered_households"] > values["expected"]:
        issues.append(
            (
                "已登记户数",
                f"已登记户数（{values['registered_households']}）大于应登记户数（{values['expected']}），请核实",
                "warning",
            )
        )
    return issues


# --------------------------------------------------------------------------- reading files


@dataclass(slots=True)
class Record:
    """One data row, parsed, with where it came from.

    ``complete`` is False for a row with an error in some cell: it is still checked against
    the rest of the import and the database (its community, its volunteer, its key) so that a
    single pass names every problem of every row, but it is never written.
    """

    file_index: int
    sheet: str | None
    row: int
    values: dict[str, Any]
    complete: bool = True


def _read_file(
    file_index: int, name: str, data: bytes, report: RowsRead | None = None
) -> list[Sheet]:
    """Every non-empty sheet of one file; ``ParseError``/``FileProblem`` if it cannot be read."""
    suffix = PurePath(name).suffix.lower()
    if suffix in (".xls", ".et", ".wps"):
        raise ParseError(f"不支持 {suffix} 格式：请在 Excel/WPS 中“另存为” .xlsx 或 .csv 后再导入")
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ParseError(f"不支持的文件类型「{suffix or '无扩展名'}」：只能导入 .xlsx 或 .csv 文件")
    sheets = read_file(file_index, suffix, data, report)
    if not sheets:
        raise ParseError("文件中没有任何数据")
    return sheets


# --------------------------------------------------------------------------- validation


@dataclass
class _Validation:
    """Everything learnt while validating, reused by the write (or the preview)."""

    names: list[str]
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    error_total: int = 0
    records: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    rows_per_file: list[int] = field(default_factory=list)
    community_ids: dict[CommunityKey, int | None] = field(default_factory=dict)
    volunteer_ids: dict[str, int | None] = field(default_factory=dict)
    sheet_order: dict[tuple[int, str | None], int] = field(default_factory=dict)
    positions: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # by id(issue)

    def issue(
        self,
        file_index: int,
        sheet: str | None,
        row: int | None,
        column: str | None,
        message: str,
        level: str = "error",
    ) -> None:
        """Record a problem; past ``MAX_LISTED_ERRORS`` of a level it is only counted."""
        if level != "warning":
            self.error_total += 1
        listed = self.warnings if level == "warning" else self.errors
        if len(listed) >= MAX_LISTED_ERRORS:
            return
        found = ImportIssue(self.names[file_index], sheet, row, column, message, level)  # type: ignore[arg-type]
        sheet_position = self.sheet_order.get((file_index, sheet), -1)
        self.positions[id(found)] = (file_index, sheet_position, row or 0)
        listed.append(found)

    def issue_at(self, record: Record, column: str | None, message: str) -> None:
        self.issue(record.file_index, record.sheet, record.row, column, message)

    def in_file_order(self, issues: list[ImportIssue]) -> list[ImportIssue]:
        """Issues by file, sheet and row, as a person reads through the files."""
        return sorted(issues, key=lambda issue: self.positions[id(issue)])

    def result(self, summaries: dict[str, TableSummary]) -> ImportResult:
        errors = self.in_file_order(self.errors)
        return ImportResult(
            not self.error_total,
            errors,
            self.in_file_order(self.warnings),
            summaries,
            self.error_total,
        )


def _column_name(index: int) -> str:
    """Excel's letter for a 0-based column index (for columns that have no header)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"第 {letters} 列"


# Integer limits that hold on both databases: PostgreSQL's INTEGER is 32-bit (SQLite's 64).
_INTEGER_LIMITS: tuple[tuple[type[TypeEngine[Any]], int], ...] = (
    (SmallInteger, 2**15 - 1),
    (BigInteger, 2**63 - 1),
    (Integer, 2**31 - 1),
)


LimitCheck = Callable[[Any], "str | None"]


def _integer_check(limit: int) -> LimitCheck:
    def check(value: Any) -> str | None:
        if value.__class__ is int and not -limit - 1 <= value <= limit:
            return f"数值过大（当前为 {value:,}，该列最大 {limit:,}）"
        return None

    return check


def _float_check(value: Any) -> str | None:
    if value.__class__ is float and not math.isfinite(value):
        return "不是有效的数字"
    return None


# The string checks below by their column's length (``None``: unlimited), for ``_texts``.
_STRING_CHECKS: weakref.WeakKeyDictionary[LimitCheck, int | None] = weakref.WeakKeyDictionary()


def _string_check(length: int | None) -> LimitCheck:
    def check(value: Any) -> str | None:
        if value.__class__ is not str:
            return None
        if length is not None and len(value) > length:
            return f"内容过长（{len(value)} 个字符，最多 {length} 个）"
        if "\x00" in value:
            return "含有不可见的控制字符（\\x00），请删除后重新填写"
        return None

    _STRING_CHECKS[check] = length
    return check


def limit_check(column_type: TypeEngine[Any]) -> LimitCheck | None:
    """The range check of a column type on SQLite *and* PostgreSQL (``None``: nothing to check).

    Derived from the SQLAlchemy column type so that a schema change moves the limit with it:
    a value that only one database would reject must be refused before anything is written.
    """
    if isinstance(column_type, Integer):
        return _integer_check(
            next(top for kind, top in _INTEGER_LIMITS if isinstance(column_type, kind))
        )
    if isinstance(column_type, Float):
        return _float_check
    if isinstance(column_type, String):
        return _string_check(column_type.length)
    return None


def db_limit_problem(column_type: TypeEngine[Any], value: Any) -> str | None:
    """Why ``value`` does not fit a column of ``column_type`` on both databases, or ``None``."""
    check = limit_check(column_type)
    return None if check is None or value is None else check(value)


def _column_check(spec: TableSpec, column: Column) -> LimitCheck | None:
    """The limit check of the table column a template column is written to."""
    if column.db is None or column.db not in spec.table.c:
        return None
    return limit_check(spec.table.c[column.db].type)


_DATE_PARSERS = (parse_date, parse_month)
_EXAMPLE_STARTS = ("示例：", "示例:")


def _is_example_row(cells: Sequence[object]) -> bool:
    """A template example row left in: a cell starting with 示例：, or a first cell 示例…"""
    try:
        text = "\x1f".join(cells)  # type: ignore[arg-type]  # a CSV row: all text, one C call
    except TypeError:
        text = "\x1f".join(cell for cell in cells if cell.__class__ is str)  # type: ignore[misc]
    if EXAMPLE_MARK not in text:
        return False
    first = next((cell for cell in cells if not is_blank(cell)), None)
    if isinstance(first, str) and first.strip().startswith(EXAMPLE_MARK):
        return True
    return any(
        isinstance(cell, str) and cell.lstrip().startswith(_EXAMPLE_STARTS) for cell in cells
    )


def _from_serial(raw: Any, sheet: Sheet) -> Any:
    """A bare serial number in a date column, read against the workbook's own epoch (1904)."""
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(raw, sheet.epoch)
    except (ValueError, OverflowError):
        raise ParseError(f"「{raw:g}」不是有效的日期") from None


def _parse_cell(column: Column, raw: Any, sheet: Sheet, check: LimitCheck | None) -> Any:
    """One cell through its column's parser, then checked against its database column."""
    if raw.__class__ is UnreadableCell:
        raise ParseError(str(raw))
    if (
        sheet.epoch != EPOCH_1900
        and column.parse in _DATE_PARSERS
        and isinstance(raw, (int, float))
        and not isinstance(raw, bool)
    ):
        raw = _from_serial(raw, sheet)
    value = column.parse(raw)
    if check is not None:
        problem = check(value)
        if problem:
            raise ParseError(problem)
    return value


def _identity_fields(spec: TableSpec) -> tuple[str, ...]:
    """Fields a row must have read to be checked against the import and the database."""
    community = ("subdistrict", "community") if spec.has_community else ("subdistrict",)
    return (*spec.import_key, *community)


class _Refused:
    """A cell's problem, kept in the per-column cache like a parsed value."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _read_cell(column: Column, raw: Any, sheet: Sheet, limit: LimitCheck | None) -> Any:
    """The parsed value of one cell, its column's default, or ``_Refused`` saying why not."""
    if raw is None or (raw.__class__ is str and not raw.strip()):
        return _Refused("必须填写") if column.required else column.default
    try:
        return _parse_cell(column, raw, sheet, limit)
    except ParseError as exc:
        return _Refused(str(exc))


_Positions = list[tuple[Column, int, "LimitCheck | None", dict[Any, Any]]]


def _parse_sheet(sheet: Sheet, check: _Validation, report: Callable[[int], None]) -> None:
    """Parse every row of a recognised sheet, collecting every cell problem of every row.

    A row with a bad cell is kept as an incomplete ``Record`` (without the unreadable fields)
    when its key and community could be read, so that the checks across rows and against the
    database also run on it: one upload names every problem, not one kind per attempt.

    First column by column (``_parse_columns``): the usual sheet, every cell fine, costs a few
    calls per column instead of several per cell. The first cell it cannot vouch for sends the
    whole sheet through the row-by-row reading (``_parse_rows``), which alone words problems.
    """
    kind = recognise_table(sheet.headers)
    if kind is None:
        return
    spec = SPEC_BY_KEY[kind.key]
    headers = [normalize_header(h) for h in sheet.headers]
    positions: _Positions = [
        (column, headers.index(column.header), _column_check(spec, column), {})
        for column in spec.columns
    ]
    parsed = _parse_columns(sheet, headers, positions)
    if parsed is None:
        _parse_rows(sheet, check, spec, headers, positions, report)
        return
    records = check.records[kind.key]
    where = (sheet.file_index, sheet.sheet)
    has_rules = kind.key in RULE_FIELDS
    for (number, _cells), values in zip(sheet.rows, parsed, strict=True):
        # A row's only problems here are its rules', worded as ``_parse_rows`` words them.
        ok = not has_rules or _rules_pass(check, where, number, kind.key, values)
        records.append(Record(sheet.file_index, sheet.sheet, number, values, complete=ok))
    for _ in range(len(sheet.rows) // PROGRESS_EVERY):
        report(PROGRESS_EVERY)
    report(len(sheet.rows) % PROGRESS_EVERY)


def _rules_pass(
    check: _Validation,
    where: tuple[int, str | None],
    number: int,
    kind_key: str,
    values: dict[str, Any],
) -> bool:
    """Word every cross-field rule ``values`` breaks (errors and warnings) on row ``number``;
    whether none of them is an error."""
    passed = True
    for column_header, message, level in row_rules(kind_key, values):
        check.issue(*where, number, column_header, message, level)
        passed = passed and level != "error"
    return passed


def _parse_columns(
    sheet: Sheet, headers: list[str], positions: _Positions
) -> list[dict[str, Any]] | None:
    """Each row's values, read a column at a time; ``None`` unless every cell of every row is
    read without a problem (then ``_parse_rows`` names the problems).

    The values are exactly those of ``_parse_rows``: each distinct cell goes through the same
    ``_read_cell`` (a parser depends on nothing else), or a text column through ``_texts``: its
    parser's own fast path for the whole column at once (keys are distinct on every row).
    """
    rows = [cells for _, cells in sheet.rows]
    if not rows:
        return []
    if min(map(len, rows)) == max(map(len, rows)):
        table = list(zip(*rows, strict=True))
    else:  # trailing empty cells an .xlsx row leaves out, as ``_parse_rows`` reads them
        table = list(itertools.zip_longest(*rows))
    unnamed = [i for i, header in enumerate(headers) if not header]
    if any(not all(map(is_blank, table[i])) for i in unnamed if i < len(table)) or any(
        not all(map(is_blank, cells)) for cells in table[len(headers) :]
    ):
        return None  # a filled cell without a header
    if any(_mentions_example(cells) for cells in table):
        return None  # perhaps a template example row
    fields, columns = [], []
    for column, position, limit, _seen in positions:
        raws = table[position] if position < len(table) else (None,) * len(rows)
        values = _column_values(column, raws, sheet, limit)
        if values is None:
            return None
        fields.append(column.field)
        columns.append(values)
    return [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)]


def _mentions_example(cells: Sequence[object]) -> bool:
    """Whether any text cell holds 示例 (``_is_example_row`` decides only from that)."""
    try:
        text = "\x1f".join(cells)  # type: ignore[arg-type]
    except TypeError:
        text = "\x1f".join(cell for cell in cells if cell.__class__ is str)  # type: ignore[misc]
    return EXAMPLE_MARK in text


_NONE_OR_TEXT = frozenset((str, type(None)))
# Besides text and empty cells, one kind of value per column shares the distinct values: the
# numbers ``2`` and ``2.0`` are one key, and every parser reads them alike (openpyxl gives a
# whole number as ``int``). ``True == 1`` too, but 是 as text: a mix is read cell by cell.
_NUMBERS = frozenset((int, float))


def _column_values(
    column: Column, raws: Sequence[Any], sheet: Sheet, limit: LimitCheck | None
) -> list[Any] | None:
    """One column's parsed values (``_read_cell`` of each cell), ``None`` if any is refused."""
    texts = _texts(column, raws, limit)
    if texts is not None:
        return texts
    classes = set(map(type, raws)) - _NONE_OR_TEXT
    mixed = len(classes - _NUMBERS) + bool(classes & _NUMBERS) > 1  # True == 1
    distinct = None if mixed else _distinct(raws)
    if distinct is None:  # cell by cell
        values = [_read_cell(column, raw, sheet, limit) for raw in raws]
        return None if any(value.__class__ is _Refused for value in values) else values
    read = {raw: _read_cell(column, raw, sheet, limit) for raw in distinct}
    if any(value.__class__ is _Refused for value in read.values()):
        return None
    return list(map(read.__getitem__, raws))


def _distinct(raws: Sequence[Any]) -> set[Any] | None:
    """The distinct cells of a column, ``None`` if one cannot be a set member."""
    try:
        return set(raws)
    except TypeError:
        return None


def _texts(column: Column, raws: Sequence[Any], limit: LimitCheck | None) -> list[str] | None:
    """A text column read whole when its parser's fast path takes every cell, else ``None``.

    The conditions are that fast path's (``_text``, ``_code``) for every cell: text, ASCII
    where it needs it, not blank once stripped, within the length and printable (so no NUL),
    and within its table column's length.
    """
    if column.parse not in _TEXT_PARSERS or (limit is not None and limit not in _STRING_CHECKS):
        return None
    max_length, ascii_only = _TEXT_PARSERS[column.parse]
    try:
        joined = "".join(raws)
    except TypeError:
        return None  # a number, a date or an empty cell
    if ascii_only and not joined.isascii():
        return None
    texts = list(map(str.strip, raws))
    if not all(texts):
        return None  # blank: 必须填写 or the column's default
    longest = max(map(len, texts))
    db_length = _STRING_CHECKS[limit] if limit is not None else None
    if longest > max_length or (db_length is not None and longest > db_length):
        return None
    return texts if "".join(texts).isprintable() else None


def _parse_rows(
    sheet: Sheet,
    check: _Validation,
    spec: TableSpec,
    headers: list[str],
    positions: _Positions,
    report: Callable[[int], None],
) -> None:
    """``_parse_sheet`` row by row, naming every problem of every cell.

    A text cell is parsed once per distinct text and column (a parser depends on nothing
    else): an import repeats the same few hundred days, communities and activities.
    """
    kind = spec.kind
    unnamed = [i for i, h in enumerate(headers) if not h]
    width = len(headers)
    identity = _identity_fields(spec)
    has_rules = kind.key in RULE_FIELDS
    unique = spec.import_key[0] if len(spec.import_key) == 1 else None  # never repeats
    records = check.records[kind.key]
    where = (sheet.file_index, sheet.sheet)
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            report(PROGRESS_EVERY)
        if _is_example_row(cells):
            check.issue(*where, number, None, f"第 {number} 行是模板示例行，请删除示例行")
            continue
        values: dict[str, Any] = {}
        ok = True
        for column, position, limit, seen in positions:
            raw = cells[position] if position < len(cells) else None
            if raw.__class__ is str and column.field != unique:
                value = seen.get(raw, _UNREAD)
                if value is _UNREAD:
                    value = seen[raw] = _read_cell(column, raw, sheet, limit)
            else:
                value = _read_cell(column, raw, sheet, limit)
            if value.__class__ is _Refused:
                check.issue(*where, number, column.header, value.message)
                ok = False
            else:
                values[column.field] = value
        if unnamed or len(cells) > width:
            for i in [*unnamed, *range(width, len(cells))]:
                if i < len(cells) and not is_blank(cells[i]):
                    check.issue(*where, number, _column_name(i), "此列没有表头，但填了内容")
                    ok = False
        if has_rules:
            ok = _rules_pass(check, where, number, kind.key, values) and ok
        if ok or all(name in values for name in identity):
            records.append(Record(sheet.file_index, sheet.sheet, number, values, complete=ok))
    report(len(sheet.rows) % PROGRESS_EVERY)


def _where(record: Record, names: list[str], same_file: int) -> str:
    parts = [] if record.file_index == same_file else [f"文件 {names[record.file_index]}"]
    if record.sheet is not None:
        parts.append(f"工作表 {record.sheet}")
    parts.append(f"第 {record.row} 行")
    return "，".join(parts)


def _check_duplicates(check: _Validation) -> None:
    """A natural key may appear once per import: a second row would silently win."""
    for key, records in check.records.items():
        spec = SPEC_BY_KEY[key]
        natural_of = _values_getter(spec.import_key)
        if len({natural_of(record.values) for record in records}) == len(records):
            continue  # the usual import: every key once
        first_seen: dict[tuple[Any, ...], Record] = {}
        kept = []
        for record in records:
            natural = natural_of(record.values)
            first = first_seen.setdefault(natural, record)
            if first is record:
                kept.append(record)
                continue
            shown = "、".join(
                f"{h}={_key_text(v)}" for h, v in zip(spec.kind.natural_key, natural, strict=True)
            )
            check.issue_at(
                record,
                spec.kind.natural_key[0],
                f"与{_where(first, check.names, record.file_index)}重复（{shown}）：同一条记录只能出现一次",
            )
        records[:] = kept


def _values_getter(names: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """``lambda values: tuple(values[name] for name in names)``, made by ``itemgetter``."""
    if len(names) == 1:
        name = names[0]
        return lambda values: (values[name],)
    return operator.itemgetter(*names)


def _key_text(value: Any) -> str:
    if isinstance(value, tuple):  # a parsed month
        return f"{value[0]}-{value[1]:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _one_of(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``: one parameter, so the
    statement's text is the same for every chunk (an ``IN`` of 10,000 parameters would be
    rendered and parsed anew each time)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _lookup_community_ids(
    conn: Connection, keys: Iterable[CommunityKey]
) -> dict[CommunityKey, int]:
    table = Community.__table__
    wanted = sorted(set(keys))
    found: dict[CommunityKey, int] = {}
    for chunk in bulk.chunks(wanted, LOOKUP_CHUNK):
        query = select(table.c.subdistrict, table.c.name, table.c.id).where(
            tuple_(table.c.subdistrict, table.c.name).in_(chunk)
        )
        found.update({(s, n): i for s, n, i in conn.execute(query)})
    return found


def _lookup_volunteer_ids(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    table = Volunteer.__table__
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for chunk in bulk.chunks(wanted, CODE_CHUNK):
        query = select(table.c.code, table.c.id).where(_one_of(conn, table.c.code, chunk))
        found.update({code: id_ for code, id_ in conn.execute(query)})
    return found


# Tables whose natural key is one code column and whose rows belong to a community: an
# existing key may belong to another community than the row that reuses it.
OWNED_BY_CODE = ("volunteers", "livelihood", "service_records")


def _existing_owners(conn: Connection, key: str, codes: Iterable[str]) -> dict[str, CommunityKey]:
    """``code → (街道, 社区)`` of the rows of table ``key`` already stored under these codes."""
    table = SPEC_BY_KEY[key].table
    community = Community.__table__
    wanted = sorted(set(codes))
    found: dict[str, CommunityKey] = {}
    for chunk in bulk.chunks(wanted, CODE_CHUNK):
        query = (
            select(table.c.code, community.c.subdistrict, community.c.name)
            .join(community, community.c.id == table.c.community_id)
            .where(_one_of(conn, table.c.code, chunk))
        )
        found.update({code: (s, n) for code, s, n in conn.execute(query)})
    return found


def _check_permissions(conn: Connection, check: _Validation, allowed: set[CommunityKey]) -> None:
    """An editor may only write the communities given to them (and no subdistrict figures).

    Both ends of a write are checked: the community written on the row, and the community
    that owns the key in the database. Otherwise reusing another community's 项目编号 with
    one's own community on the row would "update" that project into one's own community.
    (Census rows carry their community in the key, so the first check covers them.)
    """
    for key, records in check.records.items():
        spec = SPEC_BY_KEY[key]
        owners = (
            _existing_owners(conn, key, [r.values["code"] for r in records])
            if key in OWNED_BY_CODE
            else {}
        )
        for record in records:
            if not spec.has_community:
                check.issue_at(record, "街道", "无权写入街道级财政数据（需要管理员权限）")
            elif (record.values["subdistrict"], record.values["community"]) not in allowed:
                check.issue_at(record, "社区", "无权写入该社区的数据")
            elif (owner := owners.get(record.values.get("code", ""))) and owner not in allowed:
                header = spec.kind.natural_key[0]
                check.issue_at(
                    record,
                    header,
                    f"{header} {record.values['code']} 属于其他社区（{owner[0]}/{owner[1]}），无权修改",
                )
    _check_volunteers_served(conn, check, allowed)


def _check_volunteers_served(
    conn: Connection, check: _Validation, allowed: set[CommunityKey]
) -> None:
    """An editor's 志愿服务 rows may only name volunteers of the editor's communities.

    A record counts where it was served (its own 社区, checked above), but it is also the
    named volunteer's service: their hours, their first service of the year, their own page,
    all of which belong to the community they are registered in. The volunteer's community is
    the one of this same import's 志愿者 row when there is one (that row is checked itself),
    otherwise the stored one; an unknown 志愿者编号 is reported by ``_check_references``.
    """
    services = [r for r in check.records["service_records"] if "volunteer_code" in r.values]
    if not services:
        return
    registered = {r.values["code"]: _community_of(r) for r in check.records["volunteers"]}
    wanted = {r.values["volunteer_code"] for r in services} - registered.keys()
    registered.update(_existing_owners(conn, "volunteers", wanted))
    for record in services:
        if _community_of(record) not in allowed:
            continue  # already refused for its own 社区
        code = record.values["volunteer_code"]
        home = registered.get(code)
        if home is not None and home not in allowed:
            check.issue_at(
                record,
                "志愿者编号",
                f"志愿者 {code} 注册在其他社区（{home[0]}/{home[1]}），无权为其录入服务记录",
            )


def _community_of(record: Record) -> CommunityKey:
    return record.values["subdistrict"], record.values["community"]


def _check_references(conn: Connection, check: _Validation) -> None:
    """Communities and volunteers must exist, in the database or in this same import."""
    imported = {_community_of(r) for r in check.records["communities"]}
    referring = [
        record
        for key, records in check.records.items()
        if SPEC_BY_KEY[key].has_community and key != "communities"
        for record in records
    ]
    in_db = _lookup_community_ids(conn, {_community_of(r) for r in referring} | imported)
    check.community_ids.update(in_db)
    for record in referring:
        key = _community_of(record)
        if key not in in_db and key not in imported:
            check.issue_at(
                record,
                "社区",
                f"社区「{key[0]}/{key[1]}」不在社区名录中（数据库和本次导入中都没有）",
            )

    imported_codes = {r.values["code"] for r in check.records["volunteers"]}
    services = [r for r in check.records["service_records"] if "volunteer_code" in r.values]
    in_db_codes = _lookup_volunteer_ids(
        conn, {r.values["volunteer_code"] for r in services} | imported_codes
    )
    check.volunteer_ids.update(in_db_codes)
    for record in services:
        code = record.values["volunteer_code"]
        if code not in in_db_codes and code not in imported_codes:
            check.issue_at(
                record,
                "志愿者编号",
                f"志愿者编号「{code}」不存在（数据库和本次导入的志愿者表中都没有）",
            )


class _Ticker:
    """Reports ``(done, total, message)`` to the optional progress callback."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.total = 0

    def start(self, total: int) -> None:
        self.done, self.total = 0, total

    def advance(self, rows: int, message: str) -> None:
        self.done = min(self.done + rows, self.total)
        if rows:
            self.show(self.done, self.total, message)

    def show(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)


def _read_one(
    index: int, name: str, data: bytes, check: _Validation, ticker: _Ticker
) -> list[Sheet]:
    """The sheets of one file; whatever stops it being read becomes that file's error."""

    def report(done: int, total: int, title: str) -> None:
        ticker.show(done, total, f"读取 {name}（工作表 {title}）")

    try:
        return _read_file(index, name, data, report)
    except FileProblem as exc:
        check.issue(index, exc.sheet, exc.row, None, str(exc))
    except ParseError as exc:
        check.issue(index, None, None, None, str(exc))
    except Exception as exc:  # noqa: BLE001 - a damaged file must never become a traceback
        check.issue(index, None, None, None, f"文件已损坏，无法读取（{damage(exc)}）")
    return []


def _read_all(
    files: Sequence[tuple[str, bytes]], check: _Validation, ticker: _Ticker
) -> list[Sheet]:
    """Every sheet of every file; an unreadable file becomes an error, the others go on."""
    sheets: list[Sheet] = []
    for index, (name, data) in enumerate(files):
        file_sheets = _read_one(index, name, data, check, ticker)
        check.rows_per_file.append(sum(len(sheet.rows) for sheet in file_sheets))
        for sheet in file_sheets:
            check.sheet_order[(index, sheet.sheet)] = len(check.sheet_order)
        sheets.extend(file_sheets)
    return sheets


LIST_SHEET_COLUMNS = 2  # a visible sheet this narrow whose header is no template: a list


def _recognised(sheets: list[Sheet], check: _Validation) -> list[tuple[Sheet, TableKind]]:
    """Each sheet with its template; a header problem is an error unless the sheet is skipped.

    The skipping rule (docs/data_admin.md): a worksheet whose header is not a complete template
    is skipped, with a warning naming it, when it is hidden or has at most two filled header
    cells (a notes sheet or a drop-down list) and the same workbook has at least one other sheet
    that is a template. CSV files and every other sheet keep the header error.
    """
    found: list[tuple[Sheet, TableKind]] = []
    problems: list[tuple[Sheet, str]] = []
    for sheet in sheets:
        try:
            kind = recognise_table(sheet.headers)
        except ParseError as exc:
            problems.append((sheet, str(exc)))
            continue
        if kind is not None:
            found.append((sheet, kind))
    good_files = {sheet.file_index for sheet, _ in found}
    for sheet, message in problems:
        skippable = sheet.sheet is not None and (
            sheet.hidden or sheet.column_count <= LIST_SHEET_COLUMNS
        )
        if skippable and sheet.file_index in good_files:
            what = "隐藏的工作表" if sheet.hidden else "说明或下拉列表工作表"
            check.issue(
                sheet.file_index,
                sheet.sheet,
                None,
                None,
                f"已跳过{what}（表头不是导入模板，未导入其中任何内容）",
                "warning",
            )
        else:
            check.issue(sheet.file_index, sheet.sheet, sheet.header_row, None, message)
    return found


def _validate(
    conn: Connection,
    files: Sequence[tuple[str, bytes]],
    allowed: set[CommunityKey] | None,
    ticker: _Ticker,
) -> _Validation:
    """Read, parse and check everything; the result holds every error of every file."""
    check = _Validation(names=[name for name, _ in files])
    sheets = _read_all(files, check, ticker)
    ticker.start(sum(len(sheet.rows) for sheet in sheets))
    for sheet, _kind in _recognised(sheets, check):
        message = f"校验 {check.names[sheet.file_index]}"
        _parse_sheet(sheet, check, lambda rows, message=message: ticker.advance(rows, message))
    _check_duplicates(check)
    if allowed is not None:
        _check_permissions(conn, check, allowed)
    _check_references(conn, check)
    return check


# --------------------------------------------------------------------------- upsert


def _fetch_existing(
    conn: Connection, spec: TableSpec, keys: Iterable[tuple[Any, ...]]
) -> dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]]:
    """``natural key → (id, compared values)`` of the rows already there, chunk by chunk."""
    table = spec.table
    key_columns = [table.c[name] for name in spec.db_key]
    value_columns = [table.c[name] for name in spec.db_values]
    wanted = list({key for key in keys if None not in key})
    found: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
    width = len(key_columns)
    for chunk in bulk.chunks(wanted, CODE_CHUNK if width == 1 else LOOKUP_CHUNK):
        if width == 1:
            condition = _one_of(conn, key_columns[0], [key[0] for key in chunk])
        else:
            condition = tuple_(*key_columns).in_(chunk)
        query = select(table.c.id, *key_columns, *value_columns).where(condition)
        for row in conn.execute(query):
            found[tuple(row[1 : 1 + width])] = (row[0], tuple(row[1 + width :]))
    return found


@dataclass
class _Diff:
    """The table rows of one import sorted into new, changed (with their id) and unchanged."""

    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    preview: list[dict[str, str]] = field(default_factory=list)


def _diff(
    conn: Connection,
    spec: TableSpec,
    records: list[Record],
    ids: Ids,
    per_file: list[dict[str, TableSummary]],
) -> _Diff:
    """Compare each record with its stored row: identical rows are left alone entirely."""
    to_row = spec.to_row
    rows = [to_row(record.values, ids) for record in records]
    keys = list(map(_values_getter(spec.db_key), rows))
    existing = _fetch_existing(conn, spec, keys)
    stored_values_of = _values_getter(spec.db_values)
    diff = _Diff()
    label = spec.kind.label
    summaries: dict[int, TableSummary] = {}  # by file: only files that hold this table
    for record, row, key in zip(records, rows, keys, strict=True):
        counts = summaries.get(record.file_index)
        if counts is None:
            counts = per_file[record.file_index].setdefault(spec.kind.key, TableSummary(label))
            summaries[record.file_index] = counts
        row["batch_id"] = record.file_index  # replaced by the batch id when written
        stored = existing.get(key)
        if stored is None:
            diff.new.append(row)
            counts.new += 1
            if len(diff.preview) < PREVIEW_ROWS:
                diff.preview.append(_preview_row(spec, record, row, None))
        elif stored[1] == stored_values_of(row):
            diff.unchanged += 1
            counts.unchanged += 1
        else:
            row["b_id"] = stored[0]
            diff.changed.append(row)
            counts.updated += 1
            if len(diff.preview) < PREVIEW_ROWS:
                diff.preview.append(_preview_row(spec, record, row, stored[1]))
    return diff


def _shown_value(value: Any) -> str:
    """A parsed value as the preview prints it (months as ``2024-03``, no ``None``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
        )
    return visible(_key_text(value))


def _preview_row(
    spec: TableSpec, record: Record, row: dict[str, Any], stored: tuple[Any, ...] | None
) -> dict[str, str]:
    """One row of the preview table: 变化 and each template column; changes as ``旧 → 新``."""
    shown = {"变化": "新增" if stored is None else "更新"}
    for column in spec.columns:
        text = _shown_value(record.values.get(column.field))
        if stored is not None and column.db in spec.db_values:
            old = stored[spec.db_values.index(column.db)]
            if old != row[column.db]:
                text = f"{_shown_value(old)} → {text}"
        shown[column.header] = text
    return shown


def _write(
    conn: Connection, spec: TableSpec, diff: _Diff, batch_ids: list[int], ticker: _Ticker
) -> None:
    """Bulk insert the new rows and bulk update the changed ones (``executemany``)."""
    message = f"写入 {spec.kind.label}"
    for rows in (diff.new, diff.changed):
        for row in rows:
            row["batch_id"] = batch_ids[row["batch_id"]]
    is_service = spec.table is ServiceRecord.__table__
    if is_service:  # the rollups must also forget where changed records were before
        touched = rollups.service_keys_of_ids(conn, [row["b_id"] for row in diff.changed])
    is_volunteer = spec.table is Volunteer.__table__
    if is_volunteer:  # the registration rollups too: the communities volunteers move from
        moved_from = rollups.volunteer_communities_of_ids(conn, [r["b_id"] for r in diff.changed])
    columns = list(diff.new[0]) if diff.new else []
    if is_service:  # by day: two of the record table's indexes then grow in order
        diff.new.sort(key=_by_day_and_community)
    for chunk in bulk.chunks(diff.new, WRITE_CHUNK):
        bulk.insert_rows(conn, spec.table, columns, [tuple(row.values()) for row in chunk])
        ticker.advance(len(chunk), message)
    statement = update(spec.table).where(spec.table.c.id == bindparam("b_id"))
    for chunk in bulk.chunks(diff.changed, WRITE_CHUNK):
        conn.execute(statement, list(chunk))
        ticker.advance(len(chunk), message)
    ticker.advance(diff.unchanged, message)
    if is_service:
        touched.extend(
            (row["service_date"], row["community_id"], row["volunteer_id"]) for row in diff.changed
        )
        added = [
            (
                row["service_date"],
                row["community_id"],
                row["volunteer_id"],
                row["activity_type"],
                row["activity_name"],
                row["hours"],
            )
            for row in diff.new
        ]
        rollups.refresh_service(conn, touched, added)
    if is_volunteer:
        written_to = {row["community_id"] for rows in (diff.new, diff.changed) for row in rows}
        rollups.refresh_registrations(conn, moved_from | written_to)
    rollups.refresh_figures(conn, spec.table.name, [*diff.new, *diff.changed])
    if len(diff.new) >= ANALYZE_AFTER and conn.dialect.name == "postgresql":
        described = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
            {"name": conn.dialect.identifier_preparer.format_table(spec.table)},
        ).scalar()
        if statistics_stale(described, len(diff.new)):
            _refresh_statistics(conn, spec.table)


def _by_day_and_community(row: dict[str, Any]) -> tuple[dt.date, int]:
    return row["service_date"], row["community_id"]


def statistics_stale(described_rows: float | None, new_rows: int) -> bool:
    """Whether ``new_rows`` just written make PostgreSQL's statistics of the table misleading:
    when they describe no rows (``reltuples`` is -1 before the first ANALYZE) or fewer than
    ``new_rows / ANALYZE_SHARE``. ANALYZE samples the whole table: at city scale (ten million
    records) about a second per import that would change no plan."""
    if described_rows is None or described_rows <= 0:
        return True
    return new_rows >= ANALYZE_SHARE * described_rows


def _refresh_statistics(conn: Connection, table: Table) -> None:
    """Tell PostgreSQL's planner how big the table now is.

    Right after a big first import its statistics still describe an empty table, so the next
    import's key lookups would be planned as full scans (80 s instead of 2 s for 100,000 rows).
    """
    conn.execute(text(f"ANALYZE {conn.dialect.identifier_preparer.format_table(table)}"))


def _apply(
    conn: Connection, check: _Validation, batch_ids: list[int] | None, ticker: _Ticker
) -> tuple[dict[str, TableSummary], list[dict[str, TableSummary]]]:
    """Diff every table in dependency order and, given batch ids, write it.

    Without ``batch_ids`` nothing is written (a preview): rows of communities or volunteers
    that are new in this import then have no id, which compares as "different", exactly as
    the write would find it.
    """
    ids = Ids(dict(check.community_ids), dict(check.volunteer_ids))
    totals: dict[str, TableSummary] = {}
    per_file: list[dict[str, TableSummary]] = [{} for _ in check.names]
    ticker.start(sum(len(records) for records in check.records.values()))
    for spec in SPECS:
        records = check.records.get(spec.kind.key)
        if not records:
            continue
        diff = _diff(conn, spec, records, ids, per_file)
        totals[spec.kind.key] = TableSummary(
            spec.kind.label, len(diff.new), len(diff.changed), diff.unchanged, diff.preview
        )
        if batch_ids is None:
            ticker.advance(len(records), f"比对 {spec.kind.label}")
            continue
        _write(conn, spec, diff, batch_ids, ticker)
        if spec.kind.key == "communities":
            ids.communities.update(
                _lookup_community_ids(conn, [(r["subdistrict"], r["name"]) for r in diff.new])
            )
        elif spec.kind.key == "volunteers":
            ids.volunteers.update(_lookup_volunteer_ids(conn, [r["code"] for r in diff.new]))
    return totals, per_file


def _summary_json(counts: dict[str, TableSummary], warnings: int) -> str:
    tables = {
        key: {"label": s.table_label, "new": s.new, "updated": s.updated, "unchanged": s.unchanged}
        for key, s in counts.items()
    }
    return json.dumps({"tables": tables, "warnings": warnings}, ensure_ascii=False)


def _insert_batches(
    conn: Connection, files: Sequence[tuple[str, bytes]], check: _Validation, user: str
) -> list[int]:
    """One ``ImportBatch`` per file, written first so that every row can point to its file."""
    table = ImportBatch.__table__
    now = dt.datetime.now().replace(microsecond=0)
    batch_ids = []
    for (name, data), rows in zip(files, check.rows_per_file, strict=True):
        result = conn.execute(
            insert(table).values(
                source_file=PurePath(name).name,
                file_hash=hashlib.sha256(data).hexdigest(),
                imported_at=now,
                imported_by=user,
                rows_total=rows,
            )
        )
        batch_ids.append(result.inserted_primary_key[0])
    return batch_ids


def _finish_batches(
    conn: Connection,
    batch_ids: list[int],
    per_file: list[dict[str, TableSummary]],
    check: _Validation,
) -> None:
    table = ImportBatch.__table__
    for index, (batch_id, counts) in enumerate(zip(batch_ids, per_file, strict=True)):
        warnings = sum(1 for w in check.warnings if check.positions[id(w)][0] == index)
        conn.execute(
            update(table)
            .where(table.c.id == batch_id)
            .values(summary=_summary_json(counts, warnings))
        )


@contextmanager
def _large_page_cache(conn: Connection) -> Iterator[None]:
    """SQLite: a page cache of ``IMPORT_CACHE_KIB`` for the import's transaction.

    A big import changes pages all over the record table's five indexes and the rollups (a
    hundred thousand records at city scale: some hundred MB). In SQLite's default 2 MB cache
    changed pages are written out to the WAL and read back again and again before the commit
    (twice the time). The size is set back before the commit: changed pages stay until then.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


_pauses = 0  # imports running with the collector paused (``_collector_paused``)
_pause_lock = threading.Lock()
_collector_was_enabled = True


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while imports run, back on (if it was) after the last.

    An import makes a few objects per row (cells, values, records, table rows), hundreds of
    thousands for a big file, and the collector would walk all of them again and again
    (a tenth of the import's CPU time) to find no cycle: they are freed by reference counting
    as always. Other threads' cycles wait the few seconds until the import is done.
    """
    global _pauses, _collector_was_enabled
    with _pause_lock:
        if not _pauses:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if not _pauses and _collector_was_enabled:
                gc.enable()


# --------------------------------------------------------------------------- public API


def plan_import(
    engine: Engine,
    files: list[tuple[str, bytes]],
    *,
    progress: Progress | None = None,
    allowed_communities: set[CommunityKey] | None = None,
) -> ImportResult:
    """Validate and count new / updated / unchanged rows per table, writing nothing (preview)."""
    ticker = _Ticker(progress)
    with _collector_paused(), engine.connect() as conn:
        check = _validate(conn, files, allowed_communities, ticker)
        if check.error_total:
            return check.result({})
        totals, _ = _apply(conn, check, None, ticker)
        conn.rollback()
    return check.result(totals)


def import_files(
    engine: Engine,
    files: list[tuple[str, bytes]],
    *,
    user: str = "cli",
    progress: Progress | None = None,
    allowed_communities: set[CommunityKey] | None = None,
) -> ImportResult:
    """Validate every file and, only if there is no error at all, upsert in one transaction.

    ``allowed_communities`` restricts an editor to ``(街道, 社区)`` pairs: a row of any other
    community (or a subdistrict-level fiscal row) is then an error.
    """
    ticker = _Ticker(progress)
    with _collector_paused(), write_transaction(engine) as conn, _large_page_cache(conn):
        check = _validate(conn, files, allowed_communities, ticker)
        if check.error_total:
            return check.result({})
        batch_ids = _insert_batches(conn, files, check, user)
        totals, per_file = _apply(conn, check, batch_ids, ticker)
        _finish_batches(conn, batch_ids, per_file, check)
    return check.result(totals)
