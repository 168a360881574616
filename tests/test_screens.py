"""Issue 13 (screens): closed fiscal months, numbers glued to units, sizes that fit, Chinese CLI.

The browser checks are in tests/browser/test_screens_browser.py; these are the plain-value rules
behind them, each able to fail on its own.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from demo.subdistricts import load_demo
from figures.fiscal import fiscal_report
from figures.scope import Scope
from manage import build_parser
from ui import charts, screen_model, tables
from ui import format as fmt

DEMO_TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    """The small demo as it stands on 1 December 2026 (the day the figures used to flip)."""
    load_demo(engine, scale="small", today=DEMO_TODAY)
    return engine


def test_fiscal_on_the_first_equals_the_last_day_before(demo_engine):
    """?to=2026-12-01 shows the same month, 序时进度 and 同比 as ?to=2026-11-30."""
    before = fiscal_report(demo_engine, Scope(date_to=dt.date(2026, 11, 30)))
    first = fiscal_report(demo_engine, Scope(date_to=DEMO_TODAY))
    assert before is not None and first is not None
    assert (first.year, first.month, first.time_progress) == (2026, 11, before.time_progress)
    assert [(i.item, i.ytd, i.yoy, i.target_rate) for i in first.items] == [
        (i.item, i.ytd, i.yoy, i.target_rate) for i in before.items
    ]


@pytest.mark.parametrize(("month", "text"), [(11, "1—11月"), (1, "1月"), (None, "—")])
def test_months_covered_names_the_closed_months(month, text):
    assert fmt.months_covered(month) == text


@pytest.mark.parametrize(
    ("text", "glued"),
    [
        ("当月 598 万元", "当月 598\u00a0万\u2060元"),
        ("17,234.2 小时", "17,234.2\u00a0小\u2060时"),
        ("103 / 113 项", "103\u00a0/\u00a0113\u00a0项"),
        ("完成 86.5%", "完成 86.5\u2060%"),
        ("慢于序时进度 5.2 个百分点", "慢于序时进度 5.2\u00a0个\u2060百\u2060分\u2060点"),
    ],
)
def test_keep_units_glues_a_number_to_its_unit(text, glued):
    """No line break can fall between a number and its unit, nor inside the unit."""
    assert fmt.keep_units(text) == glued


def test_big_screen_value_shrinks_so_value_and_unit_fit():
    """A long value gets a smaller size class; a short one the largest."""
    assert screen_model.value_size("91.1", "%") == 0
    long_size = screen_model.value_size("17,234.2", "小时")
    assert long_size > 0
    size = screen_model.VALUE_SIZES_REM[long_size]
    assert size * screen_model._em_width("17,234.2") + 1.5 * 2 <= screen_model.CARD_TEXT_REM


def test_lowest_bars_keep_the_worst_and_say_so():
    """注册率 chart: the community furthest from the target is always among the bars."""
    frame = pd.DataFrame(
        {"社区": [f"社区{i}" for i in range(25)], "注册率": [i / 100 for i in range(25)]}
    )
    shown, cut = charts.lowest(frame, "注册率", 20)
    assert cut and len(shown) == 20
    assert "社区0" in set(shown["社区"]) and "社区24" not in set(shown["社区"])


def test_unfinished_first_leaves_out_finished_communities():
    """完成率最低的社区 never lists a community at 100% when others are below."""
    records = [{"社区": f"社区{i}", "完成率": 1.0, "状态": "正常"} for i in range(12)]
    records += [{"社区": "落后社区", "完成率": 0.5, "状态": "滞后"}]
    shown = screen_model._unfinished_first(records, "完成率")
    assert [r["社区"] for r in shown] == ["落后社区"]


def test_chart_theme_shows_every_legend_entry_and_flat_ticks():
    """Legends have no symbol limit and whole labels; x labels are flat and never collide."""
    config = charts._theme(big=False)["config"]
    assert config["legend"]["symbolLimit"] == 0 and config["legend"]["labelLimit"] == 0
    assert config["axisX"]["labelAngle"] == 0
    assert config["axis"]["labelOverlap"] == "greedy"
    assert len(set(charts.PALETTE)) == charts.MAX_SERIES >= 12


def test_big_screen_chart_text_follows_the_canvas():
    """On the big screen chart text is an expression of the chart box, not a fixed 22 px."""
    config = charts._theme(big=True)["config"]
    assert "containerSize" in config["axis"]["labelFontSize"]["expr"]


def test_table_note_says_what_is_hidden():
    """A long or wide table says how many rows and columns it has out of sight."""
    frame = pd.DataFrame({f"列{i}": range(30) for i in range(9)})
    note = tables.hidden_note(frame)
    assert note is not None and "共 30 行" in note and "共 9 列" in note
    assert tables.hidden_note(frame.head(5)[["列0", "列1"]]) is None


def test_a_four_column_table_says_it_scrolls_sideways_on_a_phone():
    """会议议程 and 需要关注 have four columns: on a 390 px phone the last one is out of sight."""
    note = tables.hidden_note(pd.DataFrame({f"列{i}": range(3) for i in range(4)}))
    assert note is not None and "共 4 列" in note and "手机" in note


def test_manage_help_is_chinese(capsys):
    """``manage.py --help``: 用法, 选项, 命令 and the help line in Chinese, no argparse English."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "显示本帮助并退出" in out and "命令" in out
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in out


def test_manage_errors_are_chinese(capsys):
    """A missing command is reported in Chinese with exit code 2."""
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([])
    assert stop.value.code == 2
    assert "错误：缺少必需的参数" in capsys.readouterr().err


def test_correction_table_shows_an_empty_cell_not_none():
    """在线更正: an unfinished project's 完成日期 is an empty cell; emptying it saves None."""
    from ingest.corrections import EditableProject
    from ui import data_admin_model as model

    projects = [
        EditableProject(
            "P-1",
            "甲街道",
            "一社区",
            "甲",
            "加装电梯",
            2026,
            dt.date(2026, 6, 1),
            "推进中",
            None,
            10.0,
            5,
        ),
        EditableProject(
            "P-2",
            "甲街道",
            "一社区",
            "乙",
            "加装电梯",
            2026,
            dt.date(2026, 6, 1),
            "已完成",
            dt.date(2026, 5, 20),
            10.0,
            5,
        ),
    ]
    frame = model.projects_frame(projects)
    assert list(frame["完成日期"]) == ["", "2026-05-20"]
    assert "None" not in frame.astype(str).to_numpy().ravel().tolist()
    edits = model.edits_from_state(frame, {"1": {"状态": "推进中", "完成日期": ""}})
    assert edits[0].values == {"状态": "推进中", "完成日期": None}
