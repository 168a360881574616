"""财政税收: the report's fiscal figures per 科目, monthly series, tax mix and a 通报 sentence."""

from __future__ import annotations

import functools

import streamlit as st

from figures import fiscal
from storage.models import HEADLINE_FISCAL_ITEMS
from ui import charts, data, filters, fiscal_model, layout, table_export, tables
from ui import format as fmt

scope = layout.current_scope()
report = data.fetch(fiscal.fiscal_report, scope)
options = fiscal_model.item_options(report)
default = fiscal_model.default_item(options)

item = None
if default is not None:
    st.sidebar.divider()
    item = filters.url_choice(
        "item", "科目", options, all_label=None, default=default, container=st.sidebar
    )

extra = ["财政数据按街道统计，社区筛选不适用"]
if report is not None and item:
    months = f"{report.year}年{fmt.months_covered(report.month)}"
    extra = [f"科目：{item}", f"财政数据月份：{months}（已结束的月份）", *extra]
layout.page_header("财政税收", scope, extra)

if report is None or item is None:
    layout.empty_state(
        f"{scope.as_of.year}年截至{scope.as_of.month}月没有财政收入数据。"
        "请在「数据管理」导入财政收入表，或在左侧调整街道和截止日期。"
    )
    st.stop()

year, month, progress = report.year, report.month, report.time_progress
months_items = tuple(dict.fromkeys((*HEADLINE_FISCAL_ITEMS, item)))
two_years = data.fetch(fiscal.two_year_months, scope, months_items)
prior = fiscal_model.prior_ytd(two_years, year)
total = fiscal_model.item_total(report, item, prior)
if total is None:
    layout.empty_state(f"{year}年没有「{item}」的数据。")
    st.stop()

share = fiscal_model.tax_share(report)
amounts = layout.kpi_row()
layout.kpi(amounts, f"{month}月收入", fmt.amount(total.month_amount), help_text="当月数")
layout.kpi(
    amounts, f"{fmt.months_covered(month)}累计", fmt.amount(total.ytd), help_text=f"{year}年累计数"
)
layout.kpi(amounts, "年度目标", fmt.amount(total.target))
rates = layout.kpi_row()
layout.kpi(
    rates,
    "完成年度目标",
    fmt.pct(total.target_rate),
    fmt.pace_delta(total.target_rate, progress),
    delta_color="normal" if total.target_rate is not None else "off",
    help_text=f"序时进度 {fmt.pct(progress)}（{month}/12）；"
    f"{fmt.pace_phrase(total.target_rate, progress)}",
)
layout.kpi(
    rates,
    "同比",
    fmt.signed_pct(total.yoy),
    help_text=f"与{year - 1}年{fmt.months_covered(month)}累计相比",
)
layout.kpi(
    rates,
    "税收占比",
    fmt.pct(share),
    help_text=f"税收收入 / 一般公共预算收入（{fmt.months_covered(month)}累计）",
)

st.subheader("通报")
general = fiscal_model.item_total(report, fiscal_model.GENERAL_ITEM, prior)
tax = fiscal_model.item_total(report, fiscal_model.TAX_ITEM, prior)
place = scope.subdistrict or "全部街道"
bulletin = fiscal_model.bulletin_text(month, progress, general, tax, share, place)
# Read with numbers kept beside their units; copy the plain text from the expander.
st.markdown(fmt.keep_units(filters.escape_markdown(bulletin)))
layout.copy_text(bulletin, key="fiscal_copy", note="点击右上角按钮复制，直接用于工作通报。")

report_query = data.query(fiscal.fiscal_report, scope)
left, right = st.columns(2)
with left:
    headline = data.built(
        fiscal_model.headline_chart,
        data.query(fiscal.monthly_amounts, scope, HEADLINE_FISCAL_ITEMS),
    )
    if headline is None:
        layout.empty_state("所选时间段内没有一般公共预算收入和税收收入的月度数据。")
    else:
        charts.show(headline)
cumulative, same_months = data.built(
    fiscal_model.item_charts,
    report_query,
    data.query(fiscal.two_year_months, scope, months_items),
    item=item,
)
charts.show(cumulative, right)
charts.show(same_months)

st.subheader("税收构成")
composition, composition_cells, donut_chart = data.built(
    fiscal_model.composition_views, report_query
)
st.caption(
    f"{fmt.months_covered(month)}累计；税收占比（税收收入 / 一般公共预算收入）：{fmt.pct(share)}"
)
if donut_chart is None:
    layout.empty_state("没有分税种数据（除一般公共预算收入、税收收入以外的科目）。")
else:
    donut, table = st.columns([3, 2])
    charts.show(donut_chart, donut)
    layout.dataframe(
        container=table,
        data=composition_cells,
        hide_index=True,
        width="stretch",
    )

st.subheader(f"分街道：{item}")
by_subdistrict, subdistrict_cells = data.built(
    fiscal_model.subdistrict_view,
    report_query,
    data.query(fiscal.two_year_months, scope, months_items),
    data.rules_query(),
    item=item,
)
tables.long_table(
    subdistrict_cells,
    key="fiscal_subdistricts",
    search_columns=("街道",),
    search_placeholder="输入街道名称",
    hide_index=True,
    width="stretch",
    column_config=fiscal_model.subdistrict_column_config(),
)
st.download_button(
    "下载 Excel",
    # Built when clicked, not on every run (0.1 s at city scale).
    data=functools.partial(
        table_export.excel_bytes, {"分街道": by_subdistrict, "税收构成": composition}
    ),
    file_name=f"财政税收_{year}年{month}月.xlsx",
    mime=table_export.XLSX_MIME,
    icon=":material/download:",
    on_click="ignore",  # a download changes nothing on the page: no rerun
    key="fiscal_download",
)
