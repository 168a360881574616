"""Bounded loopback load test (issue 9): a few browser sessions at once on one server.

    python benchmarks/load_sessions.py                     # 5 sessions + 1 big screen, 120 s
    python benchmarks/load_sessions.py --sessions 10 --seconds 180

A real ``streamlit run dashboard.py`` (helpers of ``soak_screen.py``) serves a temporary SQLite
file with the small demo data, on 127.0.0.1 only. Debian's Chromium (Playwright, never
downloaded) opens ``--sessions`` independent browser contexts (one Streamlit session each);
each walks the pages (/, /livelihood, /fiscal, /census, /volunteers, /weekly) in a loop and
times every visit until the script has finished and nothing is running. One more context
shows ``/screen`` and reads its clock every second: a clock that shows the same text for two
seconds or more counts as frozen. Exceptions shown on any page are counted.

It prints one JSON line per session summary and a Markdown table at the end (median and p95
page time, errors, the screen clock's longest freeze); ``--output`` appends it to a file.
Speed targets belong to the performance issue; here the point is: no error, no frozen clock.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from soak_screen import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    prepare_database,
    start_server,
    stop_server,
)

PAGES = ["", "livelihood", "fiscal", "census", "volunteers", "weekly"]
SCRIPT_FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_INDICATOR = '[data-testid="stStatusWidgetRunningIcon"]'
EXCEPTION = '[data-testid="stException"]'
CLOCK = ".st-key-screen-clock p"
PAGE_TIMEOUT_MS = 300_000


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0…1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def visit(page, url: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Seconds until the page has run and shows nothing running; exceptions shown."""
    started = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded")
    await page.wait_for_selector(SCRIPT_FINISHED, timeout=PAGE_TIMEOUT_MS)
    await page.wait_for_selector('[data-testid="stMain"]', timeout=PAGE_TIMEOUT_MS)
    await page.wait_for_selector(RUNNING_INDICATOR, state="detached", timeout=PAGE_TIMEOUT_MS)
    await page.wait_for_selector(SCRIPT_FINISHED, timeout=PAGE_TIMEOUT_MS)
    return time.perf_counter() - started, await page.locator(EXCEPTION).count()


async def session(browser, base_url: str, index: int, until: float) -> dict:  # type: ignore[no-untyped-def]
    """One browser session walking the pages until ``until``; its page times and errors."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = await context.new_page()
    times: list[float] = []
    errors = 0
    step = index  # sessions start on different pages
    try:
        while time.monotonic() < until:
            path = PAGES[step % len(PAGES)]
            step += 1
            try:
                seconds, shown = await visit(page, f"{base_url}/{path}")
            except Exception as error:  # a timeout or a closed page counts as an error
                errors += 1
                print(json.dumps({"session": index, "page": path, "error": str(error)[:200]}))
                continue
            times.append(seconds)
            errors += shown
    finally:
        await context.close()
    return {"session": index, "visits": len(times), "errors": errors, "times": times}


async def screen(browser, base_url: str, until: float) -> dict:  # type: ignore[no-untyped-def]
    """The big screen's clock read every second: the longest time it showed the same text."""
    context = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{base_url}/screen?rotate=10&refresh=30", wait_until="domcontentloaded")
    await page.wait_for_selector(CLOCK, timeout=PAGE_TIMEOUT_MS)
    last_text, last_change, longest, reads = None, time.monotonic(), 0.0, 0
    while time.monotonic() < until:
        text = await page.locator(CLOCK).first.inner_text()
        now = time.monotonic()
        reads += 1
        if text != last_text:
            last_text, last_change = text, now
        longest = max(longest, now - last_change)
        await asyncio.sleep(1)
    errors = await page.locator(EXCEPTION).count()
    await context.close()
    return {"clock_reads": reads, "longest_same_clock_s": round(longest, 1), "errors": errors}


async def drive(base_url: str, sessions: int, seconds: float) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        until = time.monotonic() + seconds
        results = await asyncio.gather(
            screen(browser, base_url, until),
            *(session(browser, base_url, i, until) for i in range(sessions)),
        )
        await browser.close()
    return list(results[1:]), results[0]


def summary(sessions: list[dict], board: dict, count: int, seconds: float) -> str:
    times = [t for s in sessions for t in s["times"]]
    errors = sum(s["errors"] for s in sessions)
    median = statistics.median(times) if times else float("nan")
    p95 = percentile(times, 0.95) if times else float("nan")
    return "\n".join(
        [
            f"### {dt.datetime.now():%Y-%m-%d %H:%M} · {count} sessions + 1 screen · {seconds:.0f} s",
            "",
            "| page visits | median | p95 | max | errors | screen: longest same clock | "
            "screen errors |",
            "|---|---|---|---|---|---|---|",
            f"| {len(times)} | {median:.2f} s | {p95:.2f} s | {max(times, default=0):.2f} s | "
            f"{errors} | {board['longest_same_clock_s']} s | {board['errors']} |",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--output", help="append the Markdown summary to this file")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="load-sessions-") as folder:
        workdir = Path(folder)
        database_url = f"sqlite:///{workdir / 'dashboard.db'}"
        prepare_database(database_url)
        server, base_url = start_server(workdir, database_url)
        try:
            sessions, board = asyncio.run(drive(base_url, args.sessions, args.seconds))
        finally:
            stop_server(server)
    for result in sessions:
        times = result["times"]
        print(json.dumps({**{k: v for k, v in result.items() if k != "times"},
                          "median_s": round(statistics.median(times), 2) if times else None}))  # fmt: skip
    print(json.dumps({"screen": board}))
    text = summary(sessions, board, args.sessions, args.seconds)
    print(text)
    if args.output:
        with Path(args.output).open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
