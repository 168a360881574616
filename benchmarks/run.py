"""City-scale benchmark (issue 6): build or reuse the city data set, measure, write RESULTS.md.

    python benchmarks/run.py                 # build both databases, then measure (≈ 1 h)
    python benchmarks/run.py --reuse         # reuse benchmarks/data/city.db and dashboard_city
    python benchmarks/run.py --reuse --db sqlite --runs 3 --skip-browser

Data: SQLite at ``benchmarks/data/city.db`` (git-ignored) and the PostgreSQL database
``dashboard_city`` on the test server of ``scripts/pg.sh``; both hold ``demo --scale city``
for the same ``--today``. The DuckDB floor reads a Parquet export in ``benchmarks/data/parquet``.

Every measurement runs in a subprocess of this file (``--worker NAME``), so that peak memory
(``ru_maxrss``) and cold caches belong to the measured thing alone:

- ``pages``: AppTest of ``dashboard.py``; per page, after changing the date filter to a date
  no page has used yet (uncached: every scope-dependent query runs), then the same run again
  (cached). Median over ``--runs``.
- ``report``: ``python manage.py report --format json`` wall time (process start included).
- ``import``: a CSV of new 志愿服务 rows for existing volunteers, imported with full
  validation through ``ingest.importer.import_files`` (rollup refresh included); the rows
  are deleted again afterwards so ``--reuse`` stays valid.
- ``ours`` / ``naive`` / ``duckdb``: the whole-city 志愿服务 block of the report (the figure
  that reads the 10M-row table) from a cold process: through ``figures.volunteers``; by
  ``pd.read_sql`` of whole tables and a pandas group-by; by DuckDB over Parquet. The three
  results are compared, then time and peak memory are given as ratios.
- ``serve``: a real ``streamlit run`` with ``--sessions`` Chromium tabs (Playwright, one
  context each, different pages and dates), peak RSS (VmHWM) of the app process.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DATA_DIR = REPO_ROOT / "benchmarks" / "data"
# ``--scale tiny`` (a smoke test of this script) never touches the city data or RESULTS.md.
SCALE = os.environ.get("BENCH_SCALE", "city")
SUFFIX = "" if SCALE == "city" else f"_{SCALE}"
PARQUET_DIR = DATA_DIR / f"parquet{SUFFIX}"
RESULTS = (
    REPO_ROOT / "benchmarks" / "RESULTS.md" if SCALE == "city" else DATA_DIR / f"RESULTS{SUFFIX}.md"
)
SQLITE_PATH = DATA_DIR / f"city{SUFFIX}.db"
PG_DATABASE = f"dashboard_city{SUFFIX}"
PAGES = ("overview", "livelihood", "fiscal", "census", "volunteers", "weekly", "screen")
CHROMIUM = Path("/usr/bin/chromium")
WORKER_TIMEOUT_S = 3 * 3600


# --------------------------------------------------------------------------- helpers


def peak_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(payload: dict[str, Any]) -> None:
    """A worker's result: one JSON line, the last line of its stdout."""
    print(json.dumps(payload, ensure_ascii=False, default=str), flush=True)


def run_worker(name: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``--worker name args`` in a fresh Python and return its JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, *args]
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        tail = (completed.stderr or completed.stdout)[-2000:]
        print(f"  ! worker {name} failed ({completed.returncode}):\n{tail}", file=sys.stderr)
        return {"error": tail.strip().splitlines()[-1] if tail.strip() else "failed"}
    result = json.loads(lines[-1])
    result.setdefault("wall_s", time.perf_counter() - started)
    return result


def pg_admin_url() -> str:
    """The admin URL printed by ``scripts/pg.sh`` (starts the server when needed)."""
    output = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "pg.sh")],
        capture_output=True,
        text=True,
        check=True,
    )
    return output.stdout.strip().splitlines()[-1]


def database_urls(kinds: list[str]) -> dict[str, str]:
    urls = {}
    if "sqlite" in kinds:
        urls["sqlite"] = f"sqlite:///{SQLITE_PATH}"
    if "pg" in kinds:
        admin = pg_admin_url()
        _ensure_pg_database(admin)
        urls["pg"] = admin.rpartition("/")[0] + "/" + PG_DATABASE
    return urls


