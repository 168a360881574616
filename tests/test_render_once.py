"""One pass per page run: one connection, the league once, and tables and charts that do not
grow with the city (issue 11)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import pytest
from direct import PAGES, open_direct
from sqlalchemy import Engine, event

# /data shows its login form without a query; every other page reads figures.
READING_PAGES = [page for page in PAGES if page != "data_admin"]


@pytest.fixture
def checkouts() -> Iterator[list[int]]:
    """How many connections every engine hands out (``Engine.connect``) while the test runs."""
    opened: list[int] = []

    def count(_connection) -> None:  # type: ignore[no-untyped-def]
        opened.append(1)

    event.listen(Engine, "engine_connect", count)
    yield opened
    event.remove(Engine, "engine_connect", count)


def _change_date(at, page: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    """The global 截止日期, /weekly's 报告日期, or the big screen's URL."""
    if page == "weekly":
        at.date_input(key="pf_as_of").set_value(day)
    elif page == "screen":
        at.query_params["to"] = day.isoformat()
    else:
        at.date_input(key="to").set_value(day)


@pytest.mark.parametrize("page", READING_PAGES)
def test_an_uncached_page_run_opens_one_connection(app_db, checkouts, page):
    """Every query of a page run that misses the cache goes through one connection."""
    at = open_direct(page)  # first run: engine start-up (migration check, demo check)
    assert not at.exception
    _change_date(at, page, dt.date(2025, 6, 30))  # a view no run has asked for yet
    checkouts.clear()
    at.run()
    assert not at.exception
    assert len(checkouts) == 1


@pytest.mark.parametrize("page", READING_PAGES)
def test_a_cached_page_run_opens_only_the_health_check(app_db, checkouts, page):
    """The same view again: every figure comes from the cache; the one connection is the
    ``SELECT 1`` every run makes so that a database gone away is said, not hidden."""
    at = open_direct(page)
    checkouts.clear()
    at.run()
    assert not at.exception
    assert len(checkouts) == 1


def _counted(monkeypatch: pytest.MonkeyPatch, module, name: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Replace ``module.name`` by a wrapper that counts its calls (name and module kept, so
    the cache keys of ``ui.data`` stay the same)."""
    calls: list[int] = []
    original = getattr(module, name)

    @functools.wraps(original)
    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_weekly_computes_the_league_and_the_agenda_once_per_view(app_db, monkeypatch):
    """/weekly: one league (this week and last week in one pass: the community register read
    once), one agenda for the table and the 通报; a rerun of the same view computes neither."""
    from figures import league
    from ui import weekly_model

    leagues = _counted(monkeypatch, league, "community_league")
    registers = _counted(monkeypatch, league, "_communities")
    agendas = _counted(monkeypatch, weekly_model, "agenda_frame")
    at = open_direct("weekly")
    assert not at.exception
    assert (len(leagues), len(registers), len(agendas)) == (1, 1, 1)
    at.run()
    assert (len(leagues), len(registers), len(agendas)) == (1, 1, 1)
