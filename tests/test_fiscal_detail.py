"""The fiscal page's month sums: windows, subdistrict scope, and agreement with the report."""

from __future__ import annotations

import datetime as dt

import pytest
from report_rows import Rows

from figures.fiscal import (
    MonthAmount,
    fiscal_report,
    month_number,
    monthly_amounts,
    two_year_months,
)
from figures.scope import Scope

GENERAL, TAX, VAT = "一般公共预算收入", "税收收入", "增值税"
EAST, WEST = "东城街道", "西城街道"
AS_OF = dt.date(2020, 6, 30)


@pytest.fixture
def rows(engine) -> Rows:  # type: ignore[no-untyped-def]
    return Rows(engine)


def amounts(result: list[MonthAmount]) -> list[tuple[int, int, str, float]]:
    return [(r.year, r.month, r.item, r.amount) for r in result]


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [(2019, 12, 239), (2020, 1, 240), (2020, 12, 251)],
)
def test_month_number_increases_across_year_ends(year, month, expected):
    """Months count on across a year end (December 2019 is just before January 2020)."""
    assert month_number(year, month) - month_number(2000, 1) == expected


@pytest.mark.parametrize(
    ("subdistrict", "expected"),
    [(None, 30.0), (EAST, 10.0), (WEST, 20.0)],
)
def test_monthly_amounts_sum_the_subdistricts_in_scope(engine, rows, subdistrict, expected):
    """A month's amount is summed over the subdistricts of the scope only."""
    rows.fiscal(EAST, 2020, 3, GENERAL, 10.0)
    rows.fiscal(WEST, 2020, 3, GENERAL, 20.0)
    scope = Scope(subdistrict=subdistrict, date_from=dt.date(2020, 1, 1), date_to=AS_OF)
    assert amounts(monthly_amounts(engine, scope, (GENERAL,))) == [(2020, 3, GENERAL, expected)]


def test_community_choice_does_not_narrow_fiscal_sums(engine, rows):
    """Fiscal rows are per subdistrict: choosing communities leaves the sums unchanged."""
    rows.community(EAST, "甲社区")
    rows.fiscal(EAST, 2020, 3, GENERAL, 10.0)
    scope = Scope(EAST, ((EAST, "甲社区"),), dt.date(2020, 1, 1), AS_OF)
    assert amounts(monthly_amounts(engine, scope, (GENERAL,))) == [(2020, 3, GENERAL, 10.0)]


@pytest.mark.parametrize(
    ("year", "month", "inside"),
    [(2019, 10, False), (2019, 11, True), (2020, 6, True), (2020, 7, False)],
)
def test_monthly_amounts_cover_date_from_month_to_as_of_month(engine, rows, year, month, inside):
    """The window runs from the month of date_from to the month of as-of, across years."""
    rows.fiscal(EAST, year, month, GENERAL, 5.0)
    scope = Scope(date_from=dt.date(2019, 11, 20), date_to=AS_OF)
    assert bool(monthly_amounts(engine, scope, (GENERAL,))) is inside


def test_monthly_amounts_return_only_the_items_asked_for_in_month_order(engine, rows):
    """Other 科目 are left out; months come in calendar order, items in the order asked."""
    for month in (2, 1):
        rows.fiscal(EAST, 2020, month, VAT, 1.0)
        rows.fiscal(EAST, 2020, month, TAX, 2.0)
        rows.fiscal(EAST, 2020, month, GENERAL, 3.0)
    scope = Scope(date_from=dt.date(2020, 1, 1), date_to=AS_OF)
    assert [(r.month, r.item) for r in monthly_amounts(engine, scope, (GENERAL, TAX))] == [
        (1, GENERAL),
        (1, TAX),
        (2, GENERAL),
        (2, TAX),
    ]


def test_two_year_months_stop_at_the_reporting_month_in_both_years(engine, rows):
    """Months 1…M of Y and Y − 1, where M is the latest month of Y with data by as-of."""
    for month in (1, 4, 5):
        rows.fiscal(EAST, 2019, month, GENERAL, 1.0)
    rows.fiscal(EAST, 2020, 4, GENERAL, 2.0)
    rows.fiscal(EAST, 2020, 7, GENERAL, 9.0)  # after as-of: did not exist yet
    result = two_year_months(engine, Scope(date_to=AS_OF), (GENERAL,))
    assert amounts(result) == [
        (2019, 1, GENERAL, 1.0),
        (2019, 4, GENERAL, 1.0),
        (2020, 4, GENERAL, 2.0),
    ]


def test_two_year_months_are_empty_without_a_fiscal_row_in_the_year(engine, rows):
    """No row of the as-of year in scope: no reporting month, nothing to chart."""
    rows.fiscal(EAST, 2019, 3, GENERAL, 1.0)
    assert two_year_months(engine, Scope(date_to=AS_OF), (GENERAL,)) == []


@pytest.mark.parametrize("subdistrict", [None, EAST])
def test_two_year_months_add_up_to_the_report_ytd_and_yoy(engine, rows, subdistrict):
    """This year's months sum to the report's ytd; with last year's they give its yoy."""
    for place, scale in ((EAST, 1.0), (WEST, 2.0)):
        for month in range(1, 7):
            rows.fiscal(place, 2019, month, GENERAL, 10.0 * scale)
            rows.fiscal(place, 2020, month, GENERAL, 12.5 * scale + month)
    scope = Scope(subdistrict=subdistrict, date_to=AS_OF)
    report = fiscal_report(engine, scope)
    months = two_year_months(engine, scope, (GENERAL,))
    this_year = sum(r.amount for r in months if r.year == 2020)
    last_year = sum(r.amount for r in months if r.year == 2019)
    report_items = [i for i in report.items if i.item == GENERAL]
    assert this_year == pytest.approx(sum(i.ytd for i in report_items))
    if subdistrict:
        assert round(this_year / last_year - 1, 4) == report_items[0].yoy
