"""Tables as leaders read them: one status mark and one cell colouring for every page.

Status is written as text (正常 / 预警 / 滞后, and 超前 / 严重滞后 under five levels, with a ● mark
that every CJK font has), drawn by the table in the status colour (``status_columns``), so it
reads without colour and without an emoji font.

A table that grows with the city (one row per community: 2,000 at city scale) is drawn by
``long_table``: the first and last ``EDGE_ROWS`` rows (the leaders and the laggards of a
ranking), a search box and pages of ``PAGE_ROWS`` rows for the rest; the Excel download under
it still holds every row. Its status columns are coloured through ``column_config``
(``status_columns``), not a pandas Styler, whose cost grows with every cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from figures.status import STATUS_COLORS, STATUS_LABELS
from ui import format as fmt
from ui.format import status_mark

STATUS_MARKS: dict[str, str] = {key: status_mark(key) for key in STATUS_LABELS}


def status_of_mark(mark: str) -> str | None:
    """The status key back from a mark (for sorting and counting)."""
    for key, value in STATUS_MARKS.items():
        if value == mark:
            return key
    return None


# st.dataframe shows about ten rows and scrolls inside; a column wider than the screen
# scrolls sideways. Neither is visible in a screenshot or to a first-time reader, so a table
# says so underneath.
VISIBLE_ROWS = 10
# On a 390 px phone four short columns already overflow (会议议程, 需要关注): from four on,
# a table says it scrolls sideways.
NARROW_SCREEN_COLUMNS = 3


def hidden_note(frame: pd.DataFrame | Written) -> str | None:
    """``共 29 行，在表格内上下滚动查看；共 11 列，屏幕较窄（如手机）时左右滑动查看其余列`` or None."""
    data = frame.data if isinstance(frame, Written) else frame
    parts = []
    if len(data) > VISIBLE_ROWS:
        parts.append(f"共 {len(data):,} 行，在表格内上下滚动查看")
    if len(data.columns) > NARROW_SCREEN_COLUMNS:
        parts.append(f"共 {len(data.columns)} 列，屏幕较窄（如手机）时左右滑动查看其余列")
    return "；".join(parts) or None


# What st.dataframe draws in a number cell a page has no value for (a rate without a base).
MISSING = fmt.DASH


@dataclass(frozen=True)
class Written:
    """Rows ready for st.dataframe, their number cells written as ``ui.format`` writes them.

    The table draws the text itself, from each column's printf format (``column_config``):
    no pandas Styler, which computed HTML and CSS for every cell on every run (13 ms a table
    at city scale, issue 11). The cells stay numbers, so a click on a header sorts by number;
    rates are held in percent (70.1 for 70.1%) because a printf format cannot multiply.
    """

    data: pd.DataFrame
    column_config: dict[str, Any]


def browser_rounds_alike(value: float, digits: int) -> float:
    """``value``, moved by one unit in the last place where it is an exact tie (1,301.25).

    The browser's printf rounds a tie away from zero (JavaScript ``toFixed``: 1,301.3) and
    Python's format, which ``ui.format`` uses, to even (1,301.2). Only exact ties differ (a
    binary fraction ending in 5 at the first digit dropped: .25 and .75 at one decimal);
    nudged towards Python's result, the browser prints ``ui.format``'s text and sums, sorting
    and downloads do not notice.
    """
    text = f"{value:.{digits}f}"
    tie = Decimal(1) / (2 * 10**digits)
    if abs(Decimal(value) - Decimal(text)) != tie:
        return value
    return math.nextafter(value, float(text))


def _numbers(column: pd.Series, digits: int, scale: float = 1.0) -> np.ndarray:
    values = [
        math.nan if pd.isna(value) else browser_rounds_alike(float(value) * scale, digits)
        for value in column.tolist()
    ]
    return np.array(values, dtype=float)


def _signed(column: pd.Series, digits: int, scale: float = 1.0) -> np.ndarray:
    """:func:`_numbers`, a value that rounds to zero held as 0.0 (printed ``+0.0``, never
    ``-0.0``), for a signed format."""
    values = _numbers(column, digits, scale)
    level = [not math.isnan(value) and float(f"{value:.{digits}f}") == 0 for value in values]
    values[np.array(level, dtype=bool)] = 0.0  # Python's rounding, as ``ui.format`` writes
    return values


def _whole(column: pd.Series) -> np.ndarray:
    """Counts as whole numbers (``%d`` cuts decimals; ``ui.format.count`` rounds them); held
    as floats only where one is missing (a nullable integer column is slow to send)."""
    if column.dtype.kind in "iu":
        return column.to_numpy()
    values = [math.nan if pd.isna(value) else float(round(value)) for value in column.tolist()]
    whole = np.array(values, dtype=float)
    return whole if np.isnan(whole).any() else whole.astype(np.int64)


def written(
    data: pd.DataFrame,
    *,
    rates: Sequence[str] = (),
    counts: Mapping[str, str] | None = None,
    amounts: Sequence[str] = (),
    one_decimal: Sequence[str] = (),
    changes: Sequence[str] = (),
    points: Sequence[str] = (),
    signed_rates: Sequence[str] = (),
) -> Written:
    """Cells written as ``ui.format`` writes them on every other surface, values kept numeric.

    Rates 70.1% (st's "percent" prints 70.11%: issue 10), counts 12,317 人 (a ``%d 人``
    format prints 12317 人), 万元 amounts 118,790.00, hours 1,301.2, a change +3.5%
    (``changes``: a fraction, as ``signed_pct`` takes it; a table sorts it by the change, so a
    change that rounds to zero reads +0.0%), a gap +3.2 (``points``: already in points); a dash
    when unknown. ``signed_rates`` writes a change as text, +3.5% or 持平, which sorts as text.
    """
    columns: dict[str, Any] = {}
    config: dict[str, Any] = {}

    def number(name: str, values: Any, printf: str) -> None:
        columns[name] = values
        config[name] = st.column_config.NumberColumn(format=printf)

    present = set(data.columns)
    for name in (c for c in rates if c in present):
        number(name, _numbers(data[name], 1, 100), fmt.PCT_PRINTF)  # pct(): one decimal
    for name, unit in ((c, u) for c, u in (counts or {}).items() if c in present):
        number(name, _whole(data[name]), f"%,d {unit}".strip())
    for name in (c for c in amounts if c in present):
        number(name, _numbers(data[name], fmt.WAN_DIGITS), f"%,.{fmt.WAN_DIGITS}f")
    for name in (c for c in one_decimal if c in present):
        number(name, _numbers(data[name], fmt.HOURS_DIGITS), f"%,.{fmt.HOURS_DIGITS}f")
    for name in (c for c in changes if c in present):
        number(name, _signed(data[name], 1, 100), fmt.CHANGE_PRINTF)
    for name in (c for c in points if c in present):
        number(name, _signed(data[name], 1), fmt.POINTS_PRINTF)
    for name in (c for c in signed_rates if c in present):
        columns[name] = [fmt.signed_pct(None if pd.isna(v) else v) for v in data[name].tolist()]
        config[name] = st.column_config.TextColumn(alignment="right")  # beside the numbers
    shown = pd.DataFrame(
        {name: columns.get(name, data[name]) for name in data.columns}, index=data.index
    )
    return Written(shown, config)


def dataframe_arguments(
    table: pd.DataFrame | Written, options: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The data and options for st.dataframe: a ``Written`` table's formats under the page's
    own ``column_config`` (which wins), and a dash in cells without a value."""
    if not isinstance(table, Written):
        return table, dict(options)
    merged = {**table.column_config, **(options.get("column_config") or {})}
    return table.data, {"placeholder": MISSING, **options, "column_config": merged}


