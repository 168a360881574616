"""The whole city's 前 10 活动 from ``rollup_activity_total`` (0009): the same ranking as one
grouped query over the window's ``rollup_activity_daily`` rows (``ranking_from_daily``, the
reference) for a year, a partial month, windows cutting activities at both ends, five years,
with 活动类型 filters, by 人次 and by hours, with ties; and the totals equal the records after
the city load, an import, a re-import moving records to another day and activity, a
correction, the demo load and migration 0009 on a database with records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import and_, select, true

from demo.city import TINY, load_city
from figures import volunteers
from figures.scope import Scope
from ingest import corrections
from ingest.corrections import ProjectEdit
from storage import rollups
from storage.models import LivelihoodProject, ServiceRecord, Volunteer
from tests.migration_steps import old_database, upgrade_to
from tests.test_volunteer_presence import OTHER, PLACE, _must_import, _service_row

TODAY = dt.date(2026, 11, 22)
D = dt.date
R = ServiceRecord
A = rollups.activity_daily

WINDOWS = [
    (D(2025, 11, 23), TODAY),  # a year
    (D(2026, 1, 1), TODAY),  # the page's default
    (D(2025, 3, 10), D(2025, 3, 24)),  # a partial month
    (D(2025, 2, 14), D(2025, 9, 16)),  # cutting activities at both ends
    (D(2024, 8, 14), D(2025, 8, 14)),  # a recurring activity's days on both ends
    (D(2021, 11, 23), TODAY),  # five years (all of the data)
    (D(2001, 1, 1), TODAY),  # the measuring script's start
    (D(2025, 6, 15), D(2025, 6, 15)),  # one day
    (D(2030, 1, 1), D(2030, 12, 31)),  # no record
]
TYPE_SETS = [(), ("环境整治",), ("环境整治", "助老扶幼")]
MEASURES = volunteers.TOP_MEASURES


EDGES = [D(2025, 2, 14), D(2025, 3, 10), D(2025, 3, 24), D(2025, 8, 14), D(2025, 9, 16),
         D(2025, 11, 23), D(2026, 1, 1)]  # fmt: skip


@pytest.fixture
def city(engine):  # type: ignore[no-untyped-def]
    """The TINY city (two years of records; every activity there has one day) in a fresh
    database (SQLite and PostgreSQL), with imported activities of many days around the
    windows' ends and some recurring a year later."""
    load_city(engine, scale=TINY, today=TODAY)
    _must_import(engine, _spanning_rows(engine))
    return engine


def _spanning_rows(engine) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    random = np.random.default_rng(11)
    with engine.connect() as connection:
        codes = list(connection.execute(select(Volunteer.code).limit(50)).scalars())
    rows = []
    for e, edge in enumerate(EDGES):
        for k in range(6):
            name, kind = f"跨界活动{e}-{k}", ["环境整治", "助老扶幼", "文化宣传"][k % 3]
            offsets = [o for o in range(-6, 7) if random.random() < 0.6]
            if k == 5:
                offsets += [365, 366]  # the same activity a year later
            for o in offsets:
                for n in range(int(random.integers(1, 5))):
                    code = f"X{e}-{k}-{o}-{n}"
                    day = edge + dt.timedelta(days=o)
                    hours = str(random.choice([0.5, 1, 1.5, 2.25, 3]))
                    row = _service_row(code, codes[n], day, kind, [PLACE, OTHER][n % 2])
                    rows.append({**row, "活动名称": name, "服务时长(小时)": hours})
    return rows


def _reference(connection, start, end, types, measure, limit):  # type: ignore[no-untyped-def]
    in_window = and_(
        A.c.service_date >= start,
        A.c.service_date <= end,
        A.c.activity_type.in_(list(types)) if types else true(),
    )
    return volunteers.ranking_from_daily(connection, in_window, measure, limit)


def _shown(rows) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    return [
        (r.activity_name, r.activity_type, int(r.person_times), round(float(r.hours), 2))
        for r in rows
    ]


