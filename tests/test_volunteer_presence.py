"""参与志愿者 / 活跃志愿者 from ``rollup_volunteer_month``: exactly the distinct volunteers
that the service records themselves give, for any window (whole months, partial months, a
window inside one month, across a year end), any 活动类型 filter and any community scope;
after the bulk load, an import, a re-import that moves records, a correction, the demo load,
and after migration 0007 fills an existing database. The whole city is answered from the
per-day volunteer sets of 0008 (a community scope from the presence rollup): both are checked
against the records, and the sets themselves too."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

import numpy as np
import pytest
from sqlalchemy import select

from demo.city import TINY, load_city
from figures.area_helpers import round_amount
from figures.scope import Scope
from figures.volunteers import (
    TOP_LIMIT,
    service_by_month,
    service_by_type,
    service_totals,
    top_activities,
    volunteer_summary,
)
from ingest import corrections
from ingest.corrections import ProjectEdit
from ingest.importer import import_files
from storage import rollups
from storage.models import Community, LivelihoodProject, ServiceRecord, Volunteer
from tests.migration_steps import old_database, upgrade_to

TODAY = dt.date(2026, 11, 22)
R = ServiceRecord
D = dt.date

WINDOWS = [
    (None, TODAY),  # the page's default: 1 January … as-of (a running month at the end)
    (D(2025, 3, 1), D(2025, 3, 31)),  # one whole month
    (D(2025, 3, 10), D(2025, 3, 20)),  # inside one month, partial at both ends
    (D(2025, 3, 1), D(2025, 3, 20)),  # the start of a month
    (D(2025, 3, 10), D(2025, 3, 31)),  # the end of a month
    (D(2025, 2, 15), D(2025, 5, 10)),  # partial first and last month, whole ones between
    (D(2025, 1, 1), TODAY),  # across a year end
    (D(2025, 12, 31), D(2026, 1, 1)),  # two days, two years
    (D(2026, 2, 28), D(2026, 3, 1)),  # two days, two months
    (D(2025, 6, 15), D(2025, 6, 15)),  # one day
    (None, D(2026, 1, 3)),  # early January
    (None, D(2024, 6, 1)),  # before any record
]
AROUND_MARCH = WINDOWS[1:7]  # the windows that touch the imported and moved records
SCOPES = [
    {},
    {"subdistrict": "东风东路街道"},
    {"communities": (("东风路街道", "东风路东社区"), ("东风东路街道", "东风东路西社区"))},
]
TYPE_SETS = [(), ("环境整治",), ("环境整治", "助老扶幼")]


@pytest.fixture
def city(engine):  # type: ignore[no-untyped-def]
    """The TINY city (two years of records) in a fresh database (SQLite and PostgreSQL)."""
    load_city(engine, scale=TINY, today=TODAY)
    return engine


# --------------------------------------------------------------------------- the oracle


def _records(engine) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    """Every record as (date, (街道, 社区), volunteer, 活动类型, hours, 活动名称)."""
    query = select(
        R.service_date, Community.subdistrict, Community.name, R.volunteer_id, R.activity_type,
        R.hours, R.activity_name,
    ).join(Community, Community.id == R.community_id)  # fmt: skip
    with engine.connect() as connection:
        return [(r[0], (r[1], r[2]), r[3], r[4], r[5], r[6]) for r in connection.execute(query)]


def _selected(records, scope: Scope, start: dt.date, types):  # type: ignore[no-untyped-def]
    for day, place, volunteer, kind, hours, name in records:
        if not start <= day <= scope.as_of or (types and kind not in types):
            continue
        if scope.subdistrict and place[0] != scope.subdistrict:
            continue
        if scope.communities and place not in scope.communities:
            continue
        yield day, volunteer, kind, hours, name


def _expected(records, scope: Scope, types) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """By month, by type and the year's active volunteers, counted from the records alone."""
    start = scope.date_from or D(scope.as_of.year, 1, 1)
    months: dict = defaultdict(lambda: [0, 0.0, set()])  # type: ignore[type-arg]
    kinds: dict = defaultdict(lambda: [0, 0.0, set()])  # type: ignore[type-arg]
    activities: dict = defaultdict(lambda: [0, 0.0, set()])  # type: ignore[type-arg]
    for day, volunteer, kind, hours, name in _selected(records, scope, start, types):
        for bucket in (months[(day.year, day.month)], kinds[kind], activities[(name, kind)]):
            bucket[0] += 1
            bucket[1] += hours
            bucket[2].add(volunteer)
    year_start = D(scope.as_of.year, 1, 1)
    active = {v for _, v, _, _, _ in _selected(records, scope, year_start, types)}
    shown = {k: (n, round_amount(h), len(v)) for k, (n, h, v) in months.items()}
    by_kind = {k: (n, round_amount(h), len(v)) for k, (n, h, v) in kinds.items()}
    by_activity = {k: (n, round_amount(h), len(v)) for k, (n, h, v) in activities.items()}
    return {
        "months": shown,
        "types": by_kind,
        "active": len(active),
        "activities": by_activity,
        "top_person_times": sorted((-n, -h) for n, h, _ in by_activity.values())[:TOP_LIMIT],
        "top_hours": sorted((-h, -n) for n, h, _ in by_activity.values())[:TOP_LIMIT],
    }


