"""What the merged whole showed in the browser review: one figure written one way on every surface."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from browser_printf import browser_printf

from ui import census_model, charts, fiscal_model, overview_model, tables, volunteers_model
from ui import format as fmt


def _layer_formats(chart) -> list[str]:  # type: ignore[no-untyped-def]
    """The d3 formats of every text mark's label in a layered chart."""
    spec = chart.to_dict()
    return [
        layer["encoding"]["text"]["format"]
        for layer in spec["layer"]
        if "text" in layer.get("encoding", {})
    ]


def test_bar_labels_have_one_decimal_like_the_tables():
    """Points and hours on a bar read −11.3 and 1,301.2 (the table's 1,301.2), not 1,301.20."""
    frame = pd.DataFrame({"社区": ["甲社区", "乙社区"], "服务时长": [1301.2, 1112.9]})
    chart = charts.ranking_bar(frame, category="社区", value="服务时长", value_title="小时")
    assert _layer_formats(chart) == [",.1f"]
    big = charts.ranking_bar(frame, category="社区", value="服务时长", value_title="小时", big=True)
    assert _layer_formats(big) == [",.1f"]


def test_big_screen_names_are_never_cut_and_legend_dots_grow():
    """At 4K a community name with its 街道 ("丰庆路社区（花园）") is whole, legend dots scale."""
    config = charts._theme(big=True)["config"]
    assert config["axis"]["labelLimit"] == 0
    assert "containerSize" in config["legend"]["symbolSize"]["expr"]
    assert charts._theme(big=False)["config"]["axis"]["labelLimit"] == 400


def _shown(table: tables.Written) -> str:
    """The table's text as the page shows it: each cell through its column's printf format,
    the page's dash in a cell without a value, text as it is."""
    lines = []
    for _, row in table.data.iterrows():
        cells = []
        for name, value in row.items():
            printf = (table.column_config.get(name) or {}).get("type_config", {}).get("format")
            if pd.isna(value):
                cells.append(tables.MISSING)
            elif printf:
                cells.append(browser_printf(printf, value))
            else:
                cells.append(str(value))
        lines.append("|".join(cells))
    return "\n".join(lines)


def test_tables_write_rates_counts_and_amounts_the_one_way():
    """A rate 70.1% (st's "percent" printed 70.11%), a count 12,317 人 (not 12317 人)."""
    frame = pd.DataFrame(
        {"注册率": [0.70109], "常住人口": [12317], "累计（万元）": [118790.0], "时长": [1301.2]}
    )
    text = _shown(
        tables.written(
            frame,
            rates=("注册率",),
            counts={"常住人口": "人"},
            amounts=("累计（万元）",),
            one_decimal=("时长",),
        )
    )
    assert "70.1%" in text and "70.11" not in text
    assert "12,317 人" in text and "118,790.00" in text and "1,301.2" in text
    assert frame["注册率"].iloc[0] == 0.70109  # the numbers stay numbers (sorting, downloads)


def test_page_tables_show_one_decimal_rates_and_separated_counts():
    """/fiscal, /census and /volunteers tables: 86.5% / 91.7% / 13.2%, 2,188 户, 12,317 人."""
    fiscal = pd.DataFrame(
        {
            "街道": ["文化路街道"],
            "当月（万元）": [9219.16],
            "累计（万元）": [102715.01],
            "年度目标（万元）": [118790.0],
            "完成目标": [0.8647],
            "序时进度": [0.91667],
            "较序时进度（个百分点）": [-5.2],
            "状态": ["● 预警"],
            "同比": [0.0351],
        }
    )
    text = _shown(fiscal_model.subdistrict_table(fiscal))
    assert all(word in text for word in ("86.5%", "91.7%", "3.5%", "118,790.00"))
    assert "86.47" not in text and "91.67" not in text
    shares = _shown(fiscal_model.composition_table(pd.DataFrame({"占比": [0.4017]})))
    assert "40.2%" in shares and "40.17" not in shares
    behind = pd.DataFrame({"登记率": [0.2699], "计划进度": [0.625], "未登记户数": [2188]})
    text = _shown(census_model.behind_table(behind))
    assert "27.0%" in text and "62.5%" in text and "2,188 户" in text
    forecast = _shown(census_model.forecast_table(pd.DataFrame({"应登记户数": [2997]})))
    assert "2,997" in forecast
    ranking = pd.DataFrame({"常住人口": [12317], "注册率": [0.1315], "服务时长（小时）": [1301.2]})
    text = _shown(volunteers_model.ranking_table(ranking))
    assert "12,317 人" in text and "13.2%" in text and "1,301.2" in text


