"""志愿服务: registration against the 13% target, service by month, type, community, activity.

Aggregates only: no person is listed (the data holds no names; codes are not shown either).
"""

from __future__ import annotations

import functools

import streamlit as st

from figures import volunteers
from ui import charts, data, filters, layout, table_export, tables, volunteers_model
from ui import format as fmt

scope = layout.current_scope()
type_options = data.fetch(volunteers.activity_types, scope)
st.sidebar.divider()
types = tuple(filters.url_choices("activity_type", "活动类型", type_options, container=st.sidebar))
start, end = volunteers.window(scope)
layout.page_header(
    "志愿服务",
    scope,
    [f"活动类型：{'、'.join(types) if types else '全部'}"],
)

population_query = data.query(volunteers.community_population, scope)
summary_query = data.query(volunteers.volunteer_summary, scope)
headline = data.built(volunteers_model.headline, summary_query, population_query)
if not headline.communities:
    layout.empty_state(
        "当前筛选范围内没有社区。请在「数据管理」导入社区名录，或在左侧调整街道和社区。"
    )
    st.stop()

totals = data.fetch(volunteers.service_totals, scope, types) if types else headline.totals

year = scope.as_of.year
cards = volunteers_model.kpis(headline.registered, headline.population, totals, year)
layout.kpi_cards(cards, per_row=3)
st.caption(
    f"注册与服务人次、时长为 {year} 年 1 月 1 日至 {scope.as_of.isoformat()} 累计（与周报口径一致）；"
    f"下方月度、活动类型和活动排行统计 {start.isoformat()} 至 {end.isoformat()}。"
)

st.subheader("服务趋势")
month_charts = data.built(
    volunteers_model.month_charts,
    data.query(volunteers.service_by_month, scope, types),
    as_of=scope.as_of,
)
if month_charts.person_times is None:
    layout.empty_state("所选时间段内没有志愿服务记录。请调整日期范围或活动类型。")
else:
    left, right = st.columns(2)
    charts.show(month_charts.person_times, left)
    charts.show(month_charts.hours, right)
    if month_charts.note:
        st.caption(month_charts.note)
    type_chart, by_type = data.built(
        volunteers_model.type_chart, data.query(volunteers.service_by_type, scope, types)
    )
    left, right = st.columns([3, 2])
    charts.show(type_chart, left)
    layout.dataframe(
        container=right,
        data=by_type,
        hide_index=True,
        width="stretch",
    )

st.subheader("社区排名")
if types:
    views = data.built(
        volunteers_model.ranking_views_of_types,
        population_query,
        summary_query,
        data.rules_query(),
        data.query(volunteers.service_by_community, scope, types),
    )
else:
    views = data.built(
        volunteers_model.ranking_views, population_query, summary_query, data.rules_query()
    )
ranking = views.ranking
st.caption(
    f"按服务时长排序；注册率目标 {fmt.target_pct(0.13)}（常住人口），状态按统一规则："
    f"{data.rules().target_sentence()}。"
)
tables.long_table(
    views.cells,
    key="volunteers_ranking",
    search_columns=("街道", "社区"),
    hide_index=True,
    width="stretch",
    column_config=volunteers_model.ranking_column_config(),
)
st.download_button(
    "下载 Excel",
    # Every community, built when clicked (2,000 rows at city scale).
    data=functools.partial(table_export.excel_bytes, {"社区排名": ranking}),
    file_name=f"志愿服务社区排名_{scope.as_of.isoformat()}.xlsx",
    mime=table_export.XLSX_MIME,
    icon=":material/download:",
    on_click="ignore",  # a download changes nothing on the page: no rerun
    key="volunteers_download",
)
left, right = st.columns(2)
charts.show(views.hours_chart, left)
if views.rate_chart is not None:
    charts.show(views.rate_chart, right)

st.subheader("活动排行（前 10）")
left, right = st.columns(2)
tops = data.built(
    volunteers_model.top_tables,
    data.query(volunteers.top_activities, scope, types, "person_times"),
    data.query(volunteers.top_activities, scope, types, "hours"),
)
for column, top, title in zip((left, right), tops, ("按服务人次", "按服务时长"), strict=True):
    column.markdown(f"**{title}**")
    if top.empty:
        column.caption("没有活动记录。")
    else:
        layout.dataframe(container=column, data=top, hide_index=True, width="stretch")
