"""人口普查: a campaign's registration against its plan line, per community, with forecasts."""

from __future__ import annotations

import functools

import streamlit as st

from figures import census as detail
from figures.judged import census_expected
from figures.status import CENSUS_PLAN_DAYS
from ui import census_model as model
from ui import charts, data, filters, layout, table_export, tables
from ui import format as fmt
from ui.livelihood_model import MAX_RANKING_BARS


def show_kpis(summary, plan_rate, start, as_of) -> None:  # type: ignore[no-untyped-def]
    rules = data.rules()
    layout.kpi_cards(model.kpis(summary, plan_rate, rules))
    sentence = model.rate_caption(summary, plan_rate, start, as_of, rules)
    if sentence:
        st.caption(sentence)


def show_ranking(scope, campaign, plan_rate) -> None:  # type: ignore[no-untyped-def]
    left, right = st.columns([3, 2])
    views = data.built(
        model.ranking_views,
        data.query(detail.campaign_summary, scope, campaign),
        data.rules_query(),
        plan_rate=plan_rate,
    )
    with left:
        if views.cut:
            st.caption(
                f"社区较多，只显示登记率最低的 {MAX_RANKING_BARS} 个社区；"
                "在左侧选择街道或社区可查看其他社区。"
            )
        charts.show(views.chart)
    with right:
        st.markdown("#### 进度落后的社区")
        if views.behind.empty:
            st.success("没有落后于计划进度的社区。", icon=":material/check_circle:")
        else:
            tables.long_table(
                views.behind_cells,
                key="census_behind",
                search_columns=("街道", "社区"),
                hide_index=True,
                width="stretch",
                column_config=tables.status_columns(["状态"]),
            )


def show_curves(scope, campaign, head, start) -> None:  # type: ignore[no-untyped-def]
    places, cut = head.places, head.cut
    curves = data.built(
        model.curves_chart,
        data.query(detail.progress_curves, scope, campaign, places),
        start=start,
    )
    if curves is None:
        layout.empty_state(
            f"「{campaign}」在当前日期范围内没有进度记录。"
            + (f"请把开始日期调到 {start.isoformat()} 或更早。" if start else "")
        )
        return
    if cut:
        st.caption(
            f"社区较多，只画出登记率最低的 {model.MAX_CURVES} 个社区；"
            "在左侧选择社区可查看其他社区的曲线。"
        )
    charts.show(curves)
    charts.show(
        data.built(model.increments_chart, data.query(detail.daily_increments, scope, campaign))
    )


def show_forecast(scope, campaign, start) -> None:  # type: ignore[no-untyped-def]
    st.subheader("按近 7 日进度预计完成日期")
    forecast = data.built(
        model.forecast_view,
        data.query(detail.community_pace, scope, campaign),
        as_of=scope.as_of,
        start=start,
    )
    if start:
        st.caption(
            f"剩余户数 ÷ 近 7 日日均登记户数，向上取整到天；"
            f"计划完成日为 {model.plan_end(start).isoformat()}（共 {CENSUS_PLAN_DAYS} 天）。"
        )
    tables.long_table(
        forecast.cells,
        key="census_forecast",
        search_columns=("街道", "社区"),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        "下载 Excel（预计完成日期）",
        # Every community, built when clicked (2,000 rows at city scale).
        data=functools.partial(table_export.excel_bytes, {"预计完成日期": forecast.frame}),
        file_name=f"人口普查_{campaign}_{scope.as_of.isoformat()}.xlsx",
        mime=table_export.XLSX_MIME,
        icon=":material/download:",
        on_click="ignore",  # a download changes nothing on the page: no rerun
        key="census_download",
    )


scope = layout.current_scope()
header = st.container()
campaigns = data.fetch(detail.list_campaigns, scope)
current = campaigns[0] if campaigns else None
st.sidebar.divider()
chosen = filters.url_choice(
    "campaign",
    "普查任务",
    campaigns,
    all_label=f"当前任务（{current}）" if current else "当前任务",
    container=st.sidebar,
)
campaign = chosen or current
extra: list[str] = []

head = (
    data.built(model.headline, data.query(detail.campaign_summary, scope, campaign))
    if campaign
    else None
)
summary = head.summary if head else None
if summary is None:
    layout.empty_state(
        f"截至 {scope.as_of.isoformat()}，当前筛选范围内还没有人口普查进度数据。"
        "请调整左侧的街道、社区或截止日期，或在「数据管理」页导入普查进度表。"
    )
else:
    start = data.fetch(detail.campaign_start, None, campaign)
    plan_rate = census_expected(start, scope.as_of)
    extra = [f"普查任务：{campaign}", f"计划进度 {fmt.pct(plan_rate)}"]
    show_kpis(summary, plan_rate, start, scope.as_of)
    show_ranking(scope, campaign, plan_rate)
    show_curves(scope, campaign, head, start)
    show_forecast(scope, campaign, start)

with header:
    layout.page_header("人口普查", scope, extra)
