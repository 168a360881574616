"""The one writer of every spreadsheet the app produces, xlsx and CSV: text is always text.

Staff type community names, 科目 and project names; whatever they type comes back in the
weekly report, the page downloads, the template round trip, the error lists and the audit
export. A text like ``=HYPERLINK(...)`` or ``=1+2`` must never become a live formula there
(issue 10 §5, issue 9 "formulas from data reach the exports"). ``xlsxwriter``'s ``write()``
turns any string starting with ``=`` into a formula, and so does ``DataFrame.to_excel``.

So every workbook comes from ``new_workbook``: its worksheets write text only as string
cells (``write`` and ``write_row`` go through ``write_cell``; ``write_formula`` and
``write_url`` refuse), numbers as numbers with their number formats (non-finite ones as
blanks), dates as dates. CSV follows OWASP's CSV-injection advice: a text cell starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` (``csv_cell``).
``tests/test_spreadsheet.py`` fails if any other module writes a spreadsheet by itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ui.format import xlsx_format

if TYPE_CHECKING:
    import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
# A text cell starting with one of these is a formula to Excel, LibreOffice or WPS (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
MAX_SHEET_NAME = 31
MAX_COLUMN_WIDTH = 50
WIDTH_SAMPLE_ROWS = 500
# Belt and braces: even a plain ``write()`` of xlsxwriter would not turn text into anything.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": DATE_FORMAT,
}


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA: an empty cell."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pd.NA has no truth value
        return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, bool)


def write_cell(
    sheet: Worksheet, row: int, col: int, value: Any, cell_format: Format | None = None
) -> None:
    """One cell: text as a string cell (never a formula), numbers as numbers, dates as dates.

    A missing or non-finite number is left blank (Excel has no NaN or infinity); ``True`` and
    ``False`` are written 是/否 as the templates expect.
    """
    if _missing(value):
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        Worksheet.write_string(sheet, row, col, "是" if value else "否", cell_format)
    elif _is_number(value):
        number = float(value)
        if math.isfinite(number):
            Worksheet.write_number(sheet, row, col, number, cell_format)
        else:
            sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, dt.datetime):
        Worksheet.write_datetime(sheet, row, col, value.replace(tzinfo=None), cell_format)
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
        Worksheet.write_datetime(sheet, row, col, moment, cell_format)
    else:
        Worksheet.write_string(sheet, row, col, str(value), cell_format)


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise TypeError("导出文件只写文本、数字和日期：公式和超链接不会从数据写入单元格")


class SafeWorksheet(Worksheet):
    """A worksheet whose every way of writing a value goes through ``write_cell``."""

    def write(self, row: int, col: int, *args: Any) -> int:  # type: ignore[override]
        write_cell(self, row, col, *args)
        return 0

    def write_string(self, row: int, col: int, string: Any, cell_format: Any = None) -> int:  # type: ignore[override]
        return Worksheet.write_string(self, row, col, str(string), cell_format)

    def write_row(self, row: int, col: int, data: Iterable[Any], cell_format: Any = None) -> int:  # type: ignore[override]
        for offset, value in enumerate(data):
            write_cell(self, row, col + offset, value, cell_format)
        return 0

    def write_column(self, row: int, col: int, data: Iterable[Any], cell_format: Any = None) -> int:  # type: ignore[override]
        for offset, value in enumerate(data):
            write_cell(self, row + offset, col, value, cell_format)
        return 0

    write_formula = _refuse  # type: ignore[assignment]
    write_array_formula = _refuse  # type: ignore[assignment]
    write_dynamic_array_formula = _refuse  # type: ignore[assignment]
    write_url = _refuse  # type: ignore[assignment]


class SafeWorkbook(Workbook):
    """An xlsxwriter workbook whose worksheets are ``SafeWorksheet``s."""

    worksheet_class = SafeWorksheet


def new_workbook(
    target: str | BinaryIO, *, stream: bool = False, properties: Mapping[str, Any] | None = None
) -> SafeWorkbook:
    """The only way the app starts a workbook; ``stream`` writes rows out as they come
    (``constant_memory``: big exports, rows in order), otherwise the file is built in memory."""
    options = {**WORKBOOK_OPTIONS, ("constant_memory" if stream else "in_memory"): True}
    book = SafeWorkbook(target, options)
    if properties:
        book.set_properties(dict(properties))
    return book


def display_width(value: Any) -> int:
    """Width in Excel character cells: a Chinese character takes two."""
    if isinstance(value, str):
        text = value
    elif _is_number(value) and not _missing(value):
        text = f"{value:,}"
    elif value is None or _missing(value):
        text = ""
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header_format(book: Workbook) -> Format:
    """The bold, light-blue header of the page downloads, error lists and the log."""
    return book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})


def write_table(
    book: Workbook,
    sheet_name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] | None = None,
    number_formats: Sequence[str | None] = (),
) -> Worksheet:
    """A sheet with a frozen bold header row and one row per item; widths fitted unless given.
    ``number_formats`` (one per column, from ``ui.format.XLSX_FORMATS``) show each number as
    the pages write it; a column without one is Excel's General."""
    sheet = book.add_worksheet(sheet_name[:MAX_SHEET_NAME])
    bold = header_format(book)
    fitted = [display_width(header) for header in headers]
    for col, header in enumerate(headers):
        write_cell(sheet, 0, col, header, bold)
    cell_formats = list(number_formats or ())
    cell_formats += [None] * (len(headers) - len(cell_formats))
    styles = [book.add_format({"num_format": f}) if f else None for f in cell_formats]
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            write_cell(sheet, number, col, value, styles[col] if col < len(styles) else None)
            if widths is None and number <= WIDTH_SAMPLE_ROWS and col < len(fitted):
                fitted[col] = max(fitted[col], display_width(value))
    for col, width in enumerate(widths if widths is not None else fitted):
        chosen = width if widths is not None else min(width + 2, MAX_COLUMN_WIDTH)
        sheet.set_column(col, col, chosen)
    sheet.freeze_panes(1, 0)
    return sheet


def rows_xlsx(
    sheet_name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] | None = None,
) -> bytes:
    """A one-sheet workbook of plain rows (error lists, the audit log)."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    write_table(book, sheet_name, headers, rows, widths)
    book.close()
    return buffer.getvalue()


def frames_xlsx(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per ``{sheet name: frame}`` in order, as the tables show on the page."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    for name, frame in sheets.items():
        rows = frame.itertuples(index=False, name=None)
        headers = [str(column) for column in frame.columns]
        number_formats = [
            xlsx_format(header, frame[column].dtype.kind in "iu")
            for header, column in zip(headers, frame.columns, strict=True)
        ]
        write_table(book, name, headers, rows, number_formats=number_formats)
    book.close()
    return buffer.getvalue()


def csv_cell(value: Any) -> Any:
    """A CSV field: numbers as numbers; text that a spreadsheet would run gets a ``'`` first."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if _is_number(value):
        return value if math.isfinite(float(value)) else ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with BOM (Excel on Chinese Windows opens it correctly), every cell safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


__all__ = [
    "CSV_MIME",
    "FORMULA_STARTS",
    "SafeWorkbook",
    "SafeWorksheet",
    "XLSX_MIME",
    "csv_bytes",
    "csv_cell",
    "display_width",
    "frames_xlsx",
    "header_format",
    "new_workbook",
    "rows_xlsx",
    "write_cell",
    "write_table",
]
