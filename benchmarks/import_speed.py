"""How fast is an import? Rows per second validating + importing a big 志愿服务 CSV.

    python benchmarks/import_speed.py                 # 100,000 rows into a fresh SQLite file
    python benchmarks/import_speed.py --rows 20000 --database-url postgresql+psycopg://...
    python benchmarks/import_speed.py --into benchmarks/data/bench_after.db   # into a copy of it

The CSV comes from ``scripts/make_samples.py`` (same rows as ``--service-rows``), its
communities and volunteers are imported first. With ``--into`` the import goes into a copy of
that SQLite file (the city database: 10 M records) and the CSV is ``run.py``'s (new records
for its existing communities and volunteers); the file itself is never written. Three figures are printed: the first import
(all rows new), a re-import of the same file (all unchanged) and the preview (``plan_import``).
The target is at least 20,000 rows/s for the first import on SQLite.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for path in (REPO_ROOT, REPO_ROOT / "scripts", REPO_ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import make_samples  # noqa: E402

from ingest.importer import import_files, plan_import  # noqa: E402
from storage.db import make_engine, migrate  # noqa: E402


def timed(label: str, rows: int, run) -> None:  # type: ignore[no-untyped-def]
    """Wall time, and this process's CPU time (SQLite runs in-process; a busy machine inflates wall time)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    assert result.ok, [str(e) for e in result.errors[:5]]
    figures = ", ".join(
        f"{s.table_label} 新增 {s.new} 更新 {s.updated} 未变 {s.unchanged}"
        for s in result.summaries.values()
    )
    print(
        f"{label}: {rows} 行，耗时 {seconds:.2f} 秒 = {rows / seconds:,.0f} 行/秒"
        f"（本进程 CPU {cpu:.2f} 秒 = {rows / cpu:,.0f} 行/秒；{figures}）"
    )


def city_service_csv(url: str, path: Path, rows: int) -> Path:
    """``run.py``'s import file: new records for the database's own communities and volunteers,
    dated in its data's first year."""
    import run
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        today = str(
            connection.execute(text("SELECT max(service_date) FROM service_record")).scalar()
        )
    engine.dispose()
    path.write_bytes(run.service_csv(url, rows, today[:10], time.strftime("%m%d%H%M%S") + "i"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="导入速度基准")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="默认：临时目录中的新 SQLite 文件")
    parser.add_argument("--into", type=Path, help="导入到该 SQLite 文件的副本（如城市数据库）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.into.parent if args.into else None) as tmp:
        if args.into:
            copy = Path(tmp) / "city.db"
            shutil.copyfile(args.into, copy)
            url = f"sqlite:///{copy}"
            csv_path = city_service_csv(url, Path(tmp) / "service.csv", args.rows)
            engine = make_engine(url)
        else:
            url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            engine = make_engine(url)
            migrate(engine)
            samples = make_samples.write_samples(Path(tmp) / "samples")
            base = [
                (p.name, p.read_bytes())
                for p in samples
                if p.name in ("communities.csv", "volunteers.csv")
            ]
            assert import_files(engine, base).ok
            csv_path = make_samples.write_service_csv(Path(tmp) / "service.csv", args.rows)
        files = [(csv_path.name, csv_path.read_bytes())]
        print(
            f"数据库 {engine.url.render_as_string(hide_password=True)}，CSV {csv_path.stat().st_size / 1e6:.1f} MB"
        )
        timed("首次导入", args.rows, lambda: import_files(engine, files))
        timed("重复导入", args.rows, lambda: import_files(engine, files))
        timed("预览", args.rows, lambda: plan_import(engine, files))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
