"""The big screen and the weekly review in a real Chromium.

/screen: no scroll bars and no small text on four canvases, rotation and data refresh by
themselves without reloading the page. /weekly: figures equal the JSON report for the date
in the URL, and the Excel and PDF downloads open with the report's content in Chinese.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from playwright.sync_api import Page

from figures.report import build_report
from reporting.xlsx import render_xlsx
from storage.db import make_engine
from ui import format as fmt

from .conftest import EXCEPTION_BOX, SCREENSHOT_DIR, wait_for_app

pytestmark = pytest.mark.browser

CANVASES = [(1920, 1080), (1280, 720), (3840, 2160), (2880, 960)]
ROOT = ".st-key-screen-root"
SECTION = ".st-key-screen-section p"
CLOCK = ".st-key-screen-clock p"
UPDATED = ".st-key-screen-updated p"
CHART = ".st-key-screen-chart canvas, .st-key-screen-chart svg"
BOARD_TIMEOUT_MS = 120_000

OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const root = document.querySelector('.st-key-screen-root');
  const outside = [];
  for (const el of root.querySelectorAll('p, canvas, svg')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.bottom > innerHeight + 1 || r.right > innerWidth + 1 || r.top < -1 || r.left < -1)
      outside.push(el.textContent.slice(0, 40) || el.tagName);
  }
  return {docH: doc.scrollHeight, docW: doc.scrollWidth, h: innerHeight, w: innerWidth,
          rootH: root.scrollHeight, rootClientH: root.clientHeight,
          rootW: root.scrollWidth, rootClientW: root.clientWidth, outside};
}"""

SMALL_TEXT_JS = """() => {
  const small = [];
  const root = document.querySelector('.st-key-screen-root');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 18) small.push(node.textContent.trim().slice(0, 30) + ' ' + size + 'px');
  }
  return small;
}"""


