"""What start-up costs (issue 11): a new process's first visit, a new session on a warm server,
and ``manage.py report`` including the interpreter's start.

    python benchmarks/startup.py --database-url sqlite:////tmp/demo.db [--tree /path/to/checkout]

``--tree`` measures another checkout of the repository (say, an older commit exported with
``git archive``) with this script's client, so before and after are measured alike. For each of
``--rounds`` rounds: start ``streamlit run dashboard.py`` on the database, time the first
visit to / and then the first to /weekly (what a fresh process pays: imports, engine, schema
check, cold queries), then five fresh sessions on / (a new visitor on a warm server) and five
reruns of / within one session (the same page with nothing to set up), then stop it; and time
``manage.py report --format json`` five times as a whole process. Medians are printed as JSON,
wall seconds and the server's (or the command's) CPU seconds: on a shared machine the wall
times include waiting for a core, the CPU seconds much less so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy.cluster import _free_port, stop_process_group, wait_until_healthy  # noqa: E402
from deploy.session import Session, one_page  # noqa: E402


def start_server(tree: Path, database_url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(tree / "dashboard.py"),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    process = subprocess.Popen(
        command,
        cwd=tree,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=(workdir / f"streamlit-{port}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, process, "streamlit")
    return process, url


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


async def visits(url: str, pid: int) -> dict[str, float]:
    """Wall and server CPU seconds of each kind of visit (CPU is what the shared machine's load
    does not inflate much: the wall times there include waiting for a core)."""
    cpu = cpu_seconds(pid)
    first = await one_page(url)
    cpu_first, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
    first_weekly = await one_page(url, "weekly")
    cpu_weekly, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
    fresh = [(await one_page(url)).seconds for _ in range(5)]
    cpu_fresh, cpu = (cpu_seconds(pid) - cpu) / 5, cpu_seconds(pid)
    session = await Session(url).open()
    try:
        await session.run_page()
        cpu = cpu_seconds(pid)
        reruns = [(await session.run_page()).seconds for _ in range(5)]
        cpu_rerun = (cpu_seconds(pid) - cpu) / 5
    finally:
        await session.close()
    return {
        "first_visit_s": first.seconds,
        "first_visit_cpu_s": cpu_first,
        "first_weekly_s": first_weekly.seconds,
        "first_weekly_cpu_s": cpu_weekly,
        "new_session_warm_s": statistics.median(fresh),
        "new_session_warm_cpu_s": cpu_fresh,
        "rerun_same_session_s": statistics.median(reruns),
        "rerun_same_session_cpu_s": cpu_rerun,
    }


def report_seconds(tree: Path, database_url: str) -> tuple[float, float]:
    """Median wall and CPU seconds of ``manage.py report --format json`` as a whole process."""
    walls, cpus = [], []
    for _ in range(5):
        before = os.times()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "report", "--as-of", "2026-11-30", "--format", "json"],
            cwd=tree,
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL,
            check=True,
        )
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database with the demo in it")
    parser.add_argument("--tree", type=Path, default=REPO_ROOT)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="startup-") as folder:
        for _ in range(args.rounds):
            process, url = start_server(args.tree, args.database_url, Path(folder))
            try:
                rounds.append(asyncio.run(visits(url, process.pid)))
            finally:
                stop_process_group(process)
    result = {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}
    wall, cpu = report_seconds(args.tree, args.database_url)
    result["manage_report_s"], result["manage_report_cpu_s"] = round(wall, 2), round(cpu, 2)
    result["tree"] = str(args.tree)
    result["load_average"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
