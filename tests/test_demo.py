"""The demo data: published figures at their dates, contract §1 rules, alive today, repeatable.

Read-only checks share one loaded database per (database kind, today) for speed; the
reload checks use the fresh per-test ``engine``. Every figure is computed with plain SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DatabaseTemplates, _drop_pg_database
from sqlalchemy import Engine, and_, distinct, func, or_, select
from sqlalchemy.orm import aliased

from demo.anchors import (
    CENSUS_2020_CAMPAIGN,
    SHUIYUAN_PROJECT,
    SMALL_SUBDISTRICTS,
    WENHUALU_2012_GENERAL,
)
from demo.subdistricts import build_demo, fiscal_rows, load_demo
from storage.db import get_engine, make_engine
from storage.models import (
    CensusProgress,
    Community,
    FiscalMonthly,
    FiscalTarget,
    ImportBatch,
    LivelihoodProject,
    ServiceRecord,
    Volunteer,
)

TODAY = dt.date(2026, 11, 22)
# The first days of a year: the current campaign, the fiscal year and the year's projects
# have barely started, yet the demo must still look alive.
EARLY_TODAY = dt.date(2025, 1, 4)
SUBDISTRICTS = [spec.name for spec in SMALL_SUBDISTRICTS]


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def demo_db_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module", params=[TODAY, EARLY_TODAY], ids=str)
def loaded(
    request: pytest.FixtureRequest,
    demo_db_kind: str,
    db_templates: DatabaseTemplates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, dt.date]]:
    """A database with the small demo loaded as of a fixed ``today`` (shared by the module):
    a copy of what ``load_demo`` wrote into a fresh database of that kind (``db_templates``)."""
    today: dt.date = request.param
    folder = Path(tmp_path_factory.mktemp("demo"))
    key, build = db_templates.demo(today)
    url, pg_name = db_templates.copy(demo_db_kind, key, build, folder / "demo.db")
    engine = make_engine(url)
    yield engine, today
    engine.dispose()
    if pg_name:
        _drop_pg_database(pg_name)


def scalar(engine: Engine, query) -> object:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def in_subdistrict(subdistrict: str, *communities: str):  # type: ignore[no-untyped-def]
    """Community ids of a subdistrict (optionally only the named communities), as a subquery."""
    query = select(Community.id).where(Community.subdistrict == subdistrict)
    if communities:
        query = query.where(Community.name.in_(communities))
    return query


# ---------------------------------------------------------------- published figures


def test_huayuanlu_has_ten_communities_with_75700_residents(loaded):
    """花园路街道: 10 communities incl. 通信花园社区, 常住人口 75,700 in total."""
    engine, _ = loaded
    query = select(func.count(), func.sum(Community.population)).where(
        Community.subdistrict == "花园路街道"
    )
    with engine.connect() as conn:
        count, population = conn.execute(query).one()
        names = set(conn.execute(select(Community.name)).scalars())
    assert (count, population) == (10, 75_700)
    assert "通信花园社区" in names


def test_census_2020_has_a_row_per_community_and_day_nov_1_to_dec_10(loaded):
    """第七次全国人口普查: 40 daily rows for each of 花园路's 10 communities."""
    engine, _ = loaded
    query = select(
        func.count(),
        func.count(distinct(CensusProgress.community_id)),
        func.min(CensusProgress.day),
        func.max(CensusProgress.day),
    ).where(
        CensusProgress.campaign == CENSUS_2020_CAMPAIGN,
        CensusProgress.community_id.in_(in_subdistrict("花园路街道")),
    )
    with engine.connect() as conn:
        rows, communities, first, last = conn.execute(query).one()
    assert (rows, communities) == (400, 10)
    assert (first, last) == (dt.date(2020, 11, 1), dt.date(2020, 12, 10))


def test_census_2020_ends_at_about_full_registration(loaded):
    """On 2020-12-10 花园路 has registered ≥ 99.5 % of households and ~75,700 persons."""
    engine, _ = loaded
    query = select(
        func.sum(CensusProgress.registered_households),
        func.sum(CensusProgress.expected_households),
        func.sum(CensusProgress.registered_persons),
    ).where(
        CensusProgress.campaign == CENSUS_2020_CAMPAIGN,
        CensusProgress.day == dt.date(2020, 12, 10),
        CensusProgress.community_id.in_(in_subdistrict("花园路街道")),
    )
    with engine.connect() as conn:
        registered, expected, persons = conn.execute(query).one()
    assert 0.995 <= registered / expected <= 1.0
    assert 0.995 * 75_700 <= persons <= 75_700


