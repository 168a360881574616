"""Tables shown on a page as an Excel workbook for download (st.download_button).

The pages' door to ``reporting.spreadsheet``, the one writer of every spreadsheet: numbers
stay numbers (so staff can sum and sort them in Excel), text stays text (a name from data
never becomes a formula); each frame becomes one sheet with a frozen, bold header row and
columns wide enough for Chinese text.
"""

from __future__ import annotations

import pandas as pd

from reporting.spreadsheet import XLSX_MIME, frames_xlsx

__all__ = ["XLSX_MIME", "excel_bytes"]


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx file with one sheet per ``{sheet name: frame}``, in the given order."""
    return frames_xlsx(sheets)