def _assert_same_ranking(engine, windows=WINDOWS, type_sets=TYPE_SETS, limits=(10,)) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        assert rollups.activity_totals_match(connection)
        for start, end in windows:
            for types in type_sets:
                for measure in MEASURES:
                    for limit in limits:
                        expected = _reference(connection, start, end, types, measure, limit)
                        got = volunteers._city_ranking(
                            connection, start, end, types, measure, limit
                        )
                        assert _shown(got) == _shown(expected), (start, end, types, measure)


def test_the_ranking_equals_grouping_the_daily_rows(city):
    """Every window, filter and measure; also longer lists (more ties at the cut)."""
    _assert_same_ranking(city, limits=(10, 1, 30))


def test_the_windows_cut_activities_and_rank_them_among_the_inside_ones(city):
    """The checked windows do cut activities (their days lie on both sides of an end) and
    such activities reach the ten, with only their days in the window."""
    with city.connect() as connection:
        totals = rollups.activity_total.c
        reached = []
        for start, end in WINDOWS[:5]:
            crossing = select(totals.activity_name).where(
                totals.first_day <= end,
                totals.last_day >= start,
                (totals.first_day < start) | (totals.last_day > end),
            )
            cut = set(connection.execute(crossing).scalars())
            assert cut, (start, end)
            for measure in MEASURES:
                ranking = volunteers._city_ranking(connection, start, end, (), measure, 10)
                reached.append(bool(cut & {row.activity_name for row in ranking}))
    assert sum(reached) >= 6, reached


def _tie_rows(engine) -> None:  # type: ignore[no-untyped-def]
    """Equal 人次 and hours: names in code-point order decide ("A" < "b" < "乙" < "甲"); one of
    them crosses the window's start (its earlier day must not count)."""
    with engine.connect() as connection:
        [volunteer] = connection.execute(select(Volunteer.code).limit(1)).scalars()
    rows = []
    for i, name in enumerate(["甲", "乙", "b", "A"]):
        for j in range(40):
            row = _service_row(f"TIE{i}-{j}", volunteer, D(2026, 5, 1 + j % 20), "环境整治", PLACE)
            rows.append({**row, "活动名称": name, "服务时长(小时)": "2.5"})
    rows.append({**_service_row("TIE-early", volunteer, D(2025, 5, 1), "环境整治", PLACE),
                 "活动名称": "乙", "服务时长(小时)": "2.5"})  # fmt: skip
    _must_import(engine, rows)


def test_full_ties_break_by_name_in_code_point_order(city):
    _tie_rows(city)
    with city.connect() as connection:
        for measure in MEASURES:
            ranking = volunteers._city_ranking(
                connection, D(2025, 11, 23), TODAY, ("环境整治",), measure, 4
            )
            assert [row.activity_name for row in ranking] == ["A", "b", "乙", "甲"]
    _assert_same_ranking(city, windows=WINDOWS[:2] + [(D(2025, 5, 1), TODAY)], limits=(3, 10))


def test_the_page_function_uses_the_totals_for_a_long_window(city):
    """``top_activities`` of the whole city over a year: the reference's ten, with volunteers."""
    scope = Scope(date_from=WINDOWS[0][0], date_to=TODAY)
    with city.connect() as connection:
        expected = _reference(connection, *WINDOWS[0], (), "hours", 10)
    got = volunteers.top_activities(city, scope, (), "hours")
    assert [(g.activity_name, g.person_times) for g in got] == [
        (r.activity_name, int(r.person_times)) for r in expected
    ]
    assert all(g.volunteers > 0 for g in got)