def _ensure_pg_database(admin_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    engine.dispose()


def service_rows_in(url: str) -> int:
    """Rows of ``service_record`` (0 when the schema is not there yet)."""
    from sqlalchemy import inspect, text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("service_record"):
            return 0
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM service_record")).scalar())
    finally:
        engine.dispose()


def scale_of(name: str):  # type: ignore[no-untyped-def]
    from demo.city import CITY, TINY

    return {"city": CITY, "tiny": TINY}[name]


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


# --------------------------------------------------------------------------- workers


def worker_build(url: str, scale_name: str, today: str) -> None:
    """Migrate and load the city data set, with a progress line on stderr."""
    from demo.city import load_city
    from storage.db import make_engine, migrate

    def progress(done: int, total: int, message: str) -> None:
        percent = 100 * done // total if total else 100
        sys.stderr.write(f"\r  {message}：{done}/{total} 行（{percent}%）".ljust(70))
        sys.stderr.flush()

    engine = make_engine(url)
    started = time.perf_counter()
    migrate(engine)
    counts = load_city(
        engine, scale=scale_of(scale_name), today=dt.date.fromisoformat(today), progress=progress
    )
    sys.stderr.write("\n")
    emit({"seconds": time.perf_counter() - started, "counts": counts, "peak_mb": peak_mb()})


def _set_date(at, page: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    """The filter change: the global 截止日期, or /weekly's own date, or /screen's URL."""
    if page == "weekly":
        at.date_input(key="pf_as_of").set_value(day)
    elif page == "screen":
        at.query_params["to"] = day.isoformat()
    else:
        at.date_input(key="to").set_value(day)


def worker_pages(url: str, runs: str, today: str) -> None:
    """Per page: median uncached (after a date change) and cached AppTest run time."""
    os.environ["DATABASE_URL"] = url
    os.environ["DASHBOARD_DEMO_ON_EMPTY"] = "0"
    from streamlit.testing.v1 import AppTest

    base = dt.date.fromisoformat(today)
    count = int(runs)
    results: dict[str, Any] = {}
    for index, page in enumerate(PAGES):
        at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=1800)
        warm_day = base - dt.timedelta(days=400 + index)  # warm-up: imports, engine, page code
        at.query_params["to"] = warm_day.isoformat()
        at.run()
        at.switch_page(f"views/{page}.py")
        at.run()
        uncached, cached, errors = [], [], []
        for run in range(1, count + 1):
            day = base - dt.timedelta(days=index * count + run)  # no page used this date yet
            _set_date(at, page, day)
            started = time.perf_counter()
            at.run()
            uncached.append(time.perf_counter() - started)
            started = time.perf_counter()
            at.run()
            cached.append(time.perf_counter() - started)
            errors += [str(e.value)[:200] for e in at.exception]
        results[page] = {
            "uncached_ms": median_ms(uncached),
            "cached_ms": median_ms(cached),
            "uncached_all_ms": [round(v * 1000) for v in uncached],
            "errors": errors,
        }
        print(f"  {page}: {results[page]}", file=sys.stderr, flush=True)
    emit({"pages": results, "peak_mb": peak_mb()})


def worker_import(url: str, rows: str, today: str) -> None:
    """Import a CSV of new 志愿服务 rows (full validation), then delete them again."""
    from sqlalchemy import and_, delete, select

    from ingest.importer import import_files
    from storage import rollups
    from storage.db import make_engine
    from storage.models import Community, ServiceRecord, Volunteer

    engine = make_engine(url)
    count = int(rows)
    end = dt.date.fromisoformat(today)
    with engine.connect() as connection:
        places = connection.execute(select(Community.subdistrict, Community.name)).all()
        codes = list(
            connection.execute(
                select(Volunteer.code)
                .where(Volunteer.registered_on <= end.replace(month=1, day=1))
                .order_by(Volunteer.id)
                .limit(50_000)
            ).scalars()
        )
    rng = random.Random(6)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "记录编号",
            "志愿者编号",
            "活动名称",
            "活动类型",
            "服务日期",
            "服务时长(小时)",
            "街道",
            "社区",
        ]
    )
    stamp = time.strftime("%H%M%S")
    for i in range(count):
        place = places[rng.randrange(len(places))]
        day = end - dt.timedelta(days=rng.randrange(300))
        hours = rng.choice(("1.5", "2", "2.5", "3", "4"))
        writer.writerow(
            [f"BM{stamp}{i:07d}", rng.choice(codes), f"基准测试活动{i % 997}", "环境整治",
             day.isoformat(), hours, place[0], place[1]]
        )  # fmt: skip
    data = buffer.getvalue().encode("utf-8-sig")
    started = time.perf_counter()
    result = import_files(engine, [("benchmark_service.csv", data)], user="benchmark")
    seconds = time.perf_counter() - started
    if not result.ok:
        emit({"error": "; ".join(str(e) for e in result.errors[:3])})
        return
    cleanup_started = time.perf_counter()
    with engine.begin() as connection:
        mine = and_(ServiceRecord.code >= f"BM{stamp}", ServiceRecord.code < f"BM{stamp}~")
        keys = connection.execute(
            select(
                ServiceRecord.service_date, ServiceRecord.community_id, ServiceRecord.volunteer_id
            ).where(mine)
        ).all()
        connection.execute(delete(ServiceRecord).where(mine))
        rollups.refresh_service(connection, [tuple(k) for k in keys])
    emit(
        {
            "rows": count,
            "seconds": seconds,
            "rows_per_s": count / seconds,
            "cleanup_s": time.perf_counter() - cleanup_started,
            "peak_mb": peak_mb(),
        }
    )


