"""Every statement of a page run, with its time: what the page reads itself and what every run
reads besides (the data version, a health ping, the sidebar's lists, the rules, 数据截至).

    cd TREE && DATABASE_URL=… DASHBOARD_DEMO_ON_EMPTY=0 DASHBOARD_STATEMENT_TIMEOUT=0 \\
        python /path/to/benchmarks/statements.py '{"today": "2026-12-02", "pages": ["fiscal"]}'

Per page three runs, each landing straight on the page: cold (the engine warm, every data cache
cleared), warm-uncached (the date moved to one no run has used) and cached (the same again).
Prints each statement (ms, text, parameters) with its kind, then one JSON line per page with
the count and SQL milliseconds of each run and of its shared reads. Like ``harness.py`` it talks
to the tree only through ``dashboard.py`` (AppTest) and the SQLAlchemy events, so it measures
any tree (run it with the tree as the working directory). Like ``harness.py`` (whose
``DASHBOARD_NO_MIGRATE=1`` it inherits) it never upgrades the database: against a schema that is
not at the tree's newest migration the app refuses to start; run ``manage.py init-db`` on a copy.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import PAGES, TREE, WARM_UP_DAY, StatementLog, _errors, _new_app, _set_date  # noqa: E402

# Reads that are no page's own figures (SQLite ``?`` and PostgreSQL ``%(name)s`` parameters).
SHARED_KINDS = {
    "version": r"max\(import_batch\.id\)",
    "ping": r"^SELECT (\?|%\(\w+\)s(::INTEGER)?) AS anon_1$",
    "lists": r"DISTINCT community\.subdistrict FROM community"
    r"|^SELECT community\.subdistrict, community\.name FROM community ORDER BY",
    "rules": r"FROM rule_setting ORDER BY",
    "schema": r"alembic_version|table_info",
    "data date": r"max\(service_record\.service_date\)|max\(census_progress\.day\) AS d"
    r"|max\(livelihood_project\.completed_on\) AS d"
    r"|^SELECT fiscal_monthly\.year, fiscal_monthly\.month FROM fiscal_monthly WHERE "
    r"fiscal_monthly\.year \* \S+ \+ fiscal_monthly\.month <= \S+ ORDER BY",
}


def kind_of(sql: str) -> str:
    """The shared read ``sql`` is, or ``own`` (the page's figures)."""
    text = " ".join(sql.split())
    return next((kind for kind, shape in SHARED_KINDS.items() if re.search(shape, text)), "own")


def summary(entries: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    shared = [e for e in entries if kind_of(e["sql"]) != "own"]
    return {
        "statements": len(entries),
        "sql_ms": round(sum(e["seconds"] for e in entries) * 1000, 1),
        "shared_statements": len(shared),
        "shared_sql_ms": round(sum(e["seconds"] for e in shared) * 1000, 1),
        "shared_kinds": sorted({kind_of(e["sql"]) for e in shared}),
        "wall_ms": round(seconds * 1000),
    }


def show(label: str, entries: list[dict[str, Any]]) -> None:
    print(f"== {label}: {len(entries)} statements", flush=True)
    for e in entries:
        text = " ".join(e["sql"].split())[:200]
        print(f"  {e['seconds'] * 1000:8.1f} ms  {kind_of(e['sql']):9}  {text}  {e['params']}")


def measure(page: str, today: dt.date, index: int, statements: StatementLog) -> dict[str, Any]:
    import streamlit as st

    st.cache_data.clear()
    at = _new_app()  # imports, engine and page code warmed on a day before any data
    at.query_params["to"] = WARM_UP_DAY.isoformat()
    at.switch_page(f"views/{page}.py")
    at.run()
    st.cache_data.clear()
    statements.take()
    at = _new_app()
    at.query_params["to"] = today.isoformat()
    at.switch_page(f"views/{page}.py")
    result: dict[str, Any] = {}
    for run in ("cold", "warm-uncached", "cached"):
        if run == "warm-uncached":
            _set_date(at, page, today - dt.timedelta(days=3 + index))
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        entries = statements.take()
        show(f"{page} {run}", entries)
        result[run] = summary(entries, seconds)
    result["errors"] = _errors(at)
    return result


def main(args: dict[str, Any]) -> None:
    statements = StatementLog()
    statements.install()
    today = dt.date.fromisoformat(args["today"])
    for index, page in enumerate(args.get("pages") or PAGES):
        result = measure(page, today, index, statements)
        print(json.dumps({"tree": str(TREE), "page": page, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
