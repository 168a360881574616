"""CPU time per visit: Chromium's whole process tree and the server process (issue #11).

Wall time on the shared benchmark machine swings 1.5–3x with other work; CPU time read from
``/proc`` does much less, so this is how two trees' pages are compared there. Servers are
started by hand (``streamlit run dashboard.py --server.port 8611 ...``), one per tree, and
named with their port and process id:

    python benchmarks/browser_cpu.py before=8611:PID after=8612:PID --mode first --rounds 3

``--mode first``: every visit in a new browser context (empty HTTP cache, as a browser's
first-ever visit and ``harness.py``'s fresh visits). ``--mode returning``: one browser profile
on disk per server that has visited every page twice; every measured visit is a new tab and a
new session. Each round asks for a date not asked before (server data uncached in the first
pass). Prints, per server and page, medians of: wall ms, in-page ms (navigation start to fully
drawn, the page's clock), browser CPU ms, server CPU ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_timeline import CHROMIUM, INIT_JS, PAGES, VIEWPORT, drawn  # noqa: E402

ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
TICKS = os.sysconf("SC_CLK_TCK")
FIELDS = ("wall", "in_page", "browser_cpu", "server_cpu")


def _processes() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, CPU ticks of the process and of its finished children)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    return found


def tree_cpu_ms(root: int) -> float:
    """CPU time of ``root`` and every process below it (finished ones counted by their parent)."""
    processes = _processes()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += processes.get(pid, (0, 0))[1]
        todo += [child for child, (parent, _) in processes.items() if parent == pid]
    return total * 1000 / TICKS


def _browser_pid(marker: str) -> int:
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                command = Path(f"/proc/{name}/cmdline").read_text()
            except OSError:
                continue
            if marker in command and "--type=" not in command:
                return int(name)
    raise RuntimeError("Chromium's browser process not found")


def measure(servers: dict[str, tuple[str, int]], mode: str, rounds: int) -> dict[str, Any]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    with tempfile.TemporaryDirectory() as profiles, sync_playwright() as playwright:
        browsers = {}
        for name, (port, _) in servers.items():
            marker = f"--bench-browser-{name}-{os.getpid()}"  # ignored by Chromium, found in /proc
            if mode == "returning":
                context = playwright.chromium.launch_persistent_context(
                    str(Path(profiles) / name), executable_path=CHROMIUM, headless=True, args=[*ARGS, marker],
                    viewport=VIEWPORT,
                )  # fmt: skip
                context.add_init_script(INIT_JS)
                for round_ in range(2):
                    for i, path in enumerate(PAGES):
                        page = context.new_page()
                        page.goto(
                            f"http://127.0.0.1:{port}/{path}?to=2025-{round_ + 1:02d}-{i + 10}"
                        )
                        drawn(page)
                        page.close()
                browsers[name] = (context, _browser_pid(marker))
            else:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=[*ARGS, marker]
                )
                browsers[name] = (browser, _browser_pid(marker))
        for round_ in range(rounds):
            for i, path in enumerate(PAGES):
                order = list(servers) if (round_ + i) % 2 == 0 else list(servers)[::-1]
                for name in order:
                    port, server_pid = servers[name]
                    owner, browser_pid = browsers[name]
                    context = owner if mode == "returning" else owner.new_context(viewport=VIEWPORT)
                    if mode != "returning":
                        context.add_init_script(INIT_JS)
                    browser_before, server_before = (
                        tree_cpu_ms(browser_pid),
                        tree_cpu_ms(server_pid),
                    )
                    page = context.new_page()
                    started = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/{path}?to=2024-{round_ + 1:02d}-{i + 10}")
                    drawn(page)
                    wall = (time.perf_counter() - started) * 1000
                    in_page = page.evaluate("performance.now()")
                    page.close()
                    if mode != "returning":
                        context.close()
                    time.sleep(0.3)  # the closed tab's processes are reaped and counted
                    rows[name].append({
                        "page": path or "overview", "wall": wall, "in_page": in_page,
                        "browser_cpu": tree_cpu_ms(browser_pid) - browser_before,
                        "server_cpu": tree_cpu_ms(server_pid) - server_before,
                    })  # fmt: skip
    return {name: _medians(found) for name, found in rows.items()}


def _medians(rows: list[dict[str, Any]]) -> dict[str, Any]:
    pages = list(dict.fromkeys(row["page"] for row in rows))
    per_page = {
        page: {f: round(statistics.median(r[f] for r in rows if r["page"] == page)) for f in FIELDS}
        for page in pages
    }
    overall = {f: statistics.median(v[f] for v in per_page.values()) for f in FIELDS}
    return {"median_of_pages": overall, "pages": per_page}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("servers", nargs="+", help="name=PORT:SERVER_PID")
    parser.add_argument("--mode", choices=("first", "returning"), default="first")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    servers = {}
    for item in args.servers:
        name, _, where = item.partition("=")
        port, _, pid = where.partition(":")
        servers[name] = (port, int(pid))
    for name, found in measure(servers, args.mode, args.rounds).items():
        print(name, args.mode, "median of pages:", found["median_of_pages"])
        for page, values in found["pages"].items():
            print("   ", page, values)


if __name__ == "__main__":
    main()
