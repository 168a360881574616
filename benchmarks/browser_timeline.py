"""Where a fresh visit's time goes in Chromium, and A/B of two running servers (issue #11).

Drives ``/usr/bin/chromium`` (headless, no download) against servers already running, e.g.
``streamlit run dashboard.py --server.headless true --server.port 8531``, and prints JSON:

    python benchmarks/browser_timeline.py before=http://127.0.0.1:8531 after=http://127.0.0.1:8534

Per fresh visit (a new browser context: nothing cached, a new Streamlit session) it records,
in ms from navigation start: HTML received, bundle parsed (DOMContentLoaded), websocket open,
script run start and end (the app's ``data-test-script-state``), fully drawn (no skeleton, every
Vega chart has its canvas, as ``benchmarks/harness.py`` waits for); and counts: script runs,
websocket messages and bytes, static requests and bytes, Chromium main-thread time (script,
layout, style) from the DevTools ``Performance`` metrics. Then one filter change per round
(a 街道 chosen in the sidebar, with a date not asked for before, so the data is not cached).
Servers are visited in alternating order, so a shared, noisy machine hits both alike: compare
ratios. ``--warm`` opens every visit as a new tab of one context instead (HTTP cache warm, as
for someone who opened the dashboard yesterday).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGES = ("", "livelihood", "fiscal", "census", "volunteers", "weekly", "screen")
VIEWPORT = {"width": 1600, "height": 1000}

# Marks with performance.now(): websocket life and messages, the script state, the first paint
# of every lazily loaded element kind. Installed before any of the app's own code runs.
INIT_JS = r"""
(() => {
  window.__tl = [];
  const mark = (what) => window.__tl.push([what, performance.now()]);
  const NativeSocket = window.WebSocket;
  window.__ws = {n: 0, bytes: 0, sent: 0};
  window.WebSocket = function (...args) {
    const ws = new NativeSocket(...args);
    ws.addEventListener('open', () => mark('ws_open'));
    ws.addEventListener('message', (e) => {
      window.__ws.n += 1;
      window.__ws.bytes += e.data.byteLength ?? e.data.size ?? e.data.length;
    });
    const send = ws.send.bind(ws);
    ws.send = (d) => { window.__ws.sent += 1; return send(d); };
    return ws;
  };
  window.WebSocket.prototype = NativeSocket.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { requestAnimationFrame(watch); return; }
    new MutationObserver((records) => records.forEach((r) => {
      if (r.oldValue !== 'running') mark('run_start');
      if (r.oldValue === 'running') mark('run_end');
    })).observe(app, {attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
  };
  document.addEventListener('DOMContentLoaded', watch);
  document.addEventListener('pointerdown', () => mark('pointerdown'), true);
})();
"""
DRAWN_JS = """() => {
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  return [...document.querySelectorAll('.vega-embed')].every(c => c.querySelector('canvas, svg'));
}"""
FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_ICON = '[data-testid="stStatusWidgetRunningIcon"]'
SUMMARY_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const first = (what) => { const m = window.__tl.find(x => x[0] === what); return m ? m[1] : null; };
  const last = (what) => { const m = window.__tl.filter(x => x[0] === what).pop(); return m ? m[1] : null; };
  return {html: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, ws_open: first('ws_open'),
          run_start: first('run_start'), run_end: last('run_end'),
          runs: window.__tl.filter(x => x[0] === 'run_end').length,
          ws_messages: window.__ws.n, ws_kb: window.__ws.bytes / 1024,
          requests: res.length, static_kb: res.reduce((s, r) => s + r.transferSize, 0) / 1024,
          charts: document.querySelectorAll('.vega-embed').length,
          grids: document.querySelectorAll('[data-testid="stDataFrame"]').length,
          elements: document.querySelectorAll('[data-testid="stElementContainer"]').length};
}"""
# A filter change seen from inside the page: from the pointer going down on the option (Playwright's
# own click round trips left out) to the run's start and end and the redraw.
IN_PAGE_JS = """() => {
  const tl = window.__tl, now = performance.now();
  const start = tl.find(x => x[0] === 'run_start');
  const click = tl.filter(x => x[0] === 'pointerdown' && (!start || x[1] <= start[1])).pop();
  const end = tl.filter(x => x[0] === 'run_end').pop();
  if (!click || !start || !end) return {};
  return {in_page: Math.round(now - click[1]), to_run_start: Math.round(start[1] - click[1]),
          run: Math.round(end[1] - start[1]), draw_after_run: Math.round(now - end[1])};
}"""
CPU_METRICS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")


def drawn(page: Page) -> None:
    page.wait_for_selector(FINISHED)
    page.wait_for_selector('[data-testid="stMain"]')
    page.wait_for_selector(RUNNING_ICON, state="detached")
    page.wait_for_function(DRAWN_JS, polling=50)


def visit(context: BrowserContext, url: str) -> tuple[Page, dict[str, Any]]:
    """Open ``url`` in a new tab of ``context``; its timeline once fully drawn."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    started = time.perf_counter()
    page.goto(url)
    drawn(page)
    seconds = time.perf_counter() - started
    drawn_at = page.evaluate("performance.now()")
    summary = {
        k: round(v) if isinstance(v, float) else v for k, v in page.evaluate(SUMMARY_JS).items()
    }
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    summary.update({name: round(metrics.get(name, 0) * 1000) for name in CPU_METRICS})
    summary.update(total=round(seconds * 1000), drawn=round(drawn_at))
    return page, summary


def filter_change(page: Page, option: int) -> dict[str, Any]:
    """Choose the ``option``-th 街道 in the sidebar: ms until redrawn, runs and bytes."""
    page.evaluate("window.__tl = []; window.__ws0 = {...window.__ws}")
    started = time.perf_counter()
    page.get_by_role("combobox", name="街道").click()
    page.get_by_role("option").nth(option).click()
    page.wait_for_function("() => window.__tl.some(x => x[0] === 'run_end')", polling=20)
    drawn(page)
    seconds = time.perf_counter() - started
    in_page = page.evaluate(IN_PAGE_JS)
    page.wait_for_timeout(500)  # a second run would start within this
    counts = page.evaluate(
        "() => ({runs: window.__tl.filter(x => x[0] === 'run_end').length,"
        " ws_messages: window.__ws.n - window.__ws0.n,"
        " ws_kb: Math.round((window.__ws.bytes - window.__ws0.bytes) / 1024)})"
    )
    return {"total": round(seconds * 1000), **in_page, **counts}


def measure(
    browser: Browser, servers: dict[str, str], rounds: int, warm: bool, first_day: int
) -> dict[str, Any]:
    visits: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    changes: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    shared = {name: browser.new_context(viewport=VIEWPORT) for name in servers}
    for name, base in servers.items():  # imports and first-run work, as a server that is up
        shared[name].add_init_script(INIT_JS)
        page, _ = visit(shared[name], base + "/")
        page.close()
    for round_ in range(rounds):
        for i, path in enumerate(PAGES):
            day = f"2026-{round_ % 9 + 1:02d}-{first_day + i:02d}"  # a view nobody asked for yet
            order = list(servers.items())
            for name, base in order if (round_ + i) % 2 == 0 else order[::-1]:
                context = shared[name] if warm else browser.new_context(viewport=VIEWPORT)
                if not warm:
                    context.add_init_script(INIT_JS)
                page, summary = visit(context, f"{base}/{path}?to={day}")
                visits[name].append({"page": path or "overview", **summary})
                if path == "":
                    changes[name].append(filter_change(page, 1 + round_ % 3))
                page.close()
                if not warm:
                    context.close()
    return {name: report(visits[name], changes[name]) for name in servers}


def report(visits: list[dict[str, Any]], changes: list[dict[str, Any]]) -> dict[str, Any]:
    pages = sorted({v["page"] for v in visits})
    per_page = {p: statistics.median(v["total"] for v in visits if v["page"] == p) for p in pages}
    keys = [k for k in visits[0] if k != "page"]
    phases = {k: statistics.median(v[k] for v in visits) for k in keys}
    return {
        "fresh_visit_ms_by_page": per_page,
        "fresh_visit_ms_median_of_pages": statistics.median(per_page.values()),
        "fresh_visit_medians_all_pages": phases,
        "filter_change_ms": statistics.median(c["total"] for c in changes),
        "filter_change_in_page_medians": {
            key: statistics.median(c[key] for c in changes if key in c)
            for key in ("in_page", "to_run_start", "run", "draw_after_run")
            if any(key in c for c in changes)
        },
        "filter_change_runs": [c["runs"] for c in changes],
        "filter_change_ws_kb": statistics.median(c["ws_kb"] for c in changes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("servers", nargs="+", help="name=http://host:port")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", action="store_true", help="HTTP cache warm (new tabs)")
    parser.add_argument(
        "--first-day", type=int, default=10, help="day of month of the first page's ?to= (1-22)"
    )
    args = parser.parse_args()
    servers = dict(item.split("=", 1) for item in args.servers)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        result = measure(browser, servers, args.rounds, args.warm, args.first_day)
        browser.close()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
