"""The 人口普查 page queries on SQLite and PostgreSQL: campaign figures, curves, increments, pace."""

from __future__ import annotations

import datetime as dt

import pytest
from report_rows import Rows

from figures import census as detail
from figures.census import census_summary
from figures.scope import Scope

AS_OF = dt.date(2020, 11, 20)
START = dt.date(2020, 11, 1)
SCOPE = Scope(date_from=START, date_to=AS_OF)
NOW = "第七次全国人口普查"
OLD = "2019年人口抽样调查"
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
WEST_A = ("西城街道", "丙社区")


def day(n: int) -> dt.date:
    """The campaign's day ``n`` (day 1 = START)."""
    return START + dt.timedelta(days=n - 1)


@pytest.fixture
def rows(engine) -> Rows:  # type: ignore[no-untyped-def]
    return Rows(engine)


@pytest.fixture
def campaign(rows: Rows) -> Rows:
    """Two campaigns; the current one with gaps in the daily rows (cumulative counts)."""
    rows.census(OLD, EAST_A, dt.date(2019, 5, 1), 100, 90, 200)
    # 甲社区: rows on days 1, 5, 13, 20; 乙社区: days 10 and 20; 丙社区 only day 20.
    for n, households in [(1, 10), (5, 40), (13, 70), (20, 100)]:
        rows.census(NOW, EAST_A, day(n), 200, households, households * 3)
    for n, households in [(10, 30), (20, 50)]:
        rows.census(NOW, EAST_B, day(n), 100, households, households * 2)
    rows.census(NOW, WEST_A, day(20), 80, 20, 40)
    return rows


def test_campaign_summary_of_the_current_campaign_equals_the_report(engine, campaign):
    """For the §3 current campaign, every figure equals census_summary's."""
    assert detail.campaign_summary(engine, SCOPE, NOW) == census_summary(engine, SCOPE)


def test_campaign_summary_of_an_older_campaign(engine, campaign):
    """An earlier campaign is summed the same way (latest row per community ≤ as-of)."""
    summary = detail.campaign_summary(engine, SCOPE, OLD)
    assert (summary.expected, summary.registered_households, summary.rate) == (100, 90, 0.9)


def test_campaign_summary_is_none_before_the_campaign(engine, campaign):
    """No row of the campaign dated ≤ as-of: None, not zeros."""
    assert detail.campaign_summary(engine, Scope(date_to=dt.date(2020, 10, 1)), NOW) is None


def test_list_campaigns_puts_the_current_campaign_first(engine, campaign):
    """Campaigns with rows ≤ as-of, latest first; a later campaign is not offered yet."""
    assert detail.list_campaigns(engine, SCOPE) == [NOW, OLD]
    assert detail.list_campaigns(engine, Scope(date_to=dt.date(2020, 1, 1))) == [OLD]


def test_daily_increments_are_row_differences_summed_per_day(engine, campaign):
    """Each community adds its row minus its previous row on the row's day."""
    increments = {i.day: i.households for i in detail.daily_increments(engine, SCOPE, NOW)}
    assert increments == {
        day(1): 10,
        day(5): 30,
        day(10): 30,
        day(13): 30,
        day(20): 30 + 20 + 20,
    }


def test_daily_increments_of_the_week_equal_registered_this_week(engine, campaign):
    """Increments over as-of − 6 … as-of sum to §3's registered_this_week."""
    week = [
        i.households
        for i in detail.daily_increments(engine, SCOPE, NOW)
        if i.day >= AS_OF - dt.timedelta(days=6)
    ]
    assert sum(week) == census_summary(engine, SCOPE).registered_this_week


def test_daily_increments_start_at_date_from_but_difference_earlier_rows(engine, campaign):
    """From day 6 on, day 10 and 13 still count only their own increment."""
    scope = Scope(date_from=day(6), date_to=AS_OF)
    increments = {i.day: i.households for i in detail.daily_increments(engine, scope, NOW)}
    assert increments == {day(10): 30, day(13): 30, day(20): 70}


def test_daily_increments_count_persons_too(engine, campaign):
    """Persons registered per day come from the same differences."""
    first = detail.daily_increments(engine, SCOPE, NOW)[0]
    assert (first.day, first.households, first.persons) == (day(1), 10, 30)


def test_community_pace_compares_with_seven_days_earlier(engine, campaign):
    """Registered at as-of and at as-of − 7 (day 13), 0 for a community without a row then."""
    pace = {
        p.community: (p.registered, p.registered_week_ago)
        for p in detail.community_pace(engine, SCOPE, NOW)
    }
    assert pace == {"甲社区": (100, 70), "乙社区": (50, 30), "丙社区": (20, 0)}


def test_community_pace_follows_the_scope(engine, campaign):
    """A subdistrict filter keeps only its communities."""
    pace = detail.community_pace(engine, Scope(subdistrict="西城街道", date_to=AS_OF), NOW)
    assert [p.community for p in pace] == ["丙社区"]


def test_progress_curves_return_only_the_requested_communities(engine, campaign):
    """Curves of the given (subdistrict, community) pairs, dated date_from … as-of."""
    points = detail.progress_curves(engine, SCOPE, NOW, (EAST_B,))
    assert [(p.community, p.day, p.rate) for p in points] == [
        ("乙社区", day(10), 0.3),
        ("乙社区", day(20), 0.5),
    ]


def test_progress_curves_are_bounded_by_the_dates(engine, campaign):
    """Rows before date_from or after as-of are left out."""
    scope = Scope(date_from=day(2), date_to=day(13))
    points = detail.progress_curves(engine, scope, NOW, (EAST_A,))
    assert [p.day for p in points] == [day(5), day(13)]


def test_progress_curves_without_places_are_empty(engine, campaign):
    """No community asked for: no query result, no error."""
    assert detail.progress_curves(engine, SCOPE, NOW, ()) == []


def test_campaign_start_is_the_earliest_row(engine, campaign):
    """The plan line starts on the campaign's first row."""
    assert detail.campaign_start(engine, NOW) == START