def _figures(registered, active, person_times, hours, this_week, last_week, by_community):  # type: ignore[no-untyped-def]
    """The compared figures: the six headline numbers and a digest of by_community."""
    return {
        "registered": int(registered),
        "active": int(active),
        "person_times": int(person_times),
        "hours": round(float(hours), 2),
        "hours_this_week": round(float(this_week), 2),
        "hours_last_week": round(float(last_week), 2),
        "communities": len(by_community),
        "community_hours": round(sum(float(h) for h in by_community), 1),
    }


def worker_ours(url: str, today: str) -> None:
    """The volunteers block for the whole city through ``figures.volunteers`` (cold process)."""
    from figures.scope import Scope
    from figures.volunteers import volunteer_summary
    from storage.db import make_engine

    started = time.perf_counter()
    engine = make_engine(url)
    s = volunteer_summary(engine, Scope(date_to=dt.date.fromisoformat(today)))
    seconds = time.perf_counter() - started
    figures = _figures(
        s.registered, s.active, s.person_times, s.hours, s.hours_this_week, s.hours_last_week,
        [row.hours for row in s.by_community],
    )  # fmt: skip
    emit({"seconds": seconds, "peak_mb": peak_mb(), "figures": figures})


def _weeks(as_of: dt.date) -> tuple[str, str, str, str, str]:
    year_start = dt.date(as_of.year, 1, 1).isoformat()
    week = (as_of - dt.timedelta(days=6)).isoformat()
    last = (as_of - dt.timedelta(days=13)).isoformat()
    last_end = (as_of - dt.timedelta(days=7)).isoformat()
    return year_start, week, last, last_end, as_of.isoformat()