def _screenshot(page: Page, name: str) -> Path:
    """The viewport as the screen shows it (the board never scrolls)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def _open_screen(page: Page, url: str, width: int = 1920, height: int = 1080) -> None:
    """Open the board and wait for its figures and chart (the clock keeps the app busy)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(ROOT, timeout=BOARD_TIMEOUT_MS)
    page.locator(UPDATED).filter(has_text="数据截至").wait_for(timeout=BOARD_TIMEOUT_MS)
    page.wait_for_selector(CHART, timeout=BOARD_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the chart finish its layout


def _text_changes(page: Page, selector: str, before: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = page.locator(selector).first.inner_text()
        if now != before:
            return now
        page.wait_for_timeout(250)
    return before


@pytest.mark.parametrize(("width", "height"), CANVASES, ids=[f"{w}x{h}" for w, h in CANVASES])
def test_screen_fits_the_canvas_without_scroll_bars(page: Page, app_url: str, width, height):
    """At every canvas size the whole board is inside the viewport: nothing scrolls."""
    _open_screen(page, f"{app_url}/screen?rotate=600", width, height)
    _screenshot(page, f"screen_{width}x{height}")
    assert page.locator(EXCEPTION_BOX).count() == 0
    sizes = page.evaluate(OVERFLOW_JS)
    assert sizes["docH"] <= sizes["h"] and sizes["docW"] <= sizes["w"], sizes
    assert sizes["rootH"] <= sizes["rootClientH"] and sizes["rootW"] <= sizes["rootClientW"], sizes
    assert not sizes["outside"], sizes["outside"]


def test_screen_has_no_text_under_18px_at_1080p(page: Page, app_url: str):
    """Readable from 5 m: every visible text on the 1920×1080 board is at least 18 px."""
    _open_screen(page, f"{app_url}/screen?rotate=600")
    assert page.evaluate(SMALL_TEXT_JS) == []


def test_screen_shows_no_streamlit_toolbar_or_sidebar(page: Page, app_url: str):
    """Nothing to click: the board covers the app's toolbar and there is no sidebar."""
    _open_screen(page, f"{app_url}/screen?rotate=600")
    assert page.locator('[data-testid="stSidebar"]').count() == 0
    covered = page.evaluate(
        """() => { const el = document.elementFromPoint(innerWidth - 20, 20);
                   return !!el.closest('.st-key-screen-root'); }"""
    )
    assert covered, "右上角的工具栏没有被大屏覆盖"


def test_screen_rotates_and_the_clock_ticks_by_itself(page: Page, app_url: str):
    """With ?rotate=3 the section changes within seconds, and the clock's seconds move."""
    _open_screen(page, f"{app_url}/screen?rotate=3&refresh=600")
    section, clock = page.locator(SECTION).inner_text(), page.locator(CLOCK).inner_text()
    assert _text_changes(page, SECTION, section, 12) != section
    ticked = _text_changes(page, CLOCK, clock, 5)
    assert ticked != clock
    # The whole clock is rewritten: the server's text arrives split at ":31:"-like runs
    # (Markdown's emoji shortcodes), and only its first piece was replaced ("15:29:37:31").
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 星期[日一二三四五六] \d{2}:\d{2}:\d{2}", ticked)
    _screenshot(page, "screen_rotated")


def test_screen_refreshes_data_without_reloading_the_page(page: Page, app_url: str):
    """?refresh=2 reloads the data (刷新于 moves) while the page itself stays loaded."""
    _open_screen(page, f"{app_url}/screen?rotate=600&refresh=2")
    page.evaluate("window.__marker = 1")
    updated = page.locator(UPDATED).inner_text()
    assert _text_changes(page, UPDATED, updated, 12) != updated
    assert page.evaluate("window.__marker") == 1
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


# ---------------------------------------------------------------- /weekly


def _report(database_url: str, as_of: dt.date) -> dict:
    engine = make_engine(database_url)
    try:
        return build_report(engine, as_of)
    finally:
        engine.dispose()


def _metric_values(page: Page) -> dict[str, str]:
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def _cells(data: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {
        name: [[c.value for c in row] for row in book[name].iter_rows()] for name in book.sheetnames
    }


def test_weekly_matches_the_report_and_downloads_open(
    page: Page, app_url: str, app_database_url: str, tmp_path: Path
):
    """?as_of= gives the report's figures; the xlsx is the report's, the PDF reads in Chinese."""
    as_of = dt.date.today() - dt.timedelta(days=7)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/weekly?as_of={as_of.isoformat()}", wait_until="domcontentloaded")
    wait_for_app(page, "本周变化")
    assert page.locator(EXCEPTION_BOX).count() == 0
    report = _report(app_database_url, as_of)
    shown = _metric_values(page)
    lv = report["livelihood"]
    assert shown["本周完成民生实事"] == fmt.count(lv["completed_this_week"], "项")
    assert shown["逾期民生实事"] == fmt.count(lv["overdue"], "项")
    assert shown["本周志愿服务时长"] == fmt.hours(report["volunteers"]["hours_this_week"])
    _screenshot(page, "weekly")

    with page.expect_download() as download:
        page.get_by_text("下载 Excel").click()
    assert _cells(Path(download.value.path()).read_bytes()) == _cells(render_xlsx(report))

    with page.expect_download() as download:
        page.get_by_text("下载 PDF").click()
    pdf_bytes = Path(download.value.path()).read_bytes()
    assert pdf_bytes.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "weekly.pdf"
        path.write_bytes(pdf_bytes)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True
        ).stdout.replace("\n", "")
        assert "周例会通报" in text
        assert f"已完成{fmt.count(lv['completed'], '项')}" in text


def test_weekly_date_change_updates_the_url_and_the_figures(
    page: Page, app_url: str, app_database_url: str
):
    """Typing another 报告日期 puts it in the URL and shows that date's report."""
    start = dt.date.today() - dt.timedelta(days=7)
    target = dt.date.today() - dt.timedelta(days=14)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/weekly?as_of={start.isoformat()}", wait_until="domcontentloaded")
    wait_for_app(page, "本周变化")
    for segment, value in (
        ("year", f"{target.year}"),
        ("month", f"{target.month:02d}"),
        ("day", f"{target.day:02d}"),
    ):
        page.get_by_role("spinbutton", name=f"{segment}, 报告日期").click()
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="周例会").first.click()  # leaving the field commits it
    deadline = time.monotonic() + 30
    while f"as_of={target.isoformat()}" not in page.url and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    _screenshot(page, "weekly_date_changed")
    wait_for_app(page, "本周变化")
    assert parse_qs(urlparse(page.url).query)["as_of"] == [target.isoformat()]
    report = _report(app_database_url, target)
    page.get_by_text(
        f"报告周 {report['week']['start']} 至 {report['week']['end']}"
    ).first.wait_for()
    shown = _metric_values(page)
    assert shown["逾期民生实事"] == fmt.count(report["livelihood"]["overdue"], "项")
