"""The one red/yellow/green rule set and the 序时进度 helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from figures.status import (
    DEFAULT_RULES,
    census_plan_rate,
    fiscal_time_progress,
    status_against,
    volunteer_target_share,
    year_elapsed,
)
from ui import format as fmt


@pytest.mark.parametrize(
    ("achieved", "expected", "status"),
    [
        (0.50, 0.50, "green"),
        (0.60, 0.50, "green"),
        (0.45, 0.50, "yellow"),
        (0.40, 0.50, "yellow"),
        (0.3999, 0.50, "red"),
        (None, 0.50, None),
        (0.5, None, None),
    ],
)
def test_status_against_expected(achieved, expected, status):
    """On or ahead green; up to 10 points behind yellow; further behind red."""
    assert status_against(achieved, expected, DEFAULT_RULES) == status


@pytest.mark.parametrize(
    ("day", "share"),
    [(dt.date(2026, 1, 1), 1 / 365), (dt.date(2026, 12, 31), 1.0), (dt.date(2024, 12, 31), 1.0)],
)
def test_year_elapsed_counts_the_day_itself(day, share):
    """序时进度 by day includes the as-of day; leap years have 366 days."""
    assert year_elapsed(day) == pytest.approx(share)


def test_fiscal_time_progress_is_month_over_twelve():
    """序时进度 of month 6 is one half (contract §3)."""
    assert fiscal_time_progress(6) == 0.5


def test_census_plan_line_is_linear_and_capped():
    """The plan rises linearly from the first day and stops at 100%."""
    start = dt.date(2020, 11, 1)
    assert census_plan_rate(start, start) == pytest.approx(1 / 40)
    assert census_plan_rate(start, dt.date(2020, 11, 20)) == pytest.approx(0.5)
    assert census_plan_rate(start, dt.date(2021, 1, 1)) == 1.0


def test_volunteer_share_of_target():
    """13% of residents registered is the whole target; no residents → unknown."""
    assert volunteer_target_share(130, 1000) == pytest.approx(1.0)
    assert volunteer_target_share(5, 0) is None


@pytest.mark.parametrize(
    ("rate", "progress", "text"),
    [
        (0.662, 0.627, "快于序时进度 3.5 个百分点"),
        (0.40, 0.50, "慢于序时进度 10.0 个百分点"),
        (0.5, 0.5, "与序时进度持平"),
        (None, 0.5, "无序时进度可比"),
    ],
)
def test_pace_phrase(rate, progress, text):
    """The 通报 phrase for a rate against 序时进度."""
    assert fmt.pace_phrase(rate, progress) == text


def test_money_and_percent_formats():
    """万元 with separators; fractions as percent."""
    assert fmt.wan(2167) == "2,167.00 万元"
    assert fmt.pct(0.6667) == "66.7%"
    assert fmt.signed_pct(0.2763) == "+27.6%"
    assert fmt.wan(None) == "—"


@pytest.mark.parametrize(
    ("achieved", "status", "phrase"),
    [
        (0.4996, "green", "与序时进度持平"),
        (0.4994, "yellow", "慢于序时进度 0.1 个百分点"),
    ],
)
def test_a_gap_that_reads_level_is_judged_level(achieved, status, phrase):
    """A card never says 持平 beside 预警: a gap written as 0.0 points is on pace (green)."""
    assert status_against(achieved, 0.50, DEFAULT_RULES) == status
    assert fmt.pace_phrase(achieved, 0.50) == phrase
