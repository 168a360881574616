"""Before/after benchmark of issue 11: one command, two source trees, one RESULTS.md.

    python benchmarks/run.py                      # before = 8456e9c, after = this tree; build data
    python benchmarks/run.py --reuse              # reuse the data sets built earlier
    python benchmarks/run.py --reuse --after-from-before   # after's city = before's rows, migrated
    python benchmarks/run.py --quick              # the small demo instead of the city, 1 run
    python benchmarks/run.py --sides after --db pg --reuse # one side, one database (side by side
                                                  # runs write one results file per database)
    python benchmarks/run.py --sides ""           # only write RESULTS.md from the stored results

"Before" is a ``git worktree`` of ``--before`` (under ``benchmarks/data/trees``); "after" is the
tree this file is in. The same harness measures both, through what every tree has, whatever
its package layout: ``manage.py demo --scale city|small``, ``manage.py report``,
``manage.py import`` and ``dashboard.py`` (AppTest and ``streamlit run``), see ``harness.py``.
The DuckDB floor and the naive pandas way compute the pages' figures from the same rows
(``floor.py``). Each side has its own databases (SQLite files in ``benchmarks/data``;
PostgreSQL databases ``bench_<side>`` and ``bench_<side>_small`` on ``TEST_PG_URL``'s server),
built by that tree's own ``manage.py demo`` and reused by ``--reuse`` while the tree's
migrations are the ones the data was built with.

Writes ``benchmarks/RESULTS.md`` (``--quick``: ``benchmarks/data/RESULTS_quick.md``) and
``PLANS.md`` beside it; the raw results of each side stay in ``benchmarks/data/results-*.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
DATA = BENCH / "data"
TREES = DATA / "trees"
DEFAULT_BEFORE = "8456e9c"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
PAGES = ("overview", "livelihood", "fiscal", "census", "volunteers", "weekly", "screen")
LABEL = {"sqlite": "SQLite", "pg": "PostgreSQL"}
TIMEOUT_S = 4 * 3600
NAIVE_NEEDS_GIB = 14  # the naive way held 9.8 GiB (SQLite) and 12 GiB (PostgreSQL) at city scale
sys.path.insert(0, str(BENCH))


# --------------------------------------------------------------------------- plumbing


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_json(command: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run a worker; its result is the last JSON line of stdout (stderr goes to the console)."""
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        timeout=TIMEOUT_S,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        say(f"  ! {' '.join(command[1:3])} failed ({completed.returncode})")
        return {"error": (completed.stdout or "")[-500:] or f"exit {completed.returncode}"}
    result = json.loads(lines[-1])
    result.setdefault("wall_s", round(time.perf_counter() - started, 3))
    return result


def app_env(url: str) -> dict[str, str]:
    """The app's settings for a measurement: its database, no demo on an empty one, and no
    statement timeout (a figure is the time it takes, not the time until it is cut off; the
    city build's bulk load is one long statement)."""
    return {"DATABASE_URL": url, "DASHBOARD_DEMO_ON_EMPTY": "0", "DASHBOARD_STATEMENT_TIMEOUT": "0"}


# Set for the read-only measurements (harness workers, ``manage.py report``): the app and
# the commands refuse a schema not at the tree's newest migration instead of upgrading it. The
# build and derive steps, which are meant to migrate, run with it off.
NO_MIGRATE_ENV = "DASHBOARD_NO_MIGRATE"


def harness(tree: Path, worker: str, database: str, **args: Any) -> dict[str, Any]:
    env = {**app_env(database), "PYTHONPATH": str(tree), NO_MIGRATE_ENV: "1"}
    command = [sys.executable, str(BENCH / "harness.py"), worker, json.dumps(args, default=str)]
    return run_json(command, tree, env)


def floor_worker(worker: str, **args: Any) -> dict[str, Any]:
    command = [sys.executable, str(BENCH / "floor.py"), worker, json.dumps(args, default=str)]
    return run_json(command, REPO_ROOT, {})