def test_league_bars_print_one_decimal():
    """The league's progress bars print 70.1% (Streamlit's "percent" printed 70.11%)."""
    frame = pd.DataFrame({"民生实事完成率": [0.8571], "普查登记率": [0.7011]})
    shown = overview_model.league_display(frame)
    assert shown["普查登记率"].iloc[0] == pytest.approx(70.11)
    config = overview_model.league_column_config()["普查登记率"]
    assert config["type_config"]["format"] == fmt.PCT_PRINTF == "%.1f%%"
    assert config["type_config"]["max_value"] == 100
    assert frame["普查登记率"].iloc[0] == 0.7011  # the download keeps the fraction


def test_no_table_uses_streamlits_own_percent_or_unseparated_counts():
    """The class of problem: a column format that writes 70.11% or 12317 人 on a page."""
    offenders = []
    for path in [*Path("views").glob("*.py"), *Path("ui").glob("*.py")]:
        source = path.read_text("utf-8")
        for bad in ('format="percent"', 'format="%d 人"', 'format="%d 户"', 'format="localized"'):
            if bad in source:
                offenders.append(f"{path}: {bad}")
    assert offenders == []


def test_pdf_cell_never_starts_a_line_with_a_closing_bracket():
    """The printed fiscal table's header read 年度目标（万元 / ） with the bracket alone."""
    from reporting import pdf

    try:
        document = pdf._new_pdf("测试")
    except pdf.PdfFontMissing:
        pytest.skip("no CJK font")
    document.set_font(pdf.FONT_FAMILY, size=9)
    header = "年度目标（万元）"
    width = document.get_string_width(header[:-1]) + 0.1  # room for all but the bracket
    lines = pdf._cell_lines(document, header, width)
    assert len(lines) == 2 and "".join(lines) == header
    assert not any(line[0] in pdf.NO_LINE_START for line in lines), lines


def _ems(text: str) -> float:
    """Printed width in type sizes: a CJK character one, a digit or Latin letter about half."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def test_word_table_keeps_names_and_rows_whole(app_db):
    """The 通报's table printed 花园路街/道, 新华北路社/区 and split a row over two pages."""
    import datetime as dt
    import io

    from docx import Document
    from docx.oxml.ns import qn

    from reporting import word
    from storage.db import make_engine

    engine = make_engine(app_db)
    document = Document(io.BytesIO(word.weekly_docx(engine, dt.date.today(), None)))
    engine.dispose()
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == list(word.TABLE_HEADERS)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert table._tbl.tblPr.find(qn("w:tblCellMar")) is not None
    char_mm = 12 / 72 * 25.4  # 小四, a CJK character is as wide as the type size
    for index, width in enumerate(word.TABLE_WIDTHS_MM):
        longest = max(_ems(row.cells[index].text) for row in table.rows)
        needed = longest * char_mm + 2 * word.CELL_MARGIN_MM
        assert needed <= width, (word.TABLE_HEADERS[index], longest, needed, width)
    assert sum(word.TABLE_WIDTHS_MM) <= 156