# A long table shows its first and last EDGE_ROWS rows (top 10 and bottom 10 of a ranking);
# up to LONG_TABLE_ROWS rows a table is shown whole (a subdistrict has 5–30 communities).
EDGE_ROWS = 10
LONG_TABLE_ROWS = 30
PAGE_ROWS = 50
EDGES = -1  # the 显示 choice "前 10 行与后 10 行"


def status_columns(columns: Sequence[str]) -> dict[str, Any]:
    """``column_config`` for status columns: the mark (● 滞后) in the status colour, drawn by
    the table itself (a Styler computes a style for every cell on every run)."""
    marks = list(STATUS_MARKS.values())
    colors = [STATUS_COLORS[key] for key in STATUS_MARKS]
    return {
        column: st.column_config.MultiselectColumn(options=marks, color=colors, width="small")
        for column in columns
    }


@dataclass(frozen=True)
class TableView:
    """The rows of a long table on screen now (index kept: a click maps back to the table),
    the choices of the 显示 box, and the sentence that says what is shown."""

    rows: pd.DataFrame
    choices: tuple[int, ...]
    note: str


def _span(first: int, last: int) -> str:
    return f"第 {first:,}–{last:,} 行"


def page_label(choice: int, total: int) -> str:
    """``前 10 行与后 10 行`` or ``第 51–100 行`` (rows counted from 1)."""
    if choice == EDGES:
        return f"前 {EDGE_ROWS} 行与后 {EDGE_ROWS} 行"
    first = choice * PAGE_ROWS + 1
    return _span(first, min(first + PAGE_ROWS - 1, total))


