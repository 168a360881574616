"""Real-browser fixtures: Debian's Chromium, driven by Playwright, against a live Streamlit server.

No browser is ever downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install
chromium``). Without it the browser tests are skipped locally, but fail under ``CI=true``, so
a green CI run always looked at the pages for real.

The server is ``streamlit run dashboard.py`` on a free port with ``DATABASE_URL`` pointing to a
temporary SQLite file; its first run fills the demo data set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from deploy.cluster import stop_process_group

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRY_FILE = REPO_ROOT / "dashboard.py"
SCREENSHOT_DIR = REPO_ROOT / "tests" / "artifacts" / "screenshots"
MAX_SCREENSHOT_HEIGHT = 8000
VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP_TITLE = "街道治理数据看板"
SERVER_START_TIMEOUT_S = 60
# The first run of a fresh server also migrates the database and loads the demo data.
APP_RUN_TIMEOUT_MS = 120_000

SCRIPT_FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_INDICATOR = '[data-testid="stStatusWidgetRunningIcon"]'
MAIN_BLOCK = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
# Placeholder drawn while a widget's lazily loaded code arrives.
SKELETON = '[data-testid="stSkeleton"]'
EXCEPTION_BOX = '[data-testid="stException"]'


def _skip_or_fail(reason: str) -> None:
    """Skip on a developer machine; under CI a missing prerequisite is an error."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def sqlite_url(workdir: Path) -> str:
    """The database a test server in ``workdir`` uses."""
    return f"sqlite:///{workdir / 'dashboard.db'}"


@contextmanager
def streamlit_server(workdir: Path, extra_args: Sequence[str] = ()) -> Iterator[str]:
    """Run ``streamlit run dashboard.py`` on a new SQLite file in ``workdir``; yield its URL.

    ``extra_args`` are more ``streamlit run`` options (the run-counting tests log at debug level).
    """
    if not ENTRY_FILE.exists():
        pytest.fail(f"{ENTRY_FILE} does not exist: nothing to serve", pytrace=False)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": sqlite_url(workdir)}
    log_path = workdir / "streamlit.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ENTRY_FILE),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *extra_args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _is_healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"Streamlit did not come up on {base_url}:\n{log_path.read_text('utf-8', 'replace')[-3000:]}",
                    pytrace=False,
                )
            time.sleep(0.3)
        yield base_url
    finally:
        stop_process_group(process)


@pytest.fixture(scope="session")
def app_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the shared server keeps its SQLite database and log."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="session")
def app_url(app_workdir: Path) -> Iterator[str]:
    """One dashboard server shared by the session's browser tests (demo data in SQLite)."""
    with streamlit_server(app_workdir) as url:
        yield url


@pytest.fixture(scope="session")
def app_database_url(app_workdir: Path) -> str:
    """The shared server's database (filled with the demo on the app's first run)."""
    return sqlite_url(app_workdir)


@pytest.fixture
def fresh_app_url(tmp_path: Path) -> Iterator[str]:
    """A dashboard server started for this test only, so the test makes its very first visit."""
    with streamlit_server(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium; skipped (or failed under CI) when it is not installed."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new page in its own context, sized like an office screen, in Chinese, Beijing time."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    yield new_page
    context.close()


def wait_for_app(page: Page, text: str | None = None, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> None:
    """Wait until Streamlit finished running the script and, if given, ``text`` is visible.

    ``stApp`` carries the script state (``initial`` before the first run, ``running`` while
    it runs); waiting for ``notRunning`` again after the text covers a rerun the page
    triggers itself (for example when filters write the URL). Widgets whose code is still
    loading show a skeleton; a screenshot taken then shows grey boxes, so wait those out too.
    """
    page.wait_for_selector(SCRIPT_FINISHED, timeout=timeout_ms)
    page.wait_for_selector(MAIN_BLOCK, timeout=timeout_ms)
    if text is not None:
        page.get_by_text(text).first.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_selector(SCRIPT_FINISHED, timeout=timeout_ms)
    page.wait_for_selector(RUNNING_INDICATOR, state="detached", timeout=timeout_ms)
    page.wait_for_selector(SKELETON, state="detached", timeout=timeout_ms)


def save_screenshot(page: Page, name: str) -> Path:
    """Save the whole page to ``tests/artifacts/screenshots/<name>.png`` (git-ignored).

    Streamlit scrolls inside its main block, not the document, so ``full_page`` alone stops
    at the viewport: the window is stretched to the content's height for the shot.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    viewport = page.viewport_size or VIEWPORT
    content_height = page.evaluate("s => document.querySelector(s)?.scrollHeight ?? 0", MAIN_BLOCK)
    tall = min(max(content_height, viewport["height"]), MAX_SCREENSHOT_HEIGHT)
    if tall > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": tall})
        page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    return path
