"""Two Streamlit processes behind nginx on one PostgreSQL (issue 11, README "多进程部署").

The cluster of ``deploy/cluster.py`` (the one ``deploy/run_cluster.sh`` starts) serves the small
demo; one browser-like session is kept on each process by nginx's sticky cookie. An import from
the command line (a third process) must be seen by both sessions within seconds: every process
reads the data version from the database (``ui.data.data_version``) at most every few seconds,
so no process keeps showing what it cached before the write.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, _drop_pg_database, _new_pg_database

from deploy.cluster import (
    NGINX,
    SITE_CONFIG,
    nginx_available,
    run_coroutine,
    site_config,
    start_cluster,
)
from deploy.session import Session, http_get

NEW_SUBDISTRICT = "集群测试街道"
SEEN_WITHIN_SECONDS = 10.0  # the version is read at most every 5 s, plus one page run


def _require_nginx() -> None:
    if not nginx_available():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but nginx is missing (apt-get install nginx)")
        pytest.skip("nginx not installed")


@pytest.fixture
def cluster():  # type: ignore[no-untyped-def]
    _require_nginx()
    url, name = _new_pg_database()
    started = start_cluster(url, processes=2, warm_pages=("",))  # one page: CI time
    try:
        yield started, url
    finally:
        started.stop(remove_files=True)
        _drop_pg_database(name)


def cookie_for_each_process(base_url: str) -> dict[str, str]:
    """Visit the front page until nginx has sent a new visitor to each process; their cookies."""
    from deploy.session import cookies_from

    cookies: dict[str, str] = {}
    for _ in range(40):
        _, headers = http_get(base_url + "/")
        cookies.setdefault(headers["x-upstream"], cookies_from(headers))
        if len(cookies) == 2:
            return cookies
    raise AssertionError(f"nginx sent 40 new visitors to {sorted(cookies)} only")


def import_new_subdistrict(database_url: str, folder: Path) -> None:
    """``manage.py import`` of a directory row for a subdistrict the demo does not have."""
    csv = folder / "社区名录.csv"
    csv.write_text(f"街道,社区,常住人口,户数\n{NEW_SUBDISTRICT},集群测试社区,1000,300\n", "utf-8")
    subprocess.run(
        [sys.executable, "manage.py", "import", str(csv)],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
    )


async def _seen_by_both(base_url: str, database_url: str, folder: Path) -> dict[str, float]:
    cookies = cookie_for_each_process(base_url)
    sessions = {up: await Session(base_url, cookie).open() for up, cookie in cookies.items()}
    try:
        for upstream, session in sessions.items():
            assert session.upstream == upstream  # the cookie keeps a visitor on its process
            before = await session.run_page()
            assert before.exceptions == 0
            assert not before.shows(NEW_SUBDISTRICT)
        import_new_subdistrict(database_url, folder)
        written = time.monotonic()
        seen: dict[str, float] = {}
        while len(seen) < len(sessions) and time.monotonic() - written < 3 * SEEN_WITHIN_SECONDS:
            for upstream, session in sessions.items():
                if upstream not in seen:
                    run = await session.run_page()
                    assert run.exceptions == 0
                    if run.shows(NEW_SUBDISTRICT):
                        seen[upstream] = time.monotonic() - written
            await asyncio.sleep(0.5)
        return seen
    finally:
        for session in sessions.values():
            await session.close()


@pytest.mark.pg
def test_a_write_is_seen_by_every_process_within_seconds(cluster, tmp_path: Path) -> None:
    started, database_url = cluster
    seen = run_coroutine(lambda: _seen_by_both(started.base_url, database_url, tmp_path))
    assert len(seen) == 2, f"only {sorted(seen)} showed the imported subdistrict"
    assert max(seen.values()) <= SEEN_WITHIN_SECONDS, seen
    # Both websockets went through nginx to the process their cookie names.
    access_log = (started.workdir / "nginx-access.log").read_text("utf-8")
    streamed_to = {
        line.split()[-2]
        for line in access_log.splitlines()
        if "/_stcore/stream" in line and " 101 " in line
    }
    assert {url.removeprefix("http://") for url in started.app_urls} <= streamed_to


def test_the_shipped_site_config_is_valid_nginx(tmp_path: Path) -> None:
    """``deploy/nginx/dashboard.conf`` as installed (ports 80 → 8501, 8502) passes ``nginx -t``."""
    _require_nginx()
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {SITE_CONFIG}; }}\n",
        "utf-8",
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "http://" not in SITE_CONFIG.read_text("utf-8").replace("http://dashboard", "")


def test_streamlits_page_code_is_served_from_the_packages_own_files() -> None:
    """nginx serves /static/ from the Streamlit package the app runs with (issue #11): the
    shipped path is the install's, and the local trial points it at this environment's."""
    import re

    import streamlit

    shipped = re.findall(r"(?m)^        root (\S+);$", SITE_CONFIG.read_text("utf-8"))
    assert shipped == ["/srv/dashboard/.venv/lib/python3.11/site-packages/streamlit/static"]
    [root] = re.findall(r"(?m)^        root (\S+);$", site_config("127.0.0.1:1", [8501]))
    assert Path(root) == Path(streamlit.__file__).parent / "static"
    index = (Path(root) / "index.html").read_text("utf-8")
    for asset in re.findall(r'src="\./(static/js/[^"]+)"', index):
        assert (Path(root) / asset).is_file(), asset
