"""The one filter module: global filters in the sidebar, page filters, all mirrored in the URL.

Every filter widget has an ASCII key that is also its query parameter. On the first run of a
session (or of a page, for page filters) the value comes from the URL; afterwards the widget
owns it and the URL follows. Bad URL values are dropped with a visible notice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from typing import Any

import streamlit as st

from figures.scope import EARLIEST_DATE, Scope, latest_date
from ui import data
from ui.urlstate import (
    CommunityParam,
    UrlParam,
    changed_params,
    community_token,
    order_dates,
)

GLOBAL_KEYS: tuple[str, ...] = ("subdistrict", "community", "from", "to")
NOTICES_KEY = "_url_notices"
RESEED_KEY = "_filters_from_link"
ALL = "全部街道"


def _notices() -> list[str]:
    return st.session_state.setdefault(NOTICES_KEY, [])


def _load_from_url(spec: UrlParam | CommunityParam, default: Any) -> None:
    """Seed the widget state from the URL once (while the widget has no state yet)."""
    if spec.key in st.session_state:
        return
    value = default
    raw = st.query_params.get(spec.key)
    if raw is not None:
        parsed, notice = spec.parse(raw)
        if notice:
            _notices().append(notice)
        if parsed is not None:
            value = parsed
    st.session_state[spec.key] = value


def _write_to_url(specs: Sequence[UrlParam | CommunityParam], defaults: dict[str, Any]) -> None:
    """Make the URL show the current non-default values of ``specs``."""
    wanted: dict[str, str | None] = {}
    for spec in specs:
        value = st.session_state.get(spec.key)
        wanted[spec.key] = None if value == defaults.get(spec.key) else spec.format(value)
    current = {key: st.query_params.get(key) for key in wanted if key in st.query_params}
    to_set, to_delete = changed_params(current, wanted)
    for key in to_delete:
        del st.query_params[key]
    for key, value in to_set.items():
        st.query_params[key] = value


def default_dates(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """From 1 January of this year to today: this year's figures, as leaders read them."""
    today = today or dt.date.today()
    return dt.date(today.year, 1, 1), today


def year_start(day: dt.date) -> dt.date:
    """1 January of ``day``'s year: where a year-to-date view begins."""
    return dt.date(day.year, 1, 1)


def open_link(page: str, params: dict[str, str]) -> None:
    """Go to ``page`` showing exactly the view ``params`` describe (a drill-down link).

    ``st.switch_page`` alone changes the URL but not the filter widgets, which already hold
    a value and so never read the URL again (the league row arrived as 全部社区). The flag
    makes the next run forget every filter value and seed them from the new URL, as a
    freshly opened link would.
    """
    st.session_state[RESEED_KEY] = True
    st.switch_page(page, query_params=params)


def _forget_filters_after_link() -> None:
    if not st.session_state.pop(RESEED_KEY, False):
        return
    for key in list(st.session_state.keys()):
        if key in GLOBAL_KEYS or str(key).startswith("pf_"):
            del st.session_state[key]


def render_global_filters(shown: Collection[str] = GLOBAL_KEYS) -> Scope:
    """Subdistrict, communities and date range in the sidebar; returns the chosen scope.

    Only the filters in ``shown`` get a widget (a page shows only what it uses); the others
    keep their value from the URL or the session, untouched, for the next page.
    """
    _forget_filters_after_link()
    subdistricts = data.directory().subdistricts
    sub_spec = UrlParam("subdistrict", "街道", choices=tuple(subdistricts))
    _load_from_url(sub_spec, None)
    if "subdistrict" in shown:
        st.selectbox(
            "街道",
            options=[None, *subdistricts],
            format_func=lambda v: ALL if v is None else v,
            key="subdistrict",
            placeholder=ALL,
        )
    subdistrict = st.session_state["subdistrict"]
    com_spec = community_param(subdistrict)
    options = com_spec.options()
    _load_from_url(com_spec, [])
    st.session_state["community"] = [
        c for c in st.session_state.get("community") or [] if c in options
    ]
    if "community" in shown:
        # select_all=False: the built-in bulk option is labelled in English ("Select all").
        st.multiselect(
            "社区",
            options=list(options),
            format_func=com_spec.display,
            key="community",
            placeholder="全部社区",
            select_all=False,
        )
    chosen = com_spec.keys(st.session_state["community"])
    from_spec = UrlParam("from", "开始日期", kind="date")
    to_spec = UrlParam("to", "截止日期", kind="date")
    today = default_dates()[1]
    _load_from_url(to_spec, today)
    # A link with only ?to= reads "year to date as of that day": from 1 January of its year.
    _load_from_url(from_spec, year_start(st.session_state["to"]))
    _fix_reversed_dates()
    if "from" in shown:
        st.date_input(
            "开始日期",
            key="from",
            min_value=EARLIEST_DATE,
            max_value=latest_date(),
            format="YYYY-MM-DD",
        )
    if "to" in shown:
        st.date_input(
            "截止日期（数据截至）",
            key="to",
            min_value=EARLIEST_DATE,
            max_value=latest_date(),
            format="YYYY-MM-DD",
        )
    date_from, date_to = st.session_state["from"], st.session_state["to"]
    if shown:
        st.button(
            "重置筛选", on_click=reset_filters, key="reset_filters", icon=":material/restart_alt:"
        )
    specs: list[UrlParam | CommunityParam] = [sub_spec, com_spec, from_spec, to_spec]
    _write_to_url(
        [spec for spec in specs if spec.key in shown],
        {
            "subdistrict": None,
            "community": [],
            "from": year_start(st.session_state["to"]),
            "to": today,
        },
    )
    return Scope(
        subdistrict=subdistrict,
        communities=chosen,
        date_from=date_from,
        date_to=date_to,
        shared_names=com_spec.shared,
    )


