"""Streamlit's own floor for a fresh visit in Chromium, next to our pages (issue #11).

    python benchmarks/floor_browser.py --rounds 5 [--also overview=http://127.0.0.1:8612/ ...]

Starts two throw-away apps with this repository's ``.streamlit/config.toml`` (each in a temp
directory, ``streamlit run`` on 127.0.0.1):

* ``bare``: ``st.navigation`` + one page with a title and a caption;
* ``small``: the same plus one small Altair chart, one 10-row ``st.dataframe`` and a sidebar
  with a multiselect and a date_input.

Every visit is measured as ``harness.py serve`` measures a fresh visit (its own functions: a new
Playwright browser context with an empty HTTP cache, the same Chromium and flags, "fully drawn"
= script finished, no running icon, no skeleton, every Vega chart has its canvas). ``--also``
adds running servers (e.g. our pages) visited in the same rounds, in rotating order, so a busy
machine hits all alike. Prints, per target, the medians of the wall time and of the page's own
clock (navigation start to fully drawn), and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402  (the fresh-visit method: one copy of it)

from deploy.cluster import stop_process_group  # noqa: E402  (harness puts the tree on sys.path)

REPO = Path(__file__).resolve().parent.parent

APP = """import streamlit as st

st.set_page_config(page_title="街道治理数据看板", layout="wide")
page = st.navigation([st.Page("home.py", title="首页", default=True)], position="hidden")
{sidebar}
page.run()
"""
SIDEBAR = """import datetime as dt

with st.sidebar:
    st.multiselect("街道", ["东城街道", "西城街道", "南城街道"], key="sd")
    st.date_input("截止日期", dt.date(2026, 12, 1), key="to")
"""
PAGE = """import streamlit as st

st.title("领导驾驶舱")
st.caption("数据截至 2026年12月1日 · 全部街道")
"""
PAGE_EXTRA = """import altair as alt
import pandas as pd

frame = pd.DataFrame({"社区": [f"第{i}社区" for i in range(1, 11)], "完成率": range(50, 100, 5)})
st.altair_chart(
    alt.Chart(frame).mark_bar().encode(x="完成率:Q", y=alt.Y("社区:N", sort="-x")),
    use_container_width=True,
)
st.dataframe(frame, hide_index=True)
"""
APPS = {"bare": ("", PAGE), "small": (SIDEBAR, PAGE + PAGE_EXTRA)}


def _write_app(root: Path, sidebar: str, page: str) -> None:
    (root / ".streamlit").mkdir(parents=True)
    shutil.copy(REPO / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    (root / "app.py").write_text(APP.format(sidebar=sidebar), encoding="utf-8")
    (root / "home.py").write_text(page, encoding="utf-8")


def _start(root: Path) -> tuple[subprocess.Popen, str]:
    port = harness._free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not harness._healthy(base):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not start in {root}")
        time.sleep(0.1)
    return process, base + "/"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure(targets: dict[str, str], rounds: int) -> dict[str, dict[str, float]]:
    """Fresh visits of every target, ``rounds`` times, in rotating order."""
    from playwright.sync_api import sync_playwright

    wall: dict[str, list[float]] = {name: [] for name in targets}
    in_page: dict[str, list[float]] = {name: [] for name in targets}
    names = list(targets)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(harness.CHROMIUM), headless=True, args=harness.CHROMIUM_ARGS
        )
        for name in names:  # each server's first run (imports) is not a visit we count
            _, page = harness._visit(browser, targets[name])
            page.context.close()
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                seconds, page = harness._visit(browser, targets[name])
                wall[name].append(seconds)
                in_page[name].append(harness._drawn_in_page_s(page))
                page.context.close()
            harness.log(f"  round {round_ + 1}: " + json.dumps({n: wall[n][-1] for n in names}))
        browser.close()
    return {
        name: {
            "wall_s": round(statistics.median(wall[name]), 3),
            "in_page_s": round(statistics.median(in_page[name]), 3),
            "all_wall_s": wall[name],
        }
        for name in names
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--also", nargs="*", default=[], help="name=URL of a running server")
    args = parser.parse_args()
    processes = []
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        try:
            targets = {}
            for name, (sidebar, page) in APPS.items():
                root = Path(tmp) / name
                _write_app(root, sidebar, page)
                process, url = _start(root)
                processes.append(process)
                targets[name] = url
            targets.update(item.split("=", 1) for item in args.also)
            load_before = _load()
            result = measure(targets, args.rounds)
            print(json.dumps({"load_before": load_before, "load_after": _load(), **result}))
        finally:
            for process in processes:
                stop_process_group(process)


if __name__ == "__main__":
    main()
