"""A local trial of the multi-process deployment: nginx + N Streamlit processes on one PostgreSQL.

    python deploy/cluster.py --database-url postgresql+psycopg://…/库名 [--processes 2] [--port 8500]
    bash deploy/run_cluster.sh …            # the same

Steps (README, "多进程部署"):

1. start ``--processes`` × ``streamlit run dashboard.py`` on 127.0.0.1, ports from
   ``--first-app-port``, all with the same ``DATABASE_URL`` and the same cookie secret;
2. meanwhile migrate once and load the small demo into an empty database (``--no-demo``: leave
   it empty), before any process serves a page, so no two processes race to build the schema
   (they run with ``DASHBOARD_DEMO_ON_EMPTY=0`` and touch the database only on a first visit);
3. start Debian's nginx (``apt-get install nginx``) with ``deploy/nginx/dashboard.conf``,
   listening on 127.0.0.1:``--port`` only, its files in a temporary folder (the system's nginx
   configuration and service are not touched);
4. warm every process by running each page once (``WARM_PAGES``), so the first visitor does
   not pay for the imports, the engine, the schema check and the first queries;
5. wait until Ctrl-C, then stop everything it started.

``start_cluster`` / ``Cluster.stop`` do the same for the test and the load benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def run_coroutine(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``asyncio.run(make())``, in a thread of its own when this thread already runs an event
    loop (Playwright's sync API leaves one running in a test process that also drove Chromium)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SITE_CONFIG = Path(__file__).resolve().parent / "nginx" / "dashboard.conf"
NGINX = "/usr/sbin/nginx"
START_TIMEOUT_SECONDS = 60.0
# The pages a fresh process runs once before it takes visitors (the big screen's fragments
# keep running, so it is left out).
WARM_PAGES = ("", "livelihood", "fiscal", "census", "volunteers", "weekly")


@dataclass
class Cluster:
    """What ``start_cluster`` started: the app processes, nginx and their folder."""

    base_url: str
    app_urls: list[str]
    workdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    def app_pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def stop(self, *, remove_files: bool = False) -> None:
        """Stop nginx and every app process (each in its own process group); with
        ``remove_files`` also delete the folder of configuration and logs."""
        for process in [p for p in (self.nginx, *self.processes) if p is not None]:
            stop_process_group(process)
        if remove_files:
            shutil.rmtree(self.workdir, ignore_errors=True)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server and anything it started (its process group); kill what does not
    stop in 10 s. The one stopper of the cluster, the benchmarks and the browser tests."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def nginx_available() -> bool:
    return Path(NGINX).exists() or shutil.which("nginx") is not None


def site_config(listen: str, app_ports: list[int]) -> str:
    """``deploy/nginx/dashboard.conf`` with this trial's listen address and upstream servers."""
    text = SITE_CONFIG.read_text("utf-8")
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in app_ports)
    text = re.sub(r"(?m)^    server 127\.0\.0\.1:\d+;\n", "", text)
    text = text.replace("    keepalive 16;\n", servers + "    keepalive 16;\n", 1)
    # Streamlit's page code from the package this trial runs with (the installed path differs).
    static = Path(str(importlib.util.find_spec("streamlit").origin)).parent / "static"
    text = re.sub(
        r"(?m)^(        root )/srv/dashboard/\S+/streamlit/static;$", rf"\g<1>{static};", text
    )
    return re.sub(r"(?m)^    listen 80;$", f"    listen {listen};", text, count=1)


def nginx_config(workdir: Path, listen: str, app_ports: list[int]) -> Path:
    """A whole nginx.conf for the trial: everything (pid, logs, temp files) in ``workdir``."""
    (workdir / "site.conf").write_text(site_config(listen, app_ports), "utf-8")
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / folder).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp folders
    config = workdir / "nginx.conf"
    config.write_text(
        f"""{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    log_format upstream '$remote_addr [$time_local] "$request" $status $upstream_addr '
                        '$request_time';
    access_log {workdir}/nginx-access.log upstream;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/site.conf;
}}
""",
        "utf-8",
    )
    return config


