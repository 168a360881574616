"""The 财政税收 page: its model on fixed values, and the page in AppTest against the report."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from conftest import open_page

from figures.fiscal import FiscalItem, FiscalReport, MonthAmount
from figures.report import build_report
from figures.status import DEFAULT_RULES
from storage.db import make_engine
from ui import fiscal_model as fm
from ui import format as fmt
from ui import tables
from ui.table_export import excel_bytes

GENERAL, TAX, VAT, CIT = "一般公共预算收入", "税收收入", "增值税", "企业所得税"


def item(sub: str, name: str, ytd: float, target: float | None = None, yoy=None) -> FiscalItem:
    rate = None if not target else round(ytd / target, 4)
    return FiscalItem(sub, name, ytd / 10, ytd, target, rate, yoy)


def report(*items: FiscalItem, month: int = 10) -> FiscalReport:
    return FiscalReport(
        year=2020, month=month, time_progress=round(month / 12, 4), items=list(items)
    )


# ---------------------------------------------------------------- 通报 sentence


def total(name: str, ytd: float, rate: float | None, yoy: float | None) -> fm.ItemTotal:
    return fm.ItemTotal(name, 0.0, ytd, None, rate, yoy)


def test_bulletin_reads_like_the_example_of_the_issue():
    """Both headline items, pace, 同比 and 税收占比 in one sentence, as written in a 通报."""
    text = fm.bulletin_text(
        10,
        0.627,
        total(GENERAL, 2167.0, 0.662, 0.276),
        total(TAX, 1800.0, 0.65, 0.1),
        0.8306,
    )
    assert text == (
        "截至10月，一般公共预算收入完成2,167.00 万元，占年度目标的66.2%，快于序时进度 3.5 个百分点，"
        "同比增长 27.6%；其中税收收入完成1,800.00 万元，占年度目标的65.0%，快于序时进度 2.3 个百分点，"
        "同比增长 10.0%，税收占比83.1%。"
    )


@pytest.mark.parametrize(
    ("rate", "yoy", "present", "absent"),
    [
        (0.5, -0.05, "慢于序时进度 33.3 个百分点，同比下降 5.0%", "增长"),
        (None, 0.1, "完成100.00 万元，同比增长 10.0%", "占年度目标"),
        (0.9, None, "快于序时进度 6.7 个百分点。", "同比"),
        (0.8333, 0.0, "与序时进度持平，同比持平", "0.0%"),
    ],
)
def test_bulletin_states_only_what_the_figures_support(rate, yoy, present, absent):
    """Missing target or 同比 base drops that clause; a fall says 下降, a tie 持平."""
    text = fm.bulletin_text(10, 0.8333, total(GENERAL, 100.0, rate, yoy), None, None, "东城街道")
    assert text.startswith("截至10月，东城街道一般公共预算收入")
    assert present in text
    assert absent not in text


def test_bulletin_without_headline_items_says_there_is_no_data():
    """No 一般公共预算收入 and no 税收收入: a sentence saying so, not an empty string."""
    assert fm.bulletin_text(3, 0.25, None, None, None, "东城街道") == (
        "截至3月，东城街道暂无一般公共预算收入和税收收入数据。"
    )


# ---------------------------------------------------------------- sums over subdistricts


def test_one_subdistrict_item_is_the_report_item_unchanged():
    """With one subdistrict the KPI figures are the report's own, 同比 included."""
    block = report(item("东城", GENERAL, 800.0, 1000.0, yoy=0.1234))
    assert fm.item_total(block, GENERAL) == fm.ItemTotal(GENERAL, 80.0, 800.0, 1000.0, 0.8, 0.1234)


def test_item_total_sums_subdistricts_and_takes_yoy_from_summed_bases():
    """全部街道: ytd and targets add up; 同比 is summed ytd over summed last-year ytd."""
    block = report(item("东城", GENERAL, 600.0, 1000.0), item("西城", GENERAL, 300.0, 500.0))
    result = fm.item_total(block, GENERAL, {GENERAL: 750.0})
    assert (result.ytd, result.target, result.target_rate, result.yoy) == (900.0, 1500.0, 0.6, 0.2)


def test_item_total_has_no_target_when_a_subdistrict_lacks_one():
    """A rate over a partial target would overstate completion: target and rate are None."""
    block = report(item("东城", GENERAL, 600.0, 1000.0), item("西城", GENERAL, 300.0))
    result = fm.item_total(block, GENERAL)
    assert (result.target, result.target_rate) == (None, None)


def test_prior_ytd_sums_only_the_year_before():
    """The 同比 base is the sum of last year's months per 科目."""
    months = [
        MonthAmount(2019, 1, GENERAL, 10.0),
        MonthAmount(2019, 2, GENERAL, 5.0),
        MonthAmount(2020, 1, GENERAL, 99.0),
    ]
    assert fm.prior_ytd(months, 2020) == {GENERAL: 15.0}


