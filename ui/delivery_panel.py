"""消息推送 on ``/data`` (admins): which channels are configured, a test message, the last sends.

Channels come from the environment (``reporting.channels``); addresses are shown masked, never
with a key, token, password or secret. The test message goes through the same code as
``manage.py push`` and is audited like it; the history is the audit log's delivery entries.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from administration import audit
from administration.accounts import User
from reporting.channels import (
    CHANNEL_LABELS,
    CHANNEL_NAMES,
    ENV_SMTP,
    WEBHOOK_ENV,
    configured_channels,
)
from reporting.delivery import AUDIT_ACTIONS, public_url, send_and_audit, trial_message
from ui import data, layout
from ui.filters import escape_markdown

HISTORY_ROWS = 20
TEST_RETRY_DELAYS = (1.0,)  # a person is waiting: one quick retry, not the timer's back-off
SCHEDULE_HELP = """
定时推送由服务器的定时任务执行（见 README「消息推送」）：每周一 08:00 `python manage.py push`，
每天 `python manage.py alerts`（只推送新变红的事项）。渠道由环境变量配置，修改后重启看板生效。
"""


def channels_frame() -> pd.DataFrame:
    """One row per channel: configured or not, and where it sends (masked)."""
    configured = configured_channels()
    rows = []
    for name in CHANNEL_NAMES:
        config = configured.get(name)
        rows.append(
            {
                "渠道": CHANNEL_LABELS[name],
                "状态": "已配置" if config else "未配置",
                "地址（密钥已隐藏）": config.describe() if config else "—",
                "环境变量": WEBHOOK_ENV.get(name, ENV_SMTP),
            }
        )
    return pd.DataFrame.from_records(
        rows, columns=["渠道", "状态", "地址（密钥已隐藏）", "环境变量"]
    )


def history_frame(entries: list[audit.AuditEntry]) -> pd.DataFrame:
    """The newest sends: when, who, which channel, the result in words."""
    rows = [
        {
            "时间": entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            "用户": entry.username,
            "渠道": entry.source_file or "—",
            "结果": "成功" if entry.action == "delivery" else "失败",
            "说明": entry.detail,
        }
        for entry in entries
    ]
    return pd.DataFrame.from_records(rows, columns=["时间", "用户", "渠道", "结果", "说明"])


def delivery_panel(admin: User) -> None:
    """The channels, the 发送测试消息 button and the last deliveries with their result."""
    st.markdown(SCHEDULE_HELP)
    st.dataframe(channels_frame(), hide_index=True, width="stretch")
    link = public_url()
    st.caption(
        escape_markdown(f"看板地址（DASHBOARD_PUBLIC_URL）：{link}")
        if link
        else "未设置 DASHBOARD_PUBLIC_URL：消息中不含看板链接。"
    )
    configs = list(configured_channels().values())
    if st.button(
        "发送测试消息",
        key="delivery_test",
        icon=":material/send:",
        disabled=not configs,
        help="向每个已配置的渠道发送一条测试消息" if configs else "尚未配置任何渠道",
    ):
        with st.spinner("正在发送…"):
            results = send_and_audit(
                data.engine(),
                configs,
                trial_message(admin.username),
                "测试消息",
                admin.username,
                delays=TEST_RETRY_DELAYS,
            )
        for result in results:
            text = escape_markdown(result.describe())
            if result.ok:
                st.success(text, icon=":material/check_circle:")
            else:
                st.error(text, icon=":material/error:")
    st.subheader("最近的推送")
    entries = audit.list_entries(data.engine(), actions=AUDIT_ACTIONS, limit=HISTORY_ROWS)
    if not entries:
        layout.empty_state("还没有推送记录。")
        return
    st.dataframe(history_frame(entries), hide_index=True, width="stretch")
