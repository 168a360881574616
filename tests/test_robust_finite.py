"""Finite numbers only: a report never emits ``Infinity``/``NaN``/"inf", and no page crashes.

Issue 9: two 当月金额 of 1e308 made the report invalid JSON (``Infinity``), Markdown showed
"inf", the xlsx and ``/weekly`` crashed on SQLite; on PostgreSQL every report and four pages
showed a ``DataError``. The values are written straight into the database here (bypassing the
importer, which rejects them) on both databases.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import subprocess
import sys

import pytest
import streamlit as st
from conftest import REPO_ROOT
from sqlalchemy import insert, select, update

from figures.report import build_report, finite_numbers, report_to_json
from storage import dberrors, rollups
from storage.db import get_engine, make_engine
from storage.models import Community, FiscalMonthly

TODAY = dt.date.today()
HUGE = 1e308
PAGES = ["overview", "livelihood", "fiscal", "census", "volunteers", "screen", "weekly"]


def _two_huge_months(engine, subdistrict: str = "甲街道") -> None:  # type: ignore[no-untyped-def]
    """一般公共预算收入 of 1e308 in January and February of this year: the sum overflows."""
    with engine.begin() as connection:
        connection.execute(
            insert(Community),
            [{"subdistrict": subdistrict, "name": "乙社区", "population": 100, "households": 40}],
        )
        connection.execute(
            insert(FiscalMonthly),
            [
                {
                    "subdistrict": subdistrict,
                    "year": TODAY.year,
                    "month": month,
                    "item": "一般公共预算收入",
                    "amount": HUGE,
                }
                for month in (1, 2)
            ],
        )
        rows = [{"subdistrict": subdistrict, "year": TODAY.year}]
        rollups.refresh_figures(connection, FiscalMonthly.__tablename__, rows)


def test_finite_numbers_finds_every_non_finite_figure():
    """inf and nan anywhere in the report are found (and would be null), finite ones kept."""
    report = {"a": 1.5, "b": [{"c": math.inf}, {"c": 2.0}], "d": {"e": math.nan}, "f": None}
    clean, found = finite_numbers(report)
    assert found == ["b[0].c", "d.e"]
    assert clean == {"a": 1.5, "b": [{"c": None}, {"c": 2.0}], "d": {"e": None}, "f": None}


def test_inf_is_found_in_frames_and_dataclasses_but_missing_values_are_not():
    """Pages get frames and dataclasses: inf anywhere is refused, pandas' NA/nan is not."""
    import pandas as pd

    from figures.scope import Scope
    from storage.finite import require_finite

    frame = pd.DataFrame({"金额": [1.0, None], "n": pd.array([1, None], dtype="Int64")})
    assert require_finite({"rows": [frame], "scope": Scope()}, nan=False) is not None
    frame.loc[0, "金额"] = math.inf
    with pytest.raises(dberrors.FigureOutOfRange, match="金额"):
        require_finite({"rows": [frame]}, nan=False)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("shape", ["dataclass rows", "dict rows", "nested"])
def test_one_bad_figure_among_a_citys_rows_is_found(bad, shape):
    """2,000 rows of one kind are checked cell by cell in one pass: one inf (or nan, when nan
    is refused) in any row, or inside a row's own list, is still found and named."""
    from figures.livelihood import CommunityLivelihood
    from storage.finite import non_finite_paths, require_finite

    rows = [CommunityLivelihood("甲街道", f"{i}社区", 10, 5, 0.5, i % 3) for i in range(2000)]
    if shape == "dataclass rows":
        rows[1234] = CommunityLivelihood("甲街道", "1234社区", 10, 5, bad, 0)
        value, where = {"by_community": rows}, "by_community[1234].completion_rate"
    elif shape == "dict rows":
        rows = [{"community": row.community, "rate": row.completion_rate} for row in rows]
        rows[1999]["rate"] = bad
        value, where = {"by_community": rows}, "by_community[1999].rate"
    else:
        rows = [{"community": row.community, "days": [1.0, 2.0]} for row in rows]
        rows[7]["days"][1] = bad
        value, where = rows, "[7].days[1]"
    assert require_finite(rows[:3]) == rows[:3]
    with pytest.raises(dberrors.FigureOutOfRange, match=re.escape(where)):
        require_finite(value)
    if math.isnan(bad):  # nan=False: pandas' "no value" passes
        assert require_finite(value, nan=False) is value
    else:
        with pytest.raises(dberrors.FigureOutOfRange):
            require_finite(value, nan=False)
    assert non_finite_paths(value) == [where]


