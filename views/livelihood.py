"""民生实事: the as-of year's projects in scope: KPIs, ranking, status, monthly curve, lists."""

from __future__ import annotations

import functools

import streamlit as st

from figures import livelihood
from figures import livelihood as detail
from storage.models import PROJECT_STATUSES
from ui import charts, data, filters, layout
from ui import format as fmt
from ui import livelihood_model as model
from ui.table_export import XLSX_MIME

SEARCH_KEY = "q"
SEARCH_MAX_CHARS = 100


def show_kpis(summary, as_of) -> None:  # type: ignore[no-untyped-def]
    cards = {card.label: card for card in model.kpis(summary, as_of)}
    ordered = [cards[label] for labels in model.KPI_ROWS for label in labels]
    layout.kpi_cards(ordered, per_row=model.KPI_COLUMNS)
    sentence = model.pace_caption(summary, as_of, data.rules())
    if sentence:
        st.caption(sentence)


def show_charts(scope, categories, figures) -> None:  # type: ignore[no-untyped-def]
    left, right = st.columns([3, 2])
    ranking, cut = data.built(
        model.ranking_chart,
        figures,
        data.rules_query(),
        as_of=scope.as_of,
    )
    with left:
        if cut:
            st.caption(
                f"社区较多，只显示完成率最低的 {model.MAX_RANKING_BARS} 个社区；"
                "在左侧选择街道或社区可查看其他社区。"
            )
        charts.show(ranking)
    with right:
        charts.show(data.built(model.status_chart, figures))
    charts.show(
        data.built(model.monthly_chart, data.query(detail.monthly_completions, scope, categories))
    )


def show_overdue(scope, categories, statuses, counts) -> None:  # type: ignore[no-untyped-def]
    st.subheader("逾期项目")
    table = data.built(
        model.overdue_table,
        data.query(detail.overdue_projects, scope, categories, statuses, counts),
    )
    if table.frame.empty:
        st.success("当前筛选范围内没有逾期项目。", icon=":material/check_circle:")
        return
    if table.note:
        st.caption(table.note)
    layout.dataframe(
        table.shown, hide_index=True, width="stretch", column_config=table.column_config
    )


def show_projects(scope, categories, statuses, counts, header_parts) -> str:  # type: ignore[no-untyped-def]
    st.subheader("项目清单")
    search_column, download_column = st.columns([3, 1], vertical_alignment="bottom")
    search = filters.url_text(
        SEARCH_KEY,
        "搜索项目",
        placeholder="项目名称、项目编号或社区",
        max_chars=SEARCH_MAX_CHARS,
        container=search_column,
    )
    table = data.built(
        model.project_table,
        data.query(detail.project_list, scope, categories, statuses, search, counts),
    )
    if table.frame.empty:
        layout.empty_state("没有符合条件的项目。请清空搜索框，或调整类别、状态筛选。")
        return search
    note = table.note
    if note:
        st.warning(note, icon=":material/filter_list:")
    notes = [*header_parts, *model.filter_parts(categories, statuses, search)]
    if note:
        notes.append(note)
    download_column.download_button(
        "下载 Excel",
        data=functools.partial(model.to_xlsx, table.frame, "民生实事项目", tuple(notes)),
        file_name=f"民生实事项目_{scope.as_of.isoformat()}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        on_click="ignore",
        key="livelihood_xlsx",
    )
    layout.dataframe(
        table.shown, hide_index=True, width="stretch", column_config=table.column_config
    )
    st.caption(f"共 {fmt.count(table.matched, '项')}，显示 {fmt.count(len(table.frame), '项')}")
    return search


scope = layout.current_scope()
header = st.container()
st.sidebar.divider()
categories = tuple(
    filters.url_choices(
        "category", "类别", data.fetch(detail.list_categories, None), container=st.sidebar
    )
)
statuses = tuple(filters.url_choices("status", "状态", PROJECT_STATUSES, container=st.sidebar))
st.sidebar.caption("类别作用于整页；状态（按截止日期计）只作用于逾期项目和项目清单。")

# The KPIs, the status donut and the ranking: one statement (summary and per-community rows).
figures = data.query(livelihood.livelihood_figures, scope, categories)
summary = data.built(model.summary_of, figures)
if summary.total == 0 and summary.cancelled == 0:
    layout.empty_state(
        f"当前筛选范围内没有 {scope.as_of.year} 年度的民生实事项目。"
        "请调整左侧的街道、社区或截止日期，清空类别筛选，或在「数据管理」页导入民生实事表。"
    )
    search = ""
else:
    show_kpis(summary, scope.as_of)
    show_charts(scope, categories, figures)
    # How many projects the lists match, known from the same statement (no count of their own).
    counts = data.built(model.list_counts_of, figures)
    show_overdue(scope, categories, statuses, counts)
    search = show_projects(scope, categories, statuses, counts, [scope.describe()])

with header:
    extra = [f"{scope.as_of.year} 年度项目", *model.filter_parts(categories, statuses, search)]
    layout.page_header("民生实事", scope, extra)
