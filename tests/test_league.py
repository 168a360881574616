"""社区排名: per-area status from the one rule set, ranks by mean gap, rank change per week."""

from __future__ import annotations

import datetime as dt

import pytest

from figures.census import campaign_start
from figures.league import community_league
from figures.scope import Scope
from tests.report_rows import Rows

AS_OF = dt.date(2026, 6, 30)  # 序时进度 by day: 181/365 = 0.4959
A = ("甲街道", "一社区")
B = ("甲街道", "二社区")
C = ("乙街道", "三社区")


@pytest.fixture
def rows(engine):
    """Three communities: A ahead on projects, B behind, C with no figures at all."""
    r = Rows(engine)
    for _ in range(2):
        r.project(A, "已完成", dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    r.project(B, "推进中", dt.date(2026, 12, 1))
    r.project(B, "已完成", dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    r.project(B, "未启动", dt.date(2026, 6, 1))
    r.community(*C)
    return r


def _by_name(league):
    return {row.community: row for row in league}


def test_livelihood_status_compares_completion_with_year_elapsed(engine, rows):
    """A at 100% is green; B at 1/3 is more than 10 points behind 49.6% → red."""
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["一社区"].livelihood_status == "green"
    assert league["二社区"].livelihood_status == "red"
    assert league["二社区"].overdue == 1


def test_community_without_projects_is_judged_on_what_it_has(engine, rows):
    """No project: no livelihood status; residents with no volunteer registered: red, ranked last."""
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["三社区"].livelihood_status is None
    assert league["三社区"].volunteer_status == "red"
    assert league["三社区"].rank == 3


def test_rank_orders_by_score_and_scope_limits_rows(engine, rows):
    """A ranks above B; a subdistrict scope lists only its own communities."""
    league = community_league(engine, Scope(subdistrict="甲街道", date_to=AS_OF))
    assert [(row.community, row.rank) for row in league] == [("一社区", 1), ("二社区", 2)]


def test_rank_change_compares_with_seven_days_earlier(engine, rows):
    """B overtakes A within the week: B moves up one, A down one."""
    for _ in range(3):
        rows.project(B, "已完成", dt.date(2026, 6, 28), dt.date(2026, 6, 28))
    rows.project(A, "推进中", dt.date(2026, 12, 1))
    rows.project(A, "推进中", dt.date(2026, 12, 1))
    league = _by_name(community_league(engine, Scope(subdistrict="甲街道", date_to=AS_OF)))
    assert league["二社区"].rank == 1 and league["二社区"].rank_change == 1
    assert league["一社区"].rank == 2 and league["一社区"].rank_change == -1


def test_census_status_uses_the_campaign_plan_line(engine, rows):
    """Day 20 of the 40-day plan expects 50%: 45% is yellow, 30% is red."""
    start = dt.date(2026, 6, 11)
    rows.census("核查", A, start, 100, 5)
    rows.census("核查", A, AS_OF, 100, 45)
    rows.census("核查", B, AS_OF, 100, 30)
    assert campaign_start(engine, "核查") == start
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["一社区"].census_expected == pytest.approx(0.5)
    assert league["一社区"].census_status == "yellow"
    assert league["二社区"].census_status == "red"


def test_volunteer_status_against_thirteen_percent_of_residents(engine, rows):
    """130 of 1,000 residents registered is green; 100 (77% of target) is red."""
    for number in range(130):
        rows.volunteer(f"A{number}", A, dt.date(2025, 1, 1))
    for number in range(100):
        rows.volunteer(f"B{number}", B, dt.date(2025, 1, 1))
    league = _by_name(community_league(engine, Scope(date_to=AS_OF)))
    assert league["一社区"].volunteer_status == "green"
    assert league["二社区"].volunteer_status == "red"