def test_report_json_never_contains_infinity():
    """The JSON writer turns a non-finite number into null: always valid JSON."""
    text = report_to_json({"fiscal": {"ytd": math.inf, "yoy": -math.inf, "rate": math.nan}})
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"fiscal": {"ytd": None, "yoy": None, "rate": None}}


def test_a_report_over_overflowing_amounts_is_refused_on_both_databases(engine):
    """SQLite sums to inf, PostgreSQL raises: both are the one 超出可计算范围 problem."""
    _two_huge_months(engine)
    with pytest.raises(dberrors.DATABASE_ERRORS) as caught:
        build_report(engine, TODAY)
    assert dberrors.classify(caught.value) == dberrors.OUT_OF_RANGE


@pytest.mark.parametrize("fmt", ["json", "md", "xlsx"])
def test_report_command_over_overflowing_amounts_exits_1_in_chinese(db_url, fmt, tmp_path):
    """``manage.py report``: no Infinity, no "inf", no traceback; exit 1 with the message."""
    engine = make_engine(db_url)
    _two_huge_months(engine)
    engine.dispose()
    output = tmp_path / f"r.{fmt}"
    env = {**os.environ, "DATABASE_URL": db_url, "DASHBOARD_LOG_FILE": str(tmp_path / "l.log")}
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "report", "--format", fmt, "--output",
         str(output)],
        cwd=REPO_ROOT, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    shown = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 1, shown
    assert "超出可计算范围" in shown
    assert "Traceback" not in shown and "inf" not in shown.lower()
    assert not output.exists()


@pytest.mark.parametrize("page", PAGES)
def test_no_page_crashes_or_shows_inf_over_overflowing_amounts(app_db, page):
    """The demo with two 1e308 months in one 科目 (SQLite): no exception, no "inf" shown."""
    from streamlit.testing.v1 import AppTest

    engine = make_engine(app_db)
    with engine.begin() as connection:
        row = connection.execute(
            select(FiscalMonthly.subdistrict, FiscalMonthly.item).where(
                FiscalMonthly.year == TODAY.year, FiscalMonthly.item == "一般公共预算收入"
            )
        ).first()
        connection.execute(
            update(FiscalMonthly)
            .where(
                FiscalMonthly.year == TODAY.year,
                FiscalMonthly.subdistrict == row.subdistrict,
                FiscalMonthly.item == row.item,
                FiscalMonthly.month.in_((1, 2)),
            )
            .values(amount=HUGE)
        )
        rows = [{"subdistrict": row.subdistrict, "year": TODAY.year}]
        rollups.refresh_figures(connection, FiscalMonthly.__tablename__, rows)
    engine.dispose()
    st.cache_data.clear()
    get_engine.cache_clear()
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    shown += [str(m.value) for m in at.metric] + [e.value for e in at.error]
    for frame in at.dataframe:
        shown.append(frame.value.to_string() if hasattr(frame.value, "to_string") else "")
    text = "\n".join(shown).lower()
    assert "inf" not in text.replace("info", "") and "nan" not in text, text[:2000]
    if page in ("overview", "fiscal", "weekly"):  # they show the overflowing 科目: say why not
        assert any("超出可计算范围" in e.value for e in at.error)


@pytest.mark.parametrize("page", ["overview", "fiscal", "weekly", "screen"])
def test_pages_over_overflowing_amounts_say_so_on_both_databases(db_url, page, monkeypatch):
    """PostgreSQL raised ``DataError`` on four pages: now the Chinese message, as on SQLite."""
    from direct import open_direct

    engine = make_engine(db_url)
    _two_huge_months(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", db_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    get_engine.cache_clear()
    at = open_direct(page, {"rotate": "600"} if page == "screen" else None)
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in at.error] + [m.value for m in at.markdown]
    text = "\n".join(shown)
    assert "DataError" not in text and "overflow" not in text
    assert "超出可计算范围" in text  # the big screen says it on its board
    st.cache_resource.clear()