@pytest.mark.parametrize(
    ("community", "items", "done_by_june"),
    [("育英街社区", 11, 9), ("货场路社区", 10, 8)],
)
def test_xinhualu_2020_livelihood_items_done_by_june_30(loaded, community, items, done_by_june):
    """新华路 2020 民生实事: 育英街 11 items (9 done by 06-30), 货场路 10 (8 done)."""
    engine, _ = loaded
    of_community = and_(
        LivelihoodProject.year == 2020,
        LivelihoodProject.status != "已取消",
        LivelihoodProject.community_id.in_(in_subdistrict("新华路街道", community)),
    )
    done = and_(
        of_community,
        LivelihoodProject.status == "已完成",
        LivelihoodProject.completed_on <= dt.date(2020, 6, 30),
    )
    total = scalar(engine, select(func.count()).where(of_community))
    completed = scalar(engine, select(func.count()).where(done))
    assert (total, completed) == (items, done_by_june)


def test_shuiyuan_project_is_an_old_estate_renovation_of_120_wan(loaded):
    """水苑小区综合整治: 类别 老旧小区改造, 投资金额 120 万元, in 新华路街道."""
    engine, _ = loaded
    query = (
        select(LivelihoodProject.category, LivelihoodProject.investment, Community.subdistrict)
        .join(Community, Community.id == LivelihoodProject.community_id)
        .where(LivelihoodProject.name == SHUIYUAN_PROJECT)
    )
    with engine.connect() as conn:
        assert conn.execute(query).all() == [("老旧小区改造", 120.0, "新华路街道")]


@pytest.mark.parametrize(
    ("subdistrict", "year", "last_month", "item", "total"),
    [
        ("新华路街道", 2020, 6, "一般公共预算收入", 2_167.0),
        ("新华路街道", 2020, 6, "税收收入", 2_162.0),
        ("文化路街道", 2013, 12, "一般公共预算收入", 70_119.0),
        ("文化路街道", 2012, 12, "一般公共预算收入", WENHUALU_2012_GENERAL),
    ],
)
def test_published_fiscal_totals(loaded, subdistrict, year, last_month, item, total):
    """Months 1…n of the published year sum exactly to the published figure (万元)."""
    engine, _ = loaded
    query = select(func.sum(FiscalMonthly.amount)).where(
        FiscalMonthly.subdistrict == subdistrict,
        FiscalMonthly.year == year,
        FiscalMonthly.month <= last_month,
        FiscalMonthly.item == item,
    )
    assert round(scalar(engine, query), 2) == total


def test_wenhualu_2013_revenue_grew_27_63_percent(loaded):
    """文化路 2013 一般公共预算收入 is +27.63 % on 2012 (rounded to 4 decimals)."""
    engine, _ = loaded

    def year_total(year: int) -> float:
        return scalar(
            engine,
            select(func.sum(FiscalMonthly.amount)).where(
                FiscalMonthly.subdistrict == "文化路街道",
                FiscalMonthly.year == year,
                FiscalMonthly.item == "一般公共预算收入",
            ),
        )

    assert round(year_total(2013) / year_total(2012) - 1, 4) == 0.2763


@pytest.mark.parametrize(("subdistrict", "year"), [("新华路街道", 2020), ("文化路街道", 2013)])
def test_published_fiscal_years_have_comparison_months_and_targets(loaded, subdistrict, year):
    """The year before a published year has all 12 months (for yoy) and the year has targets."""
    engine, _ = loaded
    months = select(func.count(distinct(FiscalMonthly.month))).where(
        FiscalMonthly.subdistrict == subdistrict, FiscalMonthly.year == year - 1
    )
    targets = select(func.count()).where(
        FiscalTarget.subdistrict == subdistrict,
        FiscalTarget.year == year,
        FiscalTarget.item.in_(["一般公共预算收入", "税收收入"]),
    )
    assert (scalar(engine, months), scalar(engine, targets)) == (12, 2)


