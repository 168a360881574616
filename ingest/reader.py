"""The one defensive reader of import files: ``.csv`` and ``.xlsx`` bytes → numbered rows.

Every entry point (``manage.py import``, the ``/data`` preview and its 确认导入) reads files
here, so every limit and every way a file can be broken is handled once:

- anything the file format libraries raise on damaged input (``zlib.error``, XML
  ``ParseError``, ``BadZipFile``, ``csv.Error`` …) becomes a ``FileProblem``: a Chinese message
  naming the sheet and row where it is known, never a traceback;
- rows and cells are counted while streaming, and a file over the limits is refused before it
  is built in memory (a workbook's ``<dimension>`` is checked before its first row is read);
- formula cells without a computed value and Excel error cells (``#REF!``) arrive as markers
  that the importer reports, never as empty cells or as text;
- a semicolon- or tab-separated CSV is recognised by which separator yields template headers;
- a workbook on the 1904 date system keeps its epoch for bare serial numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ingest.parsing import TABLE_KINDS, ParseError, decode_csv_bytes, is_blank, normalize_header


def _env_int(name: str, default: int) -> int:
    """A positive integer setting from the environment, ``default`` when unset or invalid."""
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


MAX_ROWS = _env_int("DASHBOARD_IMPORT_MAX_ROWS", 200_000)  # data rows per file
MAX_CELLS = _env_int("DASHBOARD_IMPORT_MAX_CELLS", 2_400_000)  # 200,000 rows × 12 columns
MAX_COLUMNS = 200  # no template has more than 11 columns
MAX_FILE_BYTES = _env_int("DASHBOARD_IMPORT_MAX_FILE_MB", 200) * 1024 * 1024  # command line
MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # as the upload check: zipfile never returns more
MAX_MEMBERS = 10_000
TITLE_ROWS = 3  # single-cell title rows tolerated above the header
PROGRESS_EVERY = 2000  # rows between two progress reports
CSV_DELIMITERS = (",", ";", "\t", "|")
CSV_FIELD_LIMIT = csv.field_size_limit()  # 131,072 characters: far above any column's maximum
EPOCH_1900 = dt.datetime(1899, 12, 30)

RowsRead = Callable[[int, int, str], None]  # (rows read, rows the sheet claims, sheet title)
NumberedRows = Iterable[tuple[int, Sequence[object]]]


class FileProblem(ParseError):
    """A file (or one of its sheets) that cannot be read; located as far as it is known."""

    def __init__(self, message: str, sheet: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.sheet = sheet
        self.row = row


@dataclass(frozen=True)
class UnreadableCell:
    """A cell whose value the file does not hold: the importer reports ``message``."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Sheet:
    """The rows of one CSV file or one worksheet, with their Excel row numbers."""

    file_index: int
    sheet: str | None
    header_row: int
    headers: list[object]
    rows: list[tuple[int, Sequence[object]]]
    epoch: dt.datetime = EPOCH_1900
    hidden: bool = False
    column_count: int = 0  # filled header cells


@dataclass
class _Budget:
    """What one file may still hold; shared by its sheets."""

    rows: int = field(default_factory=lambda: MAX_ROWS)
    cells: int = field(default_factory=lambda: MAX_CELLS)


def damage(exc: BaseException) -> str:
    """What kind of damage an exception from a file library points to, in words."""
    name = type(exc).__name__
    if name == "error" and type(exc).__module__ == "zlib":
        return "压缩数据已损坏"
    if "ParseError" in name or "XMLSyntax" in name or "ExpatError" in name:
        return "内部 XML 结构已损坏"
    if "Zip" in name or isinstance(exc, EOFError):
        return "zip 结构已损坏"
    return f"格式异常：{name}"


def _too_many_rows(sheet: str | None, limit: int) -> FileProblem:
    return FileProblem(
        f"数据行数超过上限（每个文件最多 {limit:,} 行）：请拆分成多个文件后分批导入", sheet
    )


# --------------------------------------------------------------------------- rows → a sheet


def _has_content(cells: Sequence[object]) -> bool:
    """Whether any cell is non-blank (usually decided by the first cell: a hot loop)."""
    first = cells[0] if cells else None
    if first.__class__ is str:
        if first and not first[0].isspace():  # str.strip() strips exactly what isspace() names
            return True  # the common row: its first cell starts with a visible character
    elif first.__class__ in (int, float):
        return True
    return any(cell is not None and (cell.__class__ is not str or cell.strip()) for cell in cells)  # type: ignore[attr-defined]


