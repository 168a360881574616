"""The 预警规则 tab of 数据管理 (``/data``, admins only): the rules in force and a form to change them.

The form only collects the values: three levels (红黄绿, the default) or five (超前/正常/预警/
滞后/严重滞后) and the thresholds. ``administration.settings.change_rules`` checks the role and
the ranges, saves and audits. After a change every cache is dropped, so every page and the big
screen draw their colours and words under the new rules at once.
"""

from __future__ import annotations

import streamlit as st

from administration import settings
from administration.accounts import User
from figures.status import (
    FIVE_LEVELS,
    MAX_AHEAD_POINTS,
    MAX_SEVERE_POINTS,
    MAX_YELLOW_POINTS,
    MIN_AHEAD_POINTS,
    MIN_YELLOW_POINTS,
    THREE_LEVELS,
    Rules,
)
from ui import data
from ui import format as fmt
from ui.filters import escape_markdown

RULES_FORM = "rules_form"
LEVELS_KEY = "rules_levels"
YELLOW_BAND_KEY = "rules_yellow_points"
AHEAD_KEY = "rules_ahead_points"
SEVERE_KEY = "rules_severe_points"
LEVEL_NAMES = {
    THREE_LEVELS: "三级：正常 / 预警 / 滞后（红黄绿）",
    FIVE_LEVELS: "五级：超前 / 正常 / 预警 / 滞后 / 严重滞后",
}


def _current_text(rules: Rules) -> str:
    words = " / ".join(fmt.legend_words(rules))
    return f"**当前规则**（{words}）：{rules.sentence()}。"


def rules_panel(admin: User) -> None:
    """The rules in force, in words, and the form that changes the mode and the thresholds."""
    rules = data.rules()
    current = st.empty()  # filled last, so a change saved in this run shows at once
    current.markdown(_current_text(rules))
    st.caption(
        "民生实事、财政收入对照序时进度，人口普查对照计划进度，志愿者注册率对照目标；"
        "所有页面、大屏、周报、通报和推送消息都按这一规则着色。修改会记入操作日志。"
        "超前阈值和严重滞后阈值只在五级规则下使用。"
    )
    with st.form(RULES_FORM):
        levels = st.radio(
            "规则级数",
            options=list(LEVEL_NAMES),
            index=list(LEVEL_NAMES).index(rules.levels),
            format_func=LEVEL_NAMES.__getitem__,
            key=LEVELS_KEY,
        )
        band = st.number_input(
            f"黄色区间：落后不超过多少个百分点为黄（预警）"
            f"（大于 {MIN_YELLOW_POINTS:g}，不超过 {MAX_YELLOW_POINTS:g}）",
            value=rules.yellow_points,
            step=1.0,
            format="%.1f",
            key=YELLOW_BAND_KEY,
        )
        ahead = st.number_input(
            f"超前阈值（五级）：快于多少个百分点及以上为超前"
            f"（大于 {MIN_AHEAD_POINTS:g}，不超过 {MAX_AHEAD_POINTS:g}）",
            value=rules.ahead_points,
            step=1.0,
            format="%.1f",
            key=AHEAD_KEY,
        )
        severe = st.number_input(
            f"严重滞后阈值（五级）：落后超过多少个百分点为严重滞后"
            f"（大于黄色区间，不超过 {MAX_SEVERE_POINTS:g}）",
            value=rules.severe_points,
            step=1.0,
            format="%.1f",
            key=SEVERE_KEY,
        )
        submitted = st.form_submit_button("保存规则", key="rules_submit")
    if not submitted:
        return
    try:
        new = settings.change_rules(
            data.engine(),
            admin,
            levels=levels,
            yellow_points=band,
            ahead_points=ahead,
            severe_points=severe,
        )
    except settings.RulesError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        return
    data.clear_caches()
    current.markdown(_current_text(new))
    st.success(
        escape_markdown(f"已保存：{new.sentence()}。各页面和大屏已按新规则着色。"),
        icon=":material/check_circle:",
    )
