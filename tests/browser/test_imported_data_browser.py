"""Every page in Chromium on an *imported* data set (issue 3: "on the demo data and on an imported
data set with no exception").

The data set is the oracle generator's (``tests.oracle.dataset``, anchor 2024-06-30), written
as the seven CSV files of contract §1 and imported with ``python manage.py import`` into a new
SQLite file, with ``DASHBOARD_DEMO_ON_EMPTY=0`` so that no demo row is ever mixed in. Each page
is opened for the anchor date (``?from=2024-01-01&to=2024-06-30``, the report's year to date;
``?to=`` alone is checked at the end); it must show no exception, Chinese text, and one figure equal to
``figures.report.build_report`` for that date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import func, select

from administration import accounts
from figures.report import build_report
from storage.db import make_engine
from storage.models import Community
from tests.oracle.dataset import make_dataset, write_csv_files
from ui import format as fmt

from .conftest import (
    EXCEPTION_BOX,
    MAIN_BLOCK,
    REPO_ROOT,
    SCREENSHOT_DIR,
    save_screenshot,
    sqlite_url,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

SEED = 11
ANCHOR = dt.date(2024, 6, 30)
ADMIN, PASSWORD = "import-admin", "correct-horse-1"
CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_CJK_CHARS = 20
BOARD_TIMEOUT_MS = 120_000
SCREEN_CHART_OR_EMPTY = ".st-key-screen-chart canvas, .st-key-screen-chart svg, .st-key-screen-chart .st-key-screen-empty"


@pytest.fixture(scope="module")
def imported_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file filled only by ``manage.py import`` of the generated CSVs, plus an admin."""
    workdir = tmp_path_factory.mktemp("imported")
    paths = write_csv_files(make_dataset(SEED), workdir / "csv")
    env = {**os.environ, "DATABASE_URL": sqlite_url(workdir), "DASHBOARD_DEMO_ON_EMPTY": "0"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import", *map(str, paths)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    engine = make_engine(sqlite_url(workdir))
    try:
        accounts.create_user(engine, ADMIN, PASSWORD, "admin")
    finally:
        engine.dispose()
    return workdir


@pytest.fixture(scope="module")
def imported_url(imported_workdir: Path) -> Iterator[str]:
    """A server on the imported database that would never load the demo by itself."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASHBOARD_DEMO_ON_EMPTY", "0")
        with streamlit_server(imported_workdir) as url:
            yield url


@pytest.fixture(scope="module")
def report(imported_workdir: Path) -> dict:
    """The §3 report of the imported data for the anchor date."""
    engine = make_engine(sqlite_url(imported_workdir))
    try:
        return build_report(engine, ANCHOR)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- reading the page


def metric(page: Page, label: str) -> str:
    """The value of the KPI card whose label contains ``label``."""
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def wan_value(text: str) -> tuple[float, float]:
    """A headline amount in 万元 and the precision it is written to: ``22,045.13 万元`` →
    (22045.13, 0.01); ``1.46 亿元`` → (14600.0, 100.0) (the vocabulary writes 亿元 from 1 亿)."""
    number = float(text.replace("亿元", "").replace("万元", "").replace(",", "").strip())
    return (number * 10_000, 100.0) if "亿元" in text else (number, 0.01)


def log_in(page: Page) -> None:
    """/data asks for a login first; sign in as the module's admin."""
    page.get_by_label("用户名").fill(ADMIN)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, "当前登录")


# --------------------------------------------------------------------------- one check per page


def check_overview(page: Page, report: dict) -> None:
    lv = report["livelihood"]
    assert metric(page, "民生实事完成率") == fmt.pct(lv["completion_rate"])


def check_livelihood(page: Page, report: dict) -> None:
    lv = report["livelihood"]
    assert metric(page, "已完成 / 总数") == f"{lv['completed']:,} / {lv['total']:,}"
    assert metric(page, "完成率") == fmt.pct(lv["completion_rate"])


def check_fiscal(page: Page, report: dict) -> None:
    """The 累计 of 一般公共预算收入 over all subdistricts (the report gives one row each)."""
    fiscal = report["fiscal"]
    rows = [row for row in fiscal["items"] if row["item"] == "一般公共预算收入"]
    shown, precision = wan_value(metric(page, f"1—{fiscal['month']}月累计"))
    total = sum(row["ytd"] for row in rows)
    assert shown == pytest.approx(total, abs=max(precision / 2, 0.01 * len(rows)))
    assert metric(page, f"1—{fiscal['month']}月累计") == fmt.amount(total)