def _collect(
    file_index: int,
    title: str | None,
    numbered: NumberedRows,
    budget: _Budget,
) -> Sheet | None:
    """Header and non-empty rows of one sheet, refusing it once the file's budget is spent.

    Up to ``TITLE_ROWS`` leading rows with a single filled cell are titles staff like to put
    above the table (``2024年民生实事项目表``); no template has one column, so they are skipped.
    """
    filled = ((number, cells) for number, cells in numbered if _has_content(cells))
    first = next(filled, None)
    for _ in range(TITLE_ROWS):
        if first is None or sum(not is_blank(cell) for cell in first[1]) > 1:
            break
        first = next(filled, None)
    if first is None:
        return None
    header_row, headers = first
    rows: list[tuple[int, Sequence[object]]] = []
    for number, cells in filled:
        budget.rows -= 1
        budget.cells -= len(cells)
        if budget.rows < 0:
            raise _too_many_rows(title, MAX_ROWS)
        if budget.cells < 0:
            raise FileProblem(
                f"单元格数量超过上限（每个文件最多 {MAX_CELLS:,} 个）：请拆分后分批导入",
                title,
                number,
            )
        rows.append((number, cells))
    columns = sum(not is_blank(cell) for cell in headers)
    return Sheet(file_index, title, header_row, list(headers), rows, column_count=columns)


# --------------------------------------------------------------------------- CSV


def _header_score(line: str, delimiter: str) -> int:
    """How many template headers ``line`` holds when split at ``delimiter``."""
    known = {header for kind in TABLE_KINDS for header in kind.headers}
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return 0
    return sum(normalize_header(cell) in known for cell in cells)


def sniff_delimiter(text: str) -> str:
    """The separator under which the first lines hold the most template headers (``,`` by default).

    Excel writes ``;`` in locales whose decimal mark is a comma, and "Unicode text" is
    tab-separated; a file split at the wrong character would look like one long column.
    """
    lines = [line for line in text[:65536].splitlines()[: TITLE_ROWS + 2] if line.strip()]
    best, best_score = ",", 0
    for delimiter in CSV_DELIMITERS:
        score = max((_header_score(line, delimiter) for line in lines), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, Sequence[object]]]:
    """Numbered CSV records; a record ``csv`` cannot read becomes a located ``FileProblem``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0  # the last record read: the one ``csv`` fails on is the next
    try:
        for number, cells in enumerate(reader, start=1):  # noqa: B007 - read in ``except``
            yield number, cells
    except csv.Error as exc:
        if "field larger" in str(exc):
            message = f"单元格内容过长（超过 {CSV_FIELD_LIMIT:,} 个字符）"
        else:
            message = "CSV 格式错误（引号不成对或含有无法识别的字符）"
        raise FileProblem(message, None, number + 1) from None


def read_csv(file_index: int, data: bytes, budget: _Budget | None = None) -> list[Sheet]:
    """The one sheet of a CSV file (empty list for a file with nothing in it)."""
    text = decode_csv_bytes(data)
    sheet = _collect(file_index, None, _csv_rows(text, sniff_delimiter(text)), budget or _Budget())
    return [sheet] if sheet else []


# --------------------------------------------------------------------------- xlsx


def _formula_parser_class():  # type: ignore[no-untyped-def]
    """openpyxl's sheet parser, told to mark formulas without a value and error cells.

    With ``data_only`` openpyxl gives ``None`` for a formula Excel never calculated (a file
    written by another program) and the text ``#REF!`` for an error cell: both would be
    stored silently (as 0 or as text). The subclass keeps openpyxl's parsing of every other
    cell exactly as it is.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class MarkingParser(WorkSheetParser):
        def parse_cell(self, element):  # type: ignore[no-untyped-def]
            cell = super().parse_cell(element)
            if cell["data_type"] == "e":
                cell["value"] = UnreadableCell(
                    f"单元格是 Excel 错误值「{element.findtext(VALUE_TAG) or '#错误'}」，请改正公式或填写数值"
                )
            elif cell["value"] is None and element.find(FORMULA_TAG) is not None:
                formula = (element.findtext(FORMULA_TAG) or "").strip()
                shown = f"「={formula[:50]}」" if formula else ""
                cell["value"] = UnreadableCell(
                    f"单元格是公式{shown}但没有计算结果：请在 Excel 中打开并保存，"
                    "或复制后“选择性粘贴 → 数值”"
                )
            return cell

    return MarkingParser


