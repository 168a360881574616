"""The 民生实事 page queries on SQLite and PostgreSQL: same figures as §3, narrowed and listed."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from report_rows import Rows

from figures import livelihood as detail
from figures.livelihood import livelihood_by_community, livelihood_figures, livelihood_summary
from figures.scope import Scope
from storage.models import PROJECT_STATUSES, LivelihoodProject

AS_OF = dt.date(2020, 6, 30)
Y = AS_OF.year
SCOPE = Scope(date_from=dt.date(Y, 1, 1), date_to=AS_OF)
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
WEST_A = ("西城街道", "丙社区")


class ProjectRows(Rows):
    """Rows with the project fields the page filters on: 类别, 名称, 编号."""

    _codes = itertools.count(1)

    def item(
        self,
        place: tuple[str, str],
        status: str,
        planned_on: dt.date,
        completed_on: dt.date | None = None,
        *,
        category: str = "便民服务",
        name: str = "项目",
        code: str | None = None,
        year: int = Y,
    ) -> str:
        code = code or f"X{next(self._codes):05d}"
        self._insert(
            LivelihoodProject,
            code=code,
            community_id=self.community(*place),
            name=name,
            category=category,
            year=year,
            planned_on=planned_on,
            status=status,
            completed_on=completed_on,
            investment=12.345,
            beneficiary_households=7,
        )
        return code


@pytest.fixture
def rows(engine) -> ProjectRows:  # type: ignore[no-untyped-def]
    return ProjectRows(engine)


@pytest.fixture
def mixed(rows: ProjectRows) -> ProjectRows:
    """A year of projects in every state, two categories, three communities."""
    rows.item(EAST_A, "已完成", dt.date(Y, 3, 10), dt.date(Y, 3, 5), category="加装电梯")
    rows.item(EAST_A, "已完成", dt.date(Y, 5, 1), dt.date(Y, 6, 28), category="加装电梯")
    rows.item(EAST_A, "已完成", dt.date(Y, 6, 1), dt.date(Y, 7, 2), category="环境绿化")
    rows.item(EAST_A, "推进中", dt.date(Y, 4, 1), category="环境绿化")
    rows.item(EAST_B, "未启动", dt.date(Y, 9, 1), category="加装电梯")
    rows.item(EAST_B, "未启动", dt.date(Y, 2, 1), category="环境绿化")
    rows.item(EAST_B, "已取消", dt.date(Y, 2, 1), category="环境绿化")
    rows.item(WEST_A, "推进中", dt.date(Y, 12, 1), category="加装电梯")
    rows.item(WEST_A, "已完成", dt.date(Y - 1, 12, 1), dt.date(Y - 1, 12, 1), year=Y - 1)
    return rows


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (("加装电梯",), (4, 2, 1, 1, 0)),
        (("环境绿化",), (3, 0, 2, 1, 1)),
        (("加装电梯", "环境绿化"), (7, 2, 3, 2, 1)),
    ],
)
def test_summary_counts_only_the_chosen_categories(engine, mixed, categories, expected):
    """(total, completed, in_progress, not_started, cancelled) of the chosen 类别 only."""
    s = livelihood_summary(engine, SCOPE, categories)
    assert (s.total, s.completed, s.in_progress, s.not_started, s.cancelled) == expected


def test_community_completion_narrows_to_a_category(engine, mixed):
    """With 环境绿化 only, 甲社区 has 2 projects, none completed by the as-of date."""
    rows = livelihood_by_community(engine, SCOPE, ("环境绿化",))
    east_a = next(row for row in rows if row.community == "甲社区")
    assert (east_a.total, east_a.completed, east_a.completion_rate) == (2, 0, 0.0)


@pytest.mark.parametrize(
    ("stored", "completed_on", "shown", "shown_date"),
    [
        ("已完成", dt.date(Y, 6, 30), "已完成", dt.date(Y, 6, 30)),
        ("已完成", dt.date(Y, 7, 1), "推进中", None),
        ("推进中", None, "推进中", None),
        ("已取消", None, "已取消", None),
    ],
)
def test_project_list_shows_the_state_as_of_the_date(
    engine, rows, stored, completed_on, shown, shown_date
):
    """A project finished after as-of is listed as 推进中 without its 完成日期."""
    rows.item(EAST_A, stored, dt.date(Y, 12, 1), completed_on)
    (row,) = detail.project_list(engine, SCOPE).rows
    assert (row.status, row.completed_on) == (shown, shown_date)


@pytest.mark.parametrize(
    ("statuses", "count"),
    [((), 8), (("推进中",), 3), (("已完成",), 2), (("未启动", "已取消"), 3)],
)
def test_project_list_filters_on_the_state_as_of_the_date(engine, mixed, statuses, count):
    """状态 filter uses the as-of state (已完成 after as-of counts as 推进中)."""
    assert detail.project_list(engine, SCOPE, statuses=statuses).matched == count


@pytest.mark.parametrize(
    ("search", "codes"),
    [
        ("电梯", {"A1"}),
        ("b2", {"B2"}),
        ("乙社区", {"B2"}),
        ("%", set()),
        ("_", set()),
        ("  ", {"A1", "B2"}),
    ],
)
def test_project_search_matches_name_code_or_community_literally(engine, rows, search, codes):
    """Search finds 名称, 编号 (any case) or 社区; % and _ are plain characters."""
    rows.item(EAST_A, "推进中", dt.date(Y, 9, 1), name="1号楼加装电梯", code="A1")
    rows.item(EAST_B, "推进中", dt.date(Y, 9, 1), name="绿化提升", code="B2")
    page = detail.project_list(engine, SCOPE, search=search)
    assert {row.code for row in page.rows} == codes


def test_project_list_is_limited_and_tells_how_many_matched(engine, mixed):
    """At most ``limit`` rows come back; ``matched`` counts them all."""
    page = detail.project_list(engine, SCOPE, limit=3)
    assert (len(page.rows), page.matched, page.truncated) == (3, 8, True)


def test_project_list_keeps_to_the_year_and_the_scope(engine, mixed):
    """Other years' projects and other subdistricts' projects are not listed."""
    page = detail.project_list(engine, Scope(subdistrict="西城街道", date_to=AS_OF))
    assert [row.planned_on for row in page.rows] == [dt.date(Y, 12, 1)]


def test_project_list_is_sorted_by_place_then_code(engine, mixed):
    """Rows come by subdistrict, community, then 项目编号."""
    places = [
        (row.subdistrict, row.community, row.code)
        for row in detail.project_list(engine, SCOPE).rows
    ]
    assert places == sorted(places)


def test_overdue_list_has_the_report_count_most_overdue_first(engine, mixed):
    """The overdue list holds §3's overdue projects, by days overdue descending."""
    page = detail.overdue_projects(engine, SCOPE)
    days = [row.overdue_days for row in page.rows]
    assert len(page.rows) == livelihood_summary(engine, SCOPE).overdue
    assert days == sorted(days, reverse=True)


