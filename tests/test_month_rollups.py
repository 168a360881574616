"""The month rollups of 0010. Registered volunteers as of a date (registration rollups): the
figures equal a count of the volunteers for dates at every edge (1 January, the 1st and last of
a month, before anyone registered, after everyone), and the rollups stay equal to the
volunteers after an import of new volunteers, of volunteers moved to another community and to
another 注册日期 (and are not, when the importer's maintenance is switched off), after the demo
load and migration 0010. A community's 人次 and hours of the year (``rollup_service_month``):
equal to a count of the records, also after an import moving records to another month and
community (and not without the month maintenance)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from demo.city import TINY, load_city
from figures.area_helpers import round_amount
from figures.scope import Scope
from figures.volunteers import service_by_community, volunteer_by_community, volunteer_summary
from ingest.importer import import_files
from storage import rollups
from storage.models import Community, ServiceRecord, Volunteer
from tests.migration_steps import old_database, upgrade_to
from tests.test_volunteer_presence import OTHER, PLACE, _must_import, _service_row

TODAY = dt.date(2026, 11, 22)
D = dt.date
R = ServiceRecord
DATES = [
    TODAY,
    D(2026, 1, 1),
    D(2025, 12, 31),
    D(2025, 3, 1),
    D(2025, 3, 31),
    D(2025, 2, 14),
    D(2010, 1, 1),  # before anyone registered
    D(2030, 6, 30),  # after everyone
]


@pytest.fixture
def city(engine):  # type: ignore[no-untyped-def]
    """The TINY city in a fresh database (SQLite and PostgreSQL)."""
    load_city(engine, scale=TINY, today=TODAY)
    return engine


def _counted(engine, as_of: dt.date, communities=None) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    """Registered volunteers per community counted from the volunteers themselves."""
    query = (
        select(Community.subdistrict, Community.name, func.count())
        .join(Volunteer, Volunteer.community_id == Community.id)
        .where(Volunteer.registered_on <= as_of)
        .group_by(Community.subdistrict, Community.name)
    )
    with engine.connect() as connection:
        counted = {(row[0], row[1]): int(row[2]) for row in connection.execute(query)}
    return {k: v for k, v in counted.items() if communities is None or k in communities}


def _figures(engine, scope: Scope) -> tuple[int, dict[tuple[str, str], int]]:  # type: ignore[no-untyped-def]
    by_community = {
        (row.subdistrict, row.community): row.registered
        for row in volunteer_by_community(engine, scope)
        if row.registered
    }
    return volunteer_summary(engine, scope).registered, by_community


def assert_registered_exact(engine, dates=DATES) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        assert rollups.registrations_match(connection)
    with engine.connect() as connection:
        places = tuple(connection.execute(select(Community.subdistrict, Community.name)).all())
    some = tuple((row[0], row[1]) for row in places[::3])
    for as_of in dates:
        counted = _counted(engine, as_of)
        assert _figures(engine, Scope(date_to=as_of)) == (sum(counted.values()), counted), as_of
        chosen = _counted(engine, as_of, set(some))
        scope = Scope(date_to=as_of, communities=some)
        assert _figures(engine, scope) == (sum(chosen.values()), chosen), as_of


def test_registered_after_the_city_load_equals_a_count_of_the_volunteers(city):
    with city.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Volunteer)).scalar_one() > 0
    assert_registered_exact(city)


def _volunteer_csv(rows: list[dict[str, object]]) -> tuple[str, bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "志愿者.csv", buffer.getvalue().encode("utf-8-sig")


def _row(code: str, place: tuple[str, str], day: dt.date) -> dict[str, object]:
    return {
        "志愿者编号": code,
        "街道": place[0],
        "社区": place[1],
        "注册日期": day.isoformat(),
        "性别": "女",
        "出生年份": "1980",
    }


def _import_moves(engine) -> None:  # type: ignore[no-untyped-def]
    """New volunteers, volunteers moved to another community and to another 注册日期."""
    with engine.connect() as connection:
        places = connection.execute(
            select(Community.subdistrict, Community.name).order_by(Community.id).limit(2)
        ).all()
        stored = connection.execute(
            select(Volunteer.code).order_by(Volunteer.id).limit(30)
        ).scalars()
        codes = list(stored)
    first, second = (tuple(place) for place in places)
    rows = [_row(f"NEW{i}", first, D(2026, 11, 1 + i % 22)) for i in range(12)]
    rows += [_row(code, second, D(2025, 3, 1 + i)) for i, code in enumerate(codes[:15])]
    rows += [_row(code, first, D(2019, 12, 31)) for code in codes[15:]]
    result = import_files(engine, [_volunteer_csv(rows)])
    assert result.ok, [str(e) for e in result.errors]


def test_an_import_of_new_and_moved_volunteers_keeps_the_rollups(city):
    _import_moves(city)
    assert_registered_exact(city, dates=[TODAY, D(2026, 11, 5), D(2025, 3, 10), D(2020, 1, 1)])


def test_without_the_importers_maintenance_the_rollups_drift(city, monkeypatch):
    """The check above can fail: an import that skips ``refresh_registrations`` leaves the
    rollups behind the volunteers and the figures wrong."""
    monkeypatch.setattr(rollups, "refresh_registrations", lambda connection, ids: None)
    _import_moves(city)
    with city.connect() as connection:
        assert not rollups.registrations_match(connection)
        assert not rollups.rollups_match(connection)
    counted = _counted(city, TODAY)
    assert _figures(city, Scope(date_to=TODAY)) != (sum(counted.values()), counted)


def test_the_demo_load_fills_the_rollups(db_kind, loaded_demo):
    engine = loaded_demo(db_kind, TODAY)  # a copy of load_demo(today=TODAY) on a fresh database
    assert_registered_exact(engine, dates=[TODAY, D(2025, 6, 15)])


def test_migration_0010_fills_the_rollups_of_existing_volunteers(tmp_path):
    """A database with volunteers at 0009 gets its registration rows when upgraded."""
    engine = old_database(tmp_path, "0009", communities=2)
    with engine.begin() as connection:
        connection.execute(
            Volunteer.__table__.insert(),
            [{"id": i, "code": f"V{i}", "community_id": 1 + i % 2,
              "registered_on": D(2024, 1 + i % 12, 1 + i % 28)} for i in range(40)],
        )  # fmt: skip
    upgrade_to(engine, "head")
    with engine.connect() as connection:
        assert rollups.registrations_match(connection)
        years = connection.execute(
            select(func.sum(rollups.registered_year.c.volunteers))
        ).scalar_one()
        assert years == 40
    assert_registered_exact(engine, dates=[D(2024, 6, 15), D(2024, 12, 31), D(2023, 1, 1)])


# --- rollup_service_month: a community's 人次 and hours of 1 January … D.

SERVICE_DATES = [
    TODAY,
    D(2026, 11, 1),
    D(2026, 10, 31),
    D(2026, 1, 1),
    D(2025, 12, 31),
    D(2025, 3, 15),
]


def _served(engine, as_of: dt.date, types=(), communities=None) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """人次 and hours per community counted from the records themselves."""
    query = (
        select(Community.subdistrict, Community.name, func.count(), func.sum(R.hours))
        .join(R, R.community_id == Community.id)
        .where(R.service_date >= D(as_of.year, 1, 1), R.service_date <= as_of)
        .group_by(Community.subdistrict, Community.name)
    )
    if types:
        query = query.where(R.activity_type.in_(types))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {
        (row[0], row[1]): (int(row[2]), round_amount(float(row[3])) or 0.0)
        for row in rows
        if communities is None or (row[0], row[1]) in communities
    }


def assert_service_exact(engine, dates=SERVICE_DATES) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        assert rollups.service_months_match(connection)
        places = tuple(connection.execute(select(Community.subdistrict, Community.name)).all())
    some = tuple((row[0], row[1]) for row in places[::3])
    for as_of in dates:
        for communities in (None, some):
            scope = Scope(date_to=as_of, communities=communities or ())
            by_community = {
                (row.subdistrict, row.community): (row.person_times, row.hours)
                for row in volunteer_by_community(engine, scope)
                if row.person_times
            }
            assert by_community == _served(engine, as_of, (), communities), as_of
            for types in (("环境整治",), ("环境整治", "助老扶幼")):
                shown = {
                    (row.subdistrict, row.community): (row.person_times, row.hours)
                    for row in service_by_community(engine, scope, types)
                }
                assert shown == _served(engine, as_of, types, communities), (as_of, types)


def test_service_after_the_city_load_equals_a_count_of_the_records(city):
    assert_service_exact(city)


def _import_records(engine) -> None:  # type: ignore[no-untyped-def]
    """Records moved to another day, month and community, and new ones of this month."""
    with engine.connect() as connection:
        moved = connection.execute(
            select(R.code, Volunteer.code, R.service_date)
            .join(Volunteer, Volunteer.id == R.volunteer_id)
            .where(R.service_date.between(D(2026, 10, 20), D(2026, 11, 10)))
            .order_by(R.id)
            .limit(40)
        ).all()
    rows = [
        _service_row(code, volunteer, day - dt.timedelta(days=25), "助老扶幼", OTHER)
        for code, volunteer, day in moved
    ]
    rows += [
        _service_row(f"NEW{j}", moved[0][1], D(2026, 11, 1 + j % 20), "环境整治", PLACE)
        for j in range(30)
    ]
    _must_import(engine, rows)


def test_an_import_of_moved_and_new_records_keeps_the_month_rollup(city):
    _import_records(city)
    assert_service_exact(city, dates=[TODAY, D(2026, 11, 5), D(2026, 10, 31), D(2026, 9, 30)])
    with city.connect() as connection:
        assert rollups.rollups_match(connection)


def test_without_the_month_maintenance_the_month_rollup_drifts(city, monkeypatch):
    monkeypatch.setattr(rollups, "refresh_service_months", lambda *args: None)
    _import_records(city)
    with city.connect() as connection:
        assert not rollups.service_months_match(connection)
        assert not rollups.rollups_match(connection)
    scope = Scope(date_to=TODAY)
    shown = {
        (row.subdistrict, row.community): (row.person_times, row.hours)
        for row in volunteer_by_community(city, scope)
        if row.person_times
    }
    assert shown != _served(city, TODAY)


def test_the_demo_load_fills_the_month_rollup(db_kind, loaded_demo):
    engine = loaded_demo(db_kind, TODAY)  # a copy of load_demo(today=TODAY) on a fresh database
    assert_service_exact(engine, dates=[TODAY, D(2025, 6, 15)])
