"""Delivery on the pages: the 消息推送 tab on /data (admins) and the Word button on /weekly."""

from __future__ import annotations

import pytest
from conftest import open_page
from test_delivery import WECOM_KEY, Receiver
from test_page_data_admin import admin_db, login  # noqa: F401  (fixture and helper reused)

from administration import audit
from storage.db import make_engine


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _tab(at, label: str):  # type: ignore[no-untyped-def]
    return next(tab for tab in at.tabs if tab.label == label)


def _texts(container) -> str:  # type: ignore[no-untyped-def]
    frames = [str(frame.value.to_dict()) for frame in container.dataframe]
    notes = [e.value for e in (*container.markdown, *container.caption)]
    return "\n".join(frames + notes)


def test_admin_sees_channels_masked_and_sends_a_test_message(admin_db, receiver, monkeypatch):  # noqa: F811
    """Configured channels are listed with the key hidden; 发送测试消息 reaches the receiver,
    says so, and the send appears under 最近的推送 (and in the audit log)."""
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.setenv("DASHBOARD_WECOM_WEBHOOK", receiver.url(f"/wecom/send?key={WECOM_KEY}"))
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", "https://dashboard.example.org")
    at = login(open_page("data_admin"), "admin1")
    tab = _tab(at, "消息推送")
    shown = _texts(tab)
    assert "已配置" in shown and "未配置" in shown and "key=***" in shown
    assert WECOM_KEY not in shown
    at.button(key="delivery_test").click()
    at.run()
    assert not at.exception
    (request,) = receiver.of("wecom")
    assert "测试消息" in request["json"]["markdown"]["content"]
    assert any("企业微信：已送达" in s.value for s in at.success)
    history = _texts(_tab(at, "消息推送"))
    assert "企业微信" in history and "成功" in history and WECOM_KEY not in history
    entries = audit.list_entries(make_engine(admin_db), actions=["delivery"])
    assert [e.username for e in entries] == ["admin1"]


def test_editor_has_no_delivery_tab(admin_db):  # noqa: F811
    """Only admins see or use the channels."""
    at = login(open_page("data_admin"), "editor1")
    assert "消息推送" not in [tab.label for tab in at.tabs]


def test_weekly_page_offers_the_word_document(app_db):
    """/weekly has a Word 通报 download next to Excel and PDF."""
    at = open_page("weekly", {"as_of": "2026-11-30"})
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert "下载 Word 通报" in labels