@pytest.mark.parametrize(("planned_on", "days"), [(dt.date(Y, 6, 29), 1), (dt.date(Y, 1, 1), 181)])
def test_overdue_days_are_as_of_minus_plan_date(engine, rows, planned_on, days):
    """天数 overdue = as-of − 计划完成日期."""
    rows.item(EAST_A, "推进中", planned_on)
    (row,) = detail.overdue_projects(engine, SCOPE).rows
    assert row.overdue_days == days


def test_project_due_on_the_as_of_date_is_not_overdue(engine, rows):
    """A plan date equal to as-of is not overdue yet."""
    rows.item(EAST_A, "推进中", AS_OF)
    assert detail.overdue_projects(engine, SCOPE).rows == []
    assert detail.project_list(engine, SCOPE).rows[0].overdue_days is None


def test_monthly_completions_are_cumulative_against_the_plan(engine, mixed):
    """Completed by each month's end (never after as-of) against planned by month end."""
    points = detail.monthly_completions(engine, SCOPE)
    assert [p.month.month for p in points] == [1, 2, 3, 4, 5, 6]
    assert [p.completed for p in points] == [0, 0, 1, 1, 1, 2]
    # Plan: 2-01 (未启动), 3-10, 4-01, 5-01, 6-01; 9-01 and 12-01 later; cancelled excluded.
    assert [p.planned for p in points] == [0, 1, 2, 3, 4, 5]


