"""Tables as leaders read them: one status mark and one cell colouring for every page.

Status is written as text (正常 / 预警 / 滞后 with a ● mark that every CJK font has) and the
cell is tinted with the status colour, so it reads without colour and without an emoji font.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from queries.status import STATUS_COLORS, STATUS_LABELS

STATUS_MARKS: dict[str, str] = {key: f"● {label}" for key, label in STATUS_LABELS.items()}
_TINTS: dict[str, str] = {
    STATUS_MARKS[key]: f"background-color: {color}22; color: {color}; font-weight: 600"
    for key, color in STATUS_COLORS.items()
}


def status_mark(status: str | None) -> str:
    """``● 正常`` / ``● 预警`` / ``● 滞后``, or a dash when there is nothing to judge."""
    return STATUS_MARKS.get(status or "", "—")


def status_of_mark(mark: str) -> str | None:
    """The status key back from a mark (for sorting and counting)."""
    for key, value in STATUS_MARKS.items():
        if value == mark:
            return key
    return None


def with_status_colors(frame: pd.DataFrame, columns: Sequence[str]) -> Styler:
    """A Styler that tints the given status columns; other cells are left alone."""
    present = [column for column in columns if column in frame.columns]
    return frame.style.map(lambda value: _TINTS.get(value, ""), subset=present)
