"""Every page of the contract (§4) opens in a real Chromium, runs without error and speaks Chinese."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page

from .conftest import APP_TITLE, EXCEPTION_BOX, MAIN_BLOCK, save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

# (url path, screenshot name): the Streamlit url_paths fixed by the contract.
CONTRACT_PAGES = [
    ("/", "overview"),
    ("/livelihood", "livelihood"),
    ("/fiscal", "fiscal"),
    ("/census", "census"),
    ("/volunteers", "volunteers"),
    ("/screen", "screen"),
    ("/weekly", "weekly"),
    ("/data", "data"),
]
CHINESE = re.compile(r"[\u4e00-\u9fff]{2,}")


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)


def _assert_no_exception(page: Page) -> None:
    boxes = page.locator(EXCEPTION_BOX)
    assert boxes.count() == 0, f"Streamlit 异常: {boxes.first.inner_text()[:2000]}"


@pytest.mark.parametrize(("path", "name"), CONTRACT_PAGES, ids=[n for _, n in CONTRACT_PAGES])
def test_contract_page_opens_without_error(page: Page, app_url: str, path: str, name: str) -> None:
    """The page at the contract's path renders Chinese content with no exception box."""
    _open(page, app_url + path)
    save_screenshot(page, f"smoke_{name}")
    _assert_no_exception(page)
    assert urlparse(page.url).path == path, f"{path} 被重定向到 {page.url}（页面不存在？）"
    assert CHINESE.search(page.locator(MAIN_BLOCK).inner_text()), f"{path} 主区域没有中文内容"
    assert APP_TITLE in page.title()


def test_first_visit_to_subpage_runs_entry_file(page: Page, fresh_app_url: str) -> None:
    """A fresh server's very first visit, straight to /screen, still runs dashboard.py.

    Streamlit 1.67 with a ``pages/`` folder beside the entry file serves that first visit in
    the old folder mode: the sub-page runs alone, without the entry file's page config,
    navigation and filters. The project names the folder ``views/`` to avoid it.
    """
    _open(page, fresh_app_url + "/screen")
    save_screenshot(page, "first_visit_screen")
    _assert_no_exception(page)
    assert urlparse(page.url).path == "/screen"
    assert APP_TITLE in page.title()


def test_chinese_text_drawn_with_the_named_simplified_chinese_font(
    page: Page, app_url: str
) -> None:
    """The theme names Noto Sans CJK SC after Source Sans (.streamlit/config.toml): Chinese text
    is not left to Chromium's per-character fallback, which on this lang="en" page picks the
    Japanese forms (Noto Sans CJK JP) and costs a system font lookup per new run of text."""
    installed = subprocess.run(
        ["fc-list", "Noto Sans CJK SC"], capture_output=True, text=True, check=False
    ).stdout
    if not installed.strip():
        pytest.skip("Noto Sans CJK SC is not installed")
    _open(page, app_url + "/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    used = set()
    for selector in ("h1", '[data-testid="stCaptionContainer"]', '[data-testid="stSidebar"] h3'):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"{selector} 不存在"
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        used |= {font["familyName"] for font in fonts}
    assert "Noto Sans CJK SC" in used, used
    assert not any("CJK JP" in name for name in used), used
