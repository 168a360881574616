"""数据大屏: a dark, self-running board for a meeting-room TV or LED wall.

No sidebar (dashboard.py renders none here) and no toolbar: the board is one full-viewport
container drawn over everything. A fragment keeps it alive without reloading the page: the
board (rotation every ``?rotate=`` s, data every ``?refresh=`` s); the clock ticks in the
browser (``CLOCK_JS``), so a busy server never freezes it.
Only a constant, data-free style block is HTML; every figure goes through escaped markdown.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import streamlit as st

from figures.scope import Scope
from storage.db import database_url
from storage.finite import require_finite
from ui import charts, data, filters, layout, screen_model
from ui import format as fmt
from ui.screen_model import SECTIONS, Figure, Rotation, ScreenData, SectionView

ROTATION_KEY = "screen_rotation"

SCREEN_CSS = """
<style>
html { font-size: min(2vh, 1.125vw); }
html, body { overflow: hidden; }
.st-key-screen-root {
  position: fixed; inset: 0; z-index: 1000100;
  box-sizing: border-box; overflow: hidden;
  padding: 1.2rem 1.8rem 1.2rem 1.8rem;
  gap: 1rem;
  background: radial-gradient(ellipse at top, #13294a 0%, #0b1a2e 55%, #07111f 100%);
  color: #e8f1ff;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
}
.st-key-screen-root p { margin: 0; color: inherit; font-size: 1rem; line-height: 1.3; }
.st-key-screen-head { flex: 0 0 auto; align-items: center; gap: 2rem;
  border-bottom: 2px solid #23395a; padding-bottom: 0.6rem; }
.st-key-screen-title p { font-size: 2.6rem; font-weight: 700; letter-spacing: 0.12em;
  color: #f4f8ff; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.st-key-screen-clock p { font-size: 1.5rem; color: #9fc3ff; text-align: right;
  white-space: nowrap; font-variant-numeric: tabular-nums; }
.st-key-screen-notices p { font-size: 1rem; color: #ffd479; }
/* Streamlit wraps every container in a layout div: the growing rules go on the wrappers. */
.st-key-screen-root div:has(.st-key-screen-board),
.st-key-screen-board, .st-key-screen-board div:has(.st-key-screen-body), .st-key-screen-body,
.st-key-screen-figures > div, [class*="st-key-screen-figrow-"] > div,
.st-key-screen-chart > div {
  flex: 1 1 0; min-height: 0; min-width: 0; }
.st-key-screen-board { gap: 1rem; }
.st-key-screen-status { flex: 0 0 auto; align-items: baseline; gap: 2rem; }
.st-key-screen-section p { font-size: 1.9rem; font-weight: 700; color: #ffffff;
  white-space: nowrap; }
.st-key-screen-updated p { font-size: 1.1rem; color: #9fb7d6; text-align: right;
  white-space: nowrap; }
.st-key-screen-body { gap: 1.5rem; align-items: stretch; }
.st-key-screen-body > div:has(.st-key-screen-figures) { flex: 0 0 40%; }
.st-key-screen-figures { height: 100%; gap: 1rem; }
.st-key-screen-chart { height: 100%; box-sizing: border-box; overflow: hidden;
  background: rgba(255,255,255,0.03); border: 1px solid #23395a; border-radius: 0.8rem;
  padding: 0.8rem 1rem; }
[class*="st-key-screen-figrow-"] { height: 100%; gap: 1rem; align-items: stretch; }
[class*="st-key-screen-figrow-"] > div > div { flex: 1 1 0; min-height: 0; }
[class*="st-key-screen-valrow-"] { flex-wrap: nowrap; align-items: baseline; gap: 0.5rem; }
[class*="st-key-screen-valrow-"] > div { flex: 0 0 auto; width: auto; min-width: 0; }
[class*="st-key-screen-fig-"] { height: 100%; justify-content: center; gap: 0.4rem;
  background: rgba(255,255,255,0.04); border: 1px solid #23395a; border-radius: 0.8rem;
  padding: 0.8rem 1.2rem; box-sizing: border-box; overflow: hidden; }
/* Labels and notes wrap in balanced lines (never one lone character on the last line). */
[class*="st-key-screen-label-"] p { font-size: 1.35rem; color: #9fb7d6; text-wrap: balance; }
[class*="st-key-screen-value-"] p { font-size: 4.6rem; font-weight: 700; line-height: 1.1;
  color: #ffffff; white-space: nowrap; font-variant-numeric: tabular-nums; }
/* Value sizes by length (ui/screen_model.value_size): value and unit always fit the card. */
[class*="st-key-screen-value-"][class*="-size1-"] p { font-size: 4.0rem; }
[class*="st-key-screen-value-"][class*="-size2-"] p { font-size: 3.4rem; }
[class*="st-key-screen-value-"][class*="-size3-"] p { font-size: 2.8rem; }
[class*="st-key-screen-value-"][class*="-size4-"] p { font-size: 2.3rem; }
[class*="st-key-screen-value-"][class*="-size5-"] p { font-size: 1.9rem; }
[class*="st-key-screen-unit-"] p { font-size: 1.5rem; color: #9fb7d6; white-space: nowrap; }
[class*="st-key-screen-note-"] p { font-size: 1.15rem; line-height: 1.35; color: #c9d8ee;
  text-wrap: balance; }
/* status colours */
.st-key-screen-empty p { font-size: 1.6rem; color: #9fb7d6; text-align: center; }
</style>
""".replace(
    "/* status colours */",
    # The status colours of the board, from the one palette (constants, no data).
    "\n".join(
        f'[class*="st-key-screen-value-{key}"] p {{ color: {fmt.status_color_on_dark(key)}; }}'
        for key in fmt.STATUS_COLORS
    ),
)


# Streamlit's frontend records every script run in the browser's performance timeline
# (performance.mark "running" / "notRunning" and a "script-run-cycle" measure) and never clears
# it; Chrome keeps user-timing entries without limit. The clock used to run the script every
# second (~260,000 entries a day); the board's fragment still runs it every few seconds. This
# constant, data-free script empties the timeline once a minute (one interval per page: the
# window flag). Nothing reads those entries; Streamlit's own measure is in a try/catch.
TIMELINE_TRIM_JS = """<script>
if (!window.__screenTimelineTrim) {
  window.__screenTimelineTrim = setInterval(() => {
    performance.clearMarks();
    performance.clearMeasures();
  }, 60000);
}
</script>"""


# The title clock ticks in the browser: a constant, data-free script rewrites the clock's text
# every second from the browser's own time (the same format as ``screen_model.clock_text``,
# which the server draws at each full run). A server-side 1 s fragment used to do this: with
# ten sessions on two cores its reruns queued behind page runs and the clock froze (issue 9),
# and it cost one script run per second per open screen. Only the text node Streamlit drew is
# changed, so the next server render simply takes over again.
CLOCK_JS = """<script>
if (!window.__screenClock) {
  const days = ["日", "一", "二", "三", "四", "五", "六"];
  const two = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const el = document.querySelector(".st-key-screen-clock p");
    if (!el) return;
    const d = new Date();
    const text = `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 星期${days[d.getDay()]} `
      + `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    // Rewrite React's own text nodes in place (replacing them would break its next render).
    // Markdown may split the server's text into several (at ":26:"-like runs): the first
    // takes the whole clock, the others are emptied.
    const nodes = Array.from(el.childNodes);
    if (nodes.length && nodes.every((n) => n.nodeType === Node.TEXT_NODE)) {
      nodes[0].nodeValue = text;
      nodes.slice(1).forEach((n) => { n.nodeValue = ""; });
    } else { el.textContent = text; }
  };
  window.__screenClock = setInterval(tick, 1000);
  tick();
}
</script>"""


def _now() -> dt.datetime:
    """The time where the screen hangs (the browser's time zone), not the server's."""
    try:
        zone = zoneinfo.ZoneInfo(st.context.timezone or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.datetime.now()
    return dt.datetime.now(zone).replace(tzinfo=None)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _load(url: str, version: int, scope: Scope, tick: int) -> ScreenData:
    """The screen's data for one refresh period (``tick``); a new period queries again."""
    with data.connection() as connection:
        screen = screen_model.load_screen_data(connection, scope, _now())
    return require_finite(screen, nan=False)


def _markdown(key: str, text: str) -> None:
    """Data text in its own keyed container (styled by the constant CSS), escaped."""
    with st.container(key=key):
        st.markdown(filters.escape_markdown(text))


def _figure(index: int, figure: Figure) -> None:
    with st.container(key=f"screen-fig-{index}"):
        _markdown(f"screen-label-{index}", fmt.keep_units(figure.label))
        with st.container(horizontal=True, key=f"screen-valrow-{index}"):
            size = f"size{screen_model.value_size(figure.value, figure.unit)}"
            _markdown(f"screen-value-{figure.status or 'plain'}-{size}-{index}", figure.value)
            if figure.unit:
                _markdown(f"screen-unit-{index}", figure.unit)
        if figure.note:
            _markdown(f"screen-note-{index}", fmt.keep_units(figure.note))


def _figures(figures: list[Figure]) -> None:
    with st.container(key="screen-figures"):
        for row in range(0, len(figures), 2):
            with st.container(horizontal=True, key=f"screen-figrow-{row}"):
                for index in range(row, min(row + 2, len(figures))):
                    _figure(index, figures[index])


def _chart(section: str, chart: dict | None) -> None:
    with st.container(key="screen-chart"):
        if chart is None:
            _markdown("screen-empty", screen_model.empty_message(section))
            return
        charts.show(chart, height="stretch", width="stretch")


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def _section(url: str, version: int, scope: Scope, tick: int, section: str) -> SectionView:
    """One section as drawn for one refresh period: its figures and chart are made once."""
    return screen_model.section_view(section, _load(url, version, scope, tick))


def _current_scope(base: Scope) -> Scope:
    """The URL's scope, moved to today when its dates are the defaults (a screen runs for days).

    Today is the server's, as on every other page, so the board and the report agree.
    """
    return screen_model.rolled_scope(
        base,
        layout.today(),
        from_in_url="from" in st.query_params,
        to_in_url="to" in st.query_params,
    )


def _board(base: Scope, rotate: int, refresh: int) -> None:
    """The rotating section: advance when due, reload data when a refresh period starts."""
    now = time.time()
    rotation: Rotation = screen_model.advance(
        st.session_state.get(ROTATION_KEY), now, rotate, len(SECTIONS)
    )
    st.session_state[ROTATION_KEY] = rotation
    scope = _current_scope(base)
    try:
        board = _section(
            database_url(),
            data.data_version(),
            scope,
            screen_model.refresh_tick(now, refresh),
            SECTIONS[rotation.index],
        )
    except data.DATABASE_ERRORS as error:  # the board says so and tries again next time
        with st.container(key="screen-board"):
            _markdown("screen-empty", data.screen_problem_text(error))
        return
    if st.session_state.pop(data.SCREEN_WAITING_KEY, False):
        st.rerun(scope="app")  # the database is back: check the URL's filters, draw it all
    section = SECTIONS[rotation.index]
    with st.container(key="screen-board"):
        with st.container(horizontal=True, key="screen-status"):
            _markdown("screen-section", screen_model.section_caption(rotation.index))
            _markdown(
                "screen-updated",
                f"{screen_model.data_date_text(board.data_date)} · "
                f"刷新于 {board.loaded_at:%H:%M:%S}",
            )
        with st.container(horizontal=True, key="screen-body"):
            _figures(board.figures)
            _chart(section, board.chart)


def _clock() -> None:
    _markdown("screen-clock", screen_model.clock_text(_now()))


base_scope = layout.current_scope()
rotate_seconds = filters.url_int(
    "rotate",
    screen_model.DEFAULT_ROTATE_SECONDS,
    minimum=screen_model.MIN_SECONDS,
    maximum=screen_model.MAX_ROTATE_SECONDS,
    label="轮播间隔（秒）",
)
refresh_seconds = filters.url_int(
    "refresh",
    screen_model.DEFAULT_REFRESH_SECONDS,
    minimum=screen_model.MIN_SECONDS,
    maximum=screen_model.MAX_REFRESH_SECONDS,
    label="刷新间隔（秒）",
)
st.html(SCREEN_CSS)
st.html(TIMELINE_TRIM_JS, unsafe_allow_javascript=True)
st.html(CLOCK_JS, unsafe_allow_javascript=True)
with st.container(key="screen-root"):
    with st.container(horizontal=True, key="screen-head"):
        _markdown("screen-title", screen_model.screen_title(base_scope))
        _clock()  # drawn here once per run; CLOCK_JS makes it tick in the browser
    notices = st.session_state.pop(filters.NOTICES_KEY, [])
    if notices:
        _markdown("screen-notices", "；".join(dict.fromkeys(notices)))
    board_every = screen_model.fragment_interval(rotate_seconds, refresh_seconds)
    if st.session_state.get(data.SCREEN_WAITING_KEY):
        board_every = min(board_every, data.SCREEN_RETRY_SECONDS)
    st.fragment(_board, run_every=board_every)(base_scope, rotate_seconds, refresh_seconds)