def test_a_falls_label_stands_left_of_its_bar():
    """−24.9 was drawn across its red bar in dark ink; it now stands beyond the bar's end."""
    frame = pd.DataFrame({"社区": ["甲社区", "乙社区"], "综合得分": [5.2, -24.9]})
    spec = charts.ranking_bar(
        frame, category="社区", value="综合得分", value_title="个百分点"
    ).to_dict()
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert "< 0 ? 'right' : 'left'" in text["mark"]["align"]["expr"]
    assert 'datum["综合得分"]' in text["mark"]["dx"]["expr"]
    assert text["encoding"]["x"]["scale"]["padding"] > 0  # room for the label
    rising = charts.ranking_bar(
        frame.assign(综合得分=[5.2, 1.0]), category="社区", value="综合得分", value_title="点"
    ).to_dict()
    assert "scale" not in next(iter(rising["layer"]))["encoding"]["x"]


def test_long_chart_titles_wrap_for_a_phone():
    """A chart title longer than a phone's chart is two lines, cut at its "：" or "（"."""
    assert charts.title_lines("一般公共预算收入：2026年与2025年同月对比（同比 +4.6%）") == [
        "一般公共预算收入：",
        "2026年与2025年同月对比（同比 +4.6%）",
    ]
    assert charts.title_lines("逐月累计完成（虚线：按计划完成日期的累计计划数）") == [
        "逐月累计完成",
        "（虚线：按计划完成日期的累计计划数）",
    ]
    assert charts.title_lines("月度收入（当月数）") == "月度收入（当月数）"
    frame = pd.DataFrame({"月份": ["2026-01"], "年度": ["2026年"], "金额": [1.0]})
    spec = charts.grouped_bar(
        frame,
        x="月份",
        y="金额",
        series="年度",
        y_title="万元",
        title="一般公共预算收入：2026年与2025年同月对比",
    ).to_dict()
    assert spec["title"] == ["一般公共预算收入：", "2026年与2025年同月对比"]


def test_printed_weekly_metrics_have_no_blank_cells():
    """The PDF's 本周变化 left 变化 blank for three rows, read as a figure left out."""
    from ui import weekly_model as wm

    metrics = [wm.Metric("本周完成民生实事", "9 项", help_text="2026 年共 113 项")]
    table = wm._metrics_table(metrics)
    assert table.rows == [["本周完成民生实事", "9 项", "—", "2026 年共 113 项"]]


def test_the_running_month_says_it_is_not_finished():
    """/volunteers drew 2 days of December as a month: the line fell from 1,600 to 170."""
    import datetime as dt

    from figures.volunteers import MonthService

    months = [MonthService(2026, 11, 540, 1600.0, 300), MonthService(2026, 12, 50, 170.0, 40)]
    frame = volunteers_model.month_frame(months, dt.date(2026, 12, 2))
    assert frame["月份"].tolist() == ["2026-11", "2026-12（至2日）"]
    note = volunteers_model.running_month_note(frame)
    assert note is not None and "2026-12 只含 1—2 日的记录" in note and "不是整月" in note
    closed = volunteers_model.month_frame(months, dt.date(2026, 12, 31))
    assert closed["月份"].tolist() == ["2026-11", "2026-12"]
    assert volunteers_model.running_month_note(closed) is None


def test_type_table_lists_types_in_the_order_of_the_bars_beside_it():
    """The table beside the 服务时长 bars followed 人次: 便民服务 and 文明劝导 swapped places."""
    from figures.volunteers import GroupService

    groups = [
        GroupService("文明劝导", None, 888, 2389.5, 872),
        GroupService("便民服务", None, 886, 2465.2, 868),
    ]
    assert volunteers_model.type_frame(groups)["活动类型"].tolist() == ["便民服务", "文明劝导"]


