"""/livelihood and /census in a real browser: a page filter goes into the URL, figures match."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import Page

from figures import census, livelihood
from figures.report import build_report
from figures.scope import Scope
from storage.db import make_engine
from ui import format as fmt

from .conftest import EXCEPTION_BOX, SIDEBAR, save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

CATEGORY = "加装电梯"
OLD_CAMPAIGN = "第七次全国人口普查户口登记"


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _metric(page: Page, label: str) -> str:
    """The text of the KPI card whose label starts with ``label``."""
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def _wait_for_metric(page: Page, label: str, value: str) -> None:
    page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_text(value).wait_for()


def _report(url: str) -> dict:
    engine = make_engine(url)
    try:
        return build_report(engine, dt.date.today())
    finally:
        engine.dispose()


def test_livelihood_category_goes_into_the_url_and_narrows_the_figures(
    page: Page, app_url: str, app_database_url: str
) -> None:
    """On /livelihood, choosing 加装电梯 writes ?category= and 已完成/总数 become its counts."""
    page.goto(f"{app_url}/livelihood")
    wait_for_app(page, "项目清单")
    block = _report(app_database_url)["livelihood"]
    assert _metric(page, "已完成 / 总数") == f"{block['completed']:,} / {block['total']:,}"
    assert _metric(page, "完成率") == fmt.pct(block["completion_rate"])

    category_box = page.locator(SIDEBAR).get_by_role("combobox", name="类别")
    category_box.scroll_into_view_if_needed()
    category_box.click()
    page.get_by_role("option", name=CATEGORY, exact=True).click()
    page.wait_for_url(lambda url: "category=" in url)
    page.keyboard.press("Escape")
    wait_for_app(page)
    engine = make_engine(app_database_url)
    try:
        narrowed = livelihood.livelihood_summary(
            engine, Scope(date_to=dt.date.today()), (CATEGORY,)
        )
    finally:
        engine.dispose()
    _wait_for_metric(page, "已完成 / 总数", f"{narrowed.completed:,} / {narrowed.total:,}")
    save_screenshot(page, "livelihood_category")
    assert _query(page) == {"category": [CATEGORY]}
    assert page.locator(EXCEPTION_BOX).count() == 0


def test_census_campaign_from_the_url_shows_that_campaign(
    page: Page, app_url: str, app_database_url: str
) -> None:
    """/census shows the report's campaign; ?campaign=<2020 census> shows that campaign's."""
    page.goto(f"{app_url}/census")
    wait_for_app(page, "按近 7 日进度预计完成日期")
    block = _report(app_database_url)["census"]
    assert _metric(page, "已登记户数") == fmt.count(block["registered_households"])
    assert _metric(page, "登记率") == fmt.pct(block["rate"])
    save_screenshot(page, "census_current")

    page.goto(f"{app_url}/census?campaign={quote(OLD_CAMPAIGN)}&from=2020-10-01")
    wait_for_app(page, "每日新增登记户数")
    engine = make_engine(app_database_url)
    try:
        scope = Scope(date_from=dt.date(2020, 10, 1), date_to=dt.date.today())
        summary = census.campaign_summary(engine, scope, OLD_CAMPAIGN)
    finally:
        engine.dispose()
    assert summary is not None
    _wait_for_metric(page, "已登记户数", fmt.count(summary.registered_households))
    save_screenshot(page, "census_2020")
    assert _query(page) == {"campaign": [OLD_CAMPAIGN], "from": ["2020-10-01"]}
    assert page.locator(SIDEBAR).get_by_role("combobox", name="普查任务").input_value() == (
        OLD_CAMPAIGN
    )
    assert page.locator(EXCEPTION_BOX).count() == 0
