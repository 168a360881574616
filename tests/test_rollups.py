"""The 志愿服务 rollups: equal to the records after every kind of write, and the figures read
from them equal the figures counted from the records themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Integer, and_, case, delete, func, select, update

from demo.city import TINY, load_city
from figures.scope import Scope
from figures.volunteers import volunteer_by_community, volunteer_summary
from ingest.parsing import KIND_BY_KEY
from storage import rollups
from storage.models import Community, ServiceRecord, Volunteer
from tests.migration_steps import old_database, upgrade_to

TODAY = dt.date(2026, 11, 22)
R = ServiceRecord


@pytest.fixture
def city(engine):  # type: ignore[no-untyped-def]
    """The TINY city in a fresh database (SQLite and PostgreSQL)."""
    load_city(engine, scale=TINY, today=TODAY)
    return engine


def _match(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return rollups.rollups_match(connection)


def _keys(connection, condition) -> list[rollups.ServiceKey]:  # type: ignore[no-untyped-def]
    query = select(R.service_date, R.community_id, R.volunteer_id).where(condition)
    return [tuple(row) for row in connection.execute(query)]


def test_a_loaded_city_has_matching_rollups(city):
    """After the bulk load the rollups equal what the records give."""
    assert _match(city)


def test_a_write_without_refresh_leaves_them_stale(city):
    """The rollups are stored, not computed: moving a record without a refresh is visible."""
    with city.begin() as connection:
        connection.execute(update(R).where(R.id == 1).values(service_date=dt.date(2025, 7, 1)))
    assert not _match(city)


def test_refresh_follows_a_record_moved_to_another_day_community_and_volunteer(city):
    """Refreshing the old and new keys of a moved record brings both places up to date."""
    with city.begin() as connection:
        before = _keys(connection, R.id.in_([1, 2, 3]))
        connection.execute(
            update(R)
            .where(R.id.in_([1, 2, 3]))
            .values(service_date=dt.date(2025, 7, 1), community_id=2, volunteer_id=5)
        )
        after = _keys(connection, R.id.in_([1, 2, 3]))
        rollups.refresh_service(connection, before + after)
    assert _match(city)


@pytest.mark.parametrize("joined_from", [1, 10**9], ids=["joined", "per-day"])
def test_refresh_of_many_moved_records_matches_by_either_path(city, monkeypatch, joined_from):
    """Every record moved a day later: the temporary-table path (big imports) and the per-day
    path both bring the rollups back to what the records give."""
    monkeypatch.setattr(rollups, "JOINED_FROM", joined_from)
    with city.begin() as connection:
        before = _keys(connection, R.id > 0)
        moved = R.service_date + 1 if connection.dialect.name == "postgresql" else None
        if moved is None:
            moved = func.date(R.service_date, "+1 day")
        connection.execute(update(R).values(service_date=moved))
        rollups.refresh_service(connection, before + _keys(connection, R.id > 0))
    assert _match(city)


def test_refresh_after_deleting_records_drops_their_rows(city):
    """Deleting every record of a day and refreshing leaves no zero rows behind."""
    with city.begin() as connection:
        day = connection.execute(select(func.min(R.service_date))).scalar()
        keys = _keys(connection, R.service_date == day)
        connection.execute(delete(R).where(R.service_date == day))
        rollups.refresh_service(connection, keys)
        left = connection.execute(
            select(func.count()).where(rollups.service_daily.c.service_date == day)
        ).scalar()
    assert left == 0
    assert _match(city)


def test_rebuild_repairs_stale_rollups(city):
    """``rebuild`` recomputes everything from the records."""
    with city.begin() as connection:
        connection.execute(delete(rollups.service_daily))
        rollups.rebuild(connection)
    assert _match(city)


def _from_records(connection, scope: Scope) -> dict:  # type: ignore[no-untyped-def]
    """The volunteer figures counted straight from the records (no rollup), as an oracle."""
    as_of = scope.as_of
    year_start = dt.date(as_of.year, 1, 1)
    in_scope = scope.community_clause(R.community_id)
    in_year = and_(R.service_date >= year_start, R.service_date <= as_of, in_scope)
    week = and_(R.service_date >= as_of - dt.timedelta(days=6), R.service_date <= as_of, in_scope)
    row = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(R.hours), 0),
            func.count(func.distinct(R.volunteer_id)),
        ).where(in_year)
    ).one()
    this_week = connection.execute(select(func.coalesce(func.sum(R.hours), 0)).where(week)).scalar()
    per_community = connection.execute(
        select(Community.name, func.count(), func.sum(R.hours))
        .join(Community, Community.id == R.community_id)
        .where(in_year)
        .group_by(Community.name)
    ).all()
    return {
        "person_times": int(row[0]),
        "hours": round(float(row[1]), 2),
        "active": int(row[2]),
        "hours_this_week": round(float(this_week), 2),
        "by_community": {name: (int(n), round(float(h), 2)) for name, n, h in per_community},
    }


def _from_summary(engine, scope: Scope) -> dict:  # type: ignore[no-untyped-def]
    summary = volunteer_summary(engine, scope)
    return {
        "person_times": summary.person_times,
        "hours": summary.hours,
        "active": summary.active,
        "hours_this_week": summary.hours_this_week,
        "by_community": {
            row.community: (row.person_times, row.hours)
            for row in summary.by_community
            if row.person_times
        },
    }


SCOPES = [
    Scope(date_to=TODAY),
    Scope(date_to=dt.date(2026, 1, 3)),
    Scope(date_to=dt.date(2025, 12, 31)),
    Scope(date_to=dt.date(2025, 6, 15)),
    Scope(subdistrict="东风东路街道", date_to=TODAY),
    Scope(
        subdistrict="东风路街道",
        communities=(("东风路街道", "东风路东社区"),),
        date_to=dt.date(2025, 3, 1),
    ),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s.subdistrict}-{s.as_of}")
def test_figures_from_rollups_equal_figures_from_records(city, scope):
    """人次, hours, active volunteers, the week and per-community figures are the same as
    counting the records themselves, for the whole city and for a scope, at several dates."""
    with city.connect() as connection:
        expected = _from_records(connection, scope)
    assert _from_summary(city, scope) == expected


def test_by_community_alone_equals_the_summary_rows(city):
    """The league's shortcut returns exactly the summary's by_community rows."""
    scope = Scope(date_to=TODAY)
    assert volunteer_by_community(city, scope) == volunteer_summary(city, scope).by_community


def test_migration_fills_rollups_for_existing_records(tmp_path):
    """A database with records from before 0003 gets its rollups when it is upgraded."""
    engine = old_database(tmp_path, "0002")
    with engine.begin() as connection:
        connection.execute(
            Volunteer.__table__.insert(),
            [{"id": 1, "code": "V1", "community_id": 1, "registered_on": dt.date(2024, 1, 1)}],
        )
        connection.execute(
            R.__table__.insert(),
            [
                {"code": f"S{i}", "volunteer_id": 1, "activity_name": "活动",
                 "activity_type": "环境整治", "service_date": dt.date(2024, 3, 1 + i % 2),
                 "hours": 1.5, "community_id": 1}
                for i in range(3)
            ],
        )  # fmt: skip
    upgrade_to(engine, "head")
    with engine.connect() as connection:
        daily = connection.execute(
            select(
                func.sum(rollups.service_daily.c.person_times),
                func.sum(case((rollups.service_daily.c.hours > 0, 1), else_=0).cast(Integer)),
            )
        ).one()
    assert tuple(daily) == (3, 2)
    assert _match(engine)
    engine.dispose()


def _service_csv(rows: list[tuple]) -> tuple[str, bytes]:  # type: ignore[type-arg]
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(KIND_BY_KEY["service_records"].headers)
    writer.writerows(rows)
    return "服务.csv", buffer.getvalue().encode("utf-8-sig")


def test_an_import_of_new_and_changed_records_keeps_every_rollup_exact(city):
    """New records are merged into existing rollup rows (same day and community, same volunteer
    and month before, inside and after the stored span, earlier in the year, new keys), while
    changed records in the same file are re-derived: afterwards every rollup equals the records."""
    from ingest.importer import import_files

    with city.connect() as connection:
        stored = connection.execute(
            select(
                R.code,
                Volunteer.code,
                R.activity_name,
                R.activity_type,
                R.service_date,
                R.hours,
                Community.subdistrict,
                Community.name,
            )
            .join(Volunteer, Volunteer.id == R.volunteer_id)
            .join(Community, Community.id == R.community_id)
            .order_by(R.id)
            .limit(60)
        ).all()
    rows = []
    for i, (code, volunteer, name, kind, day, hours, subdistrict, community) in enumerate(stored):
        if i % 4 == 0:  # an existing record moved a day on, with other hours and type
            moved = day + dt.timedelta(days=1)
            rows.append(
                (code, volunteer, name, "新类型", moved, hours + 0.5, subdistrict, community)
            )
        shift = (-40, -9, -1, 0, 1, 9, 40)[i % 7]  # earlier/later in the month, other months
        for copy, kind_used in enumerate((kind, "另一类型")):
            new_day = day + dt.timedelta(days=shift)
            rows.append(
                (f"{code}-N{copy}", volunteer, f"{name}{copy}", kind_used, new_day, 0.1 * (i + 1),
                 subdistrict, community)
            )  # fmt: skip
    result = import_files(city, [_service_csv(rows)])
    assert result.ok, [str(e) for e in result.errors]
    assert result.summaries["service_records"].new == 120
    assert result.summaries["service_records"].updated == 15
    assert _match(city)