def community_param(subdistrict: str | None) -> CommunityParam:
    """The ``community`` URL parameter read against every ``(街道, 社区)`` in the database."""
    return data.directory().community_param(subdistrict)


def community_link_value(subdistrict: str, name: str) -> str:
    """``community=`` for a link to one community: the form the 社区 filter reads back."""
    return community_token((subdistrict, name), community_param(None).shared)


def _fix_reversed_dates() -> None:
    date_from, date_to, notice = order_dates(
        st.session_state.get("from"), st.session_state.get("to")
    )
    if notice:
        _notices().append(notice)
        st.session_state["from"], st.session_state["to"] = date_from, date_to


def scope_from_url() -> Scope:
    """The scope without widgets (the big screen has no sidebar): URL values, validated."""
    subdistricts = data.directory().subdistricts
    params = {key: st.query_params.get(key) for key in GLOBAL_KEYS if key in st.query_params}
    sub, notice = UrlParam("subdistrict", "街道", choices=tuple(subdistricts)).parse(
        params.get("subdistrict") or ""
    )
    notices = [notice] if notice else []
    com_spec = community_param(sub)
    chosen, notice = com_spec.parse(params.get("community") or "")
    notices += [notice] if notice else []
    date_from, notice_from = UrlParam("from", "开始日期", kind="date").parse(
        params.get("from") or ""
    )
    date_to, notice_to = UrlParam("to", "截止日期", kind="date").parse(params.get("to") or "")
    notices += [n for n in (notice_from, notice_to) if n]
    date_to = date_to or default_dates()[1]
    date_from, date_to, notice = order_dates(date_from or year_start(date_to), date_to)
    notices += [notice] if notice else []
    _notices().extend(notices)
    return Scope(sub, com_spec.keys(chosen or ()), date_from, date_to, com_spec.shared)


def reset_filters() -> None:
    """Back to the defaults: every global and page filter, and the URL."""
    for key in list(st.session_state.keys()):
        if key in GLOBAL_KEYS or str(key).startswith("pf_"):
            del st.session_state[key]
    st.query_params.clear()


def url_choice(
    key: str,
    label: str,
    options: Sequence[str],
    *,
    all_label: str | None = "全部",
    default: str | None = None,
    container: Any = None,
) -> str | None:
    """A page filter (one choice) kept in the URL under ``key``.

    With ``all_label`` the first entry means "all" (value None); with ``all_label=None`` one
    option is always chosen and ``default`` (left out of the URL) is the fallback. Page filter
    state keys start with ``pf_`` so a reset clears them; the URL key is the bare ``key``.
    """
    state_key = f"pf_{key}"
    spec = UrlParam(key, label, choices=tuple(options))
    _seed_page_filter(spec, state_key, default)
    if st.session_state[state_key] not in (default, *options):
        st.session_state[state_key] = default
    choices: list[str | None] = list(options) if all_label is None else [None, *options]
    value = (container or st).selectbox(
        label,
        options=choices,
        format_func=lambda v: (all_label or "") if v is None else v,
        key=state_key,
        placeholder=all_label or label,
    )
    _write_page_filter(spec, value, default)
    return value