def _wenhualu_2013_services():  # type: ignore[no-untyped-def]
    return and_(
        ServiceRecord.service_date.between(dt.date(2013, 1, 1), dt.date(2013, 12, 31)),
        ServiceRecord.community_id.in_(in_subdistrict("文化路街道")),
    )


@pytest.mark.parametrize(
    ("measure", "check"),
    [
        (func.count(distinct(ServiceRecord.activity_name)), lambda v: v >= 510),
        (func.count(), lambda v: v == 6_965),
        (func.sum(ServiceRecord.hours), lambda v: round(v, 1) == 16_804.0),
    ],
    ids=["activities>=510", "person_times=6965", "hours=16804"],
)
def test_wenhualu_2013_volunteer_service(loaded, measure, check):
    """文化路 2013: 510+ activities, 6,965 person-times, 16,804 hours."""
    engine, _ = loaded
    assert check(scalar(engine, select(measure).where(_wenhualu_2013_services())))


# ---------------------------------------------------------------- contract §1 rules


def test_completion_date_is_set_exactly_when_completed(loaded):
    """完成日期 is present for 已完成 and empty for every other 状态."""
    engine, _ = loaded
    inconsistent = or_(
        and_(LivelihoodProject.status == "已完成", LivelihoodProject.completed_on.is_(None)),
        and_(LivelihoodProject.status != "已完成", LivelihoodProject.completed_on.is_not(None)),
        LivelihoodProject.status.not_in(["未启动", "推进中", "已完成", "已取消"]),
    )
    assert scalar(engine, select(func.count()).where(inconsistent)) == 0


def test_no_completion_lies_in_the_future(loaded):
    """A project is only recorded as completed on or before today."""
    engine, today = loaded
    query = select(func.count()).where(LivelihoodProject.completed_on > today)
    assert scalar(engine, query) == 0


def test_service_hours_are_in_range_with_one_decimal(loaded):
    """服务时长 is in (0, 24] with at most one decimal."""
    engine, _ = loaded
    tenths = ServiceRecord.hours * 10
    bad = or_(
        ServiceRecord.hours <= 0,
        ServiceRecord.hours > 24,
        func.abs(tenths - func.round(tenths)) > 1e-6,
    )
    assert scalar(engine, select(func.count()).where(bad)) == 0


def test_census_counts_never_go_down(loaded):
    """普查进度 is cumulative: no later row of a community has fewer registrations."""
    engine, _ = loaded
    later = aliased(CensusProgress)
    query = select(func.count()).where(
        later.campaign == CensusProgress.campaign,
        later.community_id == CensusProgress.community_id,
        later.day > CensusProgress.day,
        or_(
            later.registered_households < CensusProgress.registered_households,
            later.registered_persons < CensusProgress.registered_persons,
        ),
    )
    assert scalar(engine, query) == 0


def test_census_never_registers_more_than_expected(loaded):
    """已登记户数 stays within 应登记户数 (no warnings in the demo)."""
    engine, _ = loaded
    query = select(func.count()).where(
        CensusProgress.registered_households > CensusProgress.expected_households
    )
    assert scalar(engine, query) == 0


def test_tax_types_add_up_to_tax_revenue_every_month(loaded):
    """Each month the tax types sum to 税收收入, which never exceeds 一般公共预算收入."""
    engine, _ = loaded

    def amount_of(condition):  # type: ignore[no-untyped-def]
        return func.sum(func.coalesce(FiscalMonthly.amount, 0)).filter(condition)

    general = amount_of(FiscalMonthly.item == "一般公共预算收入")
    tax = amount_of(FiscalMonthly.item == "税收收入")
    types = amount_of(FiscalMonthly.item.not_in(["一般公共预算收入", "税收收入"]))
    months = (
        select(general.label("general"), tax.label("tax"), types.label("types"))
        .group_by(FiscalMonthly.subdistrict, FiscalMonthly.year, FiscalMonthly.month)
        .subquery()
    )
    bad = or_(func.abs(months.c.tax - months.c.types) > 0.005, months.c.tax > months.c.general)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(months)).scalar_one()
        wrong = conn.execute(select(func.count()).select_from(months).where(bad)).scalar_one()
    assert total > 0 and wrong == 0


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (FiscalMonthly, FiscalMonthly.amount),
        (FiscalTarget, FiscalTarget.target),
        (LivelihoodProject, LivelihoodProject.investment),
        (LivelihoodProject, LivelihoodProject.beneficiary_households),
        (CensusProgress, CensusProgress.registered_persons),
        (Community, Community.households),
    ],
    ids=lambda v: getattr(v, "key", getattr(v, "__tablename__", "")),
)
def test_numbers_are_non_negative(loaded, model, column):
    """Amounts and counts are never negative."""
    engine, _ = loaded
    assert scalar(engine, select(func.count()).select_from(model).where(column < 0)) == 0


