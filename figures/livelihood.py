"""民生实事: the pledged projects of a year, counted as of a date (contract §3).

These are THE definitions of the livelihood figures: the pages, the big screen and the weekly
report all call these functions, so 完成率 means the same everywhere.

As of a date D in year Y, over the projects whose 年度 is Y:
- cancelled: 状态 已取消 (left out of every other figure);
- completed: 已完成 with 完成日期 ≤ D;
- in_progress: 推进中, plus 已完成 whose 完成日期 is after D (or missing): not yet done on D;
- not_started: 未启动;
- total = completed + in_progress + not_started;
- overdue: counted in total, not completed, 计划完成日期 < D (a plan date of D is not overdue);
- completed_this_week: completed with 完成日期 in D − 6 … D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from figures.area_helpers import as_date, connected, place_key, ratio, round_amount, week_of
from figures.scope import Scope
from storage.models import PROJECT_STATUSES, Community, LivelihoodProject
from storage.rollups import month_start

P = LivelihoodProject


@dataclass(frozen=True)
class CommunityLivelihood:
    """One community's projects of the year (a row of ``by_community``)."""

    subdistrict: str
    community: str
    total: int
    completed: int
    completion_rate: float
    overdue: int


@dataclass(frozen=True)
class LivelihoodSummary:
    """The year's projects in scope as of the date (the ``livelihood`` block of §3)."""

    year: int
    total: int
    completed: int
    in_progress: int
    not_started: int
    cancelled: int
    completion_rate: float
    overdue: int
    completed_this_week: int


def is_completed(as_of: dt.date) -> ColumnElement[bool]:
    return and_(P.status == "已完成", P.completed_on.is_not(None), P.completed_on <= as_of)


def is_in_progress(as_of: dt.date) -> ColumnElement[bool]:
    return or_(P.status == "推进中", and_(P.status == "已完成", not_(is_completed(as_of))))


def is_counted() -> ColumnElement[bool]:
    """In total: every state but 已取消 (and no unknown status)."""
    return P.status.in_(("未启动", "推进中", "已完成"))


def is_overdue(as_of: dt.date) -> ColumnElement[bool]:
    return and_(is_counted(), not_(is_completed(as_of)), P.planned_on < as_of)


def count_where(condition: ColumnElement[bool]):  # type: ignore[no-untyped-def]
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 rather than NULL on no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _count_filtered(condition: ColumnElement[bool]):  # type: ignore[no-untyped-def]
    """COUNT(*) FILTER (WHERE condition): the same count as ``count_where``."""
    return func.count().filter(condition)


def year_in_scope(scope: Scope) -> ColumnElement[bool]:
    return and_(P.year == scope.as_of.year, scope.community_clause(P.community_id))


def in_categories(categories: Sequence[str]) -> ColumnElement[bool]:
    """The page's 类别 filter (every category when empty; the report never narrows)."""
    return P.category.in_(tuple(categories)) if categories else true()


def _summary_counts(as_of: dt.date) -> tuple:
    """The counts of ``LivelihoodSummary`` (its total is the first three added up)."""
    week_start, week_end = week_of(as_of)
    completed_in_week = and_(
        is_completed(as_of), P.completed_on >= week_start, P.completed_on <= week_end
    )
    return (
        count_where(is_completed(as_of)).label("completed"),
        count_where(is_in_progress(as_of)).label("in_progress"),
        count_where(P.status == "未启动").label("not_started"),
        count_where(P.status == "已取消").label("cancelled"),
        count_where(is_overdue(as_of)).label("overdue"),
        count_where(completed_in_week).label("completed_this_week"),
    )


SUMMARY_COUNTS = tuple(count.name for count in _summary_counts(dt.date(2000, 1, 1)))