def test_tax_share_is_tax_revenue_over_general_revenue():
    """税收占比 = 税收收入 ytd / 一般公共预算收入 ytd."""
    block = report(item("东城", GENERAL, 800.0), item("东城", TAX, 600.0))
    assert fm.tax_share(block) == 0.75


@pytest.mark.parametrize(
    ("options", "expected"),
    [([TAX, GENERAL, VAT], GENERAL), ([VAT, CIT], VAT), ([], None)],
)
def test_default_item_is_general_revenue_when_present(options, expected):
    """The 科目 filter defaults to 一般公共预算收入, else the first 科目 there is."""
    assert fm.default_item(options) == expected


@pytest.mark.parametrize(
    ("rate", "progress", "expected"),
    [(0.7, 0.6667, "+3.3 个百分点（快于序时进度）"), (0.5, 0.75, "-25.0 个百分点（慢于序时进度）")],
)
def test_pace_delta_is_signed_points_against_time_progress(rate, progress, expected):
    """The KPI delta: signed percentage points, and the words 快于/慢于序时进度."""
    assert fmt.pace_delta(rate, progress) == expected


# ---------------------------------------------------------------- frames


def test_tax_composition_leaves_out_headline_items_and_sorts_by_amount():
    """Every 科目 except 一般公共预算收入 and 税收收入, largest first, shares of their sum."""
    block = report(
        item("东城", GENERAL, 900.0),
        item("东城", TAX, 400.0),
        item("东城", CIT, 100.0),
        item("东城", VAT, 200.0),
        item("西城", VAT, 100.0),
    )
    frame = fm.tax_composition_frame(block)
    assert frame.to_dict("records") == [
        {"税种": VAT, "累计（万元）": 300.0, "占比": 0.75},
        {"税种": CIT, "累计（万元）": 100.0, "占比": 0.25},
    ]


def test_cumulative_frame_runs_through_missing_months_with_the_target_line():
    """Year-to-date month by month (a month without a row adds 0) and target × month / 12."""
    months = [MonthAmount(2020, 1, GENERAL, 10.0), MonthAmount(2020, 3, GENERAL, 5.0)]
    frame = fm.cumulative_frame(months, GENERAL, 2020, 3, 120.0)
    assert frame.to_dict("list") == {
        "月份": ["2020-01", "2020-02", "2020-03"],
        "累计": [10.0, 10.0, 15.0],
        "序时目标": [10.0, 20.0, 30.0],
    }


def test_year_on_year_frame_pairs_each_month_of_both_years():
    """Each month appears for last year and this year, 0 where a year has no row."""
    months = [MonthAmount(2019, 1, GENERAL, 7.0), MonthAmount(2020, 2, GENERAL, 9.0)]
    frame = fm.year_on_year_frame(months, GENERAL, 2020, 2)
    assert list(frame.itertuples(index=False, name=None)) == [
        ("1月", "2019年", 7.0),
        ("1月", "2020年", 0.0),
        ("2月", "2019年", 0.0),
        ("2月", "2020年", 9.0),
    ]


@pytest.mark.parametrize(("subdistricts", "rows"), [(["东城"], 1), (["东城", "西城"], 3)])
def test_subdistrict_table_adds_a_total_row_only_for_several(subdistricts, rows):
    """One row per subdistrict, plus 合计 when there are several."""
    block = report(*(item(s, GENERAL, 100.0, 200.0) for s in subdistricts))
    frame = fm.subdistrict_frame(block, GENERAL, DEFAULT_RULES)
    assert len(frame) == rows
    assert (frame["街道"].iloc[-1] == fm.TOTAL_LABEL) is (rows > 1)


def test_subdistrict_table_sorts_the_change_by_value_and_leaves_no_base_a_dash():
    """同比 is held as a number (percent), written +10.2% by its column format: a click on the
    header puts +9.1% before +10.2% (as text "+10.2%" came first); without 上年同期 the cell
    is empty, which the table draws as a dash, not 0."""
    block = report(
        item("东城", GENERAL, 100.0, 200.0, yoy=0.102),
        item("西城", GENERAL, 100.0, 200.0, yoy=0.091),
        item("南城", GENERAL, 100.0, 200.0, yoy=-0.12),
        item("北城", GENERAL, 100.0, 200.0, yoy=None),
    )
    frame = fm.subdistrict_frame(block, GENERAL, DEFAULT_RULES).iloc[:4]
    cells = fm.subdistrict_table(frame)
    change = cells.data["同比"]
    assert pd.api.types.is_float_dtype(change)
    assert list(change[:3]) == pytest.approx([10.2, 9.1, -12.0])
    assert pd.isna(change.iloc[3]) and frame["同比"].isna().iloc[3]
    by_change = cells.data.dropna(subset=["同比"]).sort_values("同比")["街道"]
    assert list(by_change) == ["南城", "西城", "东城"]
    assert cells.column_config["同比"]["type_config"]["format"] == fmt.CHANGE_PRINTF == "%+.1f%%"
    _, options = tables.dataframe_arguments(cells, {})
    assert options["placeholder"] == "—"
    assert list(frame["同比"][:3]) == [0.102, 0.091, -0.12]  # the download keeps fractions


