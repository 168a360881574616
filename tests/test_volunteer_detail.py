"""The volunteers page's queries: same figures as the report, type filter, windows, top lists."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from report_rows import Rows

from figures import volunteers as vd
from figures.scope import Scope
from figures.volunteers import volunteer_summary
from storage.models import ServiceRecord
from storage.rollups import refresh_service

AS_OF = dt.date(2020, 6, 30)
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
WEST_C = ("西城街道", "丙社区")
PATROL, CLEAN = "平安巡逻", "环境整治"
_serial = itertools.count(1)


class ServiceRows(Rows):
    """Rows with service records that name their activity and type."""

    def record(
        self,
        code: str,
        place: tuple[str, str],
        day: dt.date,
        hours: float = 2.0,
        kind: str = PATROL,
        name: str = "巡逻",
    ) -> None:
        community_id = self.community(*place)
        self._insert(
            ServiceRecord,
            code=f"S{next(_serial):06d}",
            volunteer_id=self._volunteer_ids[code],
            activity_name=name,
            activity_type=kind,
            service_date=day,
            hours=hours,
            community_id=community_id,
        )
        with self.engine.begin() as connection:  # every writer keeps the rollups current
            refresh_service(connection, [(day, community_id, self._volunteer_ids[code])])


def days(n: int) -> dt.date:
    return AS_OF + dt.timedelta(days=n)


@pytest.fixture
def rows(engine) -> ServiceRows:  # type: ignore[no-untyped-def]
    data = ServiceRows(engine)
    data.volunteer("V1", EAST_A, dt.date(2019, 5, 1))
    data.volunteer("V2", EAST_B, dt.date(2020, 2, 1))
    data.volunteer("V3", WEST_C, dt.date(2020, 3, 1))
    return data


@pytest.fixture
def mixed(rows: ServiceRows) -> ServiceRows:
    """Records of both types, in the week, last week, earlier this year, last year and later."""
    rows.record("V1", EAST_A, days(0), 1.5, PATROL)
    rows.record("V1", EAST_A, days(-8), 2.0, CLEAN)
    rows.record("V2", EAST_B, days(-60), 3.0, CLEAN)
    rows.record("V3", WEST_C, days(-3), 4.0, PATROL)
    rows.record("V2", EAST_A, dt.date(2019, 12, 30), 5.0, PATROL)  # last year
    rows.record("V3", WEST_C, days(1), 6.0, PATROL)  # after as-of
    return rows


SCOPES = [
    Scope(date_to=AS_OF),
    Scope("东城街道", (), None, AS_OF),
    Scope("东城街道", (("东城街道", "乙社区"),), None, AS_OF),
]


@pytest.mark.parametrize("scope", SCOPES, ids=["all", "east", "east-b"])
def test_totals_without_a_type_filter_equal_the_report(engine, mixed, scope):
    """人次, hours, active and both weeks are the report's figures for the same scope."""
    summary = volunteer_summary(engine, scope)
    totals = vd.service_totals(engine, scope)
    assert (
        totals.person_times,
        totals.hours,
        totals.active,
        totals.hours_this_week,
        totals.hours_last_week,
    ) == (
        summary.person_times,
        summary.hours,
        summary.active,
        summary.hours_this_week,
        summary.hours_last_week,
    )


@pytest.mark.parametrize("scope", SCOPES, ids=["all", "east", "east-b"])
def test_by_community_without_a_type_filter_equals_the_report(engine, mixed, scope):
    """Per community 人次 and hours equal the report's by_community (where there is service)."""
    expected = [
        (r.subdistrict, r.community, r.person_times, r.hours)
        for r in volunteer_summary(engine, scope).by_community
        if r.person_times
    ]
    got = [
        (r.subdistrict, r.community, r.person_times, r.hours)
        for r in vd.service_by_community(engine, scope)
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("types", "person_times", "hours", "this_week", "last_week"),
    [
        ((PATROL,), 2, 5.5, 5.5, 0.0),
        ((CLEAN,), 2, 5.0, 0.0, 2.0),
        ((PATROL, CLEAN), 4, 10.5, 5.5, 2.0),
    ],
)
def test_totals_count_only_the_chosen_activity_types(
    engine, mixed, types, person_times, hours, this_week, last_week
):
    """The 活动类型 filter narrows every service figure to records of those types."""
    totals = vd.service_totals(engine, Scope(date_to=AS_OF), types)
    assert (totals.person_times, totals.hours, totals.hours_this_week, totals.hours_last_week) == (
        person_times,
        hours,
        this_week,
        last_week,
    )