def matching(frame: pd.DataFrame, search: str, columns: Sequence[str]) -> pd.DataFrame:
    """Rows where any of ``columns`` contains ``search`` (plain text, not a pattern)."""
    words = search.strip()
    if not words:
        return frame
    hit = pd.Series(False, index=frame.index)
    for column in columns:
        hit |= frame[column].astype(str).str.contains(words, regex=False, na=False)
    return frame[hit]


def table_view(
    frame: pd.DataFrame, search: str, choice: int, search_columns: Sequence[str]
) -> TableView:
    """What a long table shows for a search text and a 显示 choice (pure: tested directly)."""
    found = matching(frame, search, search_columns)
    pages = max(math.ceil(len(found) / PAGE_ROWS), 1)
    searching = bool(search.strip())
    choices = tuple(range(pages)) if searching else (EDGES, *range(pages))
    if choice not in choices:
        choice = choices[0]
    total = f"共 {len(frame):,} 行"
    if searching:
        start = choice * PAGE_ROWS
        rows = found.iloc[start : start + PAGE_ROWS]
        shown = f"，显示{page_label(choice, len(found))}" if len(found) > PAGE_ROWS else ""
        note = f"{total}，含“{search.strip()}”的 {len(found):,} 行{shown}"
    elif choice == EDGES:
        ends = [*range(EDGE_ROWS), *range(len(frame) - EDGE_ROWS, len(frame))]
        rows = frame.iloc[ends]  # (pd.concat of head and tail cost 50 times more)
        hidden = len(frame) - 2 * EDGE_ROWS
        note = (
            f"{total}，显示前 {EDGE_ROWS} 行与后 {EDGE_ROWS} 行（中间 {hidden:,} 行未显示）；"
            "输入名称搜索，或在“显示”中选择页码查看其余各行"
        )
    else:
        rows = frame.iloc[choice * PAGE_ROWS : (choice + 1) * PAGE_ROWS]
        note = f"{total}，显示{page_label(choice, len(frame))}"
    return TableView(rows=rows, choices=choices, note=note)


def long_table_note(view: TableView, columns: int) -> str:
    """What a long table shows, that it scrolls (rows, and columns on a phone), and that the
    download has every row."""
    parts = [view.note]
    if len(view.rows) > VISIBLE_ROWS:
        parts.append("在表格内上下滚动查看")
    if columns > NARROW_SCREEN_COLUMNS:
        parts.append(f"共 {columns} 列，屏幕较窄（如手机）时左右滑动查看其余列")
    return "；".join(parts) + "；下载的 Excel 含全部行。"


def long_table(
    frame: pd.DataFrame | Written,
    *,
    key: str,
    search_columns: Sequence[str],
    search_placeholder: str = "输入社区或街道名称",
    written_as: Callable[[pd.DataFrame], pd.DataFrame | Written] | None = None,
    **dataframe_options: Any,
) -> tuple[Any, pd.DataFrame]:
    """st.dataframe of a table that may have thousands of rows; returns the selection event
    and the rows shown (a clicked row is ``rows.iloc[i]``). Short tables are shown whole.

    ``frame`` may be ``Written`` already (made once per view with the query results, so a
    rerun only picks rows); else ``written_as`` writes the cells of the rows shown
    (``written``: 12,317 人), so its cost stays with the 20 or 50 rows on screen.
    """
    cells = frame.column_config if isinstance(frame, Written) else None
    frame = frame.data if isinstance(frame, Written) else frame

    def draw(rows: pd.DataFrame) -> Any:
        if cells is not None:
            shown: pd.DataFrame | Written = Written(rows, cells)
        else:
            shown = written_as(rows) if written_as else rows
        table, options = dataframe_arguments(shown, dataframe_options)
        return st.dataframe(table, key=key, **options)

    if len(frame) <= LONG_TABLE_ROWS:
        event = draw(frame)
        note = hidden_note(frame)
        if note:
            st.caption(note)
        return event, frame
    search_column, page_column = st.columns([3, 2], vertical_alignment="bottom")
    search = search_column.text_input("搜索", key=f"{key}_q", placeholder=search_placeholder)
    page_key = f"{key}_page"
    view = table_view(frame, search or "", st.session_state.get(page_key, EDGES), search_columns)
    if st.session_state.get(page_key) not in view.choices:
        st.session_state[page_key] = view.choices[0]  # a new search starts on its first page
    found = len(matching(frame, search or "", search_columns))
    page_column.selectbox(
        "显示", view.choices, format_func=lambda choice: page_label(choice, found), key=page_key
    )
    event = draw(view.rows)
    st.caption(long_table_note(view, len(frame.columns)))
    return event, view.rows
