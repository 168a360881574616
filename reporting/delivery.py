"""Sending a message to the chosen channels: retries, results in Chinese, one audit entry each.

Shared by ``manage.py push`` / ``alerts`` and the 发送测试消息 button on ``/data``. The audit
entry names the kind of message and the channel's result; it never holds a URL or a secret.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import Engine

from administration import audit
from reporting.channels import (
    CHANNEL_LABELS,
    ENV_PUBLIC_URL,
    Attachment,
    ChannelConfig,
    DeliveryResult,
    OutgoingMessage,
    deliver,
    request_timeout,
    retry_delays,
)
from reporting.messages import Block, Bulletin, outgoing

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
AUDIT_ACTIONS = ("delivery", "delivery_failed")


def public_url(env: Mapping[str, str] | None = None) -> str | None:
    """``DASHBOARD_PUBLIC_URL`` (the address leaders open), or None."""
    env = os.environ if env is None else env
    return env.get(ENV_PUBLIC_URL, "").strip() or None


def send_and_audit(
    engine: Engine,
    configs: Sequence[ChannelConfig],
    message: OutgoingMessage,
    kind: str,
    username: str = "cli",
    *,
    items: int = 0,
    delays: Sequence[float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> list[DeliveryResult]:
    """Send to each channel in turn (retrying each), audit every result, return them all.

    ``items`` (the red items a message lists) goes in the audit entry's 行数 column.
    """
    delays, timeout = (retry_delays() if delays is None else tuple(delays)), request_timeout()
    results = []
    for config in configs:
        extra = {"sleep": sleep} if sleep else {}
        result = deliver(config, message, delays, timeout, **extra)
        audit.record(
            engine,
            "delivery" if result.ok else "delivery_failed",
            username,
            f"{kind}：{result.describe()}",
            rows=items,
            source_file=CHANNEL_LABELS[config.name],
        )
        results.append(result)
    return results


def weekly_attachments(
    engine: Engine, as_of: dt.date, subdistrict: str | None
) -> tuple[list[Attachment], list[str]]:
    """The weekly xlsx, PDF and Word 通报 for the email, and a note for each one that failed."""
    from figures.report import build_report
    from reporting.pdf import PdfFontMissing
    from reporting.word import weekly_docx
    from reporting.xlsx import render_xlsx
    from ui.weekly_model import weekly_pdf

    who = subdistrict or "全部街道"
    stem = f"周报_{who}_{as_of.isoformat()}"
    files = [
        Attachment(f"{stem}.xlsx", render_xlsx(build_report(engine, as_of, subdistrict)), XLSX_MIME)
    ]
    notes = []
    try:
        files.append(Attachment(f"{stem}.pdf", weekly_pdf(engine, as_of, subdistrict), PDF_MIME))
    except PdfFontMissing as error:
        notes.append(f"邮件未附 PDF：{error}")
    files.append(
        Attachment(
            f"通报_{who}_{as_of.isoformat()}.docx",
            weekly_docx(engine, as_of, subdistrict),
            DOCX_MIME,
        )
    )
    return files, notes


def trial_message(username: str) -> OutgoingMessage:
    """A short message that proves a channel works (the 发送测试消息 button)."""
    now = dt.datetime.now().replace(microsecond=0)
    bulletin = Bulletin(
        title="街道治理数据看板：测试消息",
        blocks=(
            Block(
                "说明",
                (
                    f"这是一条测试消息，由 {username} 于 {now:%Y-%m-%d %H:%M} 发送。",
                    "收到即表示本渠道配置正确。",
                ),
            ),
        ),
        link=public_url(),
        footer="每周一 08:00 推送周例会通报，每天检查一次红色事项。",
    )
    return outgoing(bulletin)
