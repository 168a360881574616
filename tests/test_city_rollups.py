"""The whole-city rollups of 0008 (``rollup_service_city_daily``, ``rollup_volunteer_day_set``):
the figures of the whole city read from them equal the same figures of a scope holding every
community (read from the per-community rollups), and the rollups stay equal to the records
after deletes and moves refreshed by key and after migration 0008 on a database with data."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from demo.city import TINY, load_city
from figures.scope import Scope
from figures.volunteers import (
    activity_types,
    service_by_month,
    service_by_type,
    service_totals,
    volunteer_summary,
)
from storage import rollups
from storage.models import Community, ServiceRecord, Volunteer
from tests.migration_steps import old_database, upgrade_to
from tests.test_volunteer_presence import _records, assert_city_rollups_equal

TODAY = dt.date(2026, 11, 22)
R = ServiceRecord
D = dt.date
WINDOWS = [
    (None, TODAY),
    (D(2025, 3, 10), D(2025, 3, 20)),
    (D(2025, 2, 15), D(2025, 5, 10)),
    (D(2025, 1, 1), TODAY),
    (D(2025, 12, 31), D(2026, 1, 1)),
]
TYPE_SETS = [(), ("环境整治",), ("环境整治", "助老扶幼")]


@pytest.fixture
def city(engine):  # type: ignore[no-untyped-def]
    """The TINY city in a fresh database (SQLite and PostgreSQL)."""
    load_city(engine, scale=TINY, today=TODAY)
    return engine


def _every_community(engine) -> tuple[tuple[str, str], ...]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(select(Community.subdistrict, Community.name)).all()
    return tuple((row[0], row[1]) for row in rows)


def _figures(engine, scope: Scope, types) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    return (
        activity_types(engine, scope),
        service_totals(engine, scope, types),
        service_by_month(engine, scope, types),
        service_by_type(engine, scope, types),
        volunteer_summary(engine, scope).active,
    )


def test_whole_city_figures_equal_those_of_a_scope_with_every_community(city):
    """Two independent roads to the same numbers: the city rollups (no community filter) and
    the per-community rollups (every community chosen by name)."""
    everyone = _every_community(city)
    for start, end in WINDOWS:
        for types in TYPE_SETS:
            whole = Scope(date_from=start, date_to=end)
            listed = Scope(date_from=start, date_to=end, communities=everyone)
            assert _figures(city, whole, types) == _figures(city, listed, types), (start, types)


def _refresh(engine, condition, change) -> None:  # type: ignore[no-untyped-def]
    """Write ``change`` to the records matching ``condition`` and refresh their old and new
    keys, as the importer does."""
    keys = select(R.service_date, R.community_id, R.volunteer_id).where(condition)
    with engine.begin() as connection:
        before = [tuple(row) for row in connection.execute(keys)]
        ids = [row[0] for row in connection.execute(select(R.id).where(condition))]
        connection.execute(change)
        after = [
            tuple(row)
            for row in connection.execute(
                select(R.service_date, R.community_id, R.volunteer_id).where(R.id.in_(ids))
            )
        ]
        rollups.refresh_service(connection, before + after)


def _day_type_of_record(engine, record_id: int) -> tuple[dt.date, str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        row = connection.execute(
            select(R.service_date, R.activity_type, R.volunteer_id).where(R.id == record_id)
        ).one()
    return row[0], row[1], row[2]


def test_deleting_every_record_of_a_day_and_type_drops_its_set(city):
    """A (day, 活动类型) without records keeps no set and no sums."""
    day, kind, _ = _day_type_of_record(city, 1)
    same = (R.service_date == day) & (R.activity_type == kind)
    _refresh(city, same, delete(R).where(same))
    with city.connect() as connection:
        for table in (rollups.volunteer_day_set, rollups.service_city_daily):
            left = connection.execute(
                select(table).where(table.c.service_date == day, table.c.activity_type == kind)
            ).all()
            assert left == []
    assert_city_rollups_equal(city, _records(city))


def test_a_volunteer_stays_in_the_set_while_another_record_of_that_day_and_type_remains(city):
    """Moving one of a volunteer's two records of a day away keeps them in that day's set;
    moving the second removes them; the sets follow a change of 活动类型 too."""
    day, kind, volunteer = _day_type_of_record(city, 1)
    community = 1
    with city.begin() as connection:
        connection.execute(
            R.__table__.insert(),
            [
                {"code": f"DUP{i}", "volunteer_id": volunteer, "activity_name": "重复",
                 "activity_type": kind, "service_date": day, "hours": 1.0,
                 "community_id": community}
                for i in range(2)
            ],
        )  # fmt: skip
        rollups.refresh_service(connection, [(day, community, volunteer)])
    assert_city_rollups_equal(city, _records(city))
    first = R.code == "DUP0"
    _refresh(city, first, update(R).where(first).values(activity_type="新类型"))
    assert_city_rollups_equal(city, _records(city))
    moved = R.code.in_(["DUP1"]) | (R.id == 1)
    _refresh(city, moved, update(R).where(moved).values(service_date=D(2020, 5, 5)))
    assert_city_rollups_equal(city, _records(city))
    with city.begin() as connection:
        connection.execute(update(R).where(R.id == 2).values(activity_type="漏刷新"))
    with pytest.raises(AssertionError):  # not vacuous: a write without refresh shows
        assert_city_rollups_equal(city, _records(city))


def test_migration_0008_fills_the_city_rollups_of_existing_records(tmp_path):
    """A database with records at 0007 gets its day sets and city sums when upgraded."""
    engine = old_database(tmp_path, "0007")
    with engine.begin() as connection:
        connection.execute(
            Volunteer.__table__.insert(),
            [
                {"id": i, "code": f"V{i}", "community_id": 1, "registered_on": D(2024, 1, 1)}
                for i in (1, 2, 3)
            ],
        )
        connection.execute(
            R.__table__.insert(),
            [
                {"code": f"S{i}", "volunteer_id": 1 + i % 3, "activity_name": "活动",
                 "activity_type": "环境整治" if i % 2 else "助老扶幼",
                 "service_date": D(2024, 3, 1 + i % 4), "hours": 1.5, "community_id": 1}
                for i in range(12)
            ],
        )  # fmt: skip
        rollups.rebuild_service(connection)  # what the writers of 0007 kept current
        rollups.rebuild_presence(connection)
    upgrade_to(engine, "head")
    assert_city_rollups_equal(engine, _records(engine))
    with engine.connect() as connection:
        assert connection.execute(select(rollups.volunteer_day_set)).all()
        assert rollups.rollups_match(connection)
    scope = Scope(date_from=D(2024, 3, 2), date_to=D(2024, 3, 3))
    assert [m.volunteers for m in service_by_month(engine, scope)] == [3]
    assert service_totals(engine, Scope(date_to=D(2024, 3, 1)), ("环境整治",)).active == 0
    assert service_totals(engine, Scope(date_to=D(2024, 3, 2)), ("环境整治",)).active == 3
    engine.dispose()


def test_an_import_of_new_records_only_merges_them_into_the_city_sets(city):
    """Records that only add (no record changed, so nothing is re-derived from the records):
    a volunteer already in a day's set, another volunteer joining it, a new 活动类型 on that
    day, a day of a month without records and a volunteer's second record of the same day:
    the day sets, month sets and first days equal what the records give."""
    from ingest.importer import import_files
    from tests.test_rollups import _service_csv

    with city.connect() as connection:
        day, kind, volunteer = _day_type_of_record(city, 1)
        codes = dict(connection.execute(select(Volunteer.id, Volunteer.code)).all())
        place = connection.execute(
            select(Community.subdistrict, Community.name).where(Community.id == 1)
        ).one()
    others = [code for id_, code in sorted(codes.items()) if id_ != volunteer][:3]
    empty_month = D(2019, 6, 15)  # before every record of the TINY city
    rows = [
        ("N1", codes[volunteer], "活动一", kind, day, 1.5),  # already in that set
        ("N2", others[0], "活动一", kind, day, 2),  # joins it
        ("N3", others[1], "活动二", "全新类型", day, 1),  # a new set on that day
        ("N4", others[2], "活动三", kind, empty_month, 3),  # a new day and month
        ("N5", others[2], "活动三", kind, empty_month, 1),  # twice on that day
    ]
    result = import_files(city, [_service_csv([(*row, *place) for row in rows])])
    assert result.ok, [str(e) for e in result.errors]
    assert result.summaries["service_records"].new == len(rows)
    assert_city_rollups_equal(city, _records(city))
    with city.connect() as connection:
        assert rollups.rollups_match(connection)
