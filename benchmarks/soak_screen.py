"""Soak test of the big screen (issue 4): does ``/screen`` grow memory when left running?

    python benchmarks/soak_screen.py                       # 20 min, ?rotate=2&refresh=5
    python benchmarks/soak_screen.py --minutes 60 --rotate 2 --refresh 5
    nohup python benchmarks/soak_screen.py --minutes 25 > /tmp/soak.log 2>&1 &

A real ``streamlit run dashboard.py`` serves a temporary SQLite file holding the small demo
data set (as the browser test harness does); Debian's Chromium (Playwright) opens
``/screen?rotate=R&refresh=F`` and leaves it alone. About every ``--interval`` seconds, each
time just after the board switched to its first section (总体态势; the sections differ in size,
so like is compared with like), it samples:

- the page's JS heap after a forced garbage collection (CDP ``HeapProfiler.collectGarbage``,
  then ``Runtime.getHeapUsage``) and ``performance.memory.usedJSHeapSize``;
- the DOM: elements in the document, and Blink's count of live nodes (``Performance.getMetrics``
  ``Nodes``: detached nodes that are still referenced count too) and JS event listeners;
- the RSS of the server process (with any children) and of this run's Chromium processes.

Between samples the section caption and the 刷新于 time are polled twice a second, so the
report says how many rotations and data reloads the run really went through. The slope of each
series is a least-squares fit over the second half of the run (the first half is warm-up:
caches fill, code is loaded lazily), given per hour and extrapolated to 24 h. The report goes
to ``benchmarks/SOAK.md`` (``--output``), rewritten after every sample so an interrupted run
still leaves its numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy.cluster import stop_process_group as stop_server  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-precise-memory-info",  # performance.memory unrounded
]
DEFAULT_OUTPUT = REPO_ROOT / "benchmarks" / "SOAK.md"
SERVER_START_TIMEOUT_S = 90
BOARD_TIMEOUT_MS = 180_000
POLL_MS = 500
SAMPLE_SECTION = "总体态势"  # every sample is taken on the first section, just after it shows
SETTLE_S = 1.5
READINGS = 3
MIB = 1024 * 1024
# A day at the screen's defaults (?rotate=30, ?refresh=300; the clock ticks every second).
DAY_S = 24 * 3600
DEFAULT_ROTATE_S, DEFAULT_REFRESH_S = 30, 300
# Verdict: what may be left after 24 h of the fitted slope, per series.
LIMITS_24H = {
    "heap_gc": 10 * MIB,
    "embedder_heap": 10 * MIB,
    "timeline": 1000,
    "dom_elements": 50,
    "live_nodes": 500,
    "server_rss": 50 * MIB,
    "browser_rss": 100 * MIB,
}

STATE_JS = """() => {
  const text = s => document.querySelector(s)?.textContent ?? '';
  return {section: text('.st-key-screen-section p'), updated: text('.st-key-screen-updated p'),
          exceptions: document.querySelectorAll('[data-testid="stException"]').length};
}"""
SAMPLE_JS = """() => ({
  elements: document.getElementsByTagName('*').length,
  perfHeap: performance.memory ? performance.memory.usedJSHeapSize : null,
  timeline: performance.getEntries().length,
})"""


@dataclass(frozen=True)
class Sample:
    """One measurement, ``elapsed`` seconds after the board first showed."""

    elapsed: float
    heap_gc: int  # Runtime.getHeapUsage usedSize after a forced GC
    perf_heap: int | None  # performance.memory.usedJSHeapSize after the same GC
    embedder_heap: int  # Runtime.getHeapUsage embedderHeapUsedSize: Blink's objects
    timeline: int  # performance.getEntries().length (user timing is never trimmed by Chrome)
    dom_elements: int
    live_nodes: int  # Performance.getMetrics Nodes (includes detached, still referenced)
    listeners: int
    server_rss: int
    browser_rss: int
    rotations: int
    refreshes: int


SERIES = {
    "heap_gc": ("JS heap after GC", "bytes"),
    "embedder_heap": ("Blink heap after GC", "bytes"),
    "timeline": ("performance entries", "count"),
    "dom_elements": ("DOM elements", "count"),
    "live_nodes": ("Blink live nodes", "count"),
    "server_rss": ("server RSS", "bytes"),
    "browser_rss": ("Chromium RSS", "bytes"),
}


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def prepare_database(url: str) -> None:
    """Migrate and load the small demo before the server starts (as its first run would)."""
    from storage.db import ensure_ready, make_engine

    engine = make_engine(url)
    try:
        ensure_ready(engine, load_demo=True)
    finally:
        engine.dispose()


def start_server(workdir: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """``streamlit run dashboard.py`` on a free port, in its own process group."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboard.py"),
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
    ]
    log = (workdir / "streamlit.log").open("wb")
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not is_healthy(base_url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError((workdir / "streamlit.log").read_text("utf-8", "replace")[-3000:])
        time.sleep(0.3)
    return process, base_url


def tree_rss(pid: int) -> int:
    """RSS of ``pid`` and all its descendants, in bytes."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_info().rss
    return total


def chromium_rss() -> int:
    """RSS of the Chromium processes this script started (descendants named chromium)."""
    total = 0
    for process in psutil.Process().children(recursive=True):
        with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if "chrom" in process.name():
                total += process.memory_info().rss
    return total


# --------------------------------------------------------------------------- statistics


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``(seconds, value)`` points, per hour; None under 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return None
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread * 3600


def slope_error_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Standard error of that slope, per hour: how far the noise alone could move it."""
    slope = slope_per_hour(points)
    if slope is None or len(points) < 4:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    per_second = slope / 3600
    residuals = sum((v - mean_v - per_second * (t - mean_t)) ** 2 for t, v in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return (residuals / (n - 2) / spread) ** 0.5 * 3600


def second_half(samples: list[Sample]) -> list[Sample]:
    """The samples after warm-up: those in the second half of the elapsed time."""
    if not samples:
        return []
    middle = samples[-1].elapsed / 2
    return [s for s in samples if s.elapsed >= middle]


def fits(samples: list[Sample]) -> dict[str, tuple[float | None, float | None]]:
    """Per series: (slope per hour, its standard error) over the second half."""
    tail = second_half(samples)
    result = {}
    for key in SERIES:
        points = [(s.elapsed, float(getattr(s, key))) for s in tail]
        result[key] = (slope_per_hour(points), slope_error_per_hour(points))
    return result


def quarter_medians(samples: list[Sample]) -> dict[str, tuple[float | None, float | None]]:
    """Per series: medians of the third and the fourth quarter of the run.

    Some series jump between a few values (a chart legend mid-render adds 24 elements), which a
    least-squares slope can mistake for a trend; a later quarter whose median is not higher
    has levelled off.
    """
    if not samples:
        return {key: (None, None) for key in SERIES}
    end = samples[-1].elapsed
    third = [s for s in samples if end / 2 <= s.elapsed < end * 3 / 4]
    fourth = [s for s in samples if s.elapsed >= end * 3 / 4]
    return {
        key: (
            statistics.median(getattr(s, key) for s in third) if third else None,
            statistics.median(getattr(s, key) for s in fourth) if fourth else None,
        )
        for key in SERIES
    }


def coverage(samples: list[Sample], rotate: int, refresh: int) -> dict[str, float]:
    """What the run went through, next to what a day at the defaults goes through."""
    last = samples[-1] if samples else None
    seconds = last.elapsed if last else 0.0
    return {
        "seconds": seconds,
        "rotations": last.rotations if last else 0,
        "refreshes": last.refreshes if last else 0,
        "clock_ticks": seconds,
        "day_rotations": DAY_S / DEFAULT_ROTATE_S,
        "day_refreshes": DAY_S / DEFAULT_REFRESH_S,
        "day_clock_ticks": DAY_S,
    }


def judge(
    slope: float, error: float | None, limit: float, medians: tuple[float | None, float | None]
) -> str:
    """OK: the fitted 24 h growth is within ``limit``. GROWS: even slope − 2 standard errors
    is above it and the last quarter's median is above the third's. NOISY: anything between
    (the noise could explain it; run longer)."""
    if slope * 24 <= limit:
        return "OK"
    third, fourth = medians
    still_rising = third is None or fourth is None or fourth > third
    if error is not None and (slope - 2 * error) * 24 <= limit or not still_rising:
        return "NOISY"
    return "GROWS"


def verdict(
    slopes: dict[str, tuple[float | None, float | None]],
    medians: dict[str, tuple[float | None, float | None]] | None = None,
) -> tuple[bool, list[str]]:
    """Pass when no series clearly grows past its 24 h limit."""
    lines, ok = [], True
    for key, limit in LIMITS_24H.items():
        slope, error = slopes.get(key, (None, None))
        label, unit = SERIES[key]
        if slope is None:
            lines.append(f"{label}: not enough samples")
            ok = False
            continue
        quarters = (medians or {}).get(key, (None, None))
        word = judge(slope, error, limit, quarters)
        ok &= word != "GROWS"
        spread = f" ± {human(2 * error * 24, unit).lstrip('+')}" if error is not None else ""
        medians_text = ""
        if quarters[0] is not None and quarters[1] is not None:
            medians_text = (
                f"; medians 3rd/4th quarter {plain(quarters[0], unit)} / {plain(quarters[1], unit)}"
            )
        lines.append(
            f"{label}: {human(slope * 24, unit)}{spread} in 24 h "
            f"(limit {human(limit, unit)}{medians_text}) → {word}"
        )
    return ok, lines


# --------------------------------------------------------------------------- output


def human(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "bytes":
        return f"{value / MIB:+.2f} MiB"
    return f"{value:+,.0f}"


def plain(value: float, unit: str) -> str:
    return f"{value / MIB:.2f} MiB" if unit == "bytes" else f"{value:,.0f}"


def table(samples: list[Sample]) -> str:
    head = (
        "| t (min) | rotations | reloads | JS heap after GC (MiB) | performance.memory (MiB) "
        "| Blink heap (MiB) | perf. entries | DOM elements | live nodes | listeners "
        "| server RSS (MiB) | Chromium RSS (MiB) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {s.elapsed / 60:.1f} | {s.rotations} | {s.refreshes} | {s.heap_gc / MIB:.2f} "
        f"| {(s.perf_heap or 0) / MIB:.2f} | {s.embedder_heap / MIB:.2f} | {s.timeline} "
        f"| {s.dom_elements} | {s.live_nodes} | {s.listeners} "
        f"| {s.server_rss / MIB:.1f} | {s.browser_rss / MIB:.1f} |"
        for s in samples
    ]
    return "\n".join([head, *rows])


def report(samples: list[Sample], args: argparse.Namespace, finished: bool, exceptions: int) -> str:
    slopes = fits(samples)
    cover = coverage(samples, args.rotate, args.refresh)
    ok, lines = verdict(slopes, quarter_medians(samples))
    tail = second_half(samples)
    fit_from = tail[0].elapsed / 60 if tail else 0
    state = "finished" if finished else "RUNNING (partial: rewritten after every sample)"
    slope_rows = "\n".join(
        f"| {label} | {human(slopes[key][0], unit)} "
        f"| {human(slopes[key][1] and 2 * slopes[key][1], unit).lstrip('+')} "
        f"| {human(slopes[key][0] and slopes[key][0] * 24, unit)} |"
        for key, (label, unit) in SERIES.items()
    )
    ratio = (
        f"- Rotations: {cover['rotations']:,} observed section changes; a day at the default "
        f"`rotate=30` is {cover['day_rotations']:,.0f}, so this run covered "
        f"{cover['rotations'] / cover['day_rotations']:.1%} of a day's rotations.\n"
        f"- Data reloads: {cover['refreshes']:,} observed 刷新于 changes; a day at the default "
        f"`refresh=300` is {cover['day_refreshes']:,.0f} → "
        f"{cover['refreshes'] / cover['day_refreshes']:.1%} of a day's reloads.\n"
        f"- Clock ticks (1 s, whatever the parameters): {cover['clock_ticks']:,.0f} of "
        f"{cover['day_clock_ticks']:,} → {cover['clock_ticks'] / cover['day_clock_ticks']:.1%} "
        "of a day.\n"
    )
    return f"""# /screen soak test

Run by `python benchmarks/soak_screen.py --minutes {args.minutes} --rotate {args.rotate} \
--refresh {args.refresh}` on {dt.datetime.now():%Y-%m-%d %H:%M} — state: **{state}**.

Server: `streamlit run dashboard.py` on a temporary SQLite file with the small demo data set.
Browser: Debian Chromium (headless, Playwright), 1920×1080, one tab on
`/screen?rotate={args.rotate}&refresh={args.refresh}`, never reloaded. A sample about every
{args.interval} s, always {SETTLE_S} s after the board switched to {SAMPLE_SECTION} (the sections
differ in size, so like is compared with like), each value the median of {READINGS} readings
0.7 s apart (a reading can catch a chart mid-replacement): JS heap after a forced GC (CDP `HeapProfiler.collectGarbage` +
`Runtime.getHeapUsage`), `performance.memory.usedJSHeapSize` after the same GC, DOM elements
(`document.getElementsByTagName('*').length`), Blink's live node and listener counts
(`Performance.getMetrics`), RSS of the server process tree and of this run's Chromium processes
(psutil). Exceptions seen on the board during the run: {exceptions}.

## What the run covered

{ratio}
So by *count* the run is a stress test of the data reloads and a fifth of a day of rotations,
but only a small fraction of a day of clock ticks; growth driven by the clock is covered by the
*time* extrapolation below, growth driven by rotations is overstated by it (this run rotates 15×
as often per hour as the default).

## Slopes (least squares over the second half, from {fit_from:.1f} min) and 24 h extrapolation

| series | slope per hour | ± 2 standard errors | over 24 h |
|---|---:|---:|---:|
{slope_rows}

## Verdict: {"no growth that matters over a day" if ok else "GROWTH — see the series marked GROWS"}

{chr(10).join(f"- {line}" for line in lines)}

## Samples

{table(samples)}
"""


# --------------------------------------------------------------------------- the run


def open_board(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-screen-root", timeout=BOARD_TIMEOUT_MS)
    page.locator(".st-key-screen-updated p").filter(has_text="数据截至").wait_for(
        timeout=BOARD_TIMEOUT_MS
    )


def read_once(page, cdp) -> dict:  # type: ignore[no-untyped-def]
    """One reading of the page after a forced GC."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    dom = page.evaluate(SAMPLE_JS)
    return {
        "heap_gc": int(heap["usedSize"]),
        "perf_heap": dom["perfHeap"] or 0,
        "embedder_heap": int(heap.get("embedderHeapUsedSize", 0)),
        "timeline": dom["timeline"],
        "dom_elements": dom["elements"],
        "live_nodes": int(metrics.get("Nodes", 0)),
        "listeners": int(metrics.get("JSEventListeners", 0)),
    }


def take_sample(page, cdp, started: float, server_pid: int, counts: dict) -> Sample:  # type: ignore[no-untyped-def]
    """The median of ``READINGS`` readings 0.7 s apart: what stays, not what is mid-render.

    A single reading sometimes catches a chart being replaced (−200 or +24 elements, +380 live
    nodes, +2 MiB heap for a moment); a leak shows in the median as well, a transient does not.
    """
    readings = []
    for number in range(READINGS):
        if number:
            page.wait_for_timeout(700)
        readings.append(read_once(page, cdp))
    middle = {key: int(statistics.median(r[key] for r in readings)) for key in readings[0]}
    return Sample(
        elapsed=time.monotonic() - started,
        server_rss=tree_rss(server_pid),
        browser_rss=chromium_rss(),
        rotations=counts["rotations"],
        refreshes=counts["refreshes"],
        **middle,
    )


def watch(page, seconds: float, counts: dict, last: dict) -> None:  # type: ignore[no-untyped-def]
    """Poll the caption and 刷新于 for ``seconds``, counting their changes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        if last.get("section") is not None and state["section"] != last["section"]:
            counts["rotations"] += 1
        if last.get("updated") is not None and state["updated"] != last["updated"]:
            counts["refreshes"] += 1
        counts["exceptions"] = max(counts["exceptions"], state["exceptions"])
        last.update(section=state["section"], updated=state["updated"])
        page.wait_for_timeout(POLL_MS)


def wait_for_section(page, title: str, counts: dict, last: dict, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    """Poll (and count) until the board has just switched to ``title``, then let it settle.

    The sections differ in size (a donut against ten bars), so every sample is taken on the
    same section, about a second after it appeared: the DOM count compares like with like.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = last.get("section")
        watch(page, POLL_MS / 1000, counts, last)
        if last.get("section", "").startswith(title) and before != last.get("section"):
            break
    watch(page, SETTLE_S, counts, last)


def print_sample(sample: Sample) -> None:
    print(
        f"{sample.elapsed / 60:6.1f} min  rot {sample.rotations:5d}  reload {sample.refreshes:4d}  "
        f"heap {sample.heap_gc / MIB:7.2f} MiB  perf {(sample.perf_heap or 0) / MIB:7.2f} MiB  "
        f"blink {sample.embedder_heap / MIB:6.2f} MiB  entries {sample.timeline:6d}  "
        f"dom {sample.dom_elements:5d}  nodes {sample.live_nodes:6d}  "
        f"listeners {sample.listeners:5d}  server {sample.server_rss / MIB:7.1f} MiB  "
        f"chromium {sample.browser_rss / MIB:7.1f} MiB",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    output = Path(args.output)
    samples: list[Sample] = []
    counts = {"rotations": 0, "refreshes": 0, "exceptions": 0}
    with tempfile.TemporaryDirectory(prefix="soak-screen-") as folder:
        workdir = Path(folder)
        database_url = f"sqlite:///{workdir / 'dashboard.db'}"
        prepare_database(database_url)
        server, base_url = start_server(workdir, database_url)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(
                    viewport={"width": 1920, "height": 1080},
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                url = f"{base_url}/screen?rotate={args.rotate}&refresh={args.refresh}"
                print(f"soak: {url} for {args.minutes} min", flush=True)
                open_board(page, url)
                last: dict = {}
                wait_for_section(page, SAMPLE_SECTION, counts, last, 6 * args.rotate + 30)
                counts.update(rotations=0, refreshes=0)
                started = time.monotonic()
                end = started + args.minutes * 60
                while True:
                    samples.append(take_sample(page, cdp, started, server.pid, counts))
                    print_sample(samples[-1])
                    output.write_text(report(samples, args, False, counts["exceptions"]), "utf-8")
                    if time.monotonic() >= end:
                        break
                    watch(page, max(0.0, min(args.interval, end - time.monotonic())), counts, last)
                    wait_for_section(page, SAMPLE_SECTION, counts, last, 6 * args.rotate + 30)
                browser.close()
        finally:
            stop_server(server)
    output.write_text(report(samples, args, True, counts["exceptions"]), "utf-8")
    ok, lines = verdict(fits(samples), quarter_medians(samples))
    print("\n".join(lines))
    print(f"report written to {output}")
    return 0 if ok and counts["exceptions"] == 0 else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=20, help="length of the run")
    parser.add_argument("--rotate", type=int, default=2, help="?rotate= seconds")
    parser.add_argument("--refresh", type=int, default=5, help="?refresh= seconds")
    parser.add_argument("--interval", type=float, default=30, help="seconds between samples")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="Markdown report")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run(parse_args()))
