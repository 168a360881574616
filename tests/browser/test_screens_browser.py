"""Every page at the sizes people really have, read like a person would (issue 13).

Office laptop 1366×768, monitor 1920×1080, phone 390×844; the big screen at 1280×720,
1920×1080, 3840×2160 and a 2880×960 LED wall, every rotation section. A page fails on text
cut by an ellipsis or a clipping box, a number split from its unit across lines, sideways
scrolling, or any request to a host other than the server (an offline intranet logs those).
Screenshots go to tests/artifacts/screenshots/layout-*.png to be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from figures.league import community_league
from figures.scope import Scope
from storage.db import make_engine

from .conftest import EXCEPTION_BOX, SCREENSHOT_DIR, SIDEBAR, save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

CHECKS_JS = (Path(__file__).with_name("layout_checks.js")).read_text(encoding="utf-8")
PAGES = ["/", "/livelihood", "/fiscal", "/census", "/volunteers", "/weekly", "/data"]
OFFICE_SIZES = [(1366, 768), (1920, 1080), (390, 844)]
CANVASES = [(1280, 720), (1920, 1080), (3840, 2160), (2880, 960)]
APP_ROOT = '[data-testid="stMain"], [data-testid="stSidebar"]'
SCREEN_ROOT = ".st-key-screen-root"
SECTION = ".st-key-screen-section p"
SECTIONS = 5


class Outside:
    """Every request to a host other than the server: blocked, and remembered."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url  # http://127.0.0.1:PORT (the websocket is not routed)
        self.requests: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:")):
            route.continue_()
            return
        self.requests.append(url)
        route.abort()


@pytest.fixture
def sized(browser: Browser, app_url: str) -> Iterator[tuple[BrowserContext, Outside]]:
    """A Chinese-locale context whose network is limited to the server (others logged)."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(60_000)
    outside = Outside(app_url)
    context.route("**/*", outside.route)
    yield context, outside
    context.close()


def _check(page: Page, root: str) -> dict:
    return page.evaluate(CHECKS_JS, root)


def _problems(where: str, result: dict) -> list[str]:
    problems = []
    if result["cut"]:
        problems.append(f"{where}: text cut {result['cut'][:5]}")
    if result["split"]:
        problems.append(f"{where}: number split from its unit {result['split'][:5]}")
    if result["sideways"]:
        problems.append(f"{where}: the page scrolls sideways")
    return problems


@pytest.mark.parametrize(("width", "height"), OFFICE_SIZES, ids=lambda v: str(v))
def test_every_page_fits_and_stays_on_the_server(sized, app_url: str, width: int, height: int):
    """Each page at this size: nothing cut or split, no sideways scroll, no outside request."""
    context, outside = sized
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    problems: list[str] = []
    for path in PAGES:
        page.goto(app_url + path)
        wait_for_app(page)
        page.wait_for_timeout(800)  # charts and fonts settle
        assert page.locator(EXCEPTION_BOX).count() == 0, f"{path}: exception on the page"
        problems += _problems(f"{path} {width}×{height}", _check(page, APP_ROOT))
        name = path.strip("/") or "overview"
        save_screenshot(page, f"layout-{name}-{width}x{height}")
    if outside.requests:
        problems.append(f"requests left the server: {sorted(set(outside.requests))[:5]}")
    assert not problems, "\n".join(problems)


def test_big_screen_fits_every_canvas_and_section(sized, app_url: str):
    """Every rotation section on every canvas: words inside their cards, units with numbers."""
    context, outside = sized
    page = context.new_page()
    problems: list[str] = []
    for width, height in CANVASES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{app_url}/screen?rotate=3")
        page.wait_for_selector(SECTION, timeout=120_000)
        seen: set[str] = set()
        for _ in range(200):
            caption = page.locator(SECTION).inner_text()
            if caption not in seen:
                page.wait_for_timeout(1200)  # the chart of the new section is drawn
                if page.locator(SECTION).inner_text() != caption:
                    continue
                seen.add(caption)
                problems += _problems(
                    f"/screen {width}×{height} {caption}", _check(page, SCREEN_ROOT)
                )
                number = caption.split("·")[-1].strip().split("/")[0]
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(SCREENSHOT_DIR / f"layout-screen-{width}x{height}-{number}.png")
                )
            if len(seen) == SECTIONS:
                break
            page.wait_for_timeout(300)
        assert len(seen) == SECTIONS, f"{width}×{height}: saw only {sorted(seen)}"
    if outside.requests:
        problems.append(f"requests left the server: {sorted(set(outside.requests))[:5]}")
    assert not problems, "\n".join(problems)


def test_league_row_click_opens_that_communitys_projects(
    page: Page, app_url: str, app_database_url: str
):
    """Clicking the first row of 社区排名 lands on /livelihood with that community chosen."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(app_url + "/")
    wait_for_app(page, "社区排名")
    engine = make_engine(app_database_url)
    first = community_league(engine, Scope())[0]
    engine.dispose()
    grid = page.locator(".st-key-league_table [data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    # The row's selection box: left edge, the first row under the 35 px header.
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    page.wait_for_url("**/livelihood**", timeout=60_000)
    wait_for_app(page, "民生实事")
    query = parse_qs(urlparse(page.url).query)
    assert query.get("community") == [first.community]
    assert query.get("subdistrict") == [first.subdistrict]
    chosen = page.locator(SIDEBAR).get_by_test_id("stMultiSelect").first.inner_text()
    assert first.community in chosen
    assert "全部社区" not in chosen


def test_weekly_and_data_login_show_only_the_filters_they_use(page: Page, app_url: str):
    """/weekly shows 街道 but no 社区 or dates; the /data login shows no filter at all."""
    page.goto(app_url + "/weekly")
    wait_for_app(page, "周例会")
    sidebar = page.locator(SIDEBAR)
    assert sidebar.get_by_text("街道", exact=True).count() == 1
    for label in ("社区", "开始日期", "截止日期（数据截至）"):
        assert sidebar.get_by_text(label, exact=True).count() == 0, label
    page.goto(app_url + "/data")
    wait_for_app(page, "登录")
    for label in ("街道", "社区", "开始日期", "截止日期（数据截至）"):
        assert page.locator(SIDEBAR).get_by_text(label, exact=True).count() == 0, label
