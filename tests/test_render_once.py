"""One pass per page run: one connection, the league once, and tables and charts that do not
grow with the city (issue 11)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import pandas as pd
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
    data-version check every run makes, which is also how a database gone away is said, not
    hidden."""
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


@pytest.fixture
def city_app_db(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``DATABASE_URL`` of a small city: 8 subdistricts × 10 communities (a long league)."""
    import streamlit as st

    from demo.city import CityScale, load_city
    from storage.db import get_engine, make_engine, migrate

    url = f"sqlite:///{tmp_path / 'city.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_city(engine, scale=CityScale(8, 10, 1, 400, 5_000), today=dt.date.today())
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_DEMO_ON_EMPTY", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    get_engine.cache_clear()
    return url


def test_table_view_shows_the_ends_then_pages_and_searches():
    """2,000 rows: the first and last 10, 40 pages of 50, and a search over the names."""
    from ui import tables

    frame = pd.DataFrame({"排名": range(1, 2001), "社区": [f"第{i}社区" for i in range(1, 2001)]})
    ends = tables.table_view(frame, "", tables.EDGES, ["社区"])
    assert list(ends.rows["排名"]) == [*range(1, 11), *range(1991, 2001)]
    assert ends.choices == (tables.EDGES, *range(40))
    assert "共 2,000 行，显示前 10 行与后 10 行（中间 1,980 行未显示）" in ends.note
    second = tables.table_view(frame, "", 1, ["社区"])
    assert list(second.rows["排名"]) == list(range(51, 101))
    found = tables.table_view(frame, "第12", tables.EDGES, ["社区"])  # 第12…: 12, 120–129, …
    assert found.choices == (0, 1, 2) and len(found.rows) == 50  # 111 rows in 3 pages
    assert "含“第12”的 111 行，显示第 1–50 行" in found.note
    assert all("第12" in name for name in found.rows["社区"])


def test_overview_league_shows_ends_pages_search_and_downloads_every_row(city_app_db, monkeypatch):
    """80 communities: the table shows the best and worst 10, pages and a search; the chart
    the best and worst 10 with a note; the Excel download holds all 80."""
    import io

    import openpyxl
    import streamlit as st
    from streamlit.elements.widgets.button import ButtonMixin

    downloads: dict[str, bytes] = {}
    original = ButtonMixin.download_button

    def record(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        body = data() if callable(data) else data
        downloads[str(kwargs.get("file_name"))] = body
        return original(self, label, body, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", record)
    monkeypatch.setattr(st, "download_button", functools.partial(record, st._main))

    at = open_direct("overview")
    assert not at.exception
    league = at.dataframe[0].value
    ranked = league["排名"].dropna()
    assert len(league) == 20 and list(ranked.head(10)) == sorted(ranked.head(10))
    captions = " ".join(c.value for c in at.caption)
    assert "共 80 行，显示前 10 行与后 10 行（中间 60 行未显示）" in captions
    assert "下载的 Excel 含全部行" in captions and "左右滑动查看其余列" in captions
    assert "另有 60 个社区未显示" in captions

    at.selectbox(key="league_table_page").set_value(1).run()  # 第 51–80 行
    assert len(at.dataframe[0].value) == 30

    name = str(league["社区"].iloc[0])
    at.text_input(key="league_table_q").input(name).run()
    found = at.dataframe[0].value
    assert 1 <= len(found) < 20 and all(name in str(text) for text in found["社区"])

    workbook = openpyxl.load_workbook(io.BytesIO(next(iter(downloads.values()))))
    assert workbook["社区排名"].max_row == 1 + 80


# Pages that draw charts; the screen's board draws one per section.
CHART_PAGES = ["overview", "livelihood", "fiscal", "census", "volunteers", "screen"]
CHART_BUILDERS = ("ranking_bar", "time_series", "grouped_bar", "share_donut", "spec")


@pytest.mark.parametrize("page", CHART_PAGES)
def test_a_cached_rerun_builds_no_chart(app_db, monkeypatch, page):
    """The same view again draws its charts from the Vega-Lite specs cached with the figures
    (``data.built``): no Altair chart is built or validated again, which cost 20–100 ms a
    chart at city scale (issue 11)."""
    from ui import charts

    calls = {name: _counted(monkeypatch, charts, name) for name in CHART_BUILDERS}
    at = open_direct(page)
    assert not at.exception
    first = {name: len(made) for name, made in calls.items()}
    assert first["spec"] > 0, "the first run made no chart: nothing to check"
    at.run()
    assert not at.exception
    assert at.get("vega_lite_chart")
    assert {name: len(made) for name, made in calls.items()} == first


def test_livelihood_lists_are_coloured_by_the_table_not_a_styler(app_db, monkeypatch):
    """/livelihood's overdue and project lists (2,000 rows at city scale) colour 状态 and
    逾期天数 through ``column_config``: no pandas Styler, whose cost grows with every cell."""
    import json

    from pandas.io.formats.style import Styler

    from ui import format as fmt
    from ui import livelihood_model

    stylers = _counted(monkeypatch, Styler, "__init__")
    at = open_direct("livelihood")
    assert not at.exception
    assert not stylers
    lists = [table for table in at.dataframe if "逾期天数" in table.value.columns]
    assert len(lists) == 2  # 逾期项目, 项目清单
    for table in lists:
        config = json.loads(table.proto.columns)
        states = {o["value"]: o["color"] for o in config["状态"]["type_config"]["options"]}
        assert states == livelihood_model.PROJECT_STATUS_COLORS
        late = config["逾期天数"]["type_config"]
        assert late["color"] == fmt.STATUS_COLORS["red"] and late["format"] == fmt.DAYS_PRINTF
        shown = table.value["逾期天数"].dropna()
        assert len(shown) and shown.max() <= late["max_value"]


@pytest.mark.parametrize("page", ["census", "volunteers", "fiscal"])
def test_a_cached_rerun_writes_no_table_cell(app_db, monkeypatch, page):
    """The cells of a page's tables (12,317 人, 70.1%) are written once per view, with the
    query results (``data.built``): the same view again only picks the rows on screen."""
    from ui import tables

    writes = _counted(monkeypatch, tables, "written")
    at = open_direct(page)
    assert not at.exception
    first = len(writes)
    assert first > 0, "the first run wrote no table: nothing to check"
    at.run()
    assert not at.exception
    assert len(writes) == first


def test_what_the_first_runs_import_is_kept_out_of_the_collectors_walks(app_db, monkeypatch):
    """After a page's first run the objects its imports made are frozen (a full collection
    walked 200,000 of them, 75–450 ms on the server, issue 11); a run that imports nothing new
    neither collects nor freezes again."""
    import gc

    from ui import heap

    monkeypatch.setattr(heap, "_modules_frozen", 0)  # as in a new process
    gc.unfreeze()
    try:
        at = open_direct("overview")
        assert not at.exception
        assert gc.get_freeze_count() > 10_000
        collections = _counted(monkeypatch, gc, "collect")
        at.run()
        assert not at.exception
        assert collections == []
    finally:
        gc.unfreeze()