def test_volunteers_serve_only_after_registering(loaded):
    """No 志愿服务 record is dated before its volunteer's 注册日期."""
    engine, _ = loaded
    query = (
        select(func.count())
        .select_from(ServiceRecord)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(ServiceRecord.service_date < Volunteer.registered_on)
    )
    assert scalar(engine, query) == 0


@pytest.mark.parametrize("subdistrict", SUBDISTRICTS)
def test_each_subdistrict_registers_5_to_20_percent_of_residents(loaded, subdistrict):
    """Registered volunteers are a plausible share of residents (the benchmark is 13%)."""
    engine, _ = loaded
    query = select(func.count()).where(Volunteer.community_id.in_(in_subdistrict(subdistrict)))
    residents = select(func.sum(Community.population)).where(Community.subdistrict == subdistrict)
    assert 0.05 <= scalar(engine, query) / scalar(engine, residents) <= 0.20


def test_volunteer_codes_are_unique(loaded):
    """志愿者编号 is a key: as many distinct codes as volunteers."""
    engine, _ = loaded
    query = select(func.count(), func.count(distinct(Volunteer.code)))
    with engine.connect() as conn:
        count, codes = conn.execute(query).one()
    assert count == codes > 0


def test_every_row_belongs_to_the_demo_batch(loaded):
    """All rows point at one ImportBatch written by the demo from "demo:small"."""
    engine, _ = loaded
    latest = select(func.max(ImportBatch.id)).scalar_subquery()
    query = select(ImportBatch.id, ImportBatch.source_file, ImportBatch.imported_by)
    with engine.connect() as conn:
        batch = conn.execute(query.where(ImportBatch.id == latest)).one()
        stray = sum(
            conn.execute(
                select(func.count()).select_from(model).where(model.batch_id != batch.id)
            ).scalar_one()
            for model in (Community, LivelihoodProject, FiscalMonthly, ServiceRecord)
        )
    assert (batch.source_file, batch.imported_by, stray) == ("demo:small", "demo", 0)


# ---------------------------------------------------------------- alive today


@pytest.mark.parametrize("subdistrict", SUBDISTRICTS)
def test_projects_were_completed_in_the_last_7_days(loaded, subdistrict):
    """Every subdistrict completed a project within the 7 days ending today."""
    engine, today = loaded
    query = select(func.count()).where(
        LivelihoodProject.completed_on.between(today - dt.timedelta(days=6), today),
        LivelihoodProject.community_id.in_(in_subdistrict(subdistrict)),
    )
    assert scalar(engine, query) > 0


@pytest.mark.parametrize("weeks_ago", [0, 1], ids=["this_week", "last_week"])
@pytest.mark.parametrize("subdistrict", SUBDISTRICTS)
def test_volunteers_served_this_week_and_last_week(loaded, subdistrict, weeks_ago):
    """Every subdistrict has service records in this week and in last week."""
    engine, today = loaded
    end = today - dt.timedelta(days=7 * weeks_ago)
    query = select(func.count()).where(
        ServiceRecord.service_date.between(end - dt.timedelta(days=6), end),
        ServiceRecord.community_id.in_(in_subdistrict(subdistrict)),
    )
    assert scalar(engine, query) > 0


def test_current_campaign_has_a_row_today_for_every_community(loaded):
    """This year's 人口信息核查 reports every community up to today."""
    engine, today = loaded
    query = select(func.count(distinct(CensusProgress.community_id))).where(
        CensusProgress.campaign == f"{today.year}年人口信息核查", CensusProgress.day == today
    )
    assert scalar(engine, query) == scalar(engine, select(func.count()).select_from(Community))


