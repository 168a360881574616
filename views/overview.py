"""领导驾驶舱: one KPI card per area, the community league table, and what needs attention."""

from __future__ import annotations

import streamlit as st

from figures import census, fiscal, league, livelihood, volunteers
from ui import charts, data, filters, layout, overview_model, table_export, tables
from ui import format as fmt

scope = layout.current_scope()
layout.page_header("领导驾驶舱", scope)

summary = data.fetch(livelihood.livelihood_summary, scope)
fiscal_block = data.fetch(fiscal.fiscal_report, scope)
census_block = data.fetch(census.census_summary, scope)
volunteer_block = data.fetch(volunteers.volunteer_summary, scope)
cards = overview_model.kpi_cards(scope, summary, fiscal_block, census_block, volunteer_block)

for column, card in zip(layout.kpi_cards(cards), cards, strict=True):
    column.page_link(
        card.page,
        label="查看详情",
        icon=":material/arrow_forward:",
        query_params=layout.link_params(),
    )

rows = data.fetch(league.community_league, scope)
rules = data.rules()
st.subheader("社区排名")
if not rows:
    layout.empty_state("当前筛选范围内没有社区。请在左侧调整街道或社区。")
else:
    table = overview_model.league_frame(rows)
    st.caption(f"状态按统一规则：{rules.sentence()}。点击一行查看该社区的民生实事。")
    event = layout.dataframe(
        tables.written(
            tables.with_status_colors(
                overview_model.league_display(table), overview_model.LEAGUE_STATUS_COLUMNS
            ),
            counts=overview_model.LEAGUE_COUNTS,
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="league_table",
        column_config=overview_model.league_column_config(),
    )
    picked = overview_model.picked_community(table, event)
    if picked:
        filters.open_link("views/livelihood.py", layout.link_params(*picked))

    chart_frame = overview_model.league_chart_frame(rows, rules)
    if not chart_frame.empty:
        st.altair_chart(
            charts.ranking_bar(
                chart_frame,
                category="社区",
                value="综合得分",
                value_title="综合得分（个百分点）",
                status="状态",
                rules=data.rules(),
                title="社区综合得分（与序时进度之差的平均）",
            ),
            theme=None,
        )

st.subheader("需要关注")
attention = overview_model.attention_items(rows, fiscal_block, rules)
if attention.empty:
    st.success("当前筛选范围内没有滞后事项。", icon=":material/check_circle:")
else:
    layout.dataframe(
        tables.with_status_colors(attention, ["状态"]), hide_index=True, width="stretch"
    )
st.caption(f"序时进度（按日）：{fmt.pct(overview_model.year_progress(scope))}")
if rows:
    st.download_button(
        "下载 Excel（社区排名、需要关注）",
        data=table_export.excel_bytes({"社区排名": table, "需要关注": attention}),
        file_name=f"领导驾驶舱_{scope.as_of.isoformat()}.xlsx",
        mime=table_export.XLSX_MIME,
        icon=":material/download:",
        key="overview_download",
    )