def test_monthly_completions_start_at_date_from_and_keep_earlier_counts(engine, mixed):
    """From 2020-04 on: the first point already counts March's completion and plans."""
    scope = Scope(date_from=dt.date(Y, 4, 15), date_to=AS_OF)
    points = detail.monthly_completions(engine, scope)
    assert [(p.month, p.completed, p.planned) for p in points[:1]] == [(dt.date(Y, 4, 1), 1, 3)]


def test_monthly_completions_follow_the_category(engine, mixed):
    """With 环境绿化 only, the one completion (7-02) is after as-of: all zero."""
    points = detail.monthly_completions(engine, SCOPE, ("环境绿化",))
    assert [p.completed for p in points] == [0] * 6


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@pytest.mark.parametrize(
    "scope",
    [
        SCOPE,
        Scope(date_to=dt.date(Y, 3, 9)),
        Scope(date_to=dt.date(Y, 12, 31)),
        Scope(date_from=dt.date(Y, 4, 15), date_to=dt.date(Y, 8, 31)),
        Scope(subdistrict="东城街道", date_to=AS_OF),
        Scope(subdistrict="东城街道", communities=(EAST_B,), date_to=AS_OF),
    ],
)
@pytest.mark.parametrize("categories", [(), ("环境绿化",), ("无此类别",)])
def test_monthly_completions_are_the_projects_counted_one_by_one(engine, mixed, scope, categories):
    """Each point is the projects of the list (state as of the date) completed / planned by
    that month's end: however the curve's statement groups them (PostgreSQL reads both
    groupings in one pass), a kind or a day mixed up shows here."""
    mixed.item(EAST_B, "已完成", dt.date(Y, 6, 1), dt.date(Y, 6, 29), category="加装电梯")
    mixed.item(WEST_A, "已取消", dt.date(Y, 5, 1), dt.date(Y, 5, 3), category="环境绿化")
    mixed.item(WEST_A, "已完成", dt.date(Y, 2, 1), None, category="环境绿化")  # no 完成日期
    mixed.item(EAST_B, "推进中", dt.date(Y, 7, 15), category="环境绿化")
    mixed.item(EAST_A, "已完成", dt.date(Y, 8, 20), dt.date(Y, 1, 20), category="环境绿化")
    projects = detail.project_list(engine, scope, categories, limit=1000).rows
    expected = [
        (
            month,
            sum(
                p.completed_on is not None and p.completed_on <= _month_end(month) for p in projects
            ),
            sum(p.status != "已取消" and p.planned_on <= _month_end(month) for p in projects),
        )
        for month in [p.month for p in detail.monthly_completions(engine, scope, categories)]
    ]
    points = detail.monthly_completions(engine, scope, categories)
    assert [(p.month, p.completed, p.planned) for p in points] == expected
    assert len(points) >= 3


def test_list_categories_is_sorted_and_distinct(engine, mixed):
    """Each 类别 once, in code-point order."""
    assert detail.list_categories(engine) == ["便民服务", "加装电梯", "环境绿化"]