def _summary(year: int, counts: dict[str, int]) -> LivelihoodSummary:
    """The summary of ``counts`` (keyed as ``SUMMARY_COUNTS``): completed, in progress and
    not started are disjoint and together every project in total (see the module's docstring)."""
    total = counts["completed"] + counts["in_progress"] + counts["not_started"]
    return LivelihoodSummary(
        year=year,
        total=total,
        completed=counts["completed"],
        in_progress=counts["in_progress"],
        not_started=counts["not_started"],
        cancelled=counts["cancelled"],
        completion_rate=ratio(counts["completed"], total),
        overdue=counts["overdue"],
        completed_this_week=counts["completed_this_week"],
    )


def livelihood_summary(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> LivelihoodSummary:
    """The headline counts of the as-of year's projects, in one aggregate query."""
    query = select(*_summary_counts(scope.as_of)).where(
        year_in_scope(scope), in_categories(categories)
    )
    with connected(engine_or_connection) as connection:
        row = connection.execute(query).one()
    return _summary(scope.as_of.year, {name: int(row._mapping[name]) for name in SUMMARY_COUNTS})


def _per_community(scope: Scope, categories: tuple[str, ...], counts: tuple):  # type: ignore[no-untyped-def]
    """``counts`` per community id of the as-of year's projects in scope, then named.

    Counted per community id from the covering index, then named: grouping the joined rows
    by the (街道, 社区) texts sorts ten thousand rows by collated Chinese text.
    """
    per_community = (
        select(P.community_id, *counts)
        .where(year_in_scope(scope), in_categories(categories))
        .group_by(P.community_id)
        .subquery("per_community")
    )
    columns = [per_community.c[count.name] for count in counts]
    return select(Community.subdistrict, Community.name, *columns).join(
        per_community, per_community.c.community_id == Community.id
    )


def _by_place(rows: list[CommunityLivelihood]) -> list[CommunityLivelihood]:
    return sorted(rows, key=lambda item: place_key(item.subdistrict, item.community))


def _community(
    subdistrict: str, name: str, total: int, completed: int, overdue: int
) -> CommunityLivelihood:
    return CommunityLivelihood(
        subdistrict=subdistrict,
        community=name,
        total=total,
        completed=completed,
        completion_rate=ratio(completed, total),
        overdue=overdue,
    )


def livelihood_by_community(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> list[CommunityLivelihood]:
    """Per community: total, completed, completion rate and overdue of the as-of year.

    Lists the communities that have at least one project of the year, including one whose
    projects are all cancelled (it shows total 0, rate 0); communities without any project of
    the year are left out. Sorted by subdistrict, then community (code-point order).
    """
    as_of = scope.as_of
    counts = (
        count_where(is_counted()).label("total"),
        count_where(is_completed(as_of)).label("completed"),
        count_where(is_overdue(as_of)).label("overdue"),
    )
    with connected(engine_or_connection) as connection:
        rows = connection.execute(_per_community(scope, categories, counts)).all()
    return _by_place(
        [
            _community(
                row.subdistrict, row.name, int(row.total), int(row.completed), int(row.overdue)
            )
            for row in rows
        ]
    )


@dataclass(frozen=True)
class ListCounts:
    """How many projects the 民生实事 page's two lists match, known from the counts of
    ``livelihood_figures`` (same year, scope and 类别): a list showing its first rows only
    says how many there are without a count statement of its own. ``None`` where these
    counts do not tell (a search, a 状态 outside ``PROJECT_STATUSES``)."""

    projects: int  # every project of the year, whatever its 状态
    by_status: tuple[tuple[str, int], ...]  # as-of 状态 (``status_as_of``) → projects
    overdue_not_started: int  # overdue projects are 推进中 or 未启动 as of the date
    overdue: int

    def projects_matching(self, statuses: tuple[str, ...], search: str) -> int | None:
        """The matches of ``project_list`` with these filters."""
        if search.strip() or not set(statuses) <= set(PROJECT_STATUSES):
            return None
        if not statuses:
            return self.projects
        return sum(n for status, n in self.by_status if status in statuses)

    def overdue_matching(self, statuses: tuple[str, ...]) -> int | None:
        """The matches of ``overdue_projects`` with these 状态."""
        if not statuses:
            return self.overdue
        if not set(statuses) <= set(PROJECT_STATUSES):
            return None
        not_started = self.overdue_not_started if "未启动" in statuses else 0
        in_progress = self.overdue - self.overdue_not_started if "推进中" in statuses else 0
        return not_started + in_progress


@dataclass(frozen=True)
class LivelihoodFigures:
    """``livelihood_summary`` and ``livelihood_by_community`` of one scope, read together,
    and what they tell of the page's lists."""

    summary: LivelihoodSummary
    by_community: list[CommunityLivelihood]
    list_counts: ListCounts


def _list_counts(summary: LivelihoodSummary, projects: int, overdue_not_started: int) -> ListCounts:
    # status_as_of: 已完成 exactly when completed, else 推进中 exactly when in progress, else
    # the stored 状态 (未启动 and 已取消 are neither completed nor in progress).
    by_status = (
        ("已完成", summary.completed),
        ("推进中", summary.in_progress),
        ("未启动", summary.not_started),
        ("已取消", summary.cancelled),
    )
    return ListCounts(projects, by_status, overdue_not_started, summary.overdue)


def _figure_counts(as_of: dt.date, dialect: str) -> tuple:
    """Per community, the fewest and simplest counts the summary's are sums and differences of
    (``_from_figure_counts``): each condition tested on every project of the year costs, and
    the §3 conditions (``is_in_progress``, ``is_overdue``) repeat ``is_completed`` inside a NOT.

    SQLite counts with COUNT(*) FILTER (WHERE …), a sixth faster there than ``count_where``'s
    SUM(CASE …) at city scale; on PostgreSQL the filter was not faster (measured interleaved).
    """
    tally = _count_filtered if dialect == "sqlite" else count_where
    week_start, week_end = week_of(as_of)
    done = and_(P.status == "已完成", P.completed_on <= as_of)  # NULL 完成日期: not done
    late = P.planned_on < as_of
    return (
        func.count().label("projects"),
        tally(P.status == "未启动").label("not_started"),
        tally(P.status == "已取消").label("cancelled"),
        tally(P.status.in_(("推进中", "已完成"))).label("started"),
        tally(done).label("completed"),
        tally(and_(late, is_counted())).label("late"),
        tally(and_(late, done)).label("late_completed"),
        tally(and_(late, P.status == "未启动")).label("overdue_not_started"),
        tally(and_(done, P.completed_on >= week_start, P.completed_on <= week_end)).label(
            "completed_this_week"
        ),
    )


def _from_figure_counts(counts: dict[str, int]) -> dict[str, int]:
    """The counts of ``SUMMARY_COUNTS`` (and the lists') from those of ``_figure_counts``.

    - in progress = 推进中 + 已完成 not done = (推进中 or 已完成) − done (done ⊂ 已完成);
    - overdue = counted, not done, planned before as-of = (planned before, counted) − (planned
      before, done) (done ⊂ counted);
    - overdue 未启动 = 未启动 planned before as-of (未启动 is counted and never done).
    """
    return {
        **counts,
        "in_progress": counts["started"] - counts["completed"],
        "overdue": counts["late"] - counts["late_completed"],
    }


def livelihood_figures(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> LivelihoodFigures:
    """``livelihood_summary`` and ``livelihood_by_community`` in one statement (the 民生实事
    page, the big screen and the weekly report show both): a few counts per community (see
    ``_from_figure_counts``), added up here. Whole counts summed and subtracted, so exactly the
    two functions' figures (``tests/test_livelihood_detail.py`` compares them over scopes,
    dates and 类别)."""
    as_of = scope.as_of
    with connected(engine_or_connection) as connection:
        columns = _figure_counts(as_of, connection.dialect.name)
        names = [column.name for column in columns]
        # (街道, 社区, the counts in ``names``' order): a city has 2,000 rows, read by position.
        rows = [
            (row[0], row[1], tuple(map(int, row[2:])))
            for row in connection.execute(_per_community(scope, categories, columns))
        ]
    sums = [sum(column) for column in zip(*(counts for _, _, counts in rows), strict=True)]
    totals = _from_figure_counts(dict(zip(names, sums or [0] * len(names), strict=True)))
    at = {name: index for index, name in enumerate(names)}
    completed, started, not_started = at["completed"], at["started"], at["not_started"]
    late, late_completed = at["late"], at["late_completed"]
    # Each community's total, completed and overdue as ``_summary`` of its counts has them
    # (total = completed + in progress + not started = started + not started).
    by_community = [
        _community(
            subdistrict,
            name,
            counts[started] + counts[not_started],
            counts[completed],
            counts[late] - counts[late_completed],
        )
        for subdistrict, name, counts in rows
    ]
    summary = _summary(as_of.year, totals)
    list_counts = _list_counts(summary, totals["projects"], totals["overdue_not_started"])
    return LivelihoodFigures(summary, _by_place(by_community), list_counts)


# --- 民生实事 page queries: the §3 figures narrowed by 类别, the monthly curve, the lists.
# Every count reuses the condition builders of :mod:`figures.livelihood` (completed, in progress,
# overdue as of a date), so with no 类别 chosen the figures here ARE the weekly report's. What this
# module adds is the page's own views: per-category narrowing, the cumulative completions per
# month against the plan, the overdue list and the project list (filtered and LIMITED in SQL:
# a city holds tens of thousands of projects).
# A project's 状态 "as of" a date is the state it had then: 已完成 only from its 完成日期 on
# (before that it counts as 推进中), exactly as §3 counts it.

PROJECT_LIST_LIMIT = 2000
OVERDUE_LIST_LIMIT = 500
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class MonthPoint:
    """Cumulative completions and plan at the end of a month (``month`` = its first day)."""

    month: dt.date
    completed: int
    planned: int


@dataclass(frozen=True)
class ProjectRow:
    """One project as the page lists it, with its state as of the date."""

    code: str
    subdistrict: str
    community: str
    name: str
    category: str
    year: int
    planned_on: dt.date
    status: str
    completed_on: dt.date | None
    investment: float
    beneficiary_households: int
    overdue_days: int | None


@dataclass(frozen=True)
class ProjectPage:
    """The rows shown (at most ``limit``) and how many projects matched in all."""

    rows: list[ProjectRow]
    matched: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.matched > len(self.rows)


def status_as_of(as_of: dt.date) -> ColumnElement[str]:
    """The 状态 a project had on ``as_of`` (已完成 only from its 完成日期 on)."""
    return case(
        (is_completed(as_of), literal("已完成")),
        (is_in_progress(as_of), literal("推进中")),
        else_=P.status,
    )


def _in_statuses(as_of: dt.date, statuses: Sequence[str]) -> ColumnElement[bool]:
    return status_as_of(as_of).in_(tuple(statuses)) if statuses else true()


def _matches(search: str) -> ColumnElement[bool]:
    """名称, 编号 or 社区 contains the text (wildcards in it are taken literally)."""
    text = search.strip()[:MAX_SEARCH_LENGTH]
    if not text:
        return true()
    return or_(
        P.name.icontains(text, autoescape=True),
        P.code.icontains(text, autoescape=True),
        Community.name.icontains(text, autoescape=True),
    )


def _optional_date(value: dt.date | str | None) -> dt.date | None:
    return None if value is None else as_date(value)


def list_categories(engine_or_connection: Engine | Connection) -> list[str]:
    """Every 类别 any project has, sorted (the options of the page's 类别 filter)."""
    # A loose index scan: each next 类别 is one seek in ``ix_project_category`` (a handful of
    # seeks instead of reading every project's entry to find the distinct ones).
    first = select(func.min(P.category).label("category"))
    found = first.cte("found", recursive=True)
    following = (
        select(func.min(P.category))
        .where(P.category > found.c.category)
        .correlate(found)
        .scalar_subquery()
    )
    found = found.union_all(select(following).where(found.c.category.is_not(None)))
    query = select(found.c.category).where(found.c.category.is_not(None)).order_by(found.c.category)
    with connected(engine_or_connection) as connection:
        return list(connection.execute(query).scalars())


def _month_counts(connection: Connection, base: ColumnElement[bool], as_of: dt.date):  # type: ignore[no-untyped-def]
    """(completed per month of 完成日期, planned per month of 计划完成日期) of the projects
    meeting ``base``, keyed by (year, month).

    One statement over the covering index ``ix_project_year_figures``; completion is tested
    inside the count. PostgreSQL groups by the day itself (a few hundred groups; truncating
    every project's date to its month costs it five times more), in one read
    (``_day_counts_in_one_scan``), and the days are added up into months here. SQLite has no
    GROUPING SETS and groups by the month: grouped by the bare 完成日期 it would walk that
    column's index in order, to save a sort, and read every project's row.
    """
    if connection.dialect.name == "postgresql":
        return _day_counts_in_one_scan(connection, base, as_of)

    def bucket(day):  # type: ignore[no-untyped-def]
        return month_start(day, connection)

    completed = (
        select(
            bucket(P.completed_on).label("day"),
            case((is_completed(as_of), 1), else_=0).label("n"),
        )
        .where(base, P.status == "已完成")
        .subquery("completed")
    )
    planned = (
        select(bucket(P.planned_on).label("day"), literal(1).label("n"))
        .where(base, is_counted())
        .subquery("planned")
    )
    done_sums, planned_sums = (
        select(literal(kind).label("kind"), rows.c.day, func.sum(rows.c.n).label("n")).group_by(
            rows.c.day
        )
        for kind, rows in ((0, completed), (1, planned))
    )
    return _by_month(connection.execute(done_sums.union_all(planned_sums)))


def _by_month(rows) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:  # type: ignore[no-untyped-def]
    """Rows of (kind, day, n) added up per (kind, (year, month)); kind 0 completed, 1 planned."""
    counts: tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]] = ({}, {})
    for row in rows:
        if row.day is not None and row.n:
            day = as_date(row.day)
            by_month = counts[int(row.kind)]
            by_month[(day.year, day.month)] = by_month.get((day.year, day.month), 0) + int(row.n)
    return counts


def _day_counts_in_one_scan(connection: Connection, base: ColumnElement[bool], as_of: dt.date):  # type: ignore[no-untyped-def]
    """PostgreSQL: ``_month_counts`` from ONE read of the year's index entries, grouped twice
    (GROUPING SETS): per 完成日期 the completed ones, per 计划完成日期 the counted ones.

    The two-branch UNION ALL read the same entries twice; grouping sets hash both groupings
    in the one pass. ``GROUPING(完成日期)`` is 0 in the 完成日期 rows (kind 0, completed) and
    1 in the 计划完成日期 rows (kind 1, planned), exactly the kinds of ``_month_counts``.
    """
    kind = func.grouping(P.completed_on)
    query = (
        select(
            kind.label("kind"),
            case((kind == 0, P.completed_on), else_=P.planned_on).label("day"),
            case(
                (kind == 0, count_where(is_completed(as_of))), else_=count_where(is_counted())
            ).label("n"),
        )
        .where(base)
        .group_by(func.grouping_sets(P.completed_on, P.planned_on))
    )
    return _by_month(connection.execute(query))


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from ``first``'s month to ``last``'s month."""
    months = []
    current = dt.date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = dt.date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _cumulative(counts: dict[tuple[int, int], int], months: list[dt.date]) -> list[int]:
    """Running totals at each month's end, including everything dated before the first month."""
    values = []
    for month in months:
        key = (month.year, month.month)
        values.append(sum(n for when, n in counts.items() if when <= key))
    return values


def monthly_completions(
    engine_or_connection: Engine | Connection, scope: Scope, categories: tuple[str, ...] = ()
) -> list[MonthPoint]:
    """Cumulative completions per month of the as-of year against the cumulative plan.

    Plan at a month = projects in total (not cancelled) whose 计划完成日期 falls by that month's
    end; completed = projects completed by then (never after as-of). Months run from
    ``date_from`` (not before 1 January of the year) to the as-of month.
    """
    as_of = scope.as_of
    start = dt.date(as_of.year, 1, 1)
    if scope.date_from and scope.date_from > start:
        start = scope.date_from
    months = _months_between(min(start, as_of), as_of)
    base = and_(year_in_scope(scope), in_categories(categories))
    with connected(engine_or_connection) as connection:
        done, planned = _month_counts(connection, base, as_of)
    return [
        MonthPoint(month, completed, plan)
        for month, completed, plan in zip(
            months, _cumulative(done, months), _cumulative(planned, months), strict=True
        )
    ]


def _project_columns(as_of: dt.date) -> tuple:
    return (
        P.code,
        Community.subdistrict,
        Community.name.label("community"),
        P.name,
        P.category,
        P.planned_on,
        status_as_of(as_of).label("status_as_of"),
        P.completed_on,
        P.investment,
        P.beneficiary_households,
    )


def _project_row(row, as_of: dt.date) -> ProjectRow:  # type: ignore[no-untyped-def]
    planned_on = as_date(row.planned_on)
    completed_on = _optional_date(row.completed_on) if row.status_as_of == "已完成" else None
    overdue = row.status_as_of in ("未启动", "推进中") and planned_on < as_of
    return ProjectRow(
        code=row.code,
        subdistrict=row.subdistrict,
        community=row.community,
        name=row.name,
        category=row.category,
        year=as_of.year,  # every list keeps to the as-of year (``year_in_scope``)
        planned_on=planned_on,
        status=row.status_as_of,
        completed_on=completed_on,
        investment=round_amount(row.investment) or 0.0,
        beneficiary_households=int(row.beneficiary_households or 0),
        overdue_days=(as_of - planned_on).days if overdue else None,
    )


def _page(
    connection: Connection,
    scope: Scope,
    condition: ColumnElement[bool],
    order: tuple,
    limit: int,
    matched: int | None,
) -> ProjectPage:
    """The first ``limit`` projects meeting ``condition`` and how many do: ``matched`` when
    the caller knows it (``ListCounts``), else counted when the rows fill the page."""
    joined = select(*_project_columns(scope.as_of)).join(Community, Community.id == P.community_id)
    query = joined.where(condition).order_by(*order).limit(limit)
    count = (
        select(func.count())
        .select_from(P)
        .join(Community, Community.id == P.community_id)
        .where(condition)
    )
    rows = [_project_row(row, scope.as_of) for row in connection.execute(query)]
    if len(rows) < limit:  # every match is shown: no count needed
        return ProjectPage(rows=rows, matched=len(rows), limit=limit)
    if matched is None:
        matched = int(connection.execute(count).scalar_one())
    return ProjectPage(rows=rows, matched=matched, limit=limit)


def project_list(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    categories: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    search: str = "",
    counts: ListCounts | None = None,
    limit: int = PROJECT_LIST_LIMIT,
) -> ProjectPage:
    """The as-of year's projects in scope matching the filters, at most ``limit`` of them.

    Ordered by subdistrict, community, 项目编号; ``matched`` tells how many there are in all
    (from ``counts``, those of ``livelihood_figures`` of the same scope and 类别, if given).
    """
    condition = and_(
        year_in_scope(scope),
        in_categories(categories),
        _in_statuses(scope.as_of, statuses),
        _matches(search),
    )
    order = (Community.subdistrict, Community.name, P.code)
    with connected(engine_or_connection) as connection:
        known = None if counts is None else counts.projects_matching(statuses, search)
        return _page(connection, scope, condition, order, limit, known)


def overdue_projects(
    engine_or_connection: Engine | Connection,
    scope: Scope,
    categories: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    counts: ListCounts | None = None,
    limit: int = OVERDUE_LIST_LIMIT,
) -> ProjectPage:
    """Overdue projects (§3: in total, not completed, 计划完成日期 < as-of), most overdue first
    (``counts`` as for ``project_list``)."""
    condition = and_(
        year_in_scope(scope),
        in_categories(categories),
        _in_statuses(scope.as_of, statuses),
        is_overdue(scope.as_of),
    )
    order = (P.planned_on, Community.subdistrict, Community.name, P.code)
    with connected(engine_or_connection) as connection:
        known = None if counts is None else counts.overdue_matching(statuses)
        return _page(connection, scope, condition, order, limit, known)


__all__ = [
    "OVERDUE_LIST_LIMIT",
    "PROJECT_LIST_LIMIT",
    "PROJECT_STATUSES",
    "MonthPoint",
    "ProjectPage",
    "ProjectRow",
    "list_categories",
    "monthly_completions",
    "overdue_projects",
    "project_list",
    "status_as_of",
]


# --- 周例会 lists: the projects behind the week's livelihood figures, named one by one.
# The weekly report counts ``completed_this_week`` and ``overdue``; the meeting wants to know
# WHICH projects, and which ones fell overdue during the week (计划完成日期 in the 7 days before
# as-of, still not done). The conditions are the ones of :mod:`figures.livelihood`, so the list
# of projects completed this week has exactly ``completed_this_week`` entries.

COMPLETED = "本周完成"
NEWLY_OVERDUE = "本周新增逾期"
# A meeting agenda, not an archive: a city-wide week never lists more than this many.
MAX_ROWS = 500


@dataclass(frozen=True)
class WeekProject:
    """One project that changed this week: completed, or newly overdue."""

    change: str
    subdistrict: str
    community: str
    code: str
    name: str
    category: str
    planned_on: dt.date
    completed_on: dt.date | None


def newly_overdue_condition(as_of: dt.date):  # type: ignore[no-untyped-def]
    """Overdue on as-of but not a week earlier: planned in as-of − 7 … as-of − 1."""
    return and_(is_overdue(as_of), P.planned_on >= as_of - dt.timedelta(days=7))


def completed_this_week_condition(as_of: dt.date):  # type: ignore[no-untyped-def]
    week_start, week_end = week_of(as_of)
    return and_(is_completed(as_of), P.completed_on >= week_start, P.completed_on <= week_end)


def week_projects(engine_or_connection: Engine | Connection, scope: Scope) -> list[WeekProject]:
    """Projects of the as-of year completed this week or newly overdue, by place then code."""
    as_of = scope.as_of
    completed = completed_this_week_condition(as_of)
    overdue = newly_overdue_condition(as_of)
    query = (
        select(
            Community.subdistrict,
            Community.name.label("community"),
            P.code,
            P.name,
            P.category,
            P.planned_on,
            P.completed_on,
            completed.label("is_completed"),
        )
        .join(Community, Community.id == P.community_id)
        .where(year_in_scope(scope), or_(completed, overdue))
        .order_by(Community.subdistrict, Community.name, P.code)
        .limit(MAX_ROWS)
    )
    with connected(engine_or_connection) as connection:
        rows = connection.execute(query).all()
    return [
        WeekProject(
            change=COMPLETED if row.is_completed else NEWLY_OVERDUE,
            subdistrict=row.subdistrict,
            community=row.community,
            code=row.code,
            name=row.name,
            category=row.category,
            planned_on=as_date(row.planned_on),
            completed_on=_optional_date(row.completed_on) if row.is_completed else None,
        )
        for row in rows
    ]
