"""Entry point: page registry, the shared sidebar (navigation + global filters), then the page.

Run with ``streamlit run dashboard.py``. Pages live in ``views/`` (not ``pages/``: see README,
"为什么页面目录叫 views"). The big screen gets no sidebar at all.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import auth, data, filters, heap, layout

APP_TITLE = "街道治理数据看板"

# A file in the repository: an emoji or :material: page icon makes every browser fetch the
# favicon from an internet font host, which fails (and is logged) on an offline intranet.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
st.set_page_config(page_title=APP_TITLE, page_icon=str(FAVICON), layout="wide")

PAGES = [
    st.Page(
        "views/overview.py",
        title="领导驾驶舱",
        url_path="overview",
        default=True,
        icon=":material/space_dashboard:",
    ),
    st.Page(
        "views/livelihood.py", title="民生实事", url_path="livelihood", icon=":material/task_alt:"
    ),
    st.Page("views/fiscal.py", title="财政税收", url_path="fiscal", icon=":material/paid:"),
    st.Page("views/census.py", title="人口普查", url_path="census", icon=":material/groups:"),
    st.Page(
        "views/volunteers.py",
        title="志愿服务",
        url_path="volunteers",
        icon=":material/volunteer_activism:",
    ),
    st.Page("views/weekly.py", title="周例会", url_path="weekly", icon=":material/event_note:"),
    st.Page("views/screen.py", title="数据大屏", url_path="screen", icon=":material/tv:"),
    st.Page("views/data_admin.py", title="数据管理", url_path="data", icon=":material/upload:"),
]
SCREEN_PATHS = {"screen"}
# The global filters a page uses (the others are not shown there); every other page uses all.
# /weekly reports per 街道 and its own 报告日期; /data's correction list narrows by 街道 and 社区 (after
# the login, which uses none).
PAGE_FILTERS = {"weekly": ("subdistrict",), "data": ("subdistrict", "community")}

page = st.navigation(PAGES, position="hidden")
# One connection for every query of this run that misses the cache (ui.data).
with data.one_connection_per_run():
    if page.url_path in SCREEN_PATHS and not data.database_answers():
        # The big screen keeps its dark board, says 数据库暂时无法连接，正在重试 and reloads the app
        # by itself once the database answers (views/screen.py); no button on a wall display.
        st.session_state["scope"] = None
        st.session_state[data.SCREEN_WAITING_KEY] = True
        page.run()
        st.stop()
    # Any database failure below (down, busy, timed out, absurd values) is one Chinese message.
    with data.database_guard():
        auth.guard(page)  # database reachable; a login first when DASHBOARD_REQUIRE_LOGIN=1
        if page.url_path in SCREEN_PATHS:
            st.session_state["scope"] = filters.scope_from_url()
        else:
            with st.sidebar:
                st.markdown(f"### {APP_TITLE}")
                layout.sidebar_navigation(PAGES, SCREEN_PATHS)
                shown = PAGE_FILTERS.get(page.url_path, filters.GLOBAL_KEYS)
                if page.url_path == "data" and auth.current_user() is None:
                    shown = ()
                if shown:
                    st.divider()
                st.session_state["scope"] = filters.render_global_filters(shown)
        page.run()
# The first runs import most of what the process will hold: out of the collector's walks (a
# run ended by st.stop or st.rerun leaves it to the next one).
heap.freeze_what_imports_made()
