"""Contract §4 in a real browser: the global filters live in the URL, both ways."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import Page

from figures.meta import list_communities, list_subdistricts
from storage.db import make_engine

from .conftest import SIDEBAR, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_names(page: Page, app_url: str, app_database_url: str) -> tuple[str, str]:
    """A subdistrict of the demo data and one of its communities (the app fills the demo)."""
    page.goto(app_url + "/")
    wait_for_app(page)
    engine = make_engine(app_database_url)
    try:
        subdistrict = list_subdistricts(engine)[-1]
        return subdistrict, list_communities(engine, subdistrict)[-1]
    finally:
        engine.dispose()


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_opening_a_filtered_url_restores_the_filters(
    page: Page, app_url: str, demo_names: tuple[str, str]
) -> None:
    """A shared link with subdistrict and community shows those filters chosen."""
    subdistrict, community = demo_names
    page.goto(f"{app_url}/livelihood?subdistrict={quote(subdistrict)}&community={quote(community)}")
    wait_for_app(page)
    assert page.get_by_role("combobox", name="街道").input_value() == subdistrict
    community_box = (
        page.locator(SIDEBAR).get_by_test_id("stMultiSelect").filter(has_text="社区").first
    )
    assert community in community_box.inner_text()
    assert _query(page) == {"subdistrict": [subdistrict], "community": [community]}
    assert urlparse(page.url).path == "/livelihood"


def test_choosing_a_subdistrict_writes_it_into_the_url(
    page: Page, app_url: str, demo_names: tuple[str, str]
) -> None:
    """Picking a subdistrict in the sidebar puts ?subdistrict=NAME into the address."""
    subdistrict, _ = demo_names
    page.goto(f"{app_url}/livelihood")
    wait_for_app(page)
    page.get_by_role("combobox", name="街道").click()
    page.get_by_role("option", name=subdistrict, exact=True).click()
    page.wait_for_url(lambda url: "subdistrict=" in url)
    wait_for_app(page)
    assert _query(page).get("subdistrict") == [subdistrict]
    assert urlparse(page.url).path == "/livelihood"
