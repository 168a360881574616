"""The 人口普查 and 财政税收 rollups of 0012 (``rollup_census_daily``, ``rollup_fiscal_ytd``,
``rollup_fiscal_city_month``) on SQLite and PostgreSQL: the figures read from them equal the
same figures read from the rows, and every writer (demo, importer, migration) keeps them
equal to the rows; a write without the refresh shows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from demo.city import TINY, load_city
from figures import census, fiscal
from figures.scope import Scope
from ingest import importer
from ingest.importer import import_files
from storage import rollups
from storage.models import CensusProgress, Community, FiscalMonthly
from tests.migration_steps import old_database, upgrade_to
from tests.test_import import CENSUS, COMMUNITIES, FISCAL, table_file

TODAY = dt.date(2026, 11, 22)
D = dt.date
AS_OF_DAYS = [TODAY, TODAY - dt.timedelta(days=9), D(2026, 3, 15), D(2025, 12, 31)]
ITEMS = ("一般公共预算收入", "税收收入")


@pytest.fixture
def city(engine):  # type: ignore[no-untyped-def]
    """The TINY city in a fresh database (SQLite and PostgreSQL)."""
    load_city(engine, scale=TINY, today=TODAY)
    return engine


def _every_community(engine, subdistrict: str | None = None) -> tuple[tuple[str, str], ...]:  # type: ignore[no-untyped-def]
    query = select(Community.subdistrict, Community.name)
    if subdistrict:
        query = query.where(Community.subdistrict == subdistrict)
    with engine.connect() as connection:
        return tuple((row[0], row[1]) for row in connection.execute(query))


def _census_figures(engine, scope: Scope) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    campaigns = census.list_campaigns(engine, scope)
    current = census.census_summary(engine, scope)
    per_campaign = [
        (
            census.campaign_summary(engine, scope, campaign),
            census.daily_increments(engine, scope, campaign),
            census.community_pace(engine, scope, campaign),
        )
        for campaign in campaigns
    ]
    return campaigns, current, per_campaign


def _subdistrict(engine) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(Community.subdistrict).limit(1)).scalar_one()


def test_census_figures_of_the_rollup_equal_those_of_the_rows(city):
    """Two roads to the same numbers: the rollup (no community chosen) and the rows (every
    community of the scope chosen by name), for the city and for one subdistrict."""
    subdistrict = _subdistrict(city)
    for as_of in AS_OF_DAYS:
        for place in (None, subdistrict):
            whole = Scope(subdistrict=place, date_from=D(2026, 1, 1), date_to=as_of)
            listed = Scope(
                subdistrict=place,
                communities=_every_community(city, place),
                date_from=D(2026, 1, 1),
                date_to=as_of,
            )
            assert _census_figures(city, whole) == _census_figures(city, listed), (as_of, place)
    summary = census.census_summary(city, Scope(date_to=TODAY))
    assert summary is not None and summary.registered_households > 0  # not vacuous


def _fiscal_by_rows(engine, scope: Scope) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Each item's month, 累计 and base of last year summed from ``fiscal_monthly`` itself."""
    month = fiscal.reporting_month(engine, scope)
    year, m = scope.as_of.year, FiscalMonthly
    sums: dict = {}  # type: ignore[type-arg]
    with engine.connect() as connection:
        rows = connection.execute(
            select(m.subdistrict, m.item, m.year, m.month, m.amount).where(
                m.year.in_((year, year - 1)),
                m.month <= month,
                scope.subdistrict_clause(m.subdistrict),
            )
        )
        for row in rows:
            this_month, ytd, prior = sums.get((row.subdistrict, row.item), (0.0, 0.0, None))
            if row.year == year:
                ytd += row.amount
                this_month += row.amount if row.month == month else 0.0
            else:
                prior = (prior or 0.0) + row.amount
            sums[(row.subdistrict, row.item)] = (this_month, ytd, prior)
    return sums


def _fiscal_of_report(report) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return {(i.subdistrict, i.item): (i.month_amount, i.ytd) for i in report.items}


def test_fiscal_figures_of_the_rollups_equal_sums_of_the_rows(city):
    """Every item's month and 累计 (to the cent) and its 同比; the whole city's months."""
    subdistrict = _subdistrict(city)
    for as_of in AS_OF_DAYS:
        for place in (None, subdistrict):
            scope = Scope(subdistrict=place, date_from=D(2025, 1, 1), date_to=as_of)
            report = fiscal.fiscal_report(city, scope)
            expected = _fiscal_by_rows(city, scope)
            shown = _fiscal_of_report(report)
            assert set(expected) <= set(shown)
            for key, (this_month, ytd, prior) in expected.items():
                assert shown[key] == (round(this_month, 2), round(ytd, 2)), key
                item = next(i for i in report.items if (i.subdistrict, i.item) == key)
                assert (item.yoy is None) == (not prior), key
            every = Scope(subdistrict=subdistrict, date_from=D(2025, 1, 1), date_to=as_of)
            assert fiscal.monthly_amounts(city, every, ITEMS)  # not vacuous
    city_months = fiscal.monthly_amounts(city, Scope(date_from=D(2025, 1, 1), date_to=TODAY), ITEMS)
    with city.connect() as connection:
        f = FiscalMonthly
        rows = connection.execute(
            select(f.year, f.month, f.item, f.amount).where(f.item.in_(ITEMS), f.year >= 2025)
        ).all()
    by_month: dict = {}  # type: ignore[type-arg]
    for row in rows:
        key = (row.year, row.month, row.item)
        by_month[key] = by_month.get(key, 0.0) + row.amount
    in_window = {k: round(v, 2) for k, v in by_month.items() if (k[0], k[1]) <= (2026, 11)}
    assert {(m.year, m.month, m.item): m.amount for m in city_months} == in_window


