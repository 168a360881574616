"""Tables as leaders read them: one status mark and one cell colouring for every page.

Status is written as text (正常 / 预警 / 滞后, and 超前 / 严重滞后 under five levels, with a ● mark
that every CJK font has) and the cell is tinted with the status colour, so it reads without
colour and without an emoji font.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from figures.status import STATUS_COLORS, STATUS_LABELS
from ui import format as fmt
from ui.format import status_mark

STATUS_MARKS: dict[str, str] = {key: status_mark(key) for key in STATUS_LABELS}
_TINTS: dict[str, str] = {
    STATUS_MARKS[key]: f"background-color: {color}22; color: {color}; font-weight: 600"
    for key, color in STATUS_COLORS.items()
}


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


# st.dataframe shows about ten rows and scrolls inside; a column wider than the screen
# scrolls sideways. Neither is visible in a screenshot or to a first-time reader, so a table
# says so underneath.
VISIBLE_ROWS = 10
# On a 390 px phone four short columns already overflow (会议议程, 需要关注): from four on,
# a table says it scrolls sideways.
NARROW_SCREEN_COLUMNS = 3


def hidden_note(frame: pd.DataFrame | Styler) -> str | None:
    """``共 29 行，在表格内上下滚动查看；共 11 列，屏幕较窄（如手机）时左右滑动查看其余列`` or None."""
    data = frame.data if isinstance(frame, Styler) else frame
    parts = []
    if len(data) > VISIBLE_ROWS:
        parts.append(f"共 {len(data):,} 行，在表格内上下滚动查看")
    if len(data.columns) > NARROW_SCREEN_COLUMNS:
        parts.append(f"共 {len(data.columns)} 列，屏幕较窄（如手机）时左右滑动查看其余列")
    return "；".join(parts) or None


def written(
    data: pd.DataFrame | Styler,
    *,
    rates: Sequence[str] = (),
    counts: Mapping[str, str] | None = None,
    amounts: Sequence[str] = (),
    one_decimal: Sequence[str] = (),
) -> Styler:
    """Cells written as ``ui.format`` writes them on every other surface, values kept numeric.

    st.dataframe's own percent format prints 70.11% and a ``%d 人`` format prints 12317 人
    (issue 10); a Styler's display text is shown instead when a column has no format of its
    own, while sorting and ``.value`` still see the numbers. Rates 70.1%, counts 12,317 人,
    万元 amounts 118,790.00, hours 1,301.2.
    """
    styler = data if isinstance(data, Styler) else data.style
    columns = set(styler.data.columns)

    def present(names: Sequence[str]) -> list[str]:
        return [name for name in names if name in columns]

    styler = styler.format(fmt.pct, subset=present(rates), na_rep="—")
    for name, unit in (counts or {}).items():
        if name in columns:
            styler = styler.format(lambda v, u=unit: fmt.count(v, u), subset=[name], na_rep="—")
    styler = styler.format(fmt.wan_number, subset=present(amounts), na_rep="—")
    return styler.format(fmt.hours_number, subset=present(one_decimal), na_rep="—")