def manage(
    tree: Path, url: str, *args: str, check: bool = True, read_only: bool = False
) -> tuple[float, str]:
    """``python manage.py …`` in ``tree``: wall time (process start included) and output;
    ``read_only``: a measurement, which refuses to migrate (``NO_MIGRATE_ENV``)."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env={**os.environ, **app_env(url), NO_MIGRATE_ENV: "1" if read_only else "0"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    seconds = time.perf_counter() - started
    if check and completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}: {completed.stderr[-1500:]}")
    return seconds, completed.stdout + completed.stderr


# --------------------------------------------------------------------------- trees and data


def commit_of(ref: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(
        ["git", "rev-parse", ref], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def before_tree(ref: str) -> Path:
    """A ``git worktree`` of ``ref`` (made once, reused while it exists)."""
    commit = commit_of(f"{ref}^{{commit}}")
    path = TREES / commit[:12]
    if not (path / "dashboard.py").exists():
        TREES.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), commit], cwd=REPO_ROOT, check=True
        )
    return path


def tree_fingerprint(tree: Path) -> str:
    """What a data set depends on: the tree's migrations, its demo generators and rollups."""
    digest = hashlib.sha1()
    files = [*tree.glob("**/migrations/versions/*.py"), *tree.glob("*/*city*.py")]
    files += [*tree.glob("*/rollups.py"), *tree.glob("*/demo*.py"), *tree.glob("demo/*.py")]
    for path in sorted(set(files)):
        relative = path.relative_to(tree).parts
        if "benchmarks" not in relative and "tests" not in relative:
            digest.update(path.relative_to(tree).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def pg_admin_url() -> str:
    return os.environ.get("TEST_PG_URL", DEFAULT_PG)


def database_url(kind: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{DATA / (name + '.db')}"
    return pg_admin_url().rpartition("/")[0] + "/" + name


def recreate_pg(name: str, template: str | None = None) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    engine.dispose()


def ensure_data(
    tree: Path, kind: str, name: str, scale: str, reuse: bool, derive_from: str | None = None
) -> dict[str, Any]:
    """Build ``manage.py demo --scale scale`` into database ``name`` unless it can be reused.

    ``derive_from``: instead of building, bring that database (or, with ``reuse``, ``name``
    itself when it holds the same scale) to this tree's schema with this tree's
    ``manage.py init-db``: the same rows, the new structures filled by the tree's migrations."""
    marker_path = DATA / "markers" / f"{kind}-{name}.json"
    fingerprint = tree_fingerprint(tree)
    url = database_url(kind, name)
    wait_for_other_builder(marker_path.with_suffix(".lock"))
    if reuse and marker_path.exists():
        marker = json.loads(marker_path.read_text())
        if marker["fingerprint"] == fingerprint and marker["scale"] == scale:
            say(f"  reusing {kind} {name} (built {marker['built']})")
            return {**marker, "url": url, "reused": True}
    lock = marker_path.with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(str(os.getpid()))
    try:
        if derive_from:
            return _derive(tree, kind, name, derive_from, url, marker_path, fingerprint, reuse)
        return _build(tree, kind, name, scale, url, marker_path, fingerprint)
    finally:
        lock.unlink(missing_ok=True)


def wait_for_other_builder(lock: Path) -> None:
    """Another ``run.py`` building the same database: wait for it rather than build twice."""
    while lock.exists():
        pid = int(lock.read_text() or 0)
        if not pid or not Path(f"/proc/{pid}").exists():
            lock.unlink(missing_ok=True)
            return
        say(f"  waiting for process {pid} building {lock.stem} …")
        time.sleep(20)


def _build(
    tree: Path, kind: str, name: str, scale: str, url: str, marker_path: Path, fingerprint: str
) -> dict[str, Any]:
    say(f"  building {kind} {name}: manage.py demo --scale {scale} …")
    if kind == "sqlite":
        path = DATA / f"{name}.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    else:
        recreate_pg(name)
    seconds, output = manage(tree, url, "demo", "--scale", scale)
    marker = {
        "fingerprint": fingerprint,
        "scale": scale,
        "built": dt.date.today().isoformat(),
        "build_s": round(seconds, 1),
        "built_by": commit_of("HEAD", tree),
        "output": [
            line.strip()
            for line in output.replace("\r", "\n").splitlines()
            if line.strip().endswith(" 行") and "/" not in line
        ],
    }
    marker_path.parent.mkdir(parents=True, exist_ok=True)
    marker_path.write_text(json.dumps(marker, ensure_ascii=False, indent=1))
    say(f"  built in {seconds:.0f} s")
    return {**marker, "url": url, "reused": False}


def _derive(
    tree: Path,
    kind: str,
    name: str,
    source: str,
    url: str,
    marker_path: Path,
    fingerprint: str,
    reuse: bool,
) -> dict[str, Any]:
    source_marker = json.loads((marker_path.parent / f"{kind}-{source}.json").read_text())
    mine = json.loads(marker_path.read_text()) if marker_path.exists() else {}
    started = time.perf_counter()
    if not (reuse and mine.get("scale") == source_marker["scale"]):  # else: migrate in place
        say(f"  copying {kind} {source} → {name} …")
        if kind == "sqlite":
            shutil.copyfile(DATA / f"{source}.db", DATA / f"{name}.db")
        else:
            recreate_pg(name, template=source)
    say(f"  {name}: manage.py init-db (this tree's migrations) and ANALYZE …")
    manage(tree, url, "init-db")
    analyze(kind, url)
    in_place = reuse and mine.get("scale") == source_marker["scale"]
    marker = {
        **(mine if in_place else {**source_marker, "copied_from": source}),
        "fingerprint": fingerprint,
        "migrated_by": commit_of("HEAD", tree),
        "derive_s": round(time.perf_counter() - started, 1),
    }
    marker_path.write_text(json.dumps(marker, ensure_ascii=False, indent=1))
    say(f"  derived in {marker['derive_s']:.0f} s")
    return {**marker, "url": url, "reused": False}


def analyze(kind: str, url: str) -> None:
    """Fresh planner statistics for every table (new rollups included)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


# --------------------------------------------------------------------------- measurements


def time_report(tree: Path, url: str, today: str, runs: int) -> dict[str, Any]:
    """``manage.py report --format json``, process start included; median of ``runs``."""
    help_s, _ = manage(tree, url, "--help")
    times = []
    for _ in range(runs):
        seconds, _ = manage(
            tree, url, "report", "--as-of", today, "--format", "json", read_only=True
        )
        times.append(seconds)
    return {
        "median_s": statistics.median(times),
        "all_s": [round(t, 3) for t in times],
        "help_s": round(help_s, 3),  # process start and imports, no database
    }


def service_csv(url: str, rows: int, today: str, stamp: str) -> bytes:
    """New 志愿服务 rows for existing volunteers and communities, dated in the data's first
    year (outside every page's default window, so a reused data set keeps its page figures)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        places = connection.execute(text("SELECT subdistrict, name FROM community")).all()
        codes = list(
            connection.execute(
                text(
                    "SELECT code FROM volunteer WHERE registered_on < :day ORDER BY id LIMIT 50000"
                ),
                {"day": f"{int(today[:4]) - 5}-01-01"},
            ).scalars()
        )
    engine.dispose()
    rng = random.Random(11)
    first = dt.date(int(today[:4]) - 4, 1, 1)
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
    for i in range(rows):
        place = places[rng.randrange(len(places))]
        day = first + dt.timedelta(days=rng.randrange(300))
        writer.writerow(
            [f"BM{stamp}{i:07d}", rng.choice(codes), f"基准测试活动{i % 997}", "环境整治",
             day.isoformat(), rng.choice(("1.5", "2", "2.5", "3", "4")), place[0], place[1]]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


def time_import(tree: Path, url: str, today: str, rows: int) -> dict[str, Any]:
    """``manage.py import`` of ``rows`` new service records (full validation, rollups), less
    the time of importing 10 rows (process start, schema check, fixed costs)."""
    stamp = time.strftime("%m%d%H%M%S")
    files = {}
    for label, count in (("base", 10), ("big", rows)):
        path = DATA / f"import-{label}-{hashlib.sha1(url.encode()).hexdigest()[:8]}.csv"
        path.write_bytes(service_csv(url, count, today, f"{stamp}{label[0]}"))
        files[label] = path
    base_s, _ = manage(tree, url, "import", str(files["base"]))
    big_s, output = manage(tree, url, "import", str(files["big"]))
    return {
        "rows": rows,
        "wall_s": round(big_s, 3),
        "fixed_s": round(base_s, 3),
        "rows_per_s": rows / big_s,
        "net_rows_per_s": rows / max(big_s - base_s, 1e-6),
        "output": output.strip().splitlines()[-3:],
    }


def city_name(side: str, args: argparse.Namespace) -> str:
    """The data set in the city's role (``--quick``: the small demo, under its own name)."""
    return f"bench_{side}" + ("_quick" if args.quick else "")


def import_into_scratch(tree: Path, kind: str, side: str, rows: int) -> dict[str, Any]:
    """The import on a fresh small demo of its own (the measured small demo keeps its rows)."""
    scratch = ensure_data(tree, kind, f"bench_{side}_scratch", "small", reuse=False)
    return time_import(tree, scratch["url"], scratch["built"], rows)


def measure_side(side: str, tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement of one tree, on each database."""
    result: dict[str, Any] = {
        "side": side,
        "tree": str(tree),
        "commit": commit_of("HEAD", tree),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_start": load_average(),
        "kinds": {},
    }
    for kind in args.kinds:
        result["kinds"][kind] = measure_kind(side, tree, kind, args)
    first = next(iter(result["kinds"].values()))
    pages = first.get("pages", {}).get("pages", {})
    if pages:
        slowest = max(pages, key=lambda p: pages[p]["uncached_ms"])
        kind = next(iter(result["kinds"]))
        say(f"[{side}] profile of /{slowest} …")
        result["profile"] = harness(
            tree, "profile", result["kinds"][kind]["data"]["url"], today=first["today"],
            page=slowest, top=25,
        )  # fmt: skip
    result["load_end"] = load_average()
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return result


def measure_kind(side: str, tree: Path, kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement of one tree on one database (a failed step is kept as its error)."""
    say(f"[{side}/{kind}]")
    derive = city_name("before", args) if side == "after" and args.after_from_before else None
    data = ensure_data(
        tree, kind, city_name(side, args), "small" if args.quick else "city", args.reuse, derive
    )
    small = ensure_data(tree, kind, f"bench_{side}_small", "small", args.reuse)
    url, today = data["url"], data["built"]
    r: dict[str, Any] = {"data": data, "small": small, "today": today}
    steps: list[tuple[str, Any, tuple, dict[str, Any]]] = [
        ("pages", harness, (tree, "pages", url),
         {"today": today, "runs": args.runs, "explain": True, "url": url}),
        ("report", time_report, (tree, url, today, args.runs), {}),
    ]  # fmt: skip
    if not args.skip_browser:
        steps += [
            ("serve", harness, (tree, "serve", url),
             {"today": today, "log": str(DATA / f"serve-{side}-{kind}.log")}),
            ("serve_small", harness, (tree, "serve", small["url"]),
             {"today": small["built"], "log": str(DATA / f"serve-{side}-{kind}-small.log")}),
        ]  # fmt: skip
    steps += [
        ("import", time_import, (tree, url, today, args.import_rows), {}),
        ("import_small", import_into_scratch, (tree, kind, side, args.import_rows), {}),
    ]
    for name, function, positional, keywords in steps:
        say(f"[{side}/{kind}] {name} … (load {load_average()})")
        try:
            r[name] = function(*positional, **keywords)
        except Exception as error:  # noqa: BLE001 - one failed step must not lose the rest
            r[name] = {"error": f"{type(error).__name__}: {error}"[:1500]}
        say(f"[{side}/{kind}] {name}: {json.dumps(_brief(r[name]), ensure_ascii=False)[:400]}")
    return r


def _brief(value: Any) -> Any:
    """A result without its bulky parts, for the console."""
    if isinstance(value, dict):
        return {k: _brief(v) for k, v in value.items() if k not in ("plans", "metrics", "output")}
    return value


def measure_floor(side_result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """DuckDB over a Parquet export of the side's SQLite data, and the naive way per database."""
    out: dict[str, Any] = {}
    kinds = side_result["kinds"]
    today = next(iter(kinds.values()))["today"]
    name = city_name(side_result["side"], args)
    sqlite_url = database_url("sqlite", name)
    parquet = DATA / f"parquet-{side_result['side']}{'-quick' if args.quick else ''}"
    data_key = json.dumps(next(iter(kinds.values()))["data"].get("built"))
    stamp = parquet / "built.json"
    if "sqlite" in kinds or args.db == "pg" and not (DATA / f"{name}.db").exists():
        # one DuckDB floor per side: by the run that has the SQLite data (runs per database
        # may go side by side, see --db)
        if not (args.reuse and stamp.exists() and stamp.read_text() == data_key):
            say("[floor] exporting Parquet …")
            source = sqlite_url if "sqlite" in kinds else kinds["pg"]["data"]["url"]
            out["export"] = floor_worker("export", url=source, dir=str(parquet))
            stamp.write_text(data_key)
        say("[floor] DuckDB …")
        out["duckdb"] = floor_worker("duckdb", dir=str(parquet), today=today)
    if not args.skip_naive:
        for kind, r in kinds.items():
            free_gib = available_gib()
            if not args.quick and free_gib < NAIVE_NEEDS_GIB:
                out[f"naive_{kind}"] = {"skipped": f"only {free_gib:.1f} GiB available"}
                continue
            say(f"[floor] naive pandas on {kind} … (load {load_average()})")
            out[f"naive_{kind}"] = floor_worker("naive", url=r["data"]["url"], today=today)
    return out


def load_side(side: str, suffix: str) -> dict[str, Any] | None:
    """One side's results: the files of its databases merged (SQLite's profile first)."""
    merged: dict[str, Any] | None = None
    for kind in ("sqlite", "pg"):
        path = DATA / f"results-{side}{suffix}-{kind}.json"
        if not path.exists():
            continue
        part = json.loads(path.read_text())
        command = f"python benchmarks/run.py {' '.join(part.get('argv') or [])}".strip()
        if merged is None:
            merged = {**part, "floor": dict(part.get("floor") or {}), "commands": [command]}
            continue
        merged["commands"].append(command)
        merged["kinds"].update(part["kinds"])
        merged["floor"].update(
            {k: v for k, v in (part.get("floor") or {}).items() if k not in merged["floor"]}
        )
        if part["finished"] > merged["finished"]:
            merged["finished"], merged["load_end"] = part["finished"], part["load_end"]
        merged["started"] = min(merged["started"], part["started"])
        merged.setdefault("profile", part.get("profile"))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="git ref of the 'before' tree")
    parser.add_argument("--reuse", action="store_true", help="reuse data sets built earlier")
    parser.add_argument("--quick", action="store_true", help="small demo data, one run")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--sides", default="before,after", help="which trees to measure now")
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs per page / report (median: one outlier is left out)",
    )
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument(
        "--after-from-before",
        action="store_true",
        help="after's city data = before's, migrated by the after tree (same rows; faster)",
    )
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: write RESULTS.md and PLANS.md again from the stored results",
    )
    args = parser.parse_args(argv)
    import report as report_md  # RESULTS.md and PLANS.md

    args.argv = sys.argv[1:] if argv is None else argv
    if args.quick:
        args.runs, args.import_rows = 1, 5_000
    args.kinds = ["sqlite", "pg"] if args.db == "both" else [args.db]
    DATA.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    trees = {"before": before_tree(args.before), "after": REPO_ROOT}
    wanted = [s.strip() for s in args.sides.split(",") if s.strip()]
    for side in [] if args.report_only else wanted:
        say(f"=== {side}: {trees[side]} (load {load_average()})")
        result = measure_side(side, trees[side], args)
        result["floor"] = measure_floor(result, args)
        result["argv"] = args.argv
        for kind in result["kinds"]:  # --skip-naive keeps the naive figures of an earlier run
            earlier = DATA / f"results-{side}{suffix}-{kind}.json"
            if args.skip_naive and earlier.exists():
                kept = json.loads(earlier.read_text()).get("floor") or {}
                if f"naive_{kind}" in kept:
                    result["floor"].setdefault(f"naive_{kind}", kept[f"naive_{kind}"])
        for kind in result["kinds"]:  # one file per database: runs per database may run at once
            (DATA / f"results-{side}{suffix}-{kind}.json").write_text(
                json.dumps(
                    {**result, "kinds": {kind: result["kinds"][kind]}},
                    ensure_ascii=False,
                    indent=1,
                    default=str,
                )
            )
    sides = {side: merged for side in ("before", "after") if (merged := load_side(side, suffix))}
    results_path = DATA / "RESULTS_quick.md" if args.quick else BENCH / "RESULTS.md"
    plans_path = DATA / "PLANS_quick.md" if args.quick else BENCH / "PLANS.md"
    plans_path.write_text(report_md.plans(sides), encoding="utf-8")
    results_path.write_text(
        report_md.results(sides, args, wanted, plans_path.name), encoding="utf-8"
    )
    say(f"wrote {results_path.relative_to(REPO_ROOT)} and {plans_path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