def test_a_reimport_moving_records_to_another_day_and_activity_keeps_the_totals(city):
    """Records re-imported under their codes to another day and activity name: the old
    activity's totals shrink (or vanish), the new one's grow."""
    with city.connect() as connection:
        moved = connection.execute(
            select(R.code, Volunteer.code, R.service_date, R.activity_name)
            .join(Volunteer, Volunteer.id == R.volunteer_id)
            .where(R.service_date.between(D(2025, 2, 20), D(2025, 3, 25)))
            .order_by(R.id)
            .limit(40)
        ).all()
    first = [
        {**_service_row(code, volunteer, day + dt.timedelta(days=40), "助老扶幼", OTHER),
         "活动名称": f"搬来的活动{i % 3}"}
        for i, (code, volunteer, day, _name) in enumerate(moved)
    ]  # fmt: skip
    _must_import(city, first)
    _assert_same_ranking(city, windows=WINDOWS[:6:2], type_sets=[(), ("助老扶幼",)])
    # And back to a day of their own, under their first names.
    again = [
        {**_service_row(code, volunteer, day - dt.timedelta(days=200), "环境整治", PLACE),
         "活动名称": name}
        for code, volunteer, day, name in moved
    ]  # fmt: skip
    _must_import(city, again)
    _assert_same_ranking(city, windows=WINDOWS[:6:2], type_sets=[(), ("环境整治",)])


def test_an_import_of_new_records_and_a_correction_keep_the_totals(city):
    with city.connect() as connection:
        [volunteer] = connection.execute(select(Volunteer.code).limit(1)).scalars()
    rows = [
        {**_service_row(f"N{j}", volunteer, D(2026, 2, 1 + j % 28), "环境整治", PLACE),
         "活动名称": "新的大活动"}
        for j in range(300)
    ]  # fmt: skip
    _must_import(city, rows)
    with city.connect() as connection:
        code = connection.execute(
            select(LivelihoodProject.code).where(LivelihoodProject.status == "推进中").limit(1)
        ).scalar_one()
    assert corrections.apply_corrections(
        city, [ProjectEdit(code, 1, {"状态": "已取消"})], user="ed"
    ).ok
    _assert_same_ranking(city, windows=WINDOWS[:2], type_sets=[(), ("环境整治",)])
    scope = Scope(date_from=D(2026, 1, 1), date_to=TODAY)
    assert volunteers.top_activities(city, scope)[0].activity_name == "新的大活动"


def test_the_demo_load_fills_the_totals(db_kind, loaded_demo):
    engine = loaded_demo(db_kind, TODAY)  # a copy of load_demo(today=TODAY) on a fresh database
    _assert_same_ranking(engine, windows=[(D(2025, 11, 23), TODAY)], type_sets=[()])


def test_migration_0009_fills_the_totals_of_existing_records(tmp_path):
    """A database with records at 0008 gets its per-activity totals when upgraded."""
    engine = old_database(tmp_path, "0008")
    with engine.begin() as connection:
        connection.execute(
            Volunteer.__table__.insert(),
            [{"id": 1, "code": "V1", "community_id": 1, "registered_on": D(2024, 1, 1)}],
        )
        connection.execute(
            R.__table__.insert(),
            [
                {"code": f"S{i}", "volunteer_id": 1, "activity_name": f"活动{i % 3}",
                 "activity_type": "环境整治", "service_date": D(2024, 3, 1 + i),
                 "hours": 1.5, "community_id": 1}
                for i in range(12)
            ],
        )  # fmt: skip
        rollups.rebuild_service(connection)  # what the writers of 0008 kept current
        rollups.rebuild_presence(connection)
        rollups.rebuild_city(connection)
    upgrade_to(engine, "head")
    with engine.connect() as connection:
        assert rollups.rollups_match(connection)
        rows = connection.execute(
            select(rollups.activity_total).order_by(rollups.activity_total.c.activity_name)
        ).all()
    assert [(r.activity_name, r.first_day, r.last_day, r.person_times) for r in rows] == [
        ("活动0", D(2024, 3, 1), D(2024, 3, 10), 4),
        ("活动1", D(2024, 3, 2), D(2024, 3, 11), 4),
        ("活动2", D(2024, 3, 3), D(2024, 3, 12), 4),
    ]
    ranking = volunteers.top_activities(engine, Scope(date_from=D(2024, 1, 1), date_to=TODAY))
    assert [(g.activity_name, g.person_times, g.hours) for g in ranking] == [
        ("活动0", 4, 6.0), ("活动1", 4, 6.0), ("活动2", 4, 6.0)
    ]  # fmt: skip
    engine.dispose()
