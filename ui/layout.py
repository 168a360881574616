"""Page furniture shared by every page: sidebar links, page header, KPI cards, empty states."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from figures import meta
from figures.scope import Scope
from ui import data, filters, tables
from ui import format as fmt


def sidebar_navigation(pages: Sequence, hidden_paths: Iterable[str] = ()) -> None:
    """Links to every page that keep the global filters (so a view survives a page change)."""
    params = filters.global_query_params()
    hidden = set(hidden_paths)
    for page in pages:
        if page.url_path in hidden:
            continue
        st.page_link(page, label=page.title, icon=page.icon, query_params=params)


def current_scope() -> Scope:
    """The scope chosen in the sidebar (or the URL, on the big screen)."""
    return st.session_state.get("scope") or Scope()


def page_header(title: str, scope: Scope, extra: Sequence[str] = ()) -> None:
    """Title, URL notices, and the caption that states what is shown (当前筛选：… 数据截至 …)."""
    st.title(title)
    filters.show_notices()
    data_date = data.fetch(meta.latest_data_date, scope)
    filters.show_caption(scope, extra, data_date)


def kpi(
    column,  # type: ignore[no-untyped-def]
    label: str,
    value: str,
    delta: str | None = None,
    *,
    delta_color: str = "normal",
    help_text: str | None = None,
    border: bool = True,
) -> None:
    """One KPI card (st.metric, one line per text: a number never parts from its unit).

    ``delta_color`` says which way is good ("normal", "inverse" or "off"); the arrow and its
    colour follow the sign of the delta's number (:func:`ui.format.delta_look`).
    """
    color, arrow = fmt.delta_look(delta, delta_color)
    column.metric(
        label,
        value,
        delta=delta,
        delta_color=color,
        delta_arrow=arrow,
        help=help_text,
        border=border,
    )


class CardLike(Protocol):
    """What a page's KPI card carries (each page model has its own small dataclass)."""

    label: str
    value: str
    delta: str | None
    delta_color: str
    help_text: str | None


def kpi_row() -> DeltaGenerator:
    """A row of cards that wraps to the next line instead of cutting a card's text with "…".

    st.metric cuts its label, value and delta at the card edge; columns of a fixed share give
    a card 200 px on a 1366 px laptop. A horizontal container lets each card keep the width
    its text needs and moves the cards that do not fit to the next line (one per line on a
    phone).
    """
    return st.container(horizontal=True, gap="small")


def kpi_cards(cards: Sequence[CardLike], per_row: int | None = None) -> list:
    """KPI cards in wrapping rows of at most ``per_row`` (one row by default); returns one
    container per card, in card order, so a page can put a link under a card."""
    per_row = per_row or max(len(cards), 1)
    used = []
    for start in range(0, len(cards), per_row):
        row = kpi_row()
        for card in cards[start : start + per_row]:
            # "content": a card as wide as its text (a stretched one shrinks and cuts it).
            cell = row.container(width="content", border=True, gap=None)
            kpi(
                cell,
                card.label,
                card.value,
                card.delta,
                delta_color=card.delta_color,
                help_text=card.help_text,
                border=False,
            )
            used.append(cell)
    return used


def dataframe(data, container=None, **kwargs):  # type: ignore[no-untyped-def]
    """st.dataframe plus a line that says what the table hides (rows below, columns aside)."""
    target = container or st
    table, options = tables.dataframe_arguments(data, kwargs)  # a ``tables.Written`` table too
    event = target.dataframe(table, **options)
    note = tables.hidden_note(table)
    if note:
        target.caption(note)
    return event


def copy_text(text: str, key: str, note: str | None = None) -> None:
    """An expander 复制全文（纯文本） with ``text`` in a code block (its copy button), drawn only
    once opened.

    A code block loads Streamlit's syntax highlighter (1.5 MB of JavaScript registering ~190
    languages): 1.0–1.3 s of the browser's main thread on every visit of a page that has one,
    even inside a closed expander (issue #11). Opening it reruns the page (its figures are
    cached) and draws the same text.
    """
    box = st.expander(
        "复制全文（纯文本）", icon=":material/content_copy:", key=key, on_change="rerun"
    )
    if box.open:
        box.code(text, language=None, wrap_lines=True)
        if note:
            box.caption(note)


def empty_state(message: str) -> None:
    """A helpful message instead of an empty chart."""
    st.info(filters.escape_markdown(message), icon=":material/info:")


def today() -> dt.date:
    return dt.date.today()


def link_params(subdistrict: str | None = None, community: str | None = None) -> dict[str, str]:
    """Query parameters for a link: the current global filters, narrowed to one community."""
    params = filters.global_query_params()
    if subdistrict:
        params["subdistrict"] = subdistrict
    if community:
        params["community"] = (
            filters.community_link_value(subdistrict, community) if subdistrict else community
        )
    return params