def url_choices(
    key: str, label: str, options: Sequence[str], *, container: Any = None
) -> list[str]:
    """A page filter (several choices, empty = all) kept in the URL as ``A,B``."""
    state_key = f"pf_{key}"
    spec = UrlParam(key, label, kind="list", choices=tuple(options))
    _seed_page_filter(spec, state_key, [])
    st.session_state[state_key] = [v for v in st.session_state[state_key] or [] if v in options]
    target = container or st
    value = target.multiselect(
        label, options=list(options), key=state_key, placeholder="全部", select_all=False
    )
    _write_page_filter(spec, value, [])
    return list(value)


def url_text(
    key: str,
    label: str,
    *,
    placeholder: str = "",
    max_chars: int = 100,
    container: Any = None,
) -> str:
    """A free-text page filter (a search box) kept in the URL under ``key``."""
    state_key = f"pf_{key}"
    spec = UrlParam(key, label)
    _seed_page_filter(spec, state_key, "")
    st.session_state[state_key] = str(st.session_state[state_key] or "")[:max_chars]
    value = (container or st).text_input(
        label, key=state_key, placeholder=placeholder, max_chars=max_chars
    )
    text = value.strip()
    _write_page_filter(spec, text, "")
    return text


def url_date(key: str, label: str, default: dt.date, *, container: Any = None) -> dt.date:
    """A page date (``?as_of=`` on /weekly) kept in the URL when not the default."""
    state_key = f"pf_{key}"
    spec = UrlParam(key, label, kind="date")
    _seed_page_filter(spec, state_key, default)
    target = container or st
    value = target.date_input(
        label, key=state_key, min_value=EARLIEST_DATE, max_value=latest_date(), format="YYYY-MM-DD"
    )
    _write_page_filter(spec, value, default)
    return value


def url_int(key: str, default: int, *, minimum: int, maximum: int, label: str) -> int:
    """A number from the URL with no widget (``?rotate=30`` on the big screen)."""
    raw = st.query_params.get(key)
    if raw is None:
        return default
    value, notice = UrlParam(key, label, kind="int", minimum=minimum, maximum=maximum).parse(raw)
    if notice:
        _notices().append(notice)
    return default if value is None else int(value)


def _seed_page_filter(spec: UrlParam, state_key: str, default: Any) -> None:
    if state_key in st.session_state:
        return
    value = default
    raw = st.query_params.get(spec.key)
    if raw is not None:
        parsed, notice = spec.parse(raw)
        if notice:
            _notices().append(notice)
        if parsed is not None:
            value = parsed
    st.session_state[state_key] = value


def _write_page_filter(spec: UrlParam, value: Any, default: Any) -> None:
    text = None if value == default else spec.format(value)
    current = st.query_params.get(spec.key)
    if text is None and current is not None:
        del st.query_params[spec.key]
    elif text is not None and current != text:
        st.query_params[spec.key] = text


def global_query_params() -> dict[str, str]:
    """The global filters as query parameters, for links that keep the current view."""
    return {key: st.query_params[key] for key in GLOBAL_KEYS if key in st.query_params}


def show_notices() -> None:
    """Show (once) what was ignored in the URL, as plain text (never HTML or markdown)."""
    notices = st.session_state.pop(NOTICES_KEY, [])
    for notice in dict.fromkeys(notices):
        st.warning(escape_markdown(notice), icon=":material/link_off:")


def show_caption(scope: Scope, extra: Sequence[str] = (), data_date: dt.date | None = None) -> None:
    """The one-line statement of what the page shows: 当前筛选：… 数据截至 …"""
    parts = [scope.describe(), *extra]
    parts.append(f"数据截至 {data_date.isoformat()}" if data_date else "暂无数据")
    st.caption(escape_markdown(" · ".join(parts)))


# What can start markup anywhere in markdown, each written with a backslash before it.
_MARKUP_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|~$"})


def escape_markdown(text: str) -> str:
    """Text from data or the URL shown literally in markdown-rendering elements.

    Escapes what can start markup anywhere (emphasis, links, images, HTML, code, tables,
    Streamlit's ``:color[...]`` directives via the bracket) and list/heading markers at the
    start of a line; ordinary punctuation such as ``2026-01-01`` stays readable.
    """
    escaped = str(text).translate(_MARKUP_ESCAPES)  # one C pass: a city's 通报 is long
    lines = []
    for line in escaped.split("\n"):
        stripped = line.lstrip()
        if stripped[:1] in ("#", "-", "+", ">", "="):
            line = line.replace(stripped, "\\" + stripped, 1)
        else:
            line = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)
