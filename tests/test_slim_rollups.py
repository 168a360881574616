"""0013: fewer B-trees for an import to update, the same exact figures.

``rollup_volunteer_month`` is keyed by community first and has no second index (only community
scopes read it), ``service_record`` has no index by community (a scope's data date reads the
daily rollup). An import that merges many records into the same presence rows, into rows
that already exist and into new ones keeps every rollup equal to the records, and the data
date of any scope is the records' own newest day."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from sqlalchemy import func, inspect, select

from demo.city import TINY, load_city
from figures.meta import _newest_service_day
from figures.scope import Scope
from ingest.importer import import_files, statistics_stale
from ingest.parsing import KIND_BY_KEY
from storage import rollups
from storage.models import Community, ServiceRecord, Volunteer

TODAY = dt.date(2026, 11, 22)
R = ServiceRecord
HEADER = list(KIND_BY_KEY["service_records"].headers)  # the 志愿服务 template's columns


def test_presence_rollup_is_keyed_by_community_first_without_a_second_index(engine):
    inspector = inspect(engine)
    key = inspector.get_pk_constraint("rollup_volunteer_month")["constrained_columns"]
    assert key == ["community_id", "month", "volunteer_id", "activity_type"]
    assert inspector.get_indexes("rollup_volunteer_month") == []
    names = {index["name"] for index in inspector.get_indexes("service_record")}
    assert "ix_service_community_date" not in names


def _crowded_csv(engine) -> bytes:  # type: ignore[no-untyped-def]
    """3,000 records: most into 40 presence rows that exist already (each gets many records,
    on days before, inside and after the days it holds), the rest new (month, community,
    volunteer, 活动类型) keys; a few names per key."""
    p = rollups.volunteer_month.c
    with engine.connect() as connection:
        existing = connection.execute(
            select(Community.subdistrict, Community.name, Volunteer.code, p.month, p.activity_type)
            .join(Community, Community.id == p.community_id)
            .join(Volunteer, Volunteer.id == p.volunteer_id)
            .where(p.month >= dt.date(2025, 1, 1), p.month <= dt.date(2025, 12, 1))
            .order_by(p.community_id, p.month, p.volunteer_id, p.activity_type)
            .limit(40)
        ).all()
    assert len(existing) == 40
    rng = random.Random(13)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for i in range(3000):
        subdistrict, name, code, month, kind = rng.choice(existing)
        month = rollups._as_date(month)
        if i % 6 == 0:  # a new key: another month of the year, maybe another type
            month = month.replace(month=rng.randint(1, 12))
            kind = rng.choice(("环境整治", "助老扶幼"))
        day = month.replace(day=rng.randint(1, 28))
        writer.writerow(
            [f"SLIM{i:05d}", code, f"合并测试活动{i % 7}", kind, day.isoformat(),
             rng.choice(("1", "1.5", "2")), subdistrict, name]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


def test_a_crowded_import_merges_into_exact_rollups(engine):
    load_city(engine, scale=TINY, today=TODAY)
    result = import_files(engine, [("crowded.csv", _crowded_csv(engine))])
    assert result.ok, [str(error) for error in result.errors[:3]]
    assert result.summaries["service_records"].new == 3000
    with engine.connect() as connection:
        assert rollups.rollups_match(connection)
        merged = connection.execute(
            select(func.count()).select_from(rollups.volunteer_month)
        ).scalar_one()
    assert merged > 0


def test_the_data_date_of_any_scope_is_the_records_newest_day(engine):
    load_city(engine, scale=TINY, today=TODAY)
    with engine.connect() as connection:
        first = connection.execute(select(Community.subdistrict, Community.name)).first()
        subdistrict, name = first
        for as_of in (dt.date(2020, 1, 1), dt.date(2025, 3, 15), TODAY):
            for scope in (
                Scope(date_to=as_of),
                Scope(date_to=as_of, subdistrict=subdistrict),
                Scope(date_to=as_of, communities=((subdistrict, name),)),
            ):
                records = select(func.max(R.service_date)).where(
                    R.service_date <= as_of, scope.community_clause(R.community_id)
                )
                expected = connection.execute(records).scalar()
                found = connection.execute(_newest_service_day(scope)).scalar()
                assert found == expected, (scope, found, expected)


def test_statistics_are_refreshed_only_when_the_new_rows_matter():
    """A first big import (no statistics, or far fewer rows) refreshes PostgreSQL's statistics;
    a routine 100,000 records into a city's ten million does not (autovacuum will)."""
    assert statistics_stale(None, 1000)
    assert statistics_stale(-1, 1000)  # never analyzed
    assert statistics_stale(0, 1000)
    assert statistics_stale(5_000, 1_000)
    assert not statistics_stale(10_000_000, 100_000)


def test_a_first_big_import_still_refreshes_the_statistics(engine, tmp_path):
    if engine.dialect.name != "postgresql":
        return  # SQLite's planner needs no refresh here
    from scripts import make_samples

    samples = make_samples.write_samples(tmp_path / "samples")
    base = [
        (p.name, p.read_bytes()) for p in samples if p.name in ("communities.csv", "volunteers.csv")
    ]
    assert import_files(engine, base).ok
    big = make_samples.write_service_csv(tmp_path / "service.csv", 1500)
    assert import_files(engine, [(big.name, big.read_bytes())]).ok
    with engine.connect() as connection:
        described = connection.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = 'service_record'::regclass"
        ).scalar()
    assert described >= 1500
