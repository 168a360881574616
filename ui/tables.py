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
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

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
        rows = pd.concat([frame.head(EDGE_ROWS), frame.tail(EDGE_ROWS)])
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
    frame: pd.DataFrame,
    *,
    key: str,
    search_columns: Sequence[str],
    search_placeholder: str = "输入社区或街道名称",
    written_as: Callable[[pd.DataFrame], pd.DataFrame | Styler] | None = None,
    **dataframe_options: Any,
) -> tuple[Any, pd.DataFrame]:
    """st.dataframe of a table that may have thousands of rows; returns the selection event
    and the rows shown (a clicked row is ``rows.iloc[i]``). Short tables are shown whole.

    ``written_as`` writes the cells of the rows shown (``written``: 12,317 人), so its cost
    stays with the 20 or 50 rows on screen, never the whole table.
    """
    draw = written_as or (lambda rows: rows)
    if len(frame) <= LONG_TABLE_ROWS:
        event = st.dataframe(draw(frame), key=key, **dataframe_options)
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
    event = st.dataframe(draw(view.rows), key=key, **dataframe_options)
    st.caption(long_table_note(view, len(frame.columns)))
    return event, view.rows