def test_importer_keeps_the_figure_rollups_exact(city):
    """New and updated census and fiscal rows through the importer: rollups equal the rows."""
    with city.connect() as connection:
        assert rollups.figure_rollups_match(connection)
        campaign = connection.execute(select(CensusProgress.campaign).limit(1)).scalar_one()
    communities = COMMUNITIES
    census_rows = [
        {**CENSUS, "任务名称": campaign, "日期": day, "已登记户数": households}
        for day, households in (("2026-11-01", "1200"), ("2026-11-20", "1500"))
    ]
    fiscal_rows = [
        {**FISCAL, "月份": month, "当月金额(万元)": amount}
        for month, amount in (("2026-01", "120.5"), ("2026-03", "80.25"), ("2025-02", "7"))
    ]
    files = [
        communities,
        table_file("普查.csv", *census_rows),
        table_file("财政.csv", *fiscal_rows),
    ]
    assert import_files(city, files).ok
    changed = [{**census_rows[1], "已登记户数": "1800"}]
    moved = [{**fiscal_rows[0], "当月金额(万元)": "99"}]
    assert import_files(city, [table_file("普查.csv", *changed), table_file("财政.csv", *moved)]).ok
    with city.connect() as connection:
        assert rollups.figure_rollups_match(connection)
        assert rollups.rollups_match(connection)
    summary = census.campaign_summary(city, Scope(subdistrict="城关街道", date_to=TODAY), campaign)
    assert summary is not None and summary.registered_households == 1800


def test_an_import_without_the_refresh_leaves_the_rollups_wrong(city, monkeypatch):
    """Not vacuous: with the importer's refresh switched off the same check fails."""
    monkeypatch.setattr(importer.rollups, "refresh_figures", lambda *args, **kwargs: None)
    with city.connect() as connection:
        campaign = connection.execute(select(CensusProgress.campaign).limit(1)).scalar_one()
    files = [
        COMMUNITIES,
        table_file("普查.csv", {**CENSUS, "任务名称": campaign, "日期": "2026-11-01"}),
        table_file("财政.csv", {**FISCAL, "月份": "2026-02"}),
    ]
    assert import_files(city, files).ok
    with city.connect() as connection:
        assert not rollups.figure_rollups_match(connection)


def test_a_row_written_without_the_refresh_shows(city):
    """Each rollup is checked: an update of one census row or one fiscal amount shows."""
    for table, change in (
        (CensusProgress, {"registered_households": 1}),
        (FiscalMonthly, {"amount": 123456.0}),
    ):
        with city.begin() as connection:
            first = connection.execute(select(table.id).limit(1)).scalar_one()
            connection.execute(update(table).where(table.id == first).values(**change))
        with city.connect() as connection:
            assert not rollups.figure_rollups_match(connection), table
        with city.begin() as connection:
            rollups.rebuild_figures(connection)
            assert rollups.figure_rollups_match(connection)


def test_migration_0012_fills_the_figure_rollups_of_existing_rows(tmp_path):
    """A database with census and fiscal rows at 0009 gets its rollups when upgraded."""
    engine = old_database(tmp_path, "0009")
    with engine.begin() as connection:
        connection.execute(
            CensusProgress.__table__.insert(),
            [
                {"campaign": "普查", "community_id": 1, "day": D(2026, 11, n),
                 "expected_households": 100, "registered_households": 10 * n,
                 "registered_persons": 20 * n}
                for n in (1, 3, 8)
            ],
        )  # fmt: skip
        connection.execute(
            FiscalMonthly.__table__.insert(),
            [
                {"subdistrict": "甲街道", "year": 2026, "month": m, "item": "税收收入",
                 "amount": 1.5 * m}
                for m in (2, 3, 5)
            ],
        )  # fmt: skip
    upgrade_to(engine, "head")
    with engine.connect() as connection:
        assert rollups.figure_rollups_match(connection)
    summary = census.census_summary(engine, Scope(date_to=D(2026, 11, 9)))
    assert summary is not None
    assert (summary.registered_households, summary.registered_this_week) == (80, 70)
    report = fiscal.fiscal_report(engine, Scope(date_to=D(2026, 4, 30)))
    assert report is not None
    assert [(i.month_amount, i.ytd) for i in report.items] == [(4.5, 7.5)]
    engine.dispose()