def worker_naive(url: str, today: str) -> None:
    """The naive Streamlit pattern: whole tables into pandas, then filter and group there."""
    import pandas as pd

    from storage.db import make_engine

    as_of = dt.date.fromisoformat(today)
    year_start, week, last, last_end, end = _weeks(as_of)
    started = time.perf_counter()
    engine = make_engine(url)
    with engine.connect() as connection:
        records = pd.read_sql("SELECT * FROM service_record", connection)
        volunteers = pd.read_sql("SELECT * FROM volunteer", connection)
        communities = pd.read_sql("SELECT * FROM community", connection)
    day = records["service_date"].astype(str)
    year = records[(day >= year_start) & (day <= end)]
    registered = volunteers[volunteers["registered_on"].astype(str) <= end]
    service = year.groupby("community_id").agg(hours=("hours", "sum"))
    per_registered = registered.groupby("community_id").size().rename("registered")
    by_community = communities.set_index("id").join(service).join(per_registered)
    by_community = by_community[by_community["hours"].notna() | by_community["registered"].notna()]
    figures = _figures(
        len(registered), year["volunteer_id"].nunique(), len(year), year["hours"].sum(),
        records.loc[(day >= week) & (day <= end), "hours"].sum(),
        records.loc[(day >= last) & (day <= last_end), "hours"].sum(),
        by_community["hours"].fillna(0).tolist(),
    )  # fmt: skip
    emit({"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "figures": figures})


def worker_export(url: str) -> None:
    """Parquet copies of the three tables the floor reads (streamed in chunks)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sqlalchemy import text

    from storage.db import make_engine

    PARQUET_DIR.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    tables = {
        "service_record": "SELECT volunteer_id, service_date, hours, community_id FROM service_record",
        "volunteer": "SELECT id, community_id, registered_on FROM volunteer",
        "community": "SELECT id, subdistrict, name FROM community",
    }
    started = time.perf_counter()
    with engine.connect() as connection:
        for name, query in tables.items():
            result = connection.execution_options(stream_results=True).execute(text(query))
            columns = list(result.keys())
            writer = None
            while chunk := result.fetchmany(500_000):
                batch = pa.table({c: [row[i] for row in chunk] for i, c in enumerate(columns)})
                batch = batch.cast(
                    pa.schema(
                        [
                            (f.name, pa.string()) if f.name.endswith(("_date", "_on")) else f
                            for f in batch.schema
                        ]
                    )
                )
                writer = writer or pq.ParquetWriter(PARQUET_DIR / f"{name}.parquet", batch.schema)
                writer.write_table(batch)
            if writer:
                writer.close()
    emit({"seconds": time.perf_counter() - started})


def worker_duckdb(today: str) -> None:
    """The floor: the same figures by DuckDB over the Parquet export (cold process)."""
    import duckdb

    as_of = dt.date.fromisoformat(today)
    year_start, week, last, last_end, end = _weeks(as_of)
    started = time.perf_counter()
    db = duckdb.connect()
    for name in ("service_record", "volunteer", "community"):
        db.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{PARQUET_DIR / name}.parquet')"
        )
    totals = db.execute(
        """SELECT count(*) FILTER (WHERE service_date >= $1),
                  count(DISTINCT volunteer_id) FILTER (WHERE service_date >= $1),
                  sum(hours) FILTER (WHERE service_date >= $1),
                  sum(hours) FILTER (WHERE service_date >= $2),
                  sum(hours) FILTER (WHERE service_date BETWEEN $3 AND $4)
           FROM service_record WHERE service_date >= least($1, $3) AND service_date <= $5""",
        [year_start, week, last, last_end, end],
    ).fetchone()
    registered = db.execute(
        "SELECT count(*) FROM volunteer WHERE registered_on <= $1", [end]
    ).fetchone()[0]
    by_community = db.execute(
        """WITH s AS (SELECT community_id, sum(hours) AS hours FROM service_record
                      WHERE service_date BETWEEN $1 AND $2 GROUP BY community_id),
                r AS (SELECT community_id, count(*) AS n FROM volunteer
                      WHERE registered_on <= $2 GROUP BY community_id)
           SELECT coalesce(s.hours, 0) FROM community c
           LEFT JOIN s ON s.community_id = c.id LEFT JOIN r ON r.community_id = c.id
           WHERE s.community_id IS NOT NULL OR r.community_id IS NOT NULL""",
        [year_start, end],
    ).fetchall()
    figures = _figures(
        registered, totals[1], totals[0], totals[2], totals[3], totals[4],
        [row[0] for row in by_community],
    )  # fmt: skip
    emit({"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "figures": figures})


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


def _browser_filter_change(page) -> float | None:  # type: ignore[no-untyped-def]
    """Click 重置筛选 in the first session's sidebar (its date filter goes back to today, a view
    no session has asked for yet); seconds until the rerun finished and nothing is running."""
    try:
        button = page.get_by_role("button", name="重置筛选")
        started = time.perf_counter()
        button.click()
        page.wait_for_selector(
            '[data-testid="stApp"][data-test-script-state="running"]', timeout=10_000
        )
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        page.wait_for_selector('[data-testid="stStatusWidgetRunningIcon"]', state="detached")
        return round(time.perf_counter() - started, 2)
    except Exception as error:  # noqa: BLE001 - a measurement, reported as missing
        print(f"  filter change not measured: {error}", file=sys.stderr)
        return None


def worker_serve(url: str, sessions: str, today: str) -> None:
    """``streamlit run`` + N Chromium sessions; peak RSS of the app process."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "DASHBOARD_DEMO_ON_EMPTY": "0"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log = open(DATA_DIR / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    loads: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 120
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.3)
        idle = _memory_kb(process.pid)
        end = dt.date.fromisoformat(today)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            )
            pages = []
            for i in range(int(sessions)):
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                context.set_default_timeout(1_800_000)
                page = context.new_page()
                path = PAGES[i % len(PAGES)]
                day = end - dt.timedelta(days=1000 + i)
                started = time.perf_counter()
                url_path = "" if path == "overview" else path  # the overview is served at /
                page.goto(f"{base_url}/{url_path}?to={day.isoformat()}")
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                page.wait_for_selector('[data-testid="stMain"]')
                page.wait_for_selector(
                    '[data-testid="stStatusWidgetRunningIcon"]', state="detached"
                )
                loads.append({"page": path, "seconds": round(time.perf_counter() - started, 2)})
                pages.append(page)
                print(f"  session {i + 1}: {loads[-1]}", file=sys.stderr, flush=True)
            memory = _memory_kb(process.pid)
            filter_change = _browser_filter_change(pages[0])
            browser.close()
        emit(
            {
                "sessions": len(loads),
                "idle_rss_mb": idle.get("VmRSS", 0) / 1024,
                "peak_rss_mb": memory.get("VmHWM", 0) / 1024,
                "rss_mb": memory.get("VmRSS", 0) / 1024,
                "loads": loads,
                "filter_change_s": filter_change,
            }
        )
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        log.close()