def test_the_browser_prints_every_cell_as_ui_format_writes_it():
    """Each kind of column, printed by the table's own formats, reads as ``ui.format`` writes
    it, at the ties where JavaScript and Python round apart (1,301.25 hours, 0.125 万元,
    a rate of 0.70125), below zero, at zero and without a value."""
    hours = [1301.25, 1301.75, 0.25, 2.5, -3.25, 0.0, 1234567.85, None]
    amounts = [0.125, 118790.005, -0.375, 2.675, 1e9 + 0.125, 0.0, 3.0, None]
    rates = [0.70125, 0.0025, 0.5, -0.04375, 1.0, 0.0, 0.123456, None]
    counts = [12317, 0, 1_234_567, 2, 7, 10, 99, None]
    changes = [0.0351, -0.05, 0.0004, -0.0004, 0.0, 0.27625, None, 1.5]
    frame = pd.DataFrame(
        {"时长": hours, "金额": amounts, "比率": rates, "人数": counts, "同比": changes}
    )
    table = tables.written(
        frame,
        rates=("比率",),
        counts={"人数": "人"},
        amounts=("金额",),
        one_decimal=("时长",),
        signed_rates=("同比",),
    )
    expected = "\n".join(
        "|".join(
            [
                fmt.hours_number(h),
                fmt.wan_number(a),
                fmt.pct(r),
                fmt.count(c, "人"),
                fmt.signed_pct(g),
            ]
        )
        for h, a, r, c, g in zip(hours, amounts, rates, counts, changes, strict=True)
    )
    assert _shown(table) == expected
    # The cells stay numbers, a tie moved by one unit in the last place at most.
    assert table.data["时长"].tolist()[:2] == pytest.approx([1301.25, 1301.75], abs=1e-9)
    assert frame["时长"].iloc[0] == 1301.25  # the frame itself (downloads) is untouched


def test_changes_and_gaps_print_as_ui_format_writes_them_and_stay_numbers():
    """同比 (``changes``) and a gap in points (``points``) are numbers that sort by value,
    printed +3.5% / -5.0% and +3.2 / -11.3 as ``ui.format`` writes them (ties included); one
    that rounds to zero reads +0.0% / +0.0 (a printf format writes no 持平), never -0.0; a
    dash without a value."""
    changes = [0.0351, -0.05, 0.0004, -0.0004, 0.0, 0.27625, None, 1.5, 0.102, 0.091]
    gaps = [3.25, -0.04, 0.0, -11.3, None, 0.75, 12.0, -3.25, 0.05, -0.05]
    frame = pd.DataFrame({"同比": changes, "较序时进度（个百分点）": gaps})
    table = tables.written(frame, changes=("同比",), points=("较序时进度（个百分点）",))

    def change_text(change: float | None) -> str:
        text = fmt.signed_pct(change)
        return "+0.0%" if text == fmt.LEVEL_WORD else text

    def gap_text(gap: float | None) -> str:
        return fmt.DASH if gap is None else f"{gap:+.1f}".replace("-0.0", "+0.0")

    expected = "\n".join(
        f"{change_text(c)}|{gap_text(g)}" for c, g in zip(changes, gaps, strict=True)
    )
    assert _shown(table) == expected
    assert table.data["同比"].dtype == float and table.data["较序时进度（个百分点）"].dtype == float
    ordered = table.data["同比"].dropna().sort_values(kind="stable")
    assert list(ordered.index) == [1, 2, 3, 4, 0, 9, 8, 5, 7]  # the level ones tie at 0


def test_pages_draw_their_tables_without_a_styler(app_db, monkeypatch):
    """/census, /volunteers, /fiscal and /overview write their cells through column formats:
    no pandas Styler on a page run (13 ms a table at city scale), first run or rerun."""
    from direct import open_direct
    from pandas.io.formats.style import Styler

    made: list[int] = []
    original = Styler.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Styler, "__init__", counting)
    for page in ("census", "volunteers", "fiscal", "overview"):
        at = open_direct(page)
        assert not at.exception, page
        assert at.dataframe, page
        at.run()
        assert not at.exception, page
    assert made == []
