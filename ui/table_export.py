"""Tables shown on a page as an Excel workbook for download (st.download_button).

Numbers stay numbers (so staff can sum and sort them in Excel); each frame becomes one sheet
with a frozen, bold header row and columns wide enough for Chinese text.
"""

from __future__ import annotations

import io
import unicodedata

import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHEET_NAME = 31
MAX_COLUMN_WIDTH = 50


def _display_width(text: str) -> int:
    """Width in Excel character cells: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _column_width(frame: pd.DataFrame, column: str) -> int:
    cells = [str(column), *(str(value) for value in frame[column].head(500))]
    return min(max(_display_width(cell) for cell in cells) + 2, MAX_COLUMN_WIDTH)


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx file with one sheet per ``{sheet name: frame}``, in the given order."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        header = writer.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        for name, frame in sheets.items():
            sheet_name = name[:MAX_SHEET_NAME]
            frame.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes(1, 0)
            for index, column in enumerate(frame.columns):
                sheet.write(0, index, str(column), header)
                sheet.set_column(index, index, _column_width(frame, column))
    return buffer.getvalue()
