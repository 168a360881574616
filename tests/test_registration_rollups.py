"""Registered volunteers as of a date from the registration rollups (0010): the figures equal a
count of the volunteers for dates at every edge (1 January, the 1st and last of a month, before
anyone registered, after everyone), and the rollups stay equal to the volunteers after an import
of new volunteers, of volunteers moved to another community and to another 注册日期 (and are
not, when the importer's maintenance is switched off), after the demo load and migration 0010."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from demo.city import TINY, load_city
from demo.subdistricts import load_demo
from figures.scope import Scope
from figures.volunteers import volunteer_by_community, volunteer_summary
from ingest.importer import import_files
from storage import rollups
from storage.db import make_engine
from storage.models import Community, Volunteer
from tests.migration_steps import upgrade_to

TODAY = dt.date(2026, 11, 22)
D = dt.date
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


def test_the_demo_load_fills_the_rollups(engine):
    load_demo(engine, today=TODAY)
    assert_registered_exact(engine, dates=[TODAY, D(2025, 6, 15)])


def test_migration_0010_fills_the_rollups_of_existing_volunteers(tmp_path):
    """A database with volunteers at 0009 gets its registration rows when upgraded."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_to(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            Community.__table__.insert(),
            [{"id": i, "subdistrict": "甲街道", "name": f"社区{i}", "population": 1,
              "households": 1} for i in (1, 2)],
        )  # fmt: skip
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