def check_census(page: Page, report: dict) -> None:
    census = report["census"]
    assert metric(page, "登记率") == fmt.pct(census["rate"])
    assert metric(page, "已登记户数") == fmt.count(census["registered_households"])


def check_volunteers(page: Page, report: dict) -> None:
    vol = report["volunteers"]
    assert metric(page, "服务人次") == fmt.count(vol["person_times"], "人次")
    assert metric(page, "注册志愿者") == fmt.count(vol["registered"], "人")


def check_screen(page: Page, report: dict) -> None:
    """The board's first section: 民生实事完成率 as a big number without the % sign."""
    value = page.locator('.st-key-screen-fig-0 [class*="st-key-screen-value-"] p').inner_text()
    assert value == fmt.pct(report["livelihood"]["completion_rate"]).rstrip("%")


def check_weekly(page: Page, report: dict) -> None:
    lv = report["livelihood"]
    assert metric(page, "本周完成民生实事") == fmt.count(lv["completed_this_week"], "项")
    assert metric(page, "逾期民生实事") == fmt.count(lv["overdue"], "项")


def check_data(page: Page, report: dict) -> None:
    """在线更正 lists every project of the year, the cancelled ones included."""
    page.get_by_role("tab", name="在线更正").click()
    lv = report["livelihood"]
    page.get_by_text(f"共 {lv['total'] + lv['cancelled']} 个项目").first.wait_for()


PAGES: list[tuple[str, str, str, Callable[[Page, dict], None]]] = [
    ("overview", "", "社区排名", check_overview),
    ("livelihood", "livelihood", "项目清单", check_livelihood),
    ("fiscal", "fiscal", "通报", check_fiscal),
    ("census", "census", "按近 7 日进度预计完成日期", check_census),
    ("volunteers", "volunteers", "社区排名", check_volunteers),
    ("screen", "screen", "", check_screen),
    ("weekly", "weekly", "本周变化", check_weekly),
    ("data", "data", "数据管理需要登录", check_data),
]


def open_page(page: Page, base_url: str, path: str, text: str) -> None:
    query = f"from={ANCHOR.year}-01-01&to={ANCHOR.isoformat()}"
    if path == "weekly":
        query += f"&as_of={ANCHOR.isoformat()}"
    if path == "screen":
        query += "&rotate=600"
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base_url}/{path}?{query}", wait_until="domcontentloaded")
    if path == "screen":
        page.locator(".st-key-screen-updated p").filter(has_text="数据截至").wait_for(
            timeout=BOARD_TIMEOUT_MS
        )
        page.wait_for_selector(SCREEN_CHART_OR_EMPTY, timeout=BOARD_TIMEOUT_MS)
        page.wait_for_timeout(1500)
        return
    wait_for_app(page, text)
    if path == "data":
        log_in(page)


@pytest.mark.parametrize(("name", "path", "text", "check"), PAGES, ids=[name for name, *_ in PAGES])
def test_page_opens_on_imported_data_with_the_report_figures(
    page: Page, imported_url: str, report: dict, name: str, path: str, text: str, check
) -> None:
    """Opened for 2024-06-30: no exception, Chinese text, and the report's figure."""
    open_page(page, imported_url, path, text)
    check(page, report)
    if name == "screen":
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)  # the board never scrolls: the viewport
        page.screenshot(path=str(SCREENSHOT_DIR / "imported_screen.png"))
    else:
        save_screenshot(page, f"imported_{name}")
    assert page.locator(EXCEPTION_BOX).count() == 0
    shown = page.locator(".st-key-screen-root" if name == "screen" else MAIN_BLOCK).inner_text()
    assert len(CJK.findall(shown)) >= MIN_CJK_CHARS, shown[:200]


def test_server_mixed_no_demo_data_into_the_imported_database(
    imported_url: str, imported_workdir: Path
) -> None:
    """After the pages ran, the database holds exactly the imported communities."""
    tables = make_dataset(SEED)
    engine = make_engine(sqlite_url(imported_workdir))
    try:
        with engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(Community)).scalar_one()
    finally:
        engine.dispose()
    assert count == len(tables["communities"])


def test_to_alone_shows_the_figures_as_of_that_date(page: Page, imported_url: str) -> None:
    """A hand-made link with only ?to=2024-06-30 reads as of that day, from 1 January 2024."""
    page.goto(f"{imported_url}/livelihood?to={ANCHOR.isoformat()}", wait_until="domcontentloaded")
    wait_for_app(page, "当前筛选")
    save_screenshot(page, "imported_livelihood_to_only")
    caption = page.get_by_text("当前筛选").first.inner_text()
    assert f"{ANCHOR.year}-01-01 至 {ANCHOR.isoformat()}" in caption, caption
