"""``service_record`` keeps no index that only repeats the start of a longer one (0011): each
index is one more b-tree an import of a hundred thousand records must update, and a query
served by the short one gets the same plan from the long one (the data date: below)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select

from figures.meta import latest_data_date
from figures.scope import Scope
from storage.models import ServiceRecord


def _index_columns(engine) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    indexes = inspect(engine).get_indexes(ServiceRecord.__tablename__)
    return {index["name"]: tuple(index["column_names"]) for index in indexes}


def test_no_index_of_service_record_is_the_prefix_of_another(engine):
    columns = _index_columns(engine)
    repeated = [
        (short, long)
        for short, short_columns in columns.items()
        for long, long_columns in columns.items()
        if short != long and long_columns[: len(short_columns)] == short_columns
    ]
    assert repeated == []
    assert {"ix_service_volunteer_date", "ix_service_date_covering"} <= columns.keys()


def test_the_data_date_reads_the_covering_date_index(engine):
    """SQLite's plan of the data date's ``max(service_date)``: one search of the date index."""
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's plan at city scale: see benchmarks (an empty table is scanned)
    query = select(ServiceRecord.service_date).where(
        ServiceRecord.service_date <= dt.date(2026, 12, 2)
    )
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    assert any("COVERING INDEX ix_service_date_covering" in row[3] for row in plan), plan
    assert latest_data_date(engine, Scope(date_to=dt.date(2026, 12, 2))) is None