def test_current_campaign_paces_differ(loaded):
    """Some communities are well behind others in this year's campaign."""
    engine, today = loaded
    rate = CensusProgress.registered_households * 1.0 / CensusProgress.expected_households
    query = select(func.min(rate), func.max(rate)).where(
        CensusProgress.campaign == f"{today.year}年人口信息核查", CensusProgress.day == today
    )
    with engine.connect() as conn:
        slowest, fastest = conn.execute(query).one()
    assert fastest > 0 and slowest < 0.8 * fastest


def _last_closed_month(today: dt.date) -> int:
    """The month before today's, as ``year * 100 + month``."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year * 100 + first.month


@pytest.mark.parametrize("subdistrict", SUBDISTRICTS)
def test_fiscal_rows_reach_the_last_closed_month(loaded, subdistrict):
    """Fiscal rows run through the last closed month, never into today's running month."""
    engine, today = loaded
    query = select(func.max(FiscalMonthly.year * 100 + FiscalMonthly.month)).where(
        FiscalMonthly.subdistrict == subdistrict
    )
    assert scalar(engine, query) == _last_closed_month(today)


@pytest.mark.parametrize(
    "today", [dt.date(2026, 12, 1), dt.date(2026, 11, 30), dt.date(2027, 1, 1)]
)
def test_demo_fiscal_holds_only_closed_months(today):
    """On the 1st of a month the demo holds no row of that month (a day is not a month)."""
    rows = [row for spec in SMALL_SUBDISTRICTS for row in fiscal_rows(spec, today)]
    assert max(row["year"] * 100 + row["month"] for row in rows) == _last_closed_month(today)


@pytest.mark.parametrize(
    "condition",
    [
        lambda today: LivelihoodProject.status == "已取消",
        lambda today: and_(
            LivelihoodProject.status.in_(["推进中", "未启动"]),
            LivelihoodProject.planned_on < today,
        ),
    ],
    ids=["cancelled", "overdue"],
)
def test_some_projects_are_cancelled_or_overdue(loaded, condition):
    """The demo is not too tidy: some projects were cancelled, some are overdue today."""
    engine, today = loaded
    assert scalar(engine, select(func.count()).where(condition(today))) > 0


