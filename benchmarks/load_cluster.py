"""Load test of the multi-process deployment (issue 11): N browser-like sessions through nginx.

    python benchmarks/load_cluster.py --database-url postgresql+psycopg://…/库名
    python benchmarks/load_cluster.py --sessions 50 --processes 2 --seconds 120 --think 2,8 \\
        --output benchmarks/LOAD_CLUSTER.md

``deploy/cluster.py`` starts nginx (127.0.0.1 only) in front of ``--processes`` Streamlit
processes on the one PostgreSQL database given (the small demo is loaded when it is empty),
warms each process once, and then ``--sessions`` sessions arrive over ``--ramp`` seconds. Each
is one websocket through nginx (``deploy/session.py``: the protocol the browser speaks, without
drawing), kept on its process by the sticky cookie. It opens a page as a fresh visit, then
walks /, /livelihood, /fiscal, /census, /volunteers, /weekly like clicks in the sidebar,
reading each page for a random ``--think`` seconds (a person looks at a page before the next
click), until ``--seconds`` have passed.

A page time is from asking for the page to the server's last message of that run. Errors are
exceptions shown on a page, runs that did not finish within 120 s and lost connections. The
resident memory of every app process is sampled every second (peak reported). The summary
(p50/p95 over all page runs, first visits alone, per page, per process) is printed and, with
``--output``, appended as Markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from contextlib import suppress
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy.cluster import Cluster, nginx_available, start_cluster  # noqa: E402
from deploy.session import Session  # noqa: E402

PAGES = ["", "livelihood", "fiscal", "census", "volunteers", "weekly"]
MIB = 1024 * 1024


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0…1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def user(
    base_url: str, index: int, start_after: float, until: float, think: tuple[float, float]
) -> dict:
    """One person: arrives, opens a page as a fresh visit, then clicks through the pages."""
    await asyncio.sleep(start_after)
    runs: list[dict] = []
    errors: list[str] = []
    rng = random.Random(index)
    step = index
    session = None
    try:
        session = await Session(base_url).open()
        first = True
        while time.monotonic() < until:
            path = PAGES[step % len(PAGES)]
            step += 1
            try:
                run = await session.run_page(path)
            except TimeoutError:
                errors.append(f"{path or '/'}: no answer within 120 s")
                continue
            runs.append(
                {"page": path or "/", "s": run.seconds, "first": first, "exc": run.exceptions}
            )
            if run.exceptions:
                errors.append(f"{path or '/'}: {run.exceptions} exception(s) shown")
            first = False
            await asyncio.sleep(rng.uniform(*think))
    except Exception as error:  # a refused or lost connection counts as an error
        errors.append(f"{type(error).__name__}: {str(error)[:160]}")
    finally:
        if session is not None:
            with suppress(Exception):
                await session.close()
    return {
        "session": index,
        "upstream": session.upstream if session else "",
        "runs": runs,
        "errors": errors,
    }


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) each app process has used so far."""
    import psutil

    used: dict[int, float] = {}
    for pid in pids:
        with suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            used[pid] = times.user + times.system
    return used


async def sample_memory(cluster: Cluster, peaks: dict[int, int], until: float) -> None:
    """Peak resident memory of each app process (with any children), once a second."""
    import psutil

    while time.monotonic() < until:
        for pid in cluster.app_pids():
            with suppress(psutil.NoSuchProcess):
                root = psutil.Process(pid)
                rss = 0
                for process in [root, *root.children(recursive=True)]:
                    with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        rss += process.memory_info().rss
                peaks[pid] = max(peaks.get(pid, 0), rss)
        await asyncio.sleep(1)


async def drive(
    cluster: Cluster, sessions: int, seconds: float, ramp: float, think: tuple[float, float]
) -> tuple[list[dict], dict[int, int], float]:
    until = time.monotonic() + seconds
    peaks: dict[int, int] = {}
    cpu_before = cpu_seconds(cluster.app_pids())
    sampler = asyncio.create_task(sample_memory(cluster, peaks, until + 5))
    results = await asyncio.gather(
        *(
            user(cluster.base_url, i, ramp * i / max(1, sessions), until, think)
            for i in range(sessions)
        )
    )
    await sampler
    cpu_after = cpu_seconds(cluster.app_pids())
    cpu_used = sum(cpu_after.get(pid, 0) - cpu_before.get(pid, 0) for pid in cpu_before)
    return list(results), peaks, cpu_used


