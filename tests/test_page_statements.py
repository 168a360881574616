"""What a page run sends to the database (issue 11): with the data version known, a run of a
view no one has asked for yet sends one data-version check and the page's own statements;
the sidebar's lists, the rules, a health ping and the schema check are read once per data
version and process, never again per run. A write by any process is seen by the next run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from direct import PAGES, open_direct
from sqlalchemy import Engine, event

from administration import settings
from administration.accounts import User
from storage.db import make_engine

READING_PAGES = [page for page in PAGES if page != "data_admin"]
# The data version (``figures.meta.data_version``): the one statement a run always sends.
VERSION_CHECK = re.compile(r"max\(import_batch\.id\)")
# 数据截至 (``figures.meta.latest_data_date``): the caption's date for the view, one statement.
DATA_DATE = re.compile(r"max\(service_record\.service_date\).*max\(census_progress\.day\)", re.S)
# What every page run used to read again: none of it may come back while the version holds.
SHARED_READS = {
    "health ping": re.compile(r"^\s*SELECT \S+ AS anon_1\s*$"),
    "街道 list": re.compile(r"SELECT DISTINCT community\.subdistrict FROM community"),
    "社区 register": re.compile(
        r"^\s*SELECT community\.subdistrict, community\.name\s+FROM community\s+ORDER BY"
    ),
    "schema check": re.compile(r"alembic_version"),
}
RULES_READ = re.compile(r"FROM rule_setting ORDER BY rule_setting\.id DESC")
ADMIN = User("admin1", "admin")


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The text of every statement any engine sends while the test runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield sent
    event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture
def demo_url(db_kind: str, demo_copy, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """``DATABASE_URL`` of the small demo on SQLite or PostgreSQL (a copy of the run's load of
    the demo into a fresh database of that kind)."""
    import streamlit as st

    from storage.db import get_engine

    url = demo_copy(db_kind)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_DEMO_ON_EMPTY", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    get_engine.cache_clear()
    return url


def _change_date(at, page: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    """The global 截止日期, /weekly's 报告日期, or the big screen's URL."""
    if page == "weekly":
        at.date_input(key="pf_as_of").set_value(day)
    elif page == "screen":
        at.query_params["to"] = day.isoformat()
    else:
        at.date_input(key="to").set_value(day)


def _shared(sent: list[str]) -> list[str]:
    return [name for text in sent for name, shape in SHARED_READS.items() if shape.search(text)]


def _fiscal_kind(text: str) -> str:
    if VERSION_CHECK.search(text):
        return "version"
    if DATA_DATE.search(text):
        return "data date"
    # The fiscal tables and their rollups (0012): 累计 by month, the city's monthly series.
    if re.search(r"\b(fiscal_(monthly|target)|rollup_fiscal_(ytd|city_month))\b", text):
        return "fiscal"
    return "other"


def test_a_new_fiscal_view_sends_the_version_check_and_its_own_statements(demo_url, statements):
    """/fiscal at another date, on both databases: the version check first, the 数据截至 once,
    and the rest reads the fiscal tables; no list, rule, ping or schema read comes back."""
    at = open_direct("fiscal")  # the first run of the process: engine, lists, rules
    assert not at.exception
    _change_date(at, "fiscal", dt.date.today() - dt.timedelta(days=40))
    statements.clear()
    at.run()
    assert not at.exception
    kinds = [_fiscal_kind(text) for text in statements]
    assert kinds[0] == "version"
    assert (kinds.count("version"), kinds.count("data date"), kinds.count("other")) == (1, 1, 0)
    assert kinds.count("fiscal") >= 1
    assert _shared(statements) == [] and not any(RULES_READ.search(t) for t in statements)


@pytest.mark.parametrize("page", READING_PAGES)
def test_a_new_view_of_any_page_reads_nothing_shared_again(app_db, statements, page):
    """Every page at a date no run has asked for: one version check and the page's figures;
    the sidebar's lists, a ping and the schema check are not read again."""
    at = open_direct(page)
    assert not at.exception
    _change_date(at, page, dt.date.today() - dt.timedelta(days=40))
    statements.clear()
    at.run()
    assert not at.exception
    assert sum(1 for text in statements if VERSION_CHECK.search(text)) == 1
    assert _shared(statements) == []


@pytest.mark.parametrize("page", READING_PAGES)
def test_the_same_view_again_sends_only_the_version_check(app_db, statements, page):
    """A rerun of the same view: every figure from the cache, one statement in all."""
    at = open_direct(page)
    assert not at.exception
    statements.clear()
    at.run()
    assert not at.exception
    assert len(statements) == 1 and VERSION_CHECK.search(statements[0])


def test_a_rule_change_by_another_process_is_seen_by_the_next_run(app_db, statements):
    """A write elsewhere (here a rule change through its own engine, as another server process
    or ``manage.py`` would) moves the data version: the very next run reads the rules again,
    with no wait for a cache to expire."""
    at = open_direct("fiscal")
    assert not at.exception
    writer = make_engine(app_db)
    settings.change_rules(
        writer, ADMIN, levels=3, yellow_points=7, ahead_points=5, severe_points=20
    )
    writer.dispose()
    statements.clear()
    at.run()
    assert not at.exception
    assert any(RULES_READ.search(text) for text in statements)


# The first day of a census campaign (``figures.census.campaign_start``): the plan line's start.
CAMPAIGN_START = re.compile(r"min\(rollup_census_daily\.day\)")


@pytest.mark.parametrize("page", ["weekly", "overview", "screen"])
def test_the_campaign_start_is_read_once_per_run(app_db, statements, page):
    """/weekly (and the overview and the big screen, which show the league too) at a new date
    judge this week's and last week's census against one campaign's plan line: its first day
    is read once per run, not once per week."""
    at = open_direct(page)
    assert not at.exception
    _change_date(at, page, dt.date.today() - dt.timedelta(days=3))
    statements.clear()
    at.run()
    assert not at.exception
    assert any(re.search(r"FROM census_progress|rollup_census_daily", t) for t in statements)
    assert sum(1 for text in statements if CAMPAIGN_START.search(text)) == 1