def test_population_lists_every_community_in_scope_even_without_volunteers(engine, rows):
    """The ranking's base: communities of the scope with their residents, none left out."""
    rows.community("东城街道", "丁社区")
    got = vd.community_population(engine, Scope("东城街道", (), None, AS_OF))
    assert [(r.community, r.population) for r in got] == [
        ("丁社区", 1000),
        ("乙社区", 1000),
        ("甲社区", 1000),
    ]


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (dt.date(2019, 11, 30), False),
        (dt.date(2019, 12, 1), True),
        (AS_OF, True),
        (days(1), False),
    ],
)
def test_months_cover_date_from_to_as_of(engine, rows, day, inside):
    """The monthly series starts on date_from and ends on as-of, across the year end."""
    rows.record("V1", EAST_A, day)
    scope = Scope(date_from=dt.date(2019, 12, 1), date_to=AS_OF)
    assert bool(vd.service_by_month(engine, scope)) is inside


def test_months_group_by_calendar_month_across_years(engine, rows):
    """One row per (year, month), in calendar order, with 人次, hours and distinct volunteers."""
    rows.record("V1", EAST_A, dt.date(2019, 12, 31), 1.0)
    rows.record("V1", EAST_A, dt.date(2020, 1, 1), 2.0)
    rows.record("V1", EAST_A, dt.date(2020, 1, 31), 3.0)
    rows.record("V2", EAST_B, dt.date(2020, 1, 15), 4.0)
    scope = Scope(date_from=dt.date(2019, 12, 1), date_to=AS_OF)
    got = [
        (m.year, m.month, m.person_times, m.hours, m.volunteers)
        for m in vd.service_by_month(engine, scope)
    ]
    assert got == [(2019, 12, 1, 1.0, 1), (2020, 1, 3, 9.0, 2)]


def test_months_without_date_from_start_on_the_first_of_january(engine, rows):
    """A scope without date_from charts the as-of year only."""
    rows.record("V1", EAST_A, dt.date(2019, 12, 31))
    rows.record("V1", EAST_A, dt.date(2020, 1, 1))
    assert [(m.year, m.month) for m in vd.service_by_month(engine, Scope(date_to=AS_OF))] == [
        (2020, 1)
    ]


def test_by_type_sums_each_type_most_person_times_first(engine, mixed):
    """Types in the window with their 人次 and hours, the busiest first (then most hours)."""
    scope = Scope(date_from=dt.date(2020, 1, 1), date_to=AS_OF)
    got = [(g.activity_type, g.person_times, g.hours) for g in vd.service_by_type(engine, scope)]
    assert got == [(PATROL, 2, 5.5), (CLEAN, 2, 5.0)]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope(date_from=dt.date(2020, 1, 1), date_to=AS_OF), sorted([CLEAN, PATROL])),
        (Scope("东城街道", (("东城街道", "乙社区"),), dt.date(2020, 1, 1), AS_OF), [CLEAN]),
        (Scope(date_from=days(-7), date_to=days(-1)), [PATROL]),
    ],
    ids=["all", "one-community", "week-before-as-of"],
)
def test_activity_types_lists_the_types_in_window_and_scope(engine, mixed, scope, expected):
    """The filter offers the types that occur in the window and scope only."""
    assert vd.activity_types(engine, scope) == expected


@pytest.fixture
def activities(rows: ServiceRows) -> ServiceRows:
    """Four activities: 人次 3, 2, 2 (a tie broken by name) and 1, with different hours."""
    for _ in range(3):
        rows.record("V1", EAST_A, days(-5), 1.0, PATROL, "丙活动")
    for _ in range(2):
        rows.record("V2", EAST_B, days(-5), 4.0, CLEAN, "乙活动")
        rows.record("V3", WEST_C, days(-5), 1.0, CLEAN, "甲活动")
    rows.record("V1", EAST_A, days(-5), 9.0, PATROL, "丁活动")
    return rows


@pytest.mark.parametrize(
    ("measure", "limit", "expected"),
    [
        ("person_times", 10, ["丙活动", "乙活动", "甲活动", "丁活动"]),
        ("person_times", 2, ["丙活动", "乙活动"]),
        ("hours", 3, ["丁活动", "乙活动", "丙活动"]),
    ],
)
def test_top_activities_order_by_the_measure_and_stop_at_the_limit(
    engine, activities, measure, limit, expected
):
    """Most 人次 (or hours) first; ties broken by hours, then name; at most ``limit`` rows."""
    scope = Scope(date_from=dt.date(2020, 1, 1), date_to=AS_OF)
    got = vd.top_activities(engine, scope, (), measure, limit)
    assert [g.activity_name for g in got] == expected


def test_top_activities_break_full_ties_by_name_in_code_point_order(engine, rows):
    """Equal 人次 and hours: names in code-point order, the same on SQLite and PostgreSQL."""
    for name in ("乙", "甲", "A", "b"):
        rows.record("V1", EAST_A, days(-1), 1.0, PATROL, name)
    scope = Scope(date_from=dt.date(2020, 1, 1), date_to=AS_OF)
    assert [g.activity_name for g in vd.top_activities(engine, scope)] == ["A", "b", "乙", "甲"]


def test_top_activities_reject_an_unknown_measure(engine):
    """Only 人次 and hours can rank activities."""
    with pytest.raises(ValueError, match="未知的排序指标"):
        vd.top_activities(engine, Scope(date_to=AS_OF), (), "names")