WORKERS = {
    "build": worker_build,
    "pages": worker_pages,
    "import": worker_import,
    "ours": worker_ours,
    "naive": worker_naive,
    "export": worker_export,
    "duckdb": worker_duckdb,
    "serve": worker_serve,
}


# --------------------------------------------------------------------------- orchestration


def time_report(url: str, today: str, runs: int) -> dict[str, Any]:
    """``manage.py report --format json`` wall time per run (Python start-up included)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "manage.py", "report", "--as-of", today, "--format", "json"],
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        times.append(time.perf_counter() - started)
        if completed.returncode != 0:
            return {"error": completed.stderr[-500:]}
    return {"median_ms": median_ms(times), "all_ms": [round(t * 1000) for t in times]}


def ensure_data(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build the data set unless ``--reuse`` finds it complete."""
    wanted = scale_of(args.scale).service_records
    if args.reuse and service_rows_in(url) == wanted:
        print(f"[{kind}] reusing {wanted:,} service records")
        return {"reused": True}
    print(f"[{kind}] building the {args.scale} data set …")
    result = run_worker("build", url, args.scale, args.today)
    print(f"[{kind}] built in {result.get('seconds', 0):.0f} s")
    return result


def measure(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement for one database."""
    result: dict[str, Any] = {"build": ensure_data(kind, url, args)}
    steps = [
        ("ours", lambda: run_worker("ours", url, args.today)),
        ("naive", lambda: run_worker("naive", url, args.today)),
        ("report", lambda: time_report(url, args.today, args.runs)),
        ("import", lambda: run_worker("import", url, str(args.import_rows), args.today)),
        ("pages", lambda: run_worker("pages", url, str(args.runs), args.today)),
    ]
    if not args.skip_browser:
        steps.append(("serve", lambda: run_worker("serve", url, str(args.sessions), args.today)))
    for name, step in steps:
        print(f"[{kind}] {name} …", flush=True)
        result[name] = step()
        print(f"[{kind}] {name}: {json.dumps(result[name], ensure_ascii=False)[:300]}")
    return result


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.1f}×"


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✅" if ok else "❌ 未达标")


def render(results: dict[str, Any], floor: dict[str, Any], args: argparse.Namespace) -> str:
    """RESULTS.md: the tables of one run, the targets and the verdicts."""
    kinds = list(results)
    label = {"sqlite": "SQLite", "pg": "PostgreSQL"}
    lines = [
        "# 城市规模性能测试结果（issue 6）",
        "",
        f"一次运行：`python benchmarks/run.py {' '.join(args.argv)}`，"
        f"{time.strftime('%Y-%m-%d %H:%M')}，本机 {os.cpu_count()} 核（与其他任务共用）。",
        f"数据：`demo --scale {args.scale}`，截至 {args.today}。",
        "",
    ]
    counts = next(
        (r["build"].get("counts") for r in results.values() if r["build"].get("counts")), None
    )
    if counts:
        lines.append("数据规模：" + "，".join(f"{k} {v:,}" for k, v in counts.items()) + "。")
        lines.append("")
    lines += ["## 数据构建", "", "| 数据库 | 用时 | 峰值内存 |", "|---|---|---|"]
    for kind in kinds:
        build = results[kind]["build"]
        if build.get("reused"):
            lines.append(f"| {label[kind]} | 复用已有数据（--reuse） | – |")
        else:
            lines.append(
                f"| {label[kind]} | {build.get('seconds', 0):.0f} s | {build.get('peak_mb', 0):.0f} MiB |"
            )
    lines += [
        "",
        "## 页面服务端运行时间（AppTest，中位数，毫秒）",
        "",
        "未缓存 = 修改日期筛选后首次运行（所有随筛选变化的查询都重新执行）；缓存 = 同一筛选再运行一次。"
        f"每页 {args.runs} 次。目标：未缓存 ≤ 500 ms，缓存 ≤ 50 ms。",
        "",
        "| 页面 | " + " | ".join(f"{label[k]} 未缓存 | {label[k]} 缓存" for k in kinds) + " |",
        "|---|" + "---|---|" * len(kinds),
    ]
    for page in PAGES:
        cells = []
        for kind in kinds:
            page_result = results[kind].get("pages", {}).get("pages", {}).get(page)
            if not page_result:
                cells += ["–", "–"]
                continue
            u, c = page_result["uncached_ms"], page_result["cached_ms"]
            cells += [
                f"{u:,.0f} {'✅' if u <= 500 else '❌'}",
                f"{c:,.0f} {'✅' if c <= 50 else '❌'}",
            ]
        lines.append(f"| /{page} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## 周报、导入、内存",
        "",
        "| 指标 | 目标 | " + " | ".join(label[k] for k in kinds) + " |",
        "|---|---|" + "---|" * len(kinds),
    ]
    report_row, import_row, serve_row, browser_row = [], [], [], []
    for kind in kinds:
        r = results[kind]
        report_ms = r.get("report", {}).get("median_ms")
        limit = 1000 if kind == "pg" else 2000
        report_row.append(f"{report_ms:,.0f} ms {_mark(report_ms <= limit)}" if report_ms else "–")
        rate = r.get("import", {}).get("rows_per_s")
        import_row.append(f"{rate:,.0f} 行/s {_mark(rate >= 20_000)}" if rate else "–")
        peak = r.get("serve", {}).get("peak_rss_mb")
        sessions = r.get("serve", {}).get("sessions")
        serve_row.append(
            f"{peak:,.0f} MiB（{sessions} 个会话）{_mark(peak < 1024)}" if peak else "未测"
        )
        change = r.get("serve", {}).get("filter_change_s")
        browser_row.append(f"{change:.1f} s {_mark(change <= 1)}" if change else "未测")
    lines.append(
        "| `manage.py report`（含进程启动） | PG ≤ 1 s，SQLite ≤ 2 s | "
        + " | ".join(report_row)
        + " |"
    )
    lines.append(
        f"| 导入 {args.import_rows:,} 行志愿服务 CSV（完整校验 + 汇总表更新） | ≥ 20,000 行/s | "
        + " | ".join(import_row)
        + " |"
    )
    lines.append("| 应用进程峰值内存（VmHWM） | < 1 GiB | " + " | ".join(serve_row) + " |")
    lines.append(
        "| Chromium：/overview 点「重置筛选」（日期改回今天）到页面重绘完成 | ≤ 1 s | "
        + " | ".join(browser_row)
        + " |"
    )
    lines += ["", "各会话首次打开（Chromium，秒）：", ""]
    for kind in kinds:
        loads = results[kind].get("serve", {}).get("loads") or []
        text = "，".join(f"/{item['page']} {item['seconds']}" for item in loads)
        lines.append(f"- {label[kind]}：{text or '未测'}")
    lines += [
        "",
        "## 与朴素做法和 DuckDB 下限对比（全市志愿服务统计，冷启动进程）",
        "",
        "同一组数字（注册人数、活跃人数、人次、时长、本周/上周时长、分社区时长）三种算法：本项目（SQL 聚合 + 汇总表）；"
        "朴素做法（`pd.read_sql` 整表读入后 pandas 分组）；DuckDB 读 Parquet 导出（下限）。",
        "目标：比朴素做法快 ≥ 20 倍、峰值内存少 ≥ 5 倍；不慢于 DuckDB 的 3 倍。",
        "",
        "| 数据库 | 本项目 | 朴素做法 | DuckDB 下限 | 朴素/本项目（时间） | 朴素/本项目（内存） | 本项目/DuckDB（时间） | 结果一致 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in kinds:
        ours, naive = results[kind].get("ours", {}), results[kind].get("naive", {})
        same = ours.get("figures") is not None and ours.get("figures") == naive.get(
            "figures"
        ) == floor.get("figures")
        speedup = (naive.get("seconds") or 0) / ours["seconds"] if ours.get("seconds") else 0
        memory = (naive.get("peak_mb") or 0) / ours["peak_mb"] if ours.get("peak_mb") else 0
        to_floor = ours.get("seconds", 0) / floor["seconds"] if floor.get("seconds") else None
        lines.append(
            f"| {label[kind]} | {ours.get('seconds', 0) * 1000:,.0f} ms / {ours.get('peak_mb', 0):,.0f} MiB"
            f" | {naive.get('seconds', 0) * 1000:,.0f} ms / {naive.get('peak_mb', 0):,.0f} MiB"
            f" | {floor.get('seconds', 0) * 1000:,.0f} ms / {floor.get('peak_mb', 0):,.0f} MiB"
            f" | {speedup:.1f}× {_mark(speedup >= 20)} | {memory:.1f}× {_mark(memory >= 5)}"
            f" | {'–' if to_floor is None else f'{to_floor:.2f}× ' + _mark(to_floor <= 3)}"
            f" | {'是' if same else '否：' + json.dumps([ours.get('figures'), naive.get('figures'), floor.get('figures')], ensure_ascii=False)} |"
        )
    lines += [
        "",
        "## 原始数据",
        "",
        "```json",
        json.dumps({"results": results, "floor": floor}, ensure_ascii=False, indent=1, default=str)[
            :20000
        ],
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true", help="reuse a complete data set")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--scale", choices=("city", "tiny"), default="city")
    parser.add_argument("--runs", type=int, default=3, help="runs per page / report (median)")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--today", default=dt.date.today().isoformat(), help=argparse.SUPPRESS)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    if args.scale != SCALE:  # the data paths depend on the scale: start again with it set
        os.environ["BENCH_SCALE"] = args.scale
        return subprocess.call([sys.executable, str(Path(__file__).resolve()), *args.argv])
    if args.worker:
        WORKERS[args.worker[0]](*args.worker[1:])
        return 0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    kinds = ["sqlite", "pg"] if args.db == "both" else [args.db]
    urls = database_urls(kinds)
    results = {kind: measure(kind, url, args) for kind, url in urls.items()}
    source = urls.get("sqlite") or urls["pg"]
    if not (args.reuse and (PARQUET_DIR / "service_record.parquet").exists()):
        print("[floor] exporting Parquet …", flush=True)
        run_worker("export", source)
    floor = run_worker("duckdb", args.today)
    print(f"[floor] {floor}")
    text = render(results, floor, args)
    RESULTS.write_text(text, encoding="utf-8")
    print(text.split("## 原始数据")[0])
    print(f"写入 {RESULTS.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
