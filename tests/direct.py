"""Open a page as the first visit of a session (a pasted link, a bookmark, a wall display).

``AppTest.switch_page`` before the first run resolves the page by its file name, but
``st.Page`` keys pages by ``url_path``; ``views/data_admin.py`` is served at ``/data``. The URL
path is used here, so the first run lands on the page itself (with its query parameters),
not on the default page.
"""

from __future__ import annotations

from conftest import REPO_ROOT

URL_PATHS = {"data_admin": "data"}
# Every page file, in the order of the navigation.
PAGES = [
    "overview",
    "livelihood",
    "fiscal",
    "census",
    "volunteers",
    "screen",
    "weekly",
    "data_admin",
]


def open_direct(page: str, params: dict[str, str] | None = None, timeout: int = 60):  # type: ignore[no-untyped-def]
    """Run ``dashboard.py`` once, landing straight on ``views/<page>.py`` with ``params``."""
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py")
    at._page_hash = calc_hash(URL_PATHS.get(page, page))  # noqa: SLF001 (see module docstring)
    return at.run()
