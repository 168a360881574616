"""The city-scale generator on a tiny scale: shape, determinism and the import rules.

The city data set itself (10 million records) is built by ``benchmarks/run.py``, not in CI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from demo.city import (
    TINY,
    CityScale,
    build_city,
    city_specs,
    community_name,
    load_city,
    month_quotas,
    service_chunks,
    service_window,
    subdistrict_name,
)
from ingest.importer import plan_import
from ingest.templates import TABLE_KINDS, table_xlsx
from storage.db import make_engine, migrate
from storage.models import CensusProgress, Community, ServiceRecord, Volunteer

TODAY = dt.date(2026, 11, 22)


def _digest(scale: CityScale, today: dt.date) -> str:
    """A hash of every generated row (small tables, volunteers and all service records)."""
    data = build_city(scale, today)
    digest = hashlib.sha256(repr(sorted(data.tables.items())).encode())
    for rows in data.volunteers.rows(batch_id=1):
        digest.update(repr(rows).encode())
    index = data.volunteers.index()
    for chunk in service_chunks(scale, data.specs, index, data.volunteers.start, today):
        digest.update(repr(list(chunk.rows(1))).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A SQLite file with the TINY city, built once for this module."""
    path = tmp_path_factory.mktemp("city") / "tiny.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    load_city(engine, scale=TINY, today=TODAY)
    yield engine
    engine.dispose()


def test_load_city_writes_the_scale_on_both_databases(engine):
    """Communities, volunteers and service records are exactly the scale's counts."""
    counts = load_city(engine, scale=TINY, today=TODAY)
    with engine.connect() as connection:
        stored = {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model)
            ).scalar()
            for model in (Community, Volunteer, ServiceRecord)
        }
    assert stored == {
        "community": TINY.communities,
        "volunteer": TINY.volunteers,
        "service_record": TINY.service_records,
    }
    assert counts["service_record"] == TINY.service_records


def test_loading_twice_replaces_rather_than_adds(engine):
    """A second load leaves the same number of rows (the previous content is removed)."""
    load_city(engine, scale=TINY, today=TODAY)
    load_city(engine, scale=TINY, today=TODAY)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ServiceRecord)).scalar() == (
            TINY.service_records
        )


def test_same_scale_and_day_give_identical_rows():
    """Two generations with the same scale and today are byte-for-byte the same."""
    assert _digest(TINY, TODAY) == _digest(TINY, TODAY)


def test_another_day_gives_other_rows():
    """The data follows ``today`` (the dashboard looks alive on the day it is built)."""
    assert _digest(TINY, TODAY) != _digest(TINY, TODAY + dt.timedelta(days=1))


@pytest.mark.parametrize("scale", [TINY, CityScale(4, 2, 3, 50, 12_345)])
def test_month_quotas_sum_to_the_scale(scale):
    """Records per month add up exactly to the requested number of service records."""
    assert sum(quota for _, _, quota in month_quotas(scale, TODAY)) == scale.service_records


def test_city_names_are_unique_at_full_scale():
    """200 subdistricts × 10 communities: no two share a name."""
    subdistricts = [subdistrict_name(i) for i in range(200)]
    communities = [community_name(s, i) for s in subdistricts for i in range(10)]
    assert len(set(subdistricts)) == 200
    assert len(set(communities)) == 2000


def test_specs_have_the_scale_shape():
    """One spec per subdistrict, each with the scale's communities and five years of data."""
    specs = city_specs(CityScale(), TODAY)
    assert len(specs) == 200
    assert {len(spec.communities) for spec in specs} == {10}
    assert {spec.first_year for spec in specs} == {TODAY.year - 4}


def test_records_stay_in_the_window_with_valid_hours(tiny_db):
    """Service dates run from 1 January of the first year to today; hours are in (0, 24]."""
    first, last = service_window(TINY, TODAY)
    with tiny_db.connect() as connection:
        low, high, min_hours, max_hours = connection.execute(
            select(
                func.min(ServiceRecord.service_date),
                func.max(ServiceRecord.service_date),
                func.min(ServiceRecord.hours),
                func.max(ServiceRecord.hours),
            )
        ).one()
    assert first <= low and high <= last
    assert min_hours > 0 and max_hours <= 24


def test_nobody_serves_before_registering(tiny_db):
    """Every record's date is on or after its volunteer's registration date."""
    with tiny_db.connect() as connection:
        early = connection.execute(
            select(func.count())
            .select_from(ServiceRecord)
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .where(ServiceRecord.service_date < Volunteer.registered_on)
        ).scalar()
    assert early == 0


def test_census_progress_never_goes_down(tiny_db):
    """普查进度 is cumulative: per campaign and community, later days never have fewer."""
    query = select(
        CensusProgress.campaign,
        CensusProgress.community_id,
        CensusProgress.registered_households,
    ).order_by(CensusProgress.campaign, CensusProgress.community_id, CensusProgress.day)
    with tiny_db.connect() as connection:
        rows = connection.execute(query).all()
    campaigns = Counter(row.campaign for row in rows)
    assert len(campaigns) == 2
    assert all(
        b.registered_households >= a.registered_households
        for a, b in pairwise(rows)
        if (a.campaign, a.community_id) == (b.campaign, b.community_id)
    )


def test_every_generated_row_passes_the_import_rules(tiny_db, tmp_path):
    """Exported in the template layout, the whole city imports into an empty database with
    no error: the generator follows every rule of contract §1."""
    files = [
        (f"{kind.key}.xlsx", table_xlsx(tiny_db, kind.key))
        for kind in TABLE_KINDS
        if kind.key != "service_records"
    ]
    files.append(("service_records.xlsx", table_xlsx(tiny_db, "service_records")))
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(empty)
    result = plan_import(empty, files)
    empty.dispose()
    assert result.ok, [str(error) for error in result.errors[:5]]
    assert result.summaries["service_records"].new == TINY.service_records
