"""The 数据大屏: rotation and refresh arithmetic, figures from the report, and the page in AppTest."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import open_page

from figures.report import build_report
from figures.scope import Scope
from storage.db import make_engine
from ui import format as fmt
from ui import screen_model as sm

TODAY = dt.date.today()


# ---------------------------------------------------------------- rotation and refresh


def test_first_run_starts_at_the_first_section():
    """No rotation yet: show section 0 from now."""
    assert sm.advance(None, 100.0, 30, 5) == sm.Rotation(0, 100.0)


@pytest.mark.parametrize(
    ("index", "started", "now", "expected"),
    [
        (0, 100.0, 110.0, sm.Rotation(0, 100.0)),  # not yet due
        (0, 100.0, 130.0, sm.Rotation(1, 130.0)),  # due
        (0, 100.0, 129.9, sm.Rotation(1, 129.9)),  # a fragment waking a little early
        (4, 100.0, 131.0, sm.Rotation(0, 131.0)),  # wraps round after the last section
    ],
)
def test_rotation_advances_once_the_dwell_time_has_passed(index, started, now, expected):
    """The next section comes after ``rotate`` seconds, and after the last comes the first."""
    assert sm.advance(sm.Rotation(index, started), now, 30, 5) == expected


def test_refresh_tick_changes_once_per_period():
    """Times within one refresh period share a tick; the next period has a new one."""
    assert sm.refresh_tick(600.0, 300) == sm.refresh_tick(899.9, 300)
    assert sm.refresh_tick(900.0, 300) == sm.refresh_tick(600.0, 300) + 1


@pytest.mark.parametrize(("rotate", "refresh", "every"), [(30, 300, 30), (30, 2, 2), (3, 300, 3)])
def test_board_wakes_for_the_sooner_of_rotation_and_refresh(rotate, refresh, every):
    """The fragment runs often enough for both the rotation and the data refresh."""
    assert sm.fragment_interval(rotate, refresh) == every


def test_rolled_scope_follows_the_calendar_when_dates_are_defaults():
    """A screen left on over New Year shows the new day and year; URL dates stay fixed."""
    old = Scope("花园路街道", (), dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    new_day = dt.date(2026, 1, 1)
    assert sm.rolled_scope(old, new_day) == Scope("花园路街道", (), new_day, new_day)
    assert sm.rolled_scope(old, new_day, from_in_url=True, to_in_url=True) == old


def test_clock_text_has_date_weekday_and_seconds():
    """The title clock reads like a Chinese wall clock and ticks every second."""
    assert sm.clock_text(dt.datetime(2026, 11, 22, 9, 5, 7)) == "2026年11月22日 星期日 09:05:07"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (None, ("—", "")),
        (2167.0, ("2,167.00", "万元")),
        (9999.99, ("9,999.99", "万元")),
        (10000.0, ("1.00", "亿元")),
        (138412.62, ("13.84", "亿元")),
    ],
)
def test_money_keeps_big_amounts_short(amount, shown):
    """A headline amount below 1 亿元 is written in 万元 (two decimals), from 1 亿元 up in 亿元,
    so the number fits the card: the one rule of ui.format.amount_parts."""
    assert fmt.amount_parts(amount) == shown


@pytest.mark.parametrize(
    ("scope", "title"),
    [
        (Scope(), "全部街道治理数据大屏"),
        (Scope("花园路街道"), "花园路街道治理数据大屏"),
        (Scope("花园路街道", (("花园路街道", "柳林社区"),)), "花园路街道（柳林社区）治理数据大屏"),
    ],
)
def test_title_names_the_subdistrict(scope, title):
    """The board's title says whose screen it is."""
    assert sm.screen_title(scope) == title


# ---------------------------------------------------------------- figures from the report


@pytest.fixture
def screen_data(app_db) -> sm.ScreenData:
    engine = make_engine(app_db)
    data = sm.load_screen_data(engine, Scope(date_to=TODAY), dt.datetime.now())
    engine.dispose()
    return data


def test_livelihood_figures_are_the_report_figures(app_db, screen_data):
    """完成率, counts and overdue on the board equal the weekly report's."""
    engine = make_engine(app_db)
    lv = build_report(engine, TODAY)["livelihood"]
    engine.dispose()
    figures = {f.label: f for f in sm.livelihood_figures(screen_data)}
    assert figures[f"{lv['year']}年完成率"].value == f"{lv['completion_rate'] * 100:.1f}"
    assert figures["已完成 / 项目总数"].value == f"{lv['completed']:,} / {lv['total']:,}"
    assert figures["逾期项目"].value == f"{lv['overdue']:,}"
    assert figures["本周完成"].value == f"{lv['completed_this_week']:,}"


def test_every_section_has_four_figures_and_a_chart(screen_data):
    """Each of the five sections fills its 2×2 grid and its chart area with demo data."""
    for section in sm.SECTIONS:
        assert len(sm.section_figures(section, screen_data)) == 4
        spec = sm.section_chart(section, screen_data)
        assert spec is not None and 0 < len(spec.frame) <= sm.MAX_BARS


def test_long_rankings_show_the_lowest_communities(screen_data):
    """With more communities than bars, the census chart keeps the lowest rates."""
    spec = sm.census_chart(screen_data)
    rates = sorted(r.rate for r in screen_data.census.by_community if r.expected)
    assert sorted(spec.frame["登记率"]) == rates[: sm.MAX_BARS]


# ---------------------------------------------------------------- page


def _texts(at) -> str:
    return "\n".join(block.value for block in at.markdown)


def test_screen_opens_with_title_clock_and_data_date(app_db):
    """The board shows its title, the first section and 数据截至 without an exception."""
    at = open_page("screen")
    assert not at.exception
    text = _texts(at)
    assert "全部街道治理数据大屏" in text
    assert "总体态势 · 1/5" in text
    assert "数据截至" in text
    assert not at.sidebar.children or not list(at.sidebar)


def test_screen_honors_the_subdistrict_in_the_url(app_db):
    """?subdistrict= makes it that subdistrict's screen."""
    at = open_page("screen", {"subdistrict": "花园路街道"})
    assert not at.exception
    assert "花园路街道治理数据大屏" in _texts(at)


def test_invalid_rotate_value_is_reported_on_the_board(app_db):
    """A bad ?rotate= is named on the screen and the default dwell time is used."""
    at = open_page("screen", {"rotate": "abc", "refresh": "1"})
    assert not at.exception
    text = _texts(at)
    assert "轮播间隔" in text and "刷新间隔" in text


def test_empty_database_shows_an_empty_board(empty_app_db):
    """With no data the board still draws, says 暂无数据, and raises nothing."""
    at = open_page("screen")
    assert not at.exception
    assert "暂无数据" in _texts(at)