def test_excel_download_reads_back_the_table_shown():
    """The workbook has the sheet with the same header and numbers as the frame."""
    frame = pd.DataFrame({"街道": ["东城", "合计"], "累计（万元）": [1.5, 3.25]})
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"分街道": frame})))
    assert list(book["分街道"].values) == [("街道", "累计（万元）"), ("东城", 1.5), ("合计", 3.25)]


# ---------------------------------------------------------------- the page (AppTest)


def report_item(url: str, name: str, subdistrict: str | None = None) -> list[dict]:
    """The report's items for 科目 ``name`` as of today (the page's default date)."""
    engine = make_engine(url)
    block = build_report(engine, dt.date.today(), subdistrict)["fiscal"]
    engine.dispose()
    return [row for row in block["items"] if row["item"] == name]


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {metric.label: metric.value for metric in at.metric}


def test_default_view_shows_the_report_sum_over_all_subdistricts(app_db):
    """全部街道: 累计 and 年度目标 are the report's 一般公共预算收入 summed over subdistricts."""
    at = open_page("fiscal")
    assert not at.exception
    rows = report_item(app_db, GENERAL)
    shown = metrics(at)
    ytd = next(value for label, value in shown.items() if label.endswith("累计"))
    assert ytd == fmt.amount(round(sum(r["ytd"] for r in rows), 2))
    assert shown["年度目标"] == fmt.amount(round(sum(r["target"] for r in rows), 2))
    assert "社区筛选不适用" in at.caption[0].value


def test_subdistrict_from_url_shows_that_subdistricts_report_figures(app_db):
    """?subdistrict=…&community=…: the report's figures for that subdistrict, 同比 included."""
    at = open_page("fiscal", {"subdistrict": "花园路街道", "community": "柳林社区"})
    assert not at.exception
    (row,) = report_item(app_db, GENERAL, "花园路街道")
    shown = metrics(at)
    assert shown["完成年度目标"] == fmt.pct(row["target_rate"])
    assert shown["同比"] == fmt.signed_pct(row["yoy"])
    (table,) = [t for t in at.dataframe if "同比" in t.value.columns]
    assert pd.api.types.is_float_dtype(table.value["同比"])  # sorts by the change
    assert table.value["同比"].iloc[0] == pytest.approx(row["yoy"] * 100, abs=0.051)
    assert "花园路街道" in at.caption[0].value and "柳林社区" in at.caption[0].value
    assert not at.code  # the plain text is drawn once its expander is opened
    at.session_state["fiscal_copy"] = True
    at.run()
    assert f"完成{fmt.amount(row['ytd'])}" in at.code[0].value


def test_item_from_url_is_restored_in_the_filter_and_the_figures(app_db):
    """?item=税收收入 selects 税收收入 and the KPIs show its report figures."""
    at = open_page("fiscal", {"subdistrict": "新华路街道", "item": TAX})
    assert not at.exception
    assert at.selectbox(key="pf_item").value == TAX
    assert f"科目：{TAX}" in at.caption[0].value
    (row,) = report_item(app_db, TAX, "新华路街道")
    assert metrics(at)["年度目标"] == fmt.wan(row["target"])


def test_unknown_item_in_url_gives_a_notice_and_the_default(app_db):
    """A 科目 that does not exist is ignored with a visible notice, no exception."""
    at = open_page("fiscal", {"item": "不存在的科目"})
    assert not at.exception
    assert any("不存在的科目" in warning.value for warning in at.warning)
    assert f"科目：{GENERAL}" in at.caption[0].value


def test_default_item_in_url_is_accepted_without_a_notice(app_db):
    """?item=一般公共预算收入 (the default) is a valid link, not an ignored value."""
    at = open_page("fiscal", {"item": GENERAL})
    assert not at.exception
    assert not at.warning
    assert f"科目：{GENERAL}" in at.caption[0].value


def test_empty_database_shows_the_import_hint(empty_app_db):
    """No fiscal data: a helpful message pointing to the import, no exception."""
    at = open_page("fiscal")
    assert not at.exception
    assert any("导入财政收入表" in info.value for info in at.info)


def test_choosing_an_item_writes_it_into_the_url_and_back_to_default_removes_it(app_db):
    """Changing 科目 puts ?item= in the URL; choosing the default again takes it out."""
    at = open_page("fiscal")
    at.selectbox(key="pf_item").select(TAX).run()
    assert not at.exception
    assert at.query_params.get("item") in (TAX, [TAX])
    at.selectbox(key="pf_item").select(GENERAL).run()
    assert "item" not in at.query_params
