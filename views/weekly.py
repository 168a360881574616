"""周例会: the week's changes as of a date, the 通报 text, and the exports (xlsx, PDF).

Every figure is the weekly report's (``figures.report.build_report``, the same as
``manage.py report --format json``) for the chosen 报告日期 and the sidebar's subdistrict.
"""

from __future__ import annotations

import functools

import streamlit as st

from figures import league, livelihood, report
from reporting import pdf, word
from ui import data, filters, layout, tables, weekly_model

global_scope = layout.current_scope()
header = st.container()
date_column, xlsx_column, pdf_column, docx_column = st.columns(
    [1, 1, 1, 1], vertical_alignment="bottom"
)
as_of = filters.url_date("as_of", "报告日期", default=layout.today(), container=date_column)
subdistrict = global_scope.subdistrict
scope = report.report_scope(as_of, subdistrict)
# The report and the league of its scope (this week and last week) in one fetch: the league
# takes this week's per-community rows from the report's own blocks. The page draws what is
# built from it (``data.built``): a rerun never reads the report and the league themselves.
weekly_query = data.query(league.report_with_league, None, as_of, subdistrict)
head = data.built(weekly_model.weekly_head, weekly_query)
with header:
    layout.page_header("周例会", scope, extra=[f"报告周 {head.week}"])
    st.caption(filters.escape_markdown(weekly_model.COMMUNITY_FILTER_NOTE))
    if global_scope.communities:
        st.info(
            filters.escape_markdown(
                "已忽略社区筛选（"
                + "、".join(global_scope.community_words())
                + "）：周报按街道汇总。"
            ),
            icon=":material/filter_alt_off:",
        )

if not head.has_data:
    layout.empty_state(
        "截至该报告日期没有任何数据。请在「数据管理」页导入数据，或选择其他报告日期。"
    )
    st.stop()

projects_query = data.query(livelihood.week_projects, scope)
rules = data.rules()
page = data.built(weekly_model.weekly_view, weekly_query, projects_query, data.rules_query())
file_stem = f"周报_{head.who}_{head.as_of}"

xlsx_column.download_button(
    "下载 Excel",
    # Built when clicked, like the PDF, then kept with the figures.
    data=functools.partial(data.built, weekly_model.weekly_xlsx, weekly_query),
    file_name=f"{file_stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    on_click="ignore",  # a download changes nothing on the page: no rerun
    key="download_xlsx",
)
try:
    pdf.find_cjk_fonts()
except pdf.PdfFontMissing as error:
    pdf_column.warning(filters.escape_markdown(str(error)), icon=":material/font_download_off:")
else:
    pdf_column.download_button(
        "下载 PDF（打印版）",
        # Built only when clicked: a city-wide PDF takes seconds, most visits never print.
        data=functools.partial(data.fetch, weekly_model.weekly_pdf, None, as_of, subdistrict),
        file_name=f"{file_stem}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",  # a download changes nothing on the page: no rerun
        key="download_pdf",
    )

docx_column.download_button(
    "下载 Word 通报",
    help="公文格式（GB/T 9704），可直接编辑后印发",
    # Built only when clicked, like the PDF (the same as manage.py report --format docx).
    data=functools.partial(data.fetch, word.weekly_docx, None, as_of, subdistrict),
    file_name=f"通报_{head.who}_{head.as_of}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    icon=":material/description:",
    on_click="ignore",  # a download changes nothing on the page: no rerun
    key="download_docx",
)

st.subheader("本周变化")
layout.kpi_cards(page.metrics)

st.subheader("会议议程：红色事项")
st.caption(
    f"红色（{rules.behind_words}）：落后应完成比例超过 {rules.band_text} 个百分点"
    "（预警规则，可在「数据管理」页修改），"
    "或有逾期项目。"
)
agenda = page.agenda
if agenda.empty:
    st.success("本周没有红色事项。", icon=":material/check_circle:")
else:
    tables.long_table(
        agenda,
        key="agenda_table",
        search_columns=("领域", "对象", "情况"),
        search_placeholder="输入社区、街道或领域",
        hide_index=True,
        width="stretch",
        column_config=tables.status_columns(["状态"]),
    )

st.subheader("本周完成与新增逾期的项目")
week_list = page.projects
if week_list.empty:
    layout.empty_state("本周没有完成或新增逾期的民生实事项目。")
else:
    layout.dataframe(week_list, hide_index=True, width="stretch")

st.subheader(f"财政收入：当月、累计与序时进度{head.fiscal_months_note}")
fiscal_table = page.fiscal
if fiscal_table.data.empty:
    layout.empty_state("本年度暂无财政数据。")
else:
    layout.dataframe(fiscal_table, hide_index=True, width="stretch")

st.subheader("社区排名变化（与上周相比）")
ranks = page.ranks
if ranks.data.empty:
    layout.empty_state("当前范围内没有社区。")
else:
    st.caption(f"状态按统一规则：{rules.sentence()}。")
    tables.long_table(
        ranks,
        key="ranks_table",
        search_columns=("街道", "社区"),
        hide_index=True,
        width="stretch",
        column_config=tables.status_columns(weekly_model.RANK_STATUS_COLUMNS),
    )

st.subheader("通报")
st.caption("由上面的数字自动生成。要粘贴到文档中，展开下方“复制全文”，点右上角按钮复制。")
# Read as paragraphs whose numbers stay with their units on any screen; copy from the plain
# text below (no joiner characters end up in the document).
for line in page.lines:
    st.markdown(line)
layout.copy_text(page.text, key="weekly_copy")