def _row(label: str, times: list[float]) -> str:
    if not times:
        return f"| {label} | 0 | – | – | – |"
    return (
        f"| {label} | {len(times)} | {statistics.median(times):.2f} s | "
        f"{percentile(times, 0.95):.2f} s | {max(times):.2f} s |"
    )


def summary(
    results: list[dict],
    peaks: dict[int, int],
    cpu_used: float,
    cluster: Cluster,
    args: argparse.Namespace,
) -> str:
    runs = [run for result in results for run in result["runs"]]
    errors = [error for result in results for error in result["errors"]]
    times = [run["s"] for run in runs]
    per_process: dict[str, int] = {}
    for result in results:
        per_process[result["upstream"] or "?"] = per_process.get(result["upstream"] or "?", 0) + 1
    ports = [url.rsplit(":", 1)[1] for url in cluster.app_urls]
    memory = ", ".join(
        f"{port}: {peaks.get(pid, 0) / MIB:.0f} MiB"
        for port, pid in zip(ports, cluster.app_pids(), strict=True)
    )
    sessions_by = ", ".join(
        f"{up.rsplit(':', 1)[-1]}: {n}" for up, n in sorted(per_process.items())
    )
    lines = [
        f"### {dt.datetime.now():%Y-%m-%d %H:%M} · {args.sessions} sessions · "
        f"{args.processes} processes · {args.seconds:.0f} s · think {args.think} s · "
        f"{args.dataset}",
        "",
        f"Load average at start: {args.load_at_start}; sessions per process: {sessions_by}; "
        f"peak RSS per process: {memory}; errors: {len(errors)}; app CPU time per page "
        f"run: {cpu_used / max(1, len(times)):.2f} s ({cpu_used:.0f} s for {len(times)} runs).",
        "",
        "| page runs | count | p50 | p95 | max |",
        "|---|---|---|---|---|",
        _row("all", times),
        _row("first page of a session (fresh visit)", [r["s"] for r in runs if r["first"]]),
        _row("later pages (sidebar clicks)", [r["s"] for r in runs if not r["first"]]),
        *(_row(page, [r["s"] for r in runs if r["page"] == page]) for page in ["/", *PAGES[1:]]),
        "",
    ]
    if errors:
        lines += ["Errors (first 10):", "", *(f"- {error}" for error in errors[:10]), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--dataset", default="small demo", help="named in the summary")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which users arrive")
    parser.add_argument("--think", default="2,8", help="MIN,MAX seconds a page is read")
    parser.add_argument("--output", help="append the Markdown summary to this file")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        print("--database-url (or DATABASE_URL) must name a PostgreSQL database", file=sys.stderr)
        return 2
    if not nginx_available():
        print("nginx not found (apt-get install nginx)", file=sys.stderr)
        return 2
    low, high = (float(part) for part in args.think.split(","))
    cluster = start_cluster(args.database_url, processes=args.processes)
    args.load_at_start = " ".join(f"{value:.1f}" for value in os.getloadavg())
    try:
        results, peaks, cpu_used = asyncio.run(
            drive(cluster, args.sessions, args.seconds, args.ramp, (low, high))
        )
    finally:
        cluster.stop(remove_files=True)
    for result in results:
        times = [run["s"] for run in result["runs"]]
        print(
            json.dumps(
                {
                    "session": result["session"],
                    "upstream": result["upstream"],
                    "runs": len(times),
                    "median_s": round(statistics.median(times), 2) if times else None,
                    "errors": result["errors"][:3],
                },
                ensure_ascii=False,
            )
        )
    text = summary(results, peaks, cpu_used, cluster, args)
    print(text)
    if args.output:
        with Path(args.output).open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
