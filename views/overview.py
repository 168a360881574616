"""领导驾驶舱: one KPI card per area, the community league table, and what needs attention."""

from __future__ import annotations

import functools

import streamlit as st

from figures import fiscal, league
from ui import charts, data, filters, layout, overview_model, table_export, tables
from ui import format as fmt

scope = layout.current_scope()
layout.page_header("领导驾驶舱", scope)

# The livelihood, census and volunteer summaries with the league in one fetch (their
# per-community rows are the league's this week: read once).
league_query = data.query(league.league_with_summaries, scope)
fiscal_query = data.query(fiscal.fiscal_report, scope)
cards = data.built(overview_model.cards_of, fiscal_query, league_query, scope=scope)

for column, card in zip(layout.kpi_cards(cards), cards, strict=True):
    column.page_link(
        card.page,
        label="查看详情",
        icon=":material/arrow_forward:",
        query_params=layout.link_params(),
    )

rules = data.rules()
st.subheader("社区排名")
table, shown_table = data.built(overview_model.league_tables_of, league_query)
if table.empty:
    layout.empty_state("当前筛选范围内没有社区。请在左侧调整街道或社区。")
else:
    st.caption(f"状态按统一规则：{rules.sentence()}。点击一行查看该社区的民生实事。")
    event, shown = tables.long_table(
        shown_table,
        key="league_table",
        search_columns=("街道", "社区"),
        written_as=overview_model.league_cells,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        column_config=overview_model.league_column_config(),
    )
    picked = overview_model.picked_community(table.loc[shown.index], event)
    if picked:
        filters.open_link("views/livelihood.py", layout.link_params(*picked))

    chart, hidden = data.built(overview_model.league_chart_of, league_query, data.rules_query())
    if chart is not None:
        charts.show(chart)
        if hidden:
            st.caption(charts.left_out_note(hidden, "见上方社区排名表（可搜索、翻页）"))

st.subheader("需要关注")
attention = data.built(
    overview_model.attention_items_of, league_query, fiscal_query, data.rules_query()
)
if attention.empty:
    st.success("当前筛选范围内没有滞后事项。", icon=":material/check_circle:")
else:
    tables.long_table(
        attention,
        key="attention_table",
        search_columns=("领域", "对象", "情况"),
        search_placeholder="输入社区、街道或领域",
        hide_index=True,
        width="stretch",
        column_config=tables.status_columns(["状态"]),
    )
st.caption(f"序时进度（按日）：{fmt.pct(overview_model.year_progress(scope))}")
if not table.empty:
    st.download_button(
        "下载 Excel（社区排名、需要关注）",
        # Built when clicked (every row, whatever the table shows), then kept with the figures.
        data=functools.partial(
            data.built,
            overview_model.overview_workbook_of,
            league_query,
            fiscal_query,
            data.rules_query(),
        ),
        file_name=f"领导驾驶舱_{scope.as_of.isoformat()}.xlsx",
        mime=table_export.XLSX_MIME,
        icon=":material/download:",
        on_click="ignore",  # a download changes nothing on the page: no rerun
        key="overview_download",
    )