@pytest.mark.parametrize(
    "scope",
    [
        SCOPE,
        Scope(date_to=dt.date(Y, 3, 9)),
        Scope(date_to=dt.date(Y, 12, 31)),
        Scope(date_to=dt.date(Y + 1, 6, 30)),
        Scope(subdistrict="东城街道", date_to=AS_OF),
        Scope(subdistrict="东城街道", communities=(EAST_B,), date_to=AS_OF),
    ],
)
@pytest.mark.parametrize("categories", [(), ("环境绿化",), ("无此类别",)])
def test_livelihood_figures_are_the_summary_and_rows_of_the_separate_queries(
    engine, mixed, scope, categories
):
    """The one statement of the page, the screen and the report gives exactly what the
    summary and the per-community query give, for every scope, date and 类别."""
    mixed.item(EAST_B, "已完成", dt.date(Y, 6, 1), dt.date(Y, 6, 29), category="加装电梯")
    mixed.item(WEST_A, "已取消", dt.date(Y, 5, 1), category="环境绿化")
    mixed.item(WEST_A, "已完成", dt.date(Y, 2, 1), None, category="环境绿化")  # no 完成日期
    mixed.item(EAST_B, "推进中", AS_OF, category="环境绿化")  # due on the as-of date
    figures = livelihood_figures(engine, scope, categories)
    assert figures.summary == livelihood_summary(engine, scope, categories)
    assert figures.by_community == livelihood_by_community(engine, scope, categories)


def test_livelihood_figures_count_every_state(engine, mixed):
    """The comparison above has a count in every field of the summary to compare."""
    s = livelihood_figures(engine, SCOPE).summary
    counts = (s.completed, s.in_progress, s.not_started, s.cancelled, s.overdue)
    assert (s.total, *counts, s.completed_this_week) == (7, 2, 3, 2, 1, 3, 1)
    assert [
        (r.community, r.total, r.completed, r.overdue)
        for r in livelihood_figures(engine, SCOPE).by_community
    ] == [("乙社区", 2, 0, 1), ("甲社区", 4, 2, 2), ("丙社区", 1, 0, 0)]


ALL_STATUS_FILTERS = [
    combination
    for size in range(len(PROJECT_STATUSES) + 1)
    for combination in itertools.combinations(PROJECT_STATUSES, size)
] + [("推进中", "推进中"), ("暂停",), ("已完成", "暂停")]


@pytest.mark.parametrize("categories", [(), ("环境绿化",)])
def test_list_counts_are_the_lists_own_counts(engine, mixed, categories):
    """The page's lists take their 共有 N 个 from ``livelihood_figures``: for every 状态
    filter (and a 状态 no import gives, stored by hand) exactly what they count themselves."""
    mixed.item(EAST_B, "暂停", dt.date(Y, 3, 1), category="环境绿化")
    mixed.item(WEST_A, "未启动", dt.date(Y, 5, 1), category="环境绿化")
    counts = livelihood_figures(engine, SCOPE, categories).list_counts
    for statuses in ALL_STATUS_FILTERS:
        for search in ("", "甲社区"):
            own = detail.project_list(engine, SCOPE, categories, statuses, search, limit=1)
            known = detail.project_list(engine, SCOPE, categories, statuses, search, counts, 1)
            assert (known.rows, known.matched) == (own.rows, own.matched), (statuses, search)
        own = detail.overdue_projects(engine, SCOPE, categories, statuses, limit=1)
        known = detail.overdue_projects(engine, SCOPE, categories, statuses, counts, 1)
        assert (known.rows, known.matched) == (own.rows, own.matched), statuses


def test_list_counts_say_how_many_without_a_count_statement(engine, mixed):
    """The counts the lists are given are the ones they show (none counted again)."""
    counts = livelihood_figures(engine, SCOPE).list_counts
    assert counts.projects_matching((), "") == 8
    assert counts.projects_matching(("推进中", "已取消"), "") == 4
    assert counts.projects_matching((), "甲") is None
    assert counts.overdue_matching(()) == 3
    assert counts.overdue_matching(("未启动",)) == 1
    assert counts.overdue_matching(("推进中", "已完成")) == 2
    assert counts.overdue_matching(("暂停",)) is None