def prepare_database(database_url: str, *, demo: bool = True) -> None:
    """Migrate once and, when empty, load the small demo, before any app process starts."""
    from storage.db import ensure_ready, make_engine

    engine = make_engine(database_url)
    try:
        ensure_ready(engine, load_demo=demo)
    finally:
        engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(workdir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One ``streamlit run dashboard.py`` on 127.0.0.1:``port``, in its own process group."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboard.py"),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
    ]
    log = (workdir / f"streamlit-{port}.log").open("wb")
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_healthy(url: str, process: subprocess.Popen[bytes] | None, what: str) -> None:
    """Until ``url/_stcore/health`` says ok; fails when ``process`` exits or time runs out."""
    from deploy.session import http_get

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        with suppress(OSError):
            body, _ = http_get(url + "/_stcore/health", timeout=2)
            if body.strip() == b"ok":
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def warm(app_urls: list[str], pages: Sequence[str] = WARM_PAGES) -> list[tuple[float, int]]:
    """Every page once on every process (directly, not through nginx), so its imports, engine
    and first queries are paid before the first visitor; (seconds, exceptions shown) each."""
    from deploy.session import Session

    async def walk(url: str) -> tuple[float, int]:
        session = await Session(url).open()
        seconds, exceptions = 0.0, 0
        try:
            for path in pages:
                run = await session.run_page(path)
                seconds += run.seconds
                exceptions += run.exceptions
        finally:
            await session.close()
        return seconds, exceptions

    async def all_of_them() -> list[tuple[float, int]]:
        return list(await asyncio.gather(*(walk(url) for url in app_urls)))

    return run_coroutine(all_of_them)


def start_cluster(
    database_url: str,
    *,
    processes: int = 2,
    port: int | None = None,
    first_app_port: int | None = None,
    workdir: Path | None = None,
    demo: bool = True,
    warm_pages: Sequence[str] = WARM_PAGES,
) -> Cluster:
    """Prepare the database, start the app processes and nginx, warm them; a ``Cluster``."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="dashboard-cluster-"))
    app_ports = [first_app_port + i if first_app_port else _free_port() for i in range(processes)]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # One secret for all: XSRF tokens and st.login cookies are signed with it.
        "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get(
            "STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32)
        ),
        "DASHBOARD_DEMO_ON_EMPTY": "0",  # step 1 did it once; no process builds anything
    }
    listen_port = port or _free_port()
    cluster = Cluster(
        base_url=f"http://127.0.0.1:{listen_port}",
        app_urls=[f"http://127.0.0.1:{p}" for p in app_ports],
        workdir=workdir,
    )
    try:
        for app_port in app_ports:
            cluster.processes.append(start_app(workdir, app_port, env))
        # While the processes import Streamlit (they touch the database only on a first visit).
        prepare_database(database_url, demo=demo)
        for url, process in zip(cluster.app_urls, cluster.processes, strict=True):
            wait_until_healthy(url, process, f"streamlit on {url}")
        config = nginx_config(workdir, f"127.0.0.1:{listen_port}", app_ports)
        nginx = NGINX if Path(NGINX).exists() else (shutil.which("nginx") or NGINX)
        cluster.nginx = subprocess.Popen(
            [nginx, "-p", str(workdir), "-c", str(config), "-e", str(workdir / "nginx-error.log")],
            stdout=(workdir / "nginx.out").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_healthy(cluster.base_url, cluster.nginx, "nginx")
        if warm_pages:
            warm(cluster.app_urls, warm_pages)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--port", type=int, default=8500, help="nginx on 127.0.0.1:PORT")
    parser.add_argument("--first-app-port", type=int, default=8501)
    parser.add_argument("--no-demo", action="store_true", help="leave an empty database empty")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        print(
            "需要 PostgreSQL：--database-url 或 DATABASE_URL=postgresql+psycopg://…",
            file=sys.stderr,
        )
        return 2
    if not nginx_available():
        print("未找到 nginx：apt-get install nginx", file=sys.stderr)
        return 2
    started = time.perf_counter()
    cluster = start_cluster(
        args.database_url,
        processes=args.processes,
        port=args.port,
        first_app_port=args.first_app_port,
        demo=not args.no_demo,
    )
    print(f"已启动 {args.processes} 个看板进程：{' '.join(cluster.app_urls)}")
    print(f"nginx：{cluster.base_url}（日志与配置在 {cluster.workdir}）")
    print(f"用时 {time.perf_counter() - started:.1f} 秒；按 Ctrl-C 停止")
    stop = {"now": False}

    def _request_stop(*_args: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        while not stop["now"]:
            for process in [cluster.nginx, *cluster.processes]:
                if process is not None and process.poll() is not None:
                    print(
                        f"进程 {process.pid} 已退出（{process.returncode}），全部停止",
                        file=sys.stderr,
                    )
                    stop["now"] = True
            time.sleep(1)
    finally:
        cluster.stop()
    print("已停止")
    return 0


if __name__ == "__main__":
    sys.exit(main())
