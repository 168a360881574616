"""The figures of every page computed outside the app: DuckDB (the floor) and naive pandas.

    python benchmarks/floor.py export '{"url": "sqlite:///…", "dir": "…"}'
    python benchmarks/floor.py duckdb '{"dir": "…", "today": "2026-12-02"}'
    python benchmarks/floor.py naive  '{"url": "…", "today": "2026-12-02"}'

Both compute, from the same rows, the headline figures each page shows and the per-community
breakdowns behind its tables and charts (one function per area, the same arithmetic in SQL
for DuckDB and in pandas for the naive way). The naive way is the usual Streamlit pattern:
``pd.read_sql("SELECT * FROM …")`` of whole tables, then filter and group in pandas.
Each worker prints one JSON line: seconds per area, peak memory, the headline figures.
Nothing here imports the project: the data's tables are the same in every tree compared.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

TABLES = {
    "community": "SELECT id, subdistrict, name, population, households FROM community",
    "livelihood_project": "SELECT id, community_id, category, year, planned_on, status, "
    "completed_on FROM livelihood_project",
    "fiscal_monthly": "SELECT subdistrict, year, month, item, amount FROM fiscal_monthly",
    "fiscal_target": "SELECT subdistrict, year, item, target AS amount FROM fiscal_target",
    "census_progress": "SELECT campaign, community_id, day, expected_households, "
    "registered_households, registered_persons FROM census_progress",
    "volunteer": "SELECT id, community_id, registered_on FROM volunteer",
    "service_record": "SELECT volunteer_id, activity_name, activity_type, service_date, hours, "
    "community_id FROM service_record",
}
# The naive way reads whole tables; only the target's column gets the name the code expects.
NAIVE_SQL = {"fiscal_target": "SELECT *, target AS amount FROM fiscal_target"}
# Which areas' figures each page shows (the overview, big screen and weekly page show every
# area's headline and the per-community league; /weekly for this week and the week before).
PAGE_AREAS = {
    "overview": ("livelihood", "fiscal", "census", "volunteers"),
    "livelihood": ("livelihood",),
    "fiscal": ("fiscal",),
    "census": ("census",),
    "volunteers": ("volunteers", "volunteer_detail"),
    "weekly": ("livelihood", "fiscal", "census", "volunteers", "league_last_week"),
    "screen": ("livelihood", "fiscal", "census", "volunteers"),
}
AREA_TABLES = {
    "livelihood": ("livelihood_project",),
    "fiscal": ("fiscal_monthly", "fiscal_target"),
    "census": ("census_progress",),
    "volunteers": ("volunteer", "service_record", "community"),
    "volunteer_detail": ("service_record",),
    "league_last_week": ("livelihood_project", "census_progress", "service_record"),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str), flush=True)


def dates(today: str) -> dict[str, str]:
    """The windows every page uses at its default filters."""
    end = dt.date.fromisoformat(today)
    return {
        "end": end.isoformat(),
        "year_start": dt.date(end.year, 1, 1).isoformat(),
        "week": (end - dt.timedelta(days=6)).isoformat(),
        "last_end": (end - dt.timedelta(days=7)).isoformat(),
        "last_week": (end - dt.timedelta(days=13)).isoformat(),
        "year": str(end.year),
    }


# --------------------------------------------------------------------------- DuckDB


def duck_livelihood(db, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    row = q(
        db,
        """SELECT count(*) FILTER (WHERE status <> '已取消'),
                  count(*) FILTER (WHERE status = '已完成' AND completed_on <= $end),
                  count(*) FILTER (WHERE status NOT IN ('已完成', '已取消') AND planned_on < $end),
                  count(*) FILTER (WHERE status = '已完成' AND completed_on BETWEEN $week AND $end),
                  count(*) FILTER (WHERE status = '已取消')
           FROM livelihood_project WHERE year = CAST($year AS INTEGER)""",
        d,
    ).fetchone()
    per = q(
        db,
        """SELECT community_id, count(*) FILTER (WHERE status <> '已取消'),
                  count(*) FILTER (WHERE status = '已完成' AND completed_on <= $end)
           FROM livelihood_project WHERE year = CAST($year AS INTEGER) GROUP BY community_id""",
        d,
    ).fetchall()
    return {
        "total": row[0], "completed": row[1], "overdue": row[2], "week_completed": row[3],
        "cancelled": row[4], "communities": len(per),
    }  # fmt: skip


def duck_fiscal(db, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    year, end = int(d["year"]), dt.date.fromisoformat(d["end"])
    last = q(
        db,
        "SELECT max(month) FROM fiscal_monthly WHERE year = $y AND month <= $m",
        {"y": year, "m": end.month},
    ).fetchone()[0]
    rows = q(
        db,
        """SELECT sum(amount) FILTER (WHERE year = $y AND item = '一般公共预算收入'),
                  sum(amount) FILTER (WHERE year = $y AND item = '一般公共预算收入' AND month = $m),
                  sum(amount) FILTER (WHERE year = $y - 1 AND item = '一般公共预算收入'),
                  sum(amount) FILTER (WHERE year = $y AND item = '税收收入')
           FROM fiscal_monthly WHERE year IN ($y, $y - 1) AND month <= $m""",
        {"y": year, "m": last},
    ).fetchone()
    target = q(
        db,
        "SELECT sum(amount) FROM fiscal_target WHERE year = $y AND item = '一般公共预算收入'",
        {"y": year},
    ).fetchone()[0]
    per = q(
        db,
        """SELECT subdistrict, item, sum(amount) FROM fiscal_monthly
           WHERE year = $y AND month <= $m GROUP BY subdistrict, item""",
        {"y": year, "m": last},
    ).fetchall()
    return {
        "month": last, "cumulative": round(rows[0] or 0, 2), "month_amount": round(rows[1] or 0, 2),
        "last_year": round(rows[2] or 0, 2), "tax": round(rows[3] or 0, 2),
        "target": round(target or 0, 2), "rows": len(per),
    }  # fmt: skip


def duck_census(db, d: dict[str, str], end_key: str = "end") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    params = {"end": d[end_key], "before": _minus(d[end_key], 7)}
    row = q(
        db,
        """WITH campaign AS (SELECT campaign FROM census_progress WHERE day <= $end
                             ORDER BY day DESC LIMIT 1),
                rows AS (SELECT * FROM census_progress WHERE campaign = (SELECT campaign FROM campaign)),
                now AS (SELECT community_id, arg_max(expected_households, day) AS e,
                               arg_max(registered_households, day) AS h,
                               arg_max(registered_persons, day) AS p
                        FROM rows WHERE day <= $end GROUP BY community_id),
                prev AS (SELECT community_id, arg_max(registered_households, day) AS h
                         FROM rows WHERE day <= $before GROUP BY community_id)
           SELECT sum(now.e), sum(now.h), sum(now.p), sum(now.h) - coalesce(sum(prev.h), 0),
                  count(*)
           FROM now LEFT JOIN prev USING (community_id)""",
        params,
    ).fetchone()
    return {
        "expected": row[0], "households": row[1], "persons": row[2], "week_new": row[3],
        "communities": row[4],
    }  # fmt: skip


def duck_volunteers(db, d: dict[str, str], end_key: str = "end") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    end = d[end_key]
    params = {"start": d["year_start"], "end": end, "week": _minus(end, 6)}
    row = q(
        db,
        """SELECT count(*), count(DISTINCT volunteer_id), sum(hours),
                  sum(hours) FILTER (WHERE service_date >= $week)
           FROM service_record WHERE service_date BETWEEN $start AND $end""",
        params,
    ).fetchone()
    registered = q(
        db, "SELECT count(*) FROM volunteer WHERE registered_on <= $end", {"end": end}
    ).fetchone()[0]
    per = q(
        db,
        """WITH s AS (SELECT community_id, sum(hours) AS hours, count(*) AS n,
                             count(DISTINCT volunteer_id) AS active
                      FROM service_record WHERE service_date BETWEEN $start AND $end
                      GROUP BY community_id),
                r AS (SELECT community_id, count(*) AS registered FROM volunteer
                      WHERE registered_on <= $end GROUP BY community_id)
           SELECT c.id, s.hours, s.n, s.active, r.registered, c.population FROM community c
           LEFT JOIN s ON s.community_id = c.id LEFT JOIN r ON r.community_id = c.id""",
        params,
    ).fetchall()
    return {
        "registered": registered, "active": row[1], "person_times": row[0],
        "hours": round(row[2] or 0, 1), "week_hours": round(row[3] or 0, 1),
        "communities": len(per),
    }  # fmt: skip


def duck_volunteer_detail(db, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    params = {"start": d["year_start"], "end": d["end"]}
    window = "FROM service_record WHERE service_date BETWEEN $start AND $end"
    months = q(
        db,
        f"""SELECT substr(service_date, 1, 7) AS m, sum(hours), count(*),
                   count(DISTINCT volunteer_id) {window} GROUP BY m""",
        params,
    ).fetchall()
    types = q(
        db,
        f"SELECT activity_type, sum(hours), count(*), count(DISTINCT volunteer_id) {window} "
        "GROUP BY activity_type",
        params,
    ).fetchall()
    top = q(
        db,
        f"""SELECT activity_name, sum(hours) AS h, count(DISTINCT volunteer_id) {window}
            GROUP BY activity_name ORDER BY h DESC LIMIT 10""",
        params,
    ).fetchall()
    return {"months": len(months), "types": len(types), "top": len(top)}


def duck_league_last_week(db, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    shifted = {**d, "end": d["last_end"]}
    return {
        "livelihood": duck_livelihood(db, shifted),
        "census": duck_census(db, d, "last_end"),
        "volunteers": duck_volunteers(db, d, "last_end"),
    }


def q(db, sql: str, params: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """DuckDB wants exactly the parameters a statement names."""
    wanted = set(re.findall(r"\$(\w+)", sql))
    return db.execute(sql, {k: v for k, v in (params or {}).items() if k in wanted})


def _minus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) - dt.timedelta(days=days)).isoformat()


DUCK = {
    "livelihood": duck_livelihood,
    "fiscal": duck_fiscal,
    "census": duck_census,
    "volunteers": duck_volunteers,
    "volunteer_detail": duck_volunteer_detail,
    "league_last_week": duck_league_last_week,
}


# --------------------------------------------------------------------------- naive pandas


def pd_livelihood(t, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    p = t["livelihood_project"]
    p = p[p["year"] == int(d["year"])]
    done = (p["status"] == "已完成") & (p["completed_on"].astype(str) <= d["end"])
    live = p["status"] != "已取消"
    open_ = ~p["status"].isin(["已完成", "已取消"])
    week = done & (p["completed_on"].astype(str) >= d["week"])
    per = p.assign(done=done, live=live).groupby("community_id")[["done", "live"]].sum()
    return {
        "total": int(live.sum()), "completed": int(done.sum()),
        "overdue": int((open_ & (p["planned_on"].astype(str) < d["end"])).sum()),
        "week_completed": int(week.sum()), "cancelled": int((~live).sum()),
        "communities": len(per),
    }  # fmt: skip


def pd_fiscal(t, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    f, targets = t["fiscal_monthly"], t["fiscal_target"]
    year, end = int(d["year"]), dt.date.fromisoformat(d["end"])
    last = int(f[(f["year"] == year) & (f["month"] <= end.month)]["month"].max())
    window = f[f["month"] <= last]
    this = window[window["year"] == year]
    budget = "一般公共预算收入"
    per = this.groupby(["subdistrict", "item"])["amount"].sum()
    return {
        "month": last,
        "cumulative": round(this.loc[this["item"] == budget, "amount"].sum(), 2),
        "month_amount": round(
            this.loc[(this["item"] == budget) & (this["month"] == last), "amount"].sum(), 2
        ),
        "last_year": round(
            window.loc[(window["year"] == year - 1) & (window["item"] == budget), "amount"].sum(), 2
        ),
        "tax": round(this.loc[this["item"] == "税收收入", "amount"].sum(), 2),
        "target": round(
            targets.loc[(targets["year"] == year) & (targets["item"] == budget), "amount"].sum(), 2
        ),
        "rows": len(per),
    }


def pd_census(t, d: dict[str, str], end_key: str = "end") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    c = t["census_progress"].copy()
    c["day"] = c["day"].astype(str)
    end, before = d[end_key], _minus(d[end_key], 7)
    seen = c[c["day"] <= end]
    campaign = seen.sort_values("day").iloc[-1]["campaign"]
    rows = seen[seen["campaign"] == campaign]
    now = rows.sort_values("day").groupby("community_id").last()
    prev_rows = rows[rows["day"] <= before]
    prev = prev_rows.sort_values("day").groupby("community_id").last()
    return {
        "expected": int(now["expected_households"].sum()),
        "households": int(now["registered_households"].sum()),
        "persons": int(now["registered_persons"].sum()),
        "week_new": int(now["registered_households"].sum() - prev["registered_households"].sum()),
        "communities": len(now),
    }


def pd_volunteers(t, d: dict[str, str], end_key: str = "end") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    s, v, c = t["service_record"], t["volunteer"], t["community"]
    end = d[end_key]
    day = s["service_date"].astype(str)
    year = s[(day >= d["year_start"]) & (day <= end)]
    week = year[year["service_date"].astype(str) >= _minus(end, 6)]
    registered = v[v["registered_on"].astype(str) <= end]
    per = (
        c.set_index("id")
        .join(year.groupby("community_id").agg(hours=("hours", "sum"), n=("hours", "size")))
        .join(year.groupby("community_id")["volunteer_id"].nunique().rename("active"))
        .join(registered.groupby("community_id").size().rename("registered"))
    )
    return {
        "registered": len(registered), "active": int(year["volunteer_id"].nunique()),
        "person_times": len(year), "hours": round(float(year["hours"].sum()), 1),
        "week_hours": round(float(week["hours"].sum()), 1), "communities": len(per),
    }  # fmt: skip


def pd_volunteer_detail(t, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    s = t["service_record"]
    day = s["service_date"].astype(str)
    year = s[(day >= d["year_start"]) & (day <= d["end"])].assign(m=day.str[:7])
    spec = {
        "hours": ("hours", "sum"),
        "n": ("hours", "size"),
        "people": ("volunteer_id", "nunique"),
    }
    months = year.groupby("m").agg(**spec)
    types = year.groupby("activity_type").agg(**spec)
    top = year.groupby("activity_name").agg(**spec).nlargest(10, "hours")
    return {"months": len(months), "types": len(types), "top": len(top)}


def pd_league_last_week(t, d: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    shifted = {**d, "end": d["last_end"]}
    return {
        "livelihood": pd_livelihood(t, shifted),
        "census": pd_census(t, d, "last_end"),
        "volunteers": pd_volunteers(t, d, "last_end"),
    }


NAIVE = {
    "livelihood": pd_livelihood,
    "fiscal": pd_fiscal,
    "census": pd_census,
    "volunteers": pd_volunteers,
    "volunteer_detail": pd_volunteer_detail,
    "league_last_week": pd_league_last_week,
}


# --------------------------------------------------------------------------- workers


def _engine(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(url)


def worker_export(args: dict[str, Any]) -> None:
    """Parquet copies of the tables the figures read (streamed in chunks, dates as text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sqlalchemy import text

    target = Path(args["dir"])
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with _engine(args["url"]).connect() as connection:
        for name, query in TABLES.items():
            result = connection.execution_options(stream_results=True).execute(text(query))
            columns = list(result.keys())
            writer = None
            while chunk := result.fetchmany(500_000):
                arrays = {}
                for i, column in enumerate(columns):
                    values = [row[i] for row in chunk]
                    if column.endswith(("_date", "_on", "day")):
                        values = [None if v is None else str(v) for v in values]
                    arrays[column] = values
                batch = pa.table(arrays)
                writer = writer or pq.ParquetWriter(target / f"{name}.parquet", batch.schema)
                writer.write_table(batch.cast(writer.schema))
            if writer:
                writer.close()
    emit({"seconds": time.perf_counter() - started})


def worker_duckdb(args: dict[str, Any]) -> None:
    """Every area's figures by DuckDB over the Parquet export (one cold process)."""
    import duckdb

    d = dates(args["today"])
    started = time.perf_counter()
    db = duckdb.connect()
    for name in TABLES:
        path = Path(args["dir"]) / f"{name}.parquet"
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    setup = time.perf_counter() - started
    seconds, figures = {}, {}
    for area, compute in DUCK.items():
        started = time.perf_counter()
        figures[area] = compute(db, d)
        seconds[area] = time.perf_counter() - started
    emit({"setup_s": setup, "seconds": seconds, "figures": figures, "peak_mb": peak_mb()})


def worker_naive(args: dict[str, Any]) -> None:
    """Every area's figures the naive way: whole tables into pandas, then pandas."""
    import pandas as pd

    d = dates(args["today"])
    engine = _engine(args["url"])
    tables, load_s = {}, {}
    for name in TABLES:
        started = time.perf_counter()
        with engine.connect() as connection:
            tables[name] = pd.read_sql(NAIVE_SQL.get(name, f"SELECT * FROM {name}"), connection)
        load_s[name] = time.perf_counter() - started
    seconds, figures = {}, {}
    for area, compute in NAIVE.items():
        started = time.perf_counter()
        figures[area] = compute(tables, d)
        seconds[area] = time.perf_counter() - started
    emit({"load_s": load_s, "seconds": seconds, "figures": figures, "peak_mb": peak_mb()})


def page_seconds(result: dict[str, Any], page: str, with_load: bool = False) -> float:
    """A page's figures' time: its areas' compute time (plus loading their tables)."""
    areas = PAGE_AREAS[page]
    total = sum(result["seconds"][a] for a in areas)
    if with_load:
        tables = {t for a in areas for t in AREA_TABLES[a]}
        total += sum(result["load_s"][t] for t in tables)
    return total


WORKERS = {"export": worker_export, "duckdb": worker_duckdb, "naive": worker_naive}

if __name__ == "__main__":
    WORKERS[sys.argv[1]](json.loads(sys.argv[2]))
