"""The 预警规则 tab of 数据管理 (``/data``, admins only): the 红黄绿 rules and a form to change them.

The form only collects the number; ``administration.settings.change_yellow_band`` checks the role and
the range, saves and audits. After a change every cache is dropped, so every page and the big
screen draw their colours under the new band at once.
"""

from __future__ import annotations

import streamlit as st

from administration import settings
from administration.accounts import User
from figures.status import MAX_YELLOW_POINTS, MIN_YELLOW_POINTS
from ui import data
from ui.filters import escape_markdown

RULES_FORM = "rules_form"
YELLOW_BAND_KEY = "rules_yellow_points"


def rules_panel(admin: User) -> None:
    """The rules in force, in words, and the form that changes the yellow band."""
    rules = data.rules()
    current = st.empty()  # filled last, so a change saved in this run shows at once
    current.markdown(f"**当前规则**：{rules.sentence()}。")
    st.caption(
        "民生实事、财政收入对照序时进度，人口普查对照计划进度，志愿者注册率对照目标；"
        "所有页面、大屏、周报、通报和推送消息都按这一规则着色。修改会记入操作日志。"
    )
    with st.form(RULES_FORM):
        band = st.number_input(
            f"黄色区间：落后不超过多少个百分点为黄"
            f"（大于 {MIN_YELLOW_POINTS:g}，不超过 {MAX_YELLOW_POINTS:g}）",
            value=rules.yellow_points,
            step=1.0,
            format="%.1f",
            key=YELLOW_BAND_KEY,
        )
        submitted = st.form_submit_button("保存规则", key="rules_submit")
    if not submitted:
        return
    try:
        new = settings.change_yellow_band(data.engine(), admin, band)
    except settings.RulesError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        return
    data.clear_caches()
    current.markdown(f"**当前规则**：{new.sentence()}。")
    st.success(
        escape_markdown(f"已保存：{new.sentence()}。各页面和大屏已按新规则着色。"),
        icon=":material/check_circle:",
    )
