"""数据管理 (``/data``): upload, templates, corrections; accounts, the audit log and the
红黄绿 rules for admins.

Always behind a login: a viewer sees 无权限, an editor writes only their communities' rows, an
admin everything. The tabs are drawn by ``ui.data_admin_panels``; a database that fails while
the page runs gives a clear message instead of a traceback (``auth.database_errors``).
"""

from __future__ import annotations

import streamlit as st

from ui import auth, delivery_panel, filters, rules_panel
from ui import data_admin_panels as panels

filters.show_notices()  # what the URL asked for and was changed (e.g. a date out of range)
with auth.database_errors():
    user = auth.require_writer()
    title_column, user_column = st.columns([3, 1.4], vertical_alignment="bottom")
    title_column.title("数据管理")
    user_column.caption(filters.escape_markdown(f"当前登录：{user.describe()}"))
    auth.logout_button(user_column)
    with st.expander("角色与权限说明"):
        st.markdown(panels.ROLE_HELP)

    names = ["上传导入", "模板下载", "在线更正"]
    if user.is_admin:
        names += ["账号管理", "操作日志", "消息推送", "预警规则"]
    tabs = st.tabs(names)
    with tabs[0]:
        panels.upload_panel(user)
    with tabs[1]:
        panels.templates_panel(user)
    with tabs[2]:
        panels.corrections_panel(user)
    if user.is_admin:
        with tabs[3]:
            panels.accounts_panel(user)
        with tabs[4]:
            panels.audit_panel()
        with tabs[5]:
            delivery_panel.delivery_panel(user)
        with tabs[6]:
            rules_panel.rules_panel(user)