def _figures(engine, scope: Scope, types) -> dict:  # type: ignore[no-untyped-def, type-arg]
    months = service_by_month(engine, scope, types)
    kinds = service_by_type(engine, scope, types)
    by_people = top_activities(engine, scope, types, "person_times")
    by_hours = top_activities(engine, scope, types, "hours")
    return {
        "months": {(m.year, m.month): (m.person_times, m.hours, m.volunteers) for m in months},
        "types": {g.activity_type: (g.person_times, g.hours, g.volunteers) for g in kinds},
        "active": service_totals(engine, scope, types).active,
        "top": {
            (g.activity_name, g.activity_type): (g.person_times, g.hours, g.volunteers)
            for g in by_people + by_hours
        },
        "top_person_times": [(-g.person_times, -g.hours) for g in by_people],
        "top_hours": [(-g.hours, -g.person_times) for g in by_hours],
    }


def _scope(window, place) -> Scope:  # type: ignore[no-untyped-def]
    return Scope(date_from=window[0], date_to=window[1], **place)


def _assert_exact(engine, windows=WINDOWS, scopes=SCOPES, type_sets=TYPE_SETS) -> None:  # type: ignore[no-untyped-def]
    records = _records(engine)
    for window in windows:
        for place in scopes:
            scope = _scope(window, place)
            for types in type_sets:
                expected = _expected(records, scope, types)
                figures = _figures(engine, scope, types)
                ranked = figures.pop("top")  # each ranked activity's own figures, exactly
                assert ranked == {k: expected["activities"][k] for k in ranked}
                del expected["activities"]
                assert figures == expected, (window, place, types)
            assert (
                volunteer_summary(engine, scope).active == _expected(records, scope, ())["active"]
            )
    with engine.connect() as connection:
        assert rollups.rollups_match(connection)
    assert_city_rollups_equal(engine, records)


def assert_city_rollups_equal(engine, records) -> None:  # type: ignore[no-untyped-def]
    """The whole-city rollups (0008) hold exactly what the records give: per (day, 活动类型)
    the sorted distinct volunteer ids (and per month their union), 人次 and hours (hours to
    1e-6), and per (year, day) how many volunteers served for the first time that year."""
    sets: dict = defaultdict(set)  # type: ignore[type-arg]
    sums: dict = defaultdict(lambda: [0, 0.0])  # type: ignore[type-arg]
    for day, _place, volunteer, kind, hours, _name in records:
        sets[(day, kind)].add(volunteer)
        sums[(day, kind)][0] += 1
        sums[(day, kind)][1] += hours
    with engine.connect() as connection:
        stored_sets = {
            (_date(r[0]), r[1]): np.frombuffer(bytes(r[2]), dtype="<u4").tolist()
            for r in connection.execute(select(rollups.volunteer_day_set))
        }
        stored_months = {
            (_date(r[0]), r[1]): np.frombuffer(bytes(r[2]), dtype="<u4").tolist()
            for r in connection.execute(select(rollups.volunteer_month_set))
        }
        stored_firsts = {
            (r[0], _date(r[1])): r[2]
            for r in connection.execute(select(rollups.volunteer_first_day))
        }
        stored_sums = {
            (_date(r[0]), r[1]): (r[2], r[3])
            for r in connection.execute(select(rollups.service_city_daily))
        }
    assert stored_sets == {key: sorted(ids) for key, ids in sets.items()}
    months: dict = defaultdict(set)  # type: ignore[type-arg]
    for (day, kind), ids in sets.items():
        months[(day.replace(day=1), kind)] |= ids
    assert stored_months == {key: sorted(ids) for key, ids in months.items()}
    firsts: dict = {}  # type: ignore[type-arg]
    for day, _place, volunteer, _kind, _hours, _name in records:
        key = (day.year, volunteer)
        firsts[key] = min(firsts.get(key, day), day)
    newcomers: dict = defaultdict(int)  # type: ignore[type-arg]
    for (year, _volunteer), day in firsts.items():
        newcomers[(year, day)] += 1
    assert stored_firsts == dict(newcomers)
    assert stored_sums.keys() == sums.keys()
    for key, (count, hours) in sums.items():
        assert stored_sums[key][0] == count and abs(stored_sums[key][1] - hours) <= 1e-6, key


