"""/fiscal and /volunteers in a real browser: a page filter goes into the URL, figures match."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from figures import volunteers
from figures.report import build_report
from figures.scope import Scope
from storage.db import make_engine
from ui import format as fmt

from .conftest import EXCEPTION_BOX, SIDEBAR, save_screenshot, wait_for_app

pytestmark = pytest.mark.browser

SUBDISTRICT = "花园路街道"
TAX = "税收收入"
PATROL = "平安巡逻"


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _metric(page: Page, label: str) -> str:
    """The text of the KPI card whose label starts with ``label``."""
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def _choose(page: Page, label: str, option: str) -> None:
    """Open the sidebar widget ``label`` and pick ``option`` (again if a rerun closed the list)."""
    for _ in range(3):
        wait_for_app(page)
        page.locator(SIDEBAR).get_by_role("combobox", name=label).click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(timeout=5_000)
        except PlaywrightTimeoutError:
            continue
        choice.click()
        return
    pytest.fail(f"「{label}」的选项「{option}」没有出现")


def _report(url: str, subdistrict: str | None = None) -> dict:
    engine = make_engine(url)
    try:
        return build_report(engine, dt.date.today(), subdistrict)
    finally:
        engine.dispose()


def test_fiscal_item_choice_goes_into_the_url_and_shows_its_target(
    page: Page, app_url: str, app_database_url: str
) -> None:
    """On /fiscal, choosing 税收收入 writes ?item= and the KPI shows the report's target."""
    page.goto(f"{app_url}/fiscal?subdistrict={quote(SUBDISTRICT)}")
    wait_for_app(page, "通报")
    items = {row["item"]: row for row in _report(app_database_url, SUBDISTRICT)["fiscal"]["items"]}
    assert _metric(page, "年度目标") == fmt.amount(items["一般公共预算收入"]["target"])

    _choose(page, "科目", TAX)
    page.wait_for_url(lambda url: "item=" in url)
    wait_for_app(page)
    page.get_by_test_id("stMetric").filter(has_text="年度目标").first.get_by_text(
        fmt.amount(items[TAX]["target"])
    ).wait_for()
    save_screenshot(page, "fiscal_tax_item")
    assert _query(page) == {"subdistrict": [SUBDISTRICT], "item": [TAX]}
    assert page.locator(EXCEPTION_BOX).count() == 0


def test_volunteer_activity_type_goes_into_the_url_and_narrows_service(
    page: Page, app_url: str, app_database_url: str
) -> None:
    """On /volunteers, choosing 平安巡逻 writes ?activity_type= and 人次 become that type's."""
    page.goto(f"{app_url}/volunteers")
    wait_for_app(page, "社区排名")
    block = _report(app_database_url)["volunteers"]
    assert _metric(page, "服务人次") == fmt.count(block["person_times"], "人次")

    _choose(page, "活动类型", PATROL)
    page.wait_for_url(lambda url: "activity_type=" in url)
    wait_for_app(page)
    engine = make_engine(app_database_url)
    try:
        totals = volunteers.service_totals(engine, Scope(date_to=dt.date.today()), (PATROL,))
    finally:
        engine.dispose()
    page.get_by_test_id("stMetric").filter(has_text="服务人次").first.get_by_text(
        fmt.count(totals.person_times, "人次")
    ).wait_for()
    page.keyboard.press("Escape")
    save_screenshot(page, "volunteers_patrol")
    assert _query(page) == {"activity_type": [PATROL]}
    assert _metric(page, "注册志愿者") == fmt.count(block["registered"], "人")
    assert page.locator(EXCEPTION_BOX).count() == 0