# ---------------------------------------------------------------- repeatable


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every demo table as sorted tuples of natural keys and values (no ids)."""
    community = aliased(Community)
    queries = {
        "community": select(
            Community.subdistrict, Community.name, Community.population, Community.households
        ),
        "project": select(
            LivelihoodProject.code,
            community.name,
            LivelihoodProject.name,
            LivelihoodProject.status,
            LivelihoodProject.planned_on,
            LivelihoodProject.completed_on,
            LivelihoodProject.investment,
        ).join(community, community.id == LivelihoodProject.community_id),
        "fiscal": select(
            FiscalMonthly.subdistrict,
            FiscalMonthly.year,
            FiscalMonthly.month,
            FiscalMonthly.item,
            FiscalMonthly.amount,
        ),
        "census": select(
            CensusProgress.campaign,
            community.name,
            CensusProgress.day,
            CensusProgress.registered_households,
            CensusProgress.registered_persons,
        ).join(community, community.id == CensusProgress.community_id),
        "service": select(
            ServiceRecord.code,
            Volunteer.code,
            ServiceRecord.activity_name,
            ServiceRecord.service_date,
            ServiceRecord.hours,
            community.name,
        )
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(community, community.id == ServiceRecord.community_id),
    }
    with engine.connect() as conn:
        return {name: sorted(tuple(r) for r in conn.execute(q)) for name, q in queries.items()}


def test_reloading_with_the_same_day_gives_the_same_rows(db_kind, loaded_demo, db_templates):
    """Two loads with the same ``today`` leave identical tables (and no duplicates).

    The first load is the process's load into a fresh database (``db_templates``), copied.
    """
    engine = loaded_demo(db_kind, TODAY)
    first_counts = db_templates.demo_counts(db_kind, TODAY)
    first = _snapshot(engine)
    second_counts = load_demo(engine, today=TODAY)
    assert second_counts == first_counts
    assert _snapshot(engine) == first


def test_reloading_with_another_day_leaves_nothing_of_the_first(db_kind, loaded_demo):
    """Loading over older demo data gives the same tables as loading into an empty database.

    The older data and the load into an empty SQLite database are copies of the process's
    loads into fresh databases (``db_templates``).
    """
    engine = loaded_demo(db_kind, EARLY_TODAY)
    load_demo(engine, today=TODAY)
    assert _snapshot(engine) == _snapshot(loaded_demo("sqlite", TODAY))


def test_returned_counts_match_the_tables(db_kind, loaded_demo, db_templates):
    """``load_demo`` returns the rows written per table (the process's load into a fresh
    database of this kind, ``db_templates``, counted in a copy of it)."""
    engine = loaded_demo(db_kind, TODAY)
    counts = db_templates.demo_counts(db_kind, TODAY)
    models = (Community, LivelihoodProject, FiscalMonthly, FiscalTarget, CensusProgress)
    models += (Volunteer, ServiceRecord)
    with engine.connect() as conn:
        actual = {
            m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
            for m in models
        }
    assert counts == actual


def test_past_years_do_not_depend_on_today():
    """Moving ``today`` changes only recent rows: the published 2013 year stays identical."""

    def year_2013(today: dt.date) -> list:
        services = build_demo(SMALL_SUBDISTRICTS, today).services
        return [r for r in services if r["service_date"].year == 2013]

    assert year_2013(TODAY) == year_2013(EARLY_TODAY)


def test_progress_is_reported_up_to_the_total(sqlite_engine):
    """The progress callback ends with done == total and a Chinese message."""
    calls: list[tuple[int, int, str]] = []
    load_demo(sqlite_engine, today=TODAY, progress=lambda d, t, m: calls.append((d, t, m)))
    done, total, message = calls[-1]
    assert done == total > 0 and "示例数据" in message
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"scale": "huge"}, ValueError),
        ({"today": dt.date(2020, 12, 31)}, ValueError),
    ],
    ids=["unknown-scale", "today-before-2021"],
)
def test_unsupported_requests_are_refused_before_writing(sqlite_engine, kwargs, error):
    """An unknown scale and a pre-2021 day raise and write nothing."""
    with pytest.raises(error):
        load_demo(sqlite_engine, **kwargs)
    assert scalar(sqlite_engine, select(func.count()).select_from(Community)) == 0


def test_default_today_is_the_current_date(sqlite_engine):
    """Without ``today`` the demo is alive on the real current date."""
    load_demo(sqlite_engine)
    query = select(func.count()).where(CensusProgress.day == dt.date.today())
    assert scalar(sqlite_engine, query) > 0


@pytest.mark.parametrize(
    ("argv", "exit_code", "communities"),
    [(["demo"], 0, 24), (["demo", "--scale", "small"], 0, 24), (["demo", "--scale", "huge"], 2, 0)],
    ids=["default", "small", "unknown-scale"],
)
def test_manage_demo_command(tmp_path, monkeypatch, capsys, argv, exit_code, communities):
    """``manage.py demo`` loads the small demo (exit 0); an unknown scale is a usage error."""
    import manage

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_engine.cache_clear()  # get_engine() caches the engine of the first DATABASE_URL it saw
    try:
        code = manage.main(argv)
    except SystemExit as usage_error:  # argparse refuses an unknown --scale choice
        code = usage_error.code
    assert code == exit_code
    get_engine.cache_clear()
    if exit_code != 0:
        assert not (tmp_path / "cli.db").exists(), "a refused command must not create the database"
        return
    engine = make_engine(url)
    assert scalar(engine, select(func.count()).select_from(Community)) == communities
    engine.dispose()
    if exit_code == 0:
        assert "社区名录：24 行" in capsys.readouterr().out


@pytest.mark.parametrize(
    "today", [dt.date(2027, 1, 1), dt.date(2028, 2, 29), dt.date(2029, 12, 31)], ids=str
)
def test_demo_is_alive_on_awkward_days(today):
    """On New Year's Day, a leap day and New Year's Eve every subdistrict still shows activity."""
    data = build_demo(SMALL_SUBDISTRICTS, today)

    def recent(day: object) -> bool:
        return isinstance(day, dt.date) and 0 <= (today - day).days < 7

    for name in SUBDISTRICTS:
        projects = [p for p in data.projects if p["subdistrict"] == name]
        services = [s for s in data.services if s["subdistrict"] == name]
        assert any(recent(p["completed_on"]) for p in projects), name
        assert any(recent(s["service_date"]) for s in services), name
    assert any(row["day"] == today for row in data.census)