def _sheet_rows(worksheet, parser_class) -> Iterator[tuple[int, Sequence[object]]]:  # type: ignore[no-untyped-def]
    """``(Excel row number, cells)`` straight from the sheet XML, widths bounded."""
    workbook = worksheet.parent
    with worksheet._get_source() as source:
        parser = parser_class(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            if not cells:
                continue
            width = max(cell["column"] for cell in cells)
            if width > MAX_COLUMNS:
                raise FileProblem(
                    f"第 {width} 列有内容，超出了允许的列数（最多 {MAX_COLUMNS} 列）",
                    worksheet.title,
                    number,
                )
            row: list[object] = [None] * width
            for cell in cells:
                row[cell["column"] - 1] = cell["value"]
            yield number, row


def _counting(
    rows: Iterable[tuple[int, Sequence[object]]], claimed: int, title: str, report: RowsRead
) -> Iterator[tuple[int, Sequence[object]]]:
    """Pass rows through, reporting every ``PROGRESS_EVERY``: reading a big workbook is slow."""
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            report(min(done, claimed), claimed, title)
        yield row


_ROW_ENDS = (b"</row>", b"</x:row>")  # a row with cells; Excel, LibreOffice, .NET SDK
_CELL_STARTS = (b"<c ", b"<x:c ")
_SCAN_CHUNK = 1024 * 1024


def _count_tags(stream, patterns: tuple[bytes, ...]) -> list[int]:  # type: ignore[no-untyped-def]
    """Occurrences of each pattern in a stream, chunk by chunk (none lost at a boundary)."""
    counts = [0] * len(patterns)
    tail = b""
    while chunk := stream.read(_SCAN_CHUNK):
        buffer = tail + chunk
        for i, pattern in enumerate(patterns):
            counts[i] += buffer.count(pattern) - tail.count(pattern)
        tail = buffer[-16:]
    return counts


def prescan_xlsx(data: bytes) -> None:
    """Refuse a workbook over the row or cell limit before openpyxl parses any of it.

    Counting ``</row>`` and ``<c `` in the unpacked sheet XML costs a second per 100 MB;
    openpyxl would spend minutes building those rows (and, for a sheet without
    ``<dimension>``, parses the whole sheet once just to look for one).
    """
    rows = cells = sheets = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(info.file_size for info in members)
            if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
                raise FileProblem(
                    f"文件解压后过大或部件过多（{unpacked / 1024 / 1024:.0f} MB，"
                    f"上限 {MAX_UNPACKED_BYTES // 1024 // 1024} MB），疑似压缩炸弹，已拒绝"
                )
            for info in members:
                name = info.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                sheets += 1
                with archive.open(info) as stream:
                    *row_counts, c1, c2 = _count_tags(stream, (*_ROW_ENDS, *_CELL_STARTS))
                rows += sum(row_counts)
                cells += c1 + c2
    except FileProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - zlib.error, BadZipFile …: the file is damaged
        raise FileProblem(
            f"无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式（{damage(exc)}）"
        ) from None
    if rows > MAX_ROWS + sheets * (TITLE_ROWS + 1):
        raise _too_many_rows(None, MAX_ROWS)
    if cells > MAX_CELLS + sheets * MAX_COLUMNS * (TITLE_ROWS + 1):
        raise FileProblem(f"单元格数量超过上限（每个文件最多 {MAX_CELLS:,} 个）：请拆分后分批导入")


def _open_workbook(data: bytes):  # type: ignore[no-untyped-def]
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file raises anything (zlib, XML, zip)
        raise FileProblem(
            f"无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式（{damage(exc)}）"
        ) from None


def read_xlsx(
    file_index: int, data: bytes, report: RowsRead | None = None, budget: _Budget | None = None
) -> list[Sheet]:
    """Every non-empty sheet of a workbook, each with its visibility and the file's epoch."""
    budget = budget or _Budget()
    prescan_xlsx(data)
    workbook = _open_workbook(data)
    parser_class = _formula_parser_class()
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            title = worksheet.title
            try:
                claimed = worksheet.max_row or 0  # from <dimension>: checked before any row
            except Exception:  # noqa: BLE001 - a damaged sheet part
                claimed = 0
            if claimed - 1 - TITLE_ROWS > budget.rows:
                raise _too_many_rows(title, MAX_ROWS)
            rows: Iterable[tuple[int, Sequence[object]]] = _sheet_rows(worksheet, parser_class)
            if report is not None and claimed >= PROGRESS_EVERY:
                rows = _counting(rows, claimed, title, report)
            try:
                sheet = _collect(file_index, title, rows, budget)
            except FileProblem:
                raise
            except Exception as exc:  # noqa: BLE001 - zlib.error, XML ParseError, bad zip …
                raise FileProblem(
                    f"工作表已损坏，无法读取（{damage(exc)}）：请在 Excel 中打开并另存为 .xlsx",
                    title,
                ) from None
            if sheet:
                sheet.epoch = workbook.epoch
                sheet.hidden = getattr(worksheet, "sheet_state", "visible") != "visible"
                sheets.append(sheet)
        return sheets
    finally:
        workbook.close()


def read_file(
    file_index: int, suffix: str, data: bytes, report: RowsRead | None = None
) -> list[Sheet]:
    """Every non-empty sheet of one file by its suffix; ``FileProblem``/``ParseError`` if not."""
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(
            f"文件过大（{len(data) / 1024 / 1024:.0f} MB，上限 {MAX_FILE_BYTES // 1024 // 1024} MB）："
            "请拆分后分批导入"
        )
    if suffix == ".csv":
        return read_csv(file_index, data)
    if data.startswith(codecs.BOM_UTF8) or not data.startswith(b"PK"):
        raise FileProblem("无法读取 Excel 文件，文件可能已损坏或不是 .xlsx 格式（不是 zip 包）")
    return read_xlsx(file_index, data, report)


__all__ = [
    "MAX_CELLS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "FileProblem",
    "Sheet",
    "UnreadableCell",
    "read_file",
    "sniff_delimiter",
]
