"""Pure parsing of the cells and headers that community staff type into Excel (contract §1).

Nothing here touches the database: every function takes a raw cell value (a ``str`` from a
CSV, or whatever openpyxl returns for an ``.xlsx`` cell) and returns a clean Python value, or
raises ``ParseError`` whose message is the Chinese reason shown to the person who filled the
sheet in. Being lenient in the forms Excel really produces (``2024/3/5``, ``12.0`` for an
integer, ``1,234.5``, GBK bytes) and strict about everything else is the point of this module.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from storage.models import PROJECT_STATUSES

DATE_MIN_YEAR = 1900
DATE_MAX_YEAR = 2100
PLAN_MIN_YEAR = 1990  # 年度、月份: the dashboard's data start long after this
PLAN_MAX_YEAR = 2100
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year quirk)
# The largest number any cell may hold: 1 万亿 (万元 for amounts, i.e. 10^16 yuan, beyond any
# real figure). A sum of every row of the largest allowed import (``ingest.reader.MAX_ROWS``)
# stays far inside a float's range, so no total, rate or report can become Infinity.
MAX_NUMBER = 1_000_000_000_000
EXAMPLE_MARK = "示例"  # the templates' example row starts its cells with 示例：


class ParseError(ValueError):
    """A value that cannot be read; ``str(error)`` is the Chinese reason for the user."""


# --------------------------------------------------------------------------- table kinds


@dataclass(frozen=True)
class TableKind:
    """One of the seven import templates: its Chinese headers and natural key."""

    key: str
    label: str
    headers: tuple[str, ...]
    natural_key: tuple[str, ...]


TABLE_KINDS: tuple[TableKind, ...] = (
    TableKind("communities", "社区名录", ("街道", "社区", "常住人口", "户数"), ("街道", "社区")),
    TableKind(
        "livelihood",
        "民生实事",
        (
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
        ),
        ("项目编号",),
    ),
    TableKind(
        "fiscal_monthly",
        "财政收入",
        ("街道", "月份", "科目", "当月金额(万元)"),
        ("街道", "月份", "科目"),
    ),
    TableKind(
        "fiscal_targets",
        "财政目标",
        ("街道", "年度", "科目", "年度目标(万元)"),
        ("街道", "年度", "科目"),
    ),
    TableKind(
        "census",
        "普查进度",
        ("任务名称", "街道", "社区", "日期", "应登记户数", "已登记户数", "已登记人数"),
        ("任务名称", "街道", "社区", "日期"),
    ),
    TableKind(
        "volunteers",
        "志愿者",
        ("志愿者编号", "街道", "社区", "注册日期", "性别", "出生年份"),
        ("志愿者编号",),
    ),
    TableKind(
        "service_records",
        "志愿服务",
        (
            "记录编号",
            "志愿者编号",
            "活动名称",
            "活动类型",
            "服务日期",
            "服务时长(小时)",
            "街道",
            "社区",
        ),
        ("记录编号",),
    ),
)
KIND_BY_KEY: dict[str, TableKind] = {kind.key: kind for kind in TABLE_KINDS}

# Characters that are invisible in Excel but break an exact header match.
_HEADER_JUNK = re.compile(r"[\s\ufeff\u200b\u200c\u200d]+")
_FULL_WIDTH_PARENS = str.maketrans({"（": "(", "）": ")"})


def normalize_header(value: object) -> str:
    """The canonical form of a header cell: no spaces at all (ASCII or full-width), ``()``."""
    if value is None:
        return ""
    return _HEADER_JUNK.sub("", str(value)).translate(_FULL_WIDTH_PARENS)


def _join(names: Iterable[str]) -> str:
    return visible("、".join(names))


def recognise_table(raw_headers: Sequence[object]) -> TableKind | None:
    """Which template a header row belongs to; ``None`` for an entirely empty row.

    Raises ``ParseError`` naming unknown, missing or repeated columns, because a person must be
    able to fix the header from the message alone.
    """
    headers = [h for h in (normalize_header(v) for v in raw_headers) if h]
    if not headers:
        return None
    repeated = sorted({h for h in headers if headers.count(h) > 1}, key=headers.index)
    if repeated:
        raise ParseError(f"表头中有重复的列：{_join(repeated)}")
    given = set(headers)
    complete = [kind for kind in TABLE_KINDS if set(kind.headers) <= given]
    if complete:
        kind = max(complete, key=lambda k: len(k.headers))
        extra = [h for h in headers if h not in kind.headers]
        if extra:
            raise ParseError(
                f"{kind.label}表中有无法识别的列：{_join(extra)}（允许的列：{_join(kind.headers)}）"
            )
        return kind
    best = max(TABLE_KINDS, key=lambda k: len(given & set(k.headers)) / len(k.headers))
    if len(given & set(best.headers)) / len(best.headers) < 0.5:
        labels = _join(kind.label for kind in TABLE_KINDS)
        raise ParseError(f"无法识别表格类型：第一行应为以下模板之一的表头：{labels}")
    missing = [h for h in best.headers if h not in given]
    extra = [h for h in headers if h not in best.headers]
    message = f"看起来是{best.label}表，但缺少列：{_join(missing)}"
    if extra:
        message += f"；无法识别的列：{_join(extra)}"
    raise ParseError(message)


# --------------------------------------------------------------------------- cells


def is_blank(value: object) -> bool:
    """An empty cell: ``None`` or only whitespace (including the full-width space)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _half_width(text: str) -> str:
    """Full-width digits and signs typed with a Chinese IME (``２０２４－０３``) as ASCII."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# Control characters: invisible in Excel, rejected by PostgreSQL (NUL) or able to drive a
# terminal (ESC). Tab and line breaks (Alt+Enter in a cell) are ordinary text.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def visible(text: str) -> str:
    """``text`` with every control character written out (``\\x1b``), safe on any terminal."""
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def _shown(value: object) -> str:
    """The value as the user sees it, for quoting in a message (control characters escaped)."""
    text = str(value).strip()
    if len(text) > 60:
        text = text[:60] + "…"
    return visible(text)


def check_control_characters(text: str) -> str:
    """``text`` unchanged, or ``ParseError`` naming the first invisible control character."""
    found = _CONTROL.search(text)
    if found:
        raise ParseError(
            f"含有不可见的控制字符（{visible(found.group())}，第 {found.start() + 1} 个字符），请删除后重新填写"
        )
    return text


def parse_text(value: object, max_length: int = 100) -> str:
    """Text cell; Excel's ``12.0`` for a typed-in code ``12`` becomes ``"12"``."""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value).strip()
    if len(text) > max_length:
        raise ParseError(f"内容过长（{len(text)} 个字符，最多 {max_length} 个）")
    return check_control_characters(text)


