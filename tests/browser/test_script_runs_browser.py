"""One script run per fresh visit, per filter change and per page link (issue #11).

Every extra run of the page script costs a whole server run and a redraw, so a URL sync that
calls ``st.rerun()``, or a widget whose seeded value the browser corrects and sends back, would
double the wait for every viewer. Runs are counted in the server's own log: at debug level
Streamlit's script runner writes ``Running script`` at the start of every run, including a run
that ``st.rerun()`` starts inside the server (which the browser never asks for).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from figures.meta import list_communities, list_subdistricts
from storage.db import make_engine

from .conftest import SIDEBAR, sqlite_url, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

RUN_STARTED = "Running script"
# Long enough for a run the page (or the browser correcting a widget) asks for after the first.
SETTLE_MS = 1_500
RUN_WAIT_S = 60


class CountedServer:
    """A dashboard server whose log shows every script run."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.log = workdir / "streamlit.log"

    def runs_so_far(self) -> int:
        return self.log.read_text("utf-8", "replace").count(RUN_STARTED)

    def runs_caused_by(self, page: Page, action: Callable[[], None]) -> int:
        """How many script runs ``action`` started, once the page has drawn and settled."""
        before = self.runs_so_far()
        action()
        deadline = time.monotonic() + RUN_WAIT_S
        while self.runs_so_far() == before and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        wait_for_app(page)
        page.wait_for_timeout(SETTLE_MS)
        wait_for_app(page)
        return self.runs_so_far() - before


@pytest.fixture(scope="module")
def counted_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CountedServer]:
    workdir = tmp_path_factory.mktemp("runs")
    with streamlit_server(workdir, ("--logger.level", "debug")) as url:
        yield CountedServer(url, workdir)


@pytest.fixture(scope="module")
def demo_names(counted_server: CountedServer, browser: Browser) -> tuple[str, str]:
    """A subdistrict of the demo and one of its communities (the first visit fills the demo)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(counted_server.url + "/")
    wait_for_app(page)
    context.close()
    engine = make_engine(sqlite_url(counted_server.workdir))
    try:
        subdistrict = list_subdistricts(engine)[-1]
        return subdistrict, list_communities(engine, subdistrict)[-1]
    finally:
        engine.dispose()


def _filtered_link(names: tuple[str, str]) -> str:
    subdistrict, community = names
    return (
        f"/livelihood?subdistrict={quote(subdistrict)}&community={quote(community)}"
        f"&from=2026-02-01&to=2026-06-30&status={quote('推进中')}"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/livelihood",
        "/fiscal",
        "/census",
        "/volunteers",
        "/weekly",
        "/screen",
        "/data",
        "/?to=2026-03-31",
        "/volunteers?from=2026-06-30&to=2026-02-01",
        "FILTERED",
    ],
)
def test_a_fresh_visit_runs_the_script_once(
    page: Page, counted_server: CountedServer, demo_names: tuple[str, str], path: str
) -> None:
    """Opening a page (with or without filters in the link) is one run, not a run and a rerun."""
    if path == "FILTERED":
        path = _filtered_link(demo_names)
    runs = counted_server.runs_caused_by(page, lambda: page.goto(counted_server.url + path))
    assert runs == 1, f"{path}: {runs} script runs for one visit"


def test_each_filter_change_runs_the_script_once(
    page: Page, counted_server: CountedServer, demo_names: tuple[str, str]
) -> None:
    """Choosing a 街道, a page filter or 重置筛选 reruns the page once (the URL follows quietly)."""
    subdistrict, _ = demo_names
    page.goto(counted_server.url + "/livelihood?to=2026-05-31")
    wait_for_app(page)

    def choose_subdistrict() -> None:
        page.get_by_role("combobox", name="街道").click()
        page.get_by_role("option", name=subdistrict, exact=True).click()

    def choose_status() -> None:
        # The list sometimes stays shut on the first click, or (on a loaded machine) shuts again
        # between showing its options and the click: open it again rather than wait 30 s.
        for _ in range(3):
            page.locator(SIDEBAR).get_by_role("combobox", name="状态").click()
            choice = page.get_by_role("option", name="推进中", exact=True)
            try:
                choice.wait_for(timeout=5_000)
                choice.click(timeout=5_000)
            except PlaywrightTimeoutError:
                continue
            page.keyboard.press("Escape")
            return
        pytest.fail("「状态」的选项没有出现")

    def reset() -> None:
        page.get_by_role("button", name="重置筛选").click()

    for name, action in (("街道", choose_subdistrict), ("状态", choose_status), ("重置", reset)):
        runs = counted_server.runs_caused_by(page, action)
        assert runs == 1, f"{name}: {runs} script runs for one filter change"
    assert "subdistrict=" not in page.url


def test_a_page_link_runs_the_script_once(page: Page, counted_server: CountedServer) -> None:
    """Going to another page through the sidebar (filters kept in the link) is one run."""
    page.goto(counted_server.url + "/?to=2026-04-30")
    wait_for_app(page)
    runs = counted_server.runs_caused_by(
        page, lambda: page.locator(SIDEBAR).get_by_role("link", name="志愿服务").click()
    )
    assert runs == 1, f"{runs} script runs for one page change"
    assert "/volunteers" in page.url and "to=2026-04-30" in page.url