def _date(value) -> dt.date:  # type: ignore[no-untyped-def]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}..{w[1]}")
def test_figures_after_the_city_load_equal_the_records(city, window):
    """Every window × scope × type set: 人次, hours and 参与志愿者 per month, per type and
    of the ranked activities (前 10 by 人次 and by hours), and 活跃志愿者, equal what the
    records give."""
    _assert_exact(city, windows=[window])


def test_the_loaded_window_has_data_for_every_kind_of_scope(city):
    """The oracle is not vacuous: the scoped, typed windows do hold volunteers."""
    records = _records(city)
    for place in SCOPES:
        scope = _scope((D(2025, 2, 15), D(2025, 5, 10)), place)
        assert _expected(records, scope, ("环境整治",))["months"]


def _service_csv(rows: list[dict[str, object]]) -> tuple[str, bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "志愿服务.csv", buffer.getvalue().encode("utf-8-sig")


def _service_row(code: str, volunteer: str, day: dt.date, kind: str, place: tuple[str, str]):  # type: ignore[no-untyped-def]
    return {
        "记录编号": code,
        "志愿者编号": volunteer,
        "活动名称": f"测试活动{code}",
        "活动类型": kind,
        "服务日期": day.isoformat(),
        "服务时长(小时)": "2",
        "街道": place[0],
        "社区": place[1],
    }


def _must_import(engine, rows) -> None:  # type: ignore[no-untyped-def]
    result = import_files(engine, [_service_csv(rows)])
    assert result.ok, [str(e) for e in result.errors]


def _volunteer_codes(engine, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        query = select(Volunteer.code).order_by(Volunteer.id).limit(count)
        return list(connection.execute(query).scalars())


PLACE = ("东风路街道", "东风路东社区")
OTHER = ("东风西路街道", "东风西路南社区")
INSIDE = (D(2025, 3, 10), D(2025, 3, 20))


def _count_inside(engine, window=INSIDE, kind: str = "测试类型") -> int:  # type: ignore[no-untyped-def]
    scope = Scope(date_from=window[0], date_to=window[1])
    [month] = service_by_month(engine, scope, (kind,)) or [None]
    return 0 if month is None else month.volunteers


def test_a_window_inside_one_month_counts_only_who_served_in_it(city):
    """Served on the 3rd and 27th only: not in 10–20 March, although the month's first and
    last day lie around it; served also on the 15th: counted once (imported records)."""
    first, second = _volunteer_codes(city, 2)
    _must_import(
        city,
        [
            _service_row("T1", first, D(2025, 3, 3), "测试类型", PLACE),
            _service_row("T2", first, D(2025, 3, 27), "测试类型", PLACE),
            _service_row("T3", second, D(2025, 3, 3), "测试类型", PLACE),
            _service_row("T4", second, D(2025, 3, 15), "测试类型", PLACE),
            _service_row("T5", second, D(2025, 3, 27), "测试类型", PLACE),
        ],
    )
    assert _count_inside(city) == 1
    assert _count_inside(city, (D(2025, 3, 2), D(2025, 3, 4))) == 2
    assert _count_inside(city, (D(2025, 3, 28), D(2025, 3, 30))) == 0
    scope = Scope(date_from=INSIDE[0], date_to=INSIDE[1])
    [kind] = [g for g in service_by_type(city, scope, ("测试类型",))]
    assert (kind.person_times, kind.volunteers) == (1, 1)
    _assert_exact(
        city, windows=AROUND_MARCH, type_sets=[(), ("测试类型",), ("测试类型", "环境整治")]
    )


def test_reimport_that_moves_records_keeps_every_figure_exact(city):
    """Records re-imported under their codes with another day, type and community (the
    rollups must forget where they were): every figure still equals the records."""
    first, second = _volunteer_codes(city, 2)
    _must_import(
        city,
        [
            _service_row("T3", second, D(2025, 3, 3), "测试类型", PLACE),
            _service_row("T4", second, D(2025, 3, 15), "测试类型", PLACE),
            _service_row("T5", second, D(2025, 3, 27), "测试类型", PLACE),
        ],
    )
    assert _count_inside(city) == 1
    _must_import(
        city,
        [
            _service_row("T4", second, D(2025, 4, 15), "助老扶幼", OTHER),
            _service_row("T5", first, D(2025, 3, 12), "测试类型", OTHER),
        ],
    )
    assert _count_inside(city) == 1  # the first volunteer now, in another community
    only_here = Scope(date_from=INSIDE[0], date_to=INSIDE[1], communities=(PLACE,))
    assert service_by_month(city, only_here, ("测试类型",)) == []
    # Existing city records moved: a day later, to another type and community.
    with city.connect() as connection:
        moved = connection.execute(
            select(R.code, Volunteer.code, R.service_date)
            .join(Volunteer, Volunteer.id == R.volunteer_id)
            .where(R.service_date.between(D(2025, 2, 20), D(2025, 3, 25)))
            .order_by(R.id)
            .limit(60)
        ).all()
    _must_import(
        city,
        [
            _service_row(code, volunteer, day + dt.timedelta(days=9), "助老扶幼", OTHER)
            for code, volunteer, day in moved
        ],
    )
    _assert_exact(
        city, windows=AROUND_MARCH, type_sets=[(), ("助老扶幼",), ("测试类型", "助老扶幼")]
    )


def test_a_correction_leaves_the_figures_exact(city):
    """An online correction (a project's status) writes no service record: the rollups stay
    equal to the records and every figure exact."""
    with city.connect() as connection:
        code = connection.execute(
            select(LivelihoodProject.code)
            .where(LivelihoodProject.status == "推进中")
            .order_by(LivelihoodProject.id)
            .limit(1)
        ).scalar_one()
    edit = ProjectEdit(code, 1, {"状态": "已取消"})
    assert corrections.apply_corrections(city, [edit], user="ed").ok
    _assert_exact(city, windows=WINDOWS[:3])


def test_the_demo_load_leaves_the_figures_exact(db_kind, loaded_demo):
    """The first-start demo (``load_demo``) fills the presence rollup with its records."""
    engine = loaded_demo(db_kind, TODAY)  # a copy of load_demo(today=TODAY) on a fresh database
    with engine.connect() as connection:
        assert rollups.presence_matches(connection)
        rows = connection.execute(select(rollups.volunteer_month.c.month).limit(1)).all()
    assert rows
    windows = [(None, TODAY), (D(2026, 3, 10), D(2026, 3, 20)), (D(2025, 11, 15), TODAY)]
    kinds = [(), ("环境整治",)]
    _assert_exact(engine, windows=windows, scopes=[{}], type_sets=kinds)


def test_the_migration_fills_the_presence_of_existing_records(tmp_path):
    """A database with records from before 0007 gets its presence rows when upgraded."""
    engine = old_database(tmp_path, "0005")
    with engine.begin() as connection:
        connection.execute(
            Volunteer.__table__.insert(),
            [
                {"id": i, "code": f"V{i}", "community_id": 1, "registered_on": D(2024, 1, 1)}
                for i in (1, 2)
            ],
        )
        connection.execute(
            R.__table__.insert(),
            [
                {"code": f"S{i}", "volunteer_id": 1 + i % 2, "activity_name": "活动",
                 "activity_type": "环境整治", "service_date": D(2024, 3, 1 + 10 * i),
                 "hours": 1.5, "community_id": 1}
                for i in range(3)
            ],
        )  # fmt: skip
        rollups.rebuild_service(connection)  # what the writers of 0005 kept current
    upgrade_to(engine, "head")
    with engine.connect() as connection:
        rows = connection.execute(
            select(rollups.volunteer_month).order_by(rollups.volunteer_month.c.volunteer_id)
        ).all()
    assert [tuple(row) for row in rows] == [
        (D(2024, 3, 1), 1, 1, "环境整治", D(2024, 3, 1), D(2024, 3, 21)),
        (D(2024, 3, 1), 1, 2, "环境整治", D(2024, 3, 11), D(2024, 3, 11)),
    ]
    scope = Scope(date_from=D(2024, 3, 5), date_to=D(2024, 3, 15))
    assert [m.volunteers for m in service_by_month(engine, scope)] == [1]
    engine.dispose()