def parse_code(value: object, max_length: int = 100) -> str:
    """A key typed by people (项目编号, 志愿者编号, 记录编号): NFKC, so ``ＴＯ-００１`` is ``TO-001``."""
    return parse_text(_half_width(value) if isinstance(value, str) else value, max_length)


def _check_date_range(day: dt.date, shown: str) -> dt.date:
    if not DATE_MIN_YEAR <= day.year <= DATE_MAX_YEAR:
        raise ParseError(f"日期「{shown}」超出合理范围（{DATE_MIN_YEAR}–{DATE_MAX_YEAR} 年）")
    return day


def excel_serial_to_date(serial: float) -> dt.date:
    """The day of an Excel serial number (a date cell that lost its date format)."""
    if not math.isfinite(serial) or serial < 1 or serial >= 2958466:
        raise ParseError(f"「{serial:g}」不是有效的日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


_DATE_DASH_SLASH = re.compile(
    r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@lru_cache(maxsize=8192)
def _parse_date_text(text: str) -> dt.date:
    """Date text, cached: an import repeats the same few hundred days thousands of times."""
    match = _DATE_DASH_SLASH.fullmatch(text) or _DATE_CHINESE.fullmatch(re.sub(r"\s", "", text))
    if match is None:
        raise ParseError(
            f"无法识别的日期「{_shown(text)}」，请使用 YYYY-MM-DD 格式（如 2024-03-15）"
        )
    groups = [g for g in match.groups() if g not in ("-", "/")]
    year, month, day = (int(g) for g in groups)
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        raise ParseError(f"日期「{text}」不存在") from None
    return _check_date_range(parsed, text)


def parse_date(value: object) -> dt.date:
    """A day from ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY年M月D日``, a date cell or a serial."""
    if isinstance(value, dt.datetime):
        return _check_date_range(value.date(), _shown(value))
    if isinstance(value, dt.date):
        return _check_date_range(value, value.isoformat())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _check_date_range(excel_serial_to_date(value), f"{value:g}")
    if isinstance(value, str):
        return _parse_date_text(_half_width(value.strip()))
    raise ParseError(f"无法识别的日期「{_shown(value)}」，请使用 YYYY-MM-DD 格式")


_MONTH_DASH_SLASH = re.compile(r"(\d{4})[-/](\d{1,2})")
_MONTH_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月")


def _check_plan_year(year: int, shown: str) -> int:
    if not PLAN_MIN_YEAR <= year <= PLAN_MAX_YEAR:
        raise ParseError(f"年份「{shown}」超出合理范围（{PLAN_MIN_YEAR}–{PLAN_MAX_YEAR}）")
    return year


def parse_month(value: object) -> tuple[int, int]:
    """``(year, month)`` from ``YYYY-MM``, ``YYYY年M月`` or any date (cell or text)."""
    if isinstance(value, str):
        text = _half_width(value.strip())
        match = _MONTH_DASH_SLASH.fullmatch(text) or _MONTH_CHINESE.fullmatch(
            re.sub(r"\s", "", text)
        )
        if match is None:
            try:
                day = _parse_date_text(text)
            except ParseError:
                raise ParseError(
                    f"无法识别的月份「{_shown(text)}」，请使用 YYYY-MM 格式（如 2024-03）"
                ) from None
            return _check_plan_year(day.year, text), day.month
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ParseError(f"月份「{text}」不存在（月份应为 1–12）")
        return _check_plan_year(year, text), month
    day = parse_date(value)
    return _check_plan_year(day.year, _shown(value)), day.month


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def parse_number(value: object) -> float:
    """A non-negative number; accepts ``1,234.5`` and numbers Excel stored as text."""
    if isinstance(value, bool):
        raise ParseError(f"「{_shown(value)}」不是有效的数字")
    if isinstance(value, (int, float)):
        number = float(value)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
    else:
        shown = _half_width(value.strip()) if isinstance(value, str) else _shown(value)
        if _PLAIN_NUMBER.fullmatch(shown):
            number = float(shown)
        elif _GROUPED_NUMBER.fullmatch(shown):
            number = float(shown.replace(",", ""))
        else:
            raise ParseError(f"「{_shown(shown)}」不是有效的数字")
    if not math.isfinite(number):
        raise ParseError(f"「{visible(shown)}」不是有效的数字")
    if number > MAX_NUMBER:
        raise ParseError(f"数值过大（当前为 {visible(shown)}，最大 {MAX_NUMBER:,}）")
    if number < 0:
        raise ParseError(f"不能为负数（当前为 {shown}）")
    return number + 0.0  # -0.0 → 0.0


def parse_int(value: object) -> int:
    """A non-negative integer; Excel's ``12.0`` counts as 12, ``12.5`` does not."""
    number = parse_number(value)
    if not number.is_integer():
        raise ParseError(f"必须为整数（当前为 {_shown(value)}）")
    return int(number)


def parse_year(value: object, low: int = PLAN_MIN_YEAR, high: int = PLAN_MAX_YEAR) -> int:
    """A year such as 年度 or 出生年份: an integer (``2024`` or ``2024年``) within range."""
    raw = value.strip().removesuffix("年") if isinstance(value, str) else value
    try:
        year = parse_int(raw)
    except ParseError:
        raise ParseError(f"「{_shown(value)}」不是有效的年份") from None
    if not low <= year <= high:
        raise ParseError(f"年份「{_shown(value)}」超出合理范围（{low}–{high}）")
    return year


def parse_status(value: object) -> str:
    """状态: one of the four fixed words."""
    status = parse_text(value)
    if status not in PROJECT_STATUSES:
        raise ParseError(f"状态必须是 {_join(PROJECT_STATUSES)} 之一（当前为「{status}」）")
    return status


_GENDERS = {"男": "男", "女": "女", "男性": "男", "女性": "女"}


def parse_gender(value: object) -> str:
    """性别: 男 or 女 (男性/女性 are read as the same)."""
    text = parse_text(value)
    if text not in _GENDERS:
        raise ParseError(f"性别应为「男」或「女」（当前为「{text}」）")
    return _GENDERS[text]


def parse_hours(value: object) -> float:
    """服务时长: more than 0 and at most 24 hours (one record is one day's service)."""
    hours = parse_number(value)
    if not 0 < hours <= 24:
        raise ParseError(f"服务时长必须大于 0 且不超过 24 小时（当前为 {_shown(value)}）")
    return hours


# --------------------------------------------------------------------------- CSV bytes


def decode_csv_bytes(data: bytes) -> str:
    """CSV text from UTF-8 (with or without BOM), else GB18030, the superset of GBK.

    Chinese Excel saves "CSV" as GBK; a GBK header such as 街道 is never valid UTF-8, so trying
    UTF-8 first cannot misread a real GBK file. Excel's "Unicode text" (UTF-16 with BOM) is
    accepted too.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise ParseError("文件开头标明了 Unicode 编码，但内容无法按该编码读取") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ParseError(
            "无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”或 GBK 编码的 CSV"
        ) from None
