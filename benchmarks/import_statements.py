"""Where an import's time goes on a database you must not change: every statement's time.

    python benchmarks/import_statements.py URL [ROWS] [plain|explain] [SETTING=VALUE ...]

Imports ``ROWS`` (default 100,000) new 志愿服务 rows made as ``run.py``'s ``service_csv`` makes
them (existing volunteers and communities, dated in the data's first year) through
``ingest.importer.import_files``, but in a transaction that is ROLLED BACK: the city database
keeps its rows (``bench_after`` is read-only for everyone). ``SETTING=VALUE`` pairs are set
with ``SET LOCAL`` first (``work_mem=64MB``, ``track_io_timing=on``,
``session_replication_role=replica`` to see the foreign-key checks' share; superuser only).
``explain`` runs each rollup upsert as ``EXPLAIN (ANALYZE, BUFFERS)`` and prints its plan:
shared hits/reads and, with ``track_io_timing=on``, the time spent reading and writing pages.

Prints the total, then the statements' summed times (the bulk ``COPY`` included), longest first.
The commit is not timed (``synchronous_commit=off`` on the test servers makes it cheap).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from run import service_csv  # noqa: E402
from sqlalchemy import Connection, Engine, create_engine, event, text  # noqa: E402

from ingest import importer  # noqa: E402
from storage import bulk  # noqa: E402


def main(argv: list[str]) -> None:
    """Time one rolled-back import and print where its time went."""
    url = argv[0]
    rows = int(argv[1]) if len(argv) > 1 else 100_000
    mode = argv[2] if len(argv) > 2 else "plain"
    settings = argv[3:]
    engine = create_engine(url)
    data = service_csv(url, rows, "2026-12-02", time.strftime("%H%M%S") + "s")
    times: dict[str, float] = defaultdict(float)
    plans: list[tuple[str, list[str]]] = []
    _log_statements(engine, times, plans, explain=mode == "explain")
    importer.write_transaction = lambda e: _rolled_back(e, settings)  # type: ignore[assignment]
    started = time.perf_counter()
    result = importer.import_files(engine, [("service.csv", data)])
    total = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(str(result.errors[:3]))
    summary = {"rows": rows, "total_s": round(total, 3), "load": os.getloadavg()[0]}
    print(json.dumps({**summary, "settings": settings}))
    for statement, seconds in sorted(times.items(), key=lambda item: -item[1])[:15]:
        print(f"{seconds:8.3f}  {statement}")
    for statement, plan in plans:
        print(f"\n## {statement}\n" + "\n".join(plan))


def _log_statements(
    engine: Engine,
    times: dict[str, float],
    plans: list[tuple[str, list[str]]],
    *,
    explain: bool,
) -> None:
    """Sum each statement's time (by its first 90 characters); the ``COPY`` writes too."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def before(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        conn.info["started"] = time.perf_counter()
        if explain and not many and statement.startswith("INSERT INTO rollup_"):
            statement = "EXPLAIN (ANALYZE, BUFFERS) " + statement
        return statement, params

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        times[statement[:90].replace("\n", " ")] += time.perf_counter() - conn.info["started"]
        if statement.startswith("EXPLAIN"):
            plans.append((statement[:160], [row[0] for row in cursor.fetchall()]))

    copy_rows = bulk._copy_rows

    def timed_copy(connection: Connection, statement: str, rows: list[Sequence[Any]]) -> None:
        started = time.perf_counter()
        copy_rows(connection, statement, rows)
        times[statement[:90]] += time.perf_counter() - started

    bulk._copy_rows = timed_copy  # type: ignore[assignment]


@contextlib.contextmanager
def _rolled_back(engine: Engine, settings: list[str]) -> Iterator[Connection]:
    """The importer's write transaction, rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        for setting in settings:
            name, value = setting.split("=", 1)
            connection.execute(
                text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
            )
        try:
            yield connection
        finally:
            transaction.rollback()


if __name__ == "__main__":
    main(sys.argv[1:])
