"""Measurements of one source tree, run by ``benchmarks/run.py`` in a subprocess of that tree.

    python /path/to/benchmarks/harness.py WORKER '{"json": "arguments"}'     # cwd = the tree

The harness never imports the project's modules: the package layout differs between the trees
it compares. It talks to a tree only through its ``dashboard.py`` (``streamlit.testing.v1``
AppTest, or a real ``streamlit run`` driven by Chromium) and the database (SQLAlchemy's
``before_cursor_execute`` / ``after_cursor_execute`` events on every engine the app makes).
Each worker prints one JSON line (its result) as the last line of stdout.

Workers:
- ``pages``: per page, AppTest medians of an uncached run (the date filter set to a date no
  page has used yet) and a cached run (the same again); then, with every cache cleared, one
  run at the data set's date whose SQL statements (text, parameters, time) and shown metrics
  are kept, and the plans of those statements (``EXPLAIN QUERY PLAN`` / ``EXPLAIN ANALYZE``).
- ``profile``: cProfile of one uncached run of one page (the script thread), top entries;
  ``"cached": true`` profiles a cached run instead (the same view run once before).
- ``serve``: ``streamlit run`` + Chromium (Playwright, headless, 127.0.0.1): first visit,
  filter change (重置筛选), fresh visits of every page (each in a new browser context: an empty
  HTTP cache, as on a browser's first-ever visit), returning visits of every page (a profile
  that has opened the dashboard before: Streamlit's page code cached, as for staff on a normal
  day), peak memory of the app process. Every time is also given by the page's own clock
  (``*_in_page_s``, Performance API), which leaves out Playwright's round trips.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import json
import os
import pstats
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any

TREE = Path.cwd()
if str(TREE) not in sys.path:
    sys.path.insert(0, str(TREE))
# A measurement reads a database and never upgrades it: the app (in process and the
# ``streamlit run`` started below) refuses a schema not at the tree's newest migration instead
# of migrating it on start (a measurement once upgraded the city file). ``run.py`` brings each
# database to its tree's schema first, with ``manage.py init-db``. A tree without the switch
# ignores it.
NO_MIGRATE_ENV = "DASHBOARD_NO_MIGRATE"
os.environ[NO_MIGRATE_ENV] = "1"

PAGES = ("overview", "livelihood", "fiscal", "census", "volunteers", "weekly", "screen")
CHROMIUM = Path("/usr/bin/chromium")
BIG_TABLES = (
    "service_record",
    "volunteer",
    "census_progress",
    "fiscal_monthly",
    "livelihood_project",
)
CHART_WAIT_MS = 30_000
# Warm-up runs (imports, engine, page code) use a day before any data: their windows are empty,
# so they cost little even where a page is slow.
WARM_UP_DAY = dt.date(2001, 1, 1)
FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_ICON = '[data-testid="stStatusWidgetRunningIcon"]'
DRAWN_JS = """() => {
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const charts = [...document.querySelectorAll('.vega-embed')];
  return charts.every(c => c.querySelector('canvas, svg'));
}"""


def peak_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str), flush=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- SQL capture


class StatementLog:
    """Every statement any engine of this process sends, with its parameters and time."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._started: dict[int, float] = {}
        self._open: dict[int, dict[str, Any]] = {}  # the last statement of each cursor
        self._lock = threading.Lock()

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine, cursor

        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        # SQLite computes rows while they are fetched (``execute`` returns at the first row):
        # the fetch time of a statement's cursor counts as that statement's time.
        for strategy in (cursor.CursorFetchStrategy, cursor.BufferedRowCursorFetchStrategy):
            for name in ("fetchone", "fetchmany", "fetchall"):
                if name in vars(strategy):
                    setattr(strategy, name, self._timed_fetch(vars(strategy)[name]))

    def _timed_fetch(self, fetch):  # type: ignore[no-untyped-def]
        def timed(strategy, result, dbapi_cursor, *args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return fetch(strategy, result, dbapi_cursor, *args, **kwargs)
            finally:
                entry = self._open.get(id(dbapi_cursor))
                if entry is not None:
                    entry["seconds"] += time.perf_counter() - started

        return timed

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        started = self._started.pop(id(cursor), None)
        seconds = time.perf_counter() - started if started else 0.0
        entry = {
            "sql": statement,
            "params": parameters,
            "seconds": seconds,
            "executemany": executemany,
            "dialect": conn.dialect.name,
        }
        with self._lock:
            self.entries.append(entry)
            self._open[id(cursor)] = entry

    def take(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self.entries = self.entries, []
            self._open.clear()
        return taken


def _is_query(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH")


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def explain(url: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan of every distinct query among ``entries`` (SQLite: EXPLAIN QUERY PLAN;
    PostgreSQL: EXPLAIN ANALYZE), with the full scans of big tables picked out."""
    seen: set[str] = set()
    plans = []
    if url.startswith("sqlite"):
        import sqlite3

        connection: Any = sqlite3.connect(url.split("///", 1)[1])
    else:
        import psycopg

        connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        for entry in entries:
            if not _is_query(entry["sql"]) or entry["executemany"]:
                continue
            key = entry["sql"] + repr(entry["params"])
            if key in seen:
                continue
            seen.add(key)
            plans.append(_plan_of(connection, url, entry))
    finally:
        connection.close()
    return plans


def _plan_of(connection: Any, url: str, entry: dict[str, Any]) -> dict[str, Any]:
    sql, params = entry["sql"], entry["params"]
    started = time.perf_counter()
    try:
        if url.startswith("sqlite"):
            rows = connection.execute("EXPLAIN QUERY PLAN " + sql, params or ()).fetchall()
            lines = [f"{row[0]} {row[1]} {row[3]}" for row in rows]
            scans = [t for t in BIG_TABLES for line in lines if re.search(rf"\bSCAN {t}\b", line)]
        else:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params or None)
                lines = [row[0] for row in cursor.fetchall()]
            connection.rollback()
            scans = [
                t for t in BIG_TABLES for line in lines if re.search(rf"Seq Scan on {t}\b", line)
            ]
    except Exception as error:  # noqa: BLE001 - a plan we could not get is reported as such
        with suppress(Exception):
            connection.rollback()
        lines, scans = [f"（无法取得执行计划：{type(error).__name__}: {str(error)[:200]}）"], []
    return {
        "sql": sql,
        "params": _plain(params),
        "seconds": round(entry["seconds"], 4),
        "explain_s": round(time.perf_counter() - started, 3),
        "plan": lines,
        "full_scans": sorted(set(scans)),
    }


# --------------------------------------------------------------------------- AppTest


def _new_app():  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(TREE / "dashboard.py"), default_timeout=3600)


def _set_date(at, page: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    """The filter change: the global 截止日期, /weekly's own date, or /screen's URL."""
    keys = [d.key for d in at.date_input]
    if page == "weekly" and "pf_as_of" in keys:
        at.date_input(key="pf_as_of").set_value(day)
    elif "to" in keys:
        # The window a user opening the page at ``day`` sees (1 January … day): left alone,
        # 开始日期 would stay at the warm-up day's year and every window would span years.
        if "from" in keys:
            at.date_input(key="from").set_value(day.replace(month=1, day=1))
        at.date_input(key="to").set_value(day)
    else:
        at.query_params["to"] = day.isoformat()


def _open(page: str, day: dt.date):  # type: ignore[no-untyped-def]
    """An AppTest session on ``page`` at ``day`` (imports, engine and page code warmed up);
    the measured runs then change the date."""
    at = _new_app()
    at.query_params["to"] = day.isoformat()
    at.run()
    at.switch_page(f"views/{page}.py")
    at.run()
    return at


def _errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e.value)[:300] for e in at.exception]


def _metrics(at) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[str(m.label), str(m.value)] for m in at.metric]


def worker_pages(args: dict[str, Any]) -> None:
    """Uncached / cached medians per page, then one cold run per page with its SQL and plans."""
    import streamlit as st

    statements = StatementLog()
    statements.install()
    today = dt.date.fromisoformat(args["today"])
    runs = int(args["runs"])
    pages = args.get("pages") or PAGES
    results: dict[str, Any] = {}
    for index, page in enumerate(pages):
        at = _open(page, WARM_UP_DAY + dt.timedelta(days=index))
        uncached, cached, sql_s, cached_sql_s, errors = [], [], [], [], _errors(at)
        # CPU seconds of this process (the script thread; the main one waits): on a busy
        # machine they move far less than wall time, which counts other processes' turns.
        cached_cpu: list[float] = []
        slowest_uncached: dict[str, Any] = {}
        for run in range(1, runs + 1):
            _set_date(at, page, today - dt.timedelta(days=index * runs + run))
            statements.take()
            started = time.perf_counter()
            at.run()
            uncached.append(time.perf_counter() - started)
            entries = statements.take()
            sql_s.append(sum(e["seconds"] for e in entries))
            slowest = max(entries, key=lambda e: e["seconds"], default=None)
            if slowest and slowest["seconds"] > slowest_uncached.get("seconds", 0):
                slowest_uncached = {
                    "seconds": round(slowest["seconds"], 3),
                    "sql": " ".join(slowest["sql"].split())[:300],
                    "params": _plain(slowest["params"]),
                }
            started, cpu = time.perf_counter(), time.process_time()
            at.run()
            cached.append(time.perf_counter() - started)
            cached_cpu.append(time.process_time() - cpu)
            cached_sql_s.append(sum(e["seconds"] for e in statements.take()))
            errors += _errors(at)
        results[page] = {
            "uncached_ms": round(statistics.median(uncached) * 1000, 1),
            "cached_ms": round(statistics.median(cached) * 1000, 1),
            "uncached_all_ms": [round(v * 1000) for v in uncached],
            "cached_all_ms": [round(v * 1000) for v in cached],
            "cached_cpu_ms": round(statistics.median(cached_cpu) * 1000, 1),
            "uncached_sql_ms": round(statistics.median(sql_s) * 1000, 1),
            "cached_sql_ms": round(statistics.median(cached_sql_s) * 1000, 1),
            "uncached_slowest": slowest_uncached,
            "errors": errors,
        }
        log(f"  {page}: {json.dumps(results[page], ensure_ascii=False)}")
    pages_peak = peak_mb()
    for page in pages:  # cold: every cache cleared, the data set's own date
        st.cache_data.clear()
        st.cache_resource.clear()
        statements.take()
        at = _new_app()
        at.query_params["to"] = today.isoformat()
        # Straight to the page, as a pasted link: a first run on the default page would count
        # /overview's statements (its volunteer totals, the league) as this page's.
        at.switch_page(f"views/{page}.py")
        started = time.perf_counter()
        at.run()
        cold_s = time.perf_counter() - started
        entries = statements.take()
        results[page]["cold_ms"] = round(cold_s * 1000, 1)
        results[page]["cold_sql_ms"] = round(sum(e["seconds"] for e in entries) * 1000, 1)
        results[page]["statements"] = len(entries)
        results[page]["metrics"] = _metrics(at)
        results[page]["errors"] += _errors(at)
        if args.get("explain"):
            results[page]["plans"] = explain(args["url"], entries)
        log(f"  {page} cold: {results[page]['cold_ms']} ms, {len(entries)} statements")
    emit({"pages": results, "peak_mb": pages_peak})


def worker_profile(args: dict[str, Any]) -> None:
    """cProfile of one uncached run of ``args['page']`` in the script thread (``cached``: of
    the same view's second run, every query result cached)."""
    from streamlit.testing.v1 import local_script_runner

    profiler = cProfile.Profile()
    active = {"on": False}
    original = local_script_runner.LocalScriptRunner._run_script_thread

    def profiled(self) -> None:  # type: ignore[no-untyped-def]
        if not active["on"]:
            return original(self)
        profiler.enable()
        try:
            return original(self)
        finally:
            profiler.disable()

    local_script_runner.LocalScriptRunner._run_script_thread = profiled
    today = dt.date.fromisoformat(args["today"])
    page = args["page"]
    at = _open(page, WARM_UP_DAY)
    _set_date(at, page, today - dt.timedelta(days=801))
    if args.get("cached"):  # profile the same view again: every query result cached
        at.run()
    active["on"] = True
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    active["on"] = False
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(int(args.get("top", 15)))
    text = out.getvalue()
    text = text.replace(str(TREE) + "/", "")
    text = re.sub(r"/[^\s:]*/site-packages/", "", text)
    text = re.sub(r"/[^\s:]*/lib/python3\.\d+/", "", text)
    emit({"page": page, "seconds": seconds, "profile": text.strip(), "errors": _errors(at)})


# --------------------------------------------------------------------------- Chromium


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _memory_kb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values


def _drawn(page, timeout_ms: int = 600_000) -> None:  # type: ignore[no-untyped-def]
    """The script has finished, nothing runs, no skeleton is left and every chart has drawn."""
    page.wait_for_selector(FINISHED, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    page.wait_for_selector(RUNNING_ICON, state="detached", timeout=timeout_ms)
    try:
        page.wait_for_function(DRAWN_JS, timeout=CHART_WAIT_MS, polling=50)
    except Exception:  # noqa: BLE001 - a chart that never draws (e.g. in a hidden tab) is logged
        log(f"  charts not drawn within {CHART_WAIT_MS} ms: {page.url}")


VIEWPORT = {"width": 1600, "height": 1000}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]


def _visit(browser, url: str) -> tuple[float, Any]:  # type: ignore[no-untyped-def]
    """A first-ever visit: a new browser context, so its HTTP cache is empty."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(600_000)
    return _open_drawn(context, url)


def _open_drawn(context, url: str) -> tuple[float, Any]:  # type: ignore[no-untyped-def]
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    _drawn(page)
    return round(time.perf_counter() - started, 3), page


def _drawn_in_page_s(page) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation start to "fully drawn", by the page's own clock (Performance
    API): no Playwright round trips, less noise than the wall time on a busy machine."""
    return round(page.evaluate("performance.now()") / 1000, 3)


def _returning_visits(playwright, base_url: str, today: dt.date, profile: Path) -> dict:  # type: ignore[no-untyped-def]
    """Visits of every page as a member of staff makes them on a normal day: a browser profile
    on disk that has opened the dashboard before (Streamlit's page code is in its HTTP cache,
    served ``immutable`` for a year, and in Chromium's compiled-code cache), each visit a new
    tab and a new Streamlit session on a view nobody has asked for yet (server data uncached)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport=VIEWPORT,
    )  # fmt: skip
    context.set_default_timeout(600_000)
    try:
        # Yesterday's visits: Chromium keeps compiled code for a script loaded twice.
        for round_ in range(2):
            for i, name in enumerate(PAGES):
                day = today - dt.timedelta(days=200 + 10 * round_ + i)
                _, page = _open_drawn(context, f"{base_url}/{_path(name)}?to={day.isoformat()}")
                page.close()
        wall, in_page = {}, {}
        for i, name in enumerate(PAGES):
            day = today - dt.timedelta(days=90 + i)
            wall[name], page = _open_drawn(
                context, f"{base_url}/{_path(name)}?to={day.isoformat()}"
            )
            in_page[name] = _drawn_in_page_s(page)
            page.close()
            log(f"  returning visit /{name}: {wall[name]} s (in page {in_page[name]} s)")
    finally:
        context.close()
    return {
        "returning_visits_s": wall,
        "returning_visit_median_s": statistics.median(wall.values()),
        "returning_visits_in_page_s": in_page,
        "returning_visit_in_page_median_s": statistics.median(in_page.values()),
    }


def _path(name: str) -> str:
    return "" if name == "overview" else name  # the overview is served at /


# Watches the app's script state from before the click: a run that starts and ends between two
# polls (a fast or cached one) is still seen, where waiting for the "running" state can miss it.
WATCH_RUN_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const run = (window.__benchRun = { started: false, done: false });
    new MutationObserver(() => {
        const state = app.getAttribute('data-test-script-state');
        if (state === 'running') run.started = true;
        else if (run.started) run.done = true;
    }).observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
}"""


# The moment the pointer goes down on the button, by the page's clock: Playwright's click
# (actionability checks, scrolling, its own round trips) happens before it.
WATCH_POINTER_JS = """() => {
    window.__benchPointer = null;
    document.addEventListener('pointerdown', () => {
        window.__benchPointer = window.__benchPointer ?? performance.now();
    }, true);
}"""


def _filter_change(page) -> tuple[float | None, float | None]:  # type: ignore[no-untyped-def]
    """Click 重置筛选 (the date goes back to the data set's day, a view nobody has asked for
    yet); seconds until the rerun has finished and the page is drawn again: from before
    Playwright's click, and in the page from the pointer going down (as a person clicks)."""
    try:
        button = page.get_by_role("button", name="重置筛选")
        page.evaluate(WATCH_RUN_JS)
        page.evaluate(WATCH_POINTER_JS)
        started = time.perf_counter()
        button.click()
        page.wait_for_function("window.__benchRun && window.__benchRun.done", timeout=60_000)
        _drawn(page)
        seconds = round(time.perf_counter() - started, 3)
        in_page = page.evaluate("performance.now() - window.__benchPointer")
        return seconds, round(in_page / 1000, 3)
    except Exception as error:  # noqa: BLE001 - a measurement, reported as missing
        log(f"  filter change not measured: {error}")
        return None, None


def worker_serve(args: dict[str, Any]) -> None:
    """A real server of this tree and Chromium: first visit, filter change, fresh visits."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(TREE / "dashboard.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log_path = Path(args["log"])
    out = log_path.open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=TREE, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    today = dt.date.fromisoformat(args["today"])
    result: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 180
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.1)
        result["server_start_s"] = round(time.perf_counter() - started, 2)
        result["idle_rss_mb"] = _memory_kb(process.pid).get("VmRSS", 0) / 1024
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            past = today - dt.timedelta(days=30)
            first_s, first = _visit(browser, f"{base_url}/?to={past.isoformat()}")
            result["first_visit_s"] = first_s
            change_s, change_in_page_s = _filter_change(first)
            result["filter_change_s"] = change_s
            result["filter_change_in_page_s"] = change_in_page_s
            result["default_visit_s"], default = _visit(browser, f"{base_url}/")
            result["default_visit_in_page_s"] = _drawn_in_page_s(default)
            first.context.close()
            default.context.close()
            fresh, fresh_in_page = {}, {}
            for i, name in enumerate(PAGES):
                day = today - dt.timedelta(days=60 + i)
                fresh[name], page = _visit(
                    browser, f"{base_url}/{_path(name)}?to={day.isoformat()}"
                )
                fresh_in_page[name] = _drawn_in_page_s(page)
                page.context.close()  # its session would otherwise stay open
                log(f"  fresh visit /{name}: {fresh[name]} s (in page {fresh_in_page[name]} s)")
            result["fresh_visits_s"] = fresh
            result["fresh_visit_median_s"] = statistics.median(fresh.values())
            result["fresh_visits_in_page_s"] = fresh_in_page
            result["fresh_visit_in_page_median_s"] = statistics.median(fresh_in_page.values())
            browser.close()
            with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
                result.update(_returning_visits(playwright, base_url, today, Path(profile)))
        memory = _memory_kb(process.pid)
        result["peak_rss_mb"] = memory.get("VmHWM", 0) / 1024
        result["rss_mb"] = memory.get("VmRSS", 0) / 1024
        emit(result)
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        out.close()


WORKERS = {"pages": worker_pages, "profile": worker_profile, "serve": worker_serve}


if __name__ == "__main__":
    WORKERS[sys.argv[1]](json.loads(sys.argv[2]))
