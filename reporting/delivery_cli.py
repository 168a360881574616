"""``manage.py push`` and ``manage.py alerts`` (contract §5): options, checks, output.

Exit codes: 0 every channel delivered (or nothing new to alert), 1 a channel failed after its
retries, 2 a bad option or a named channel that is not configured (none at all, likewise). Results are printed in Chinese by channel name; nothing printed
holds a webhook key, token, password or secret (URLs are shown masked).

``manage.py`` declares these commands' options from ``reporting.cli`` and imports this module
(the channels: ssl, smtplib, email) only to run them; what only sending needs
(``reporting.delivery``: messages, pandas, the PDF writer) is imported inside ``run_push`` /
``run_alerts``: ``manage.py report`` pays for neither at start-up.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from sqlalchemy import Engine

from administration import alert_log
from reporting.channels import (
    CHANNEL_LABELS,
    CHANNEL_NAMES,
    DINGTALK,
    EMAIL,
    ENV_SMTP,
    FEISHU,
    WEBHOOK_ENV,
    WECOM,
    ChannelConfig,
    OutgoingMessage,
    configured_channels,
    dingtalk_payload,
    feishu_payload,
    wecom_payload,
)
from reporting.cli import (  # noqa: F401  (the options live with report's: manage.py start-up)
    ALERTS_HELP,
    PUSH_HELP,
    UsageError,
    add_delivery_arguments,
    check_subdistrict,
    parse_as_of,
)

NO_NEW_ALERTS = "无新增预警"


def _variable(name: str) -> str:
    return WEBHOOK_ENV.get(name, ENV_SMTP)


def select_channels(names: list[str], dry_run: bool) -> list[ChannelConfig]:
    """The named (or all configured) channels; in a dry run, unconfigured ones as placeholders."""
    unknown = [n for n in names if n not in CHANNEL_NAMES]
    if unknown:
        raise UsageError(f"未知渠道：{'、'.join(unknown)}，可选 wecom、dingtalk、feishu、email")
    configured = configured_channels()
    wanted = [n for n in CHANNEL_NAMES if n in names] if names else list(configured)
    if dry_run and not configured and not names:
        wanted = list(CHANNEL_NAMES)
    missing = [n for n in wanted if n not in configured]
    if missing and not dry_run:
        listed = "、".join(f"{CHANNEL_LABELS[n]}（请设置 {_variable(n)}）" for n in missing)
        raise UsageError(f"渠道未配置：{listed}")
    if not wanted:
        raise UsageError(
            "未配置任何推送渠道：请设置 DASHBOARD_WECOM_WEBHOOK、DASHBOARD_DINGTALK_WEBHOOK、"
            "DASHBOARD_FEISHU_WEBHOOK 或 DASHBOARD_SMTP_URL（见 README「消息推送」）"
        )
    return [configured.get(n) or ChannelConfig(n, "") for n in wanted]


def preview(config: ChannelConfig, message: OutgoingMessage) -> str:
    """What the channel would receive (the JSON body or the email), for ``--dry-run``."""
    head = f"===== {config.label}（{config.describe()}）====="
    if config.name == EMAIL:
        files = "、".join(f"{a.filename}（{len(a.data):,} 字节）" for a in message.attachments)
        body = f"主题：{message.title}\n附件：{files or '无'}\n\n{message.plain_text}"
    else:
        payload = {
            WECOM: lambda: wecom_payload(message),
            DINGTALK: lambda: dingtalk_payload(message),
            FEISHU: lambda: feishu_payload(message, None, 0),
        }[config.name]()
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        body = f"（消息体 {size:,} 字节；签名在发送时生成）\n{text}"
    return f"{head}\n{body}\n"


def _options(args: argparse.Namespace, engine_factory: Callable[[], Engine]):  # type: ignore[no-untyped-def]
    as_of = parse_as_of(args.as_of)
    configs = select_channels(list(args.channels), args.dry_run)
    engine = engine_factory()
    subdistrict = check_subdistrict(engine, args.subdistrict)
    return as_of, configs, engine, subdistrict


def _report_results(results) -> int:  # type: ignore[no-untyped-def]
    failed = [r for r in results if not r.ok]
    for result in results:
        print(result.describe(), file=sys.stderr if not result.ok else sys.stdout)
    if failed:
        names = "、".join(r.label for r in failed)
        print(f"推送未完成：{names}发送失败。", file=sys.stderr)
        return 1
    return 0


def run_push(args: argparse.Namespace, engine_factory: Callable[[], Engine]) -> int:
    """Send the weekly 通报 to every chosen channel; exit 1 if any of them failed."""
    from figures.league import report_with_league
    from figures.livelihood import week_projects
    from figures.report import report_scope
    from figures.status import load_rules
    from reporting.delivery import public_url, send_and_audit, weekly_attachments
    from reporting.messages import outgoing, weekly_bulletin

    try:
        as_of, configs, engine, subdistrict = _options(args, engine_factory)
    except UsageError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    scope = report_scope(as_of, subdistrict)
    weekly = report_with_league(engine, as_of, subdistrict)
    report = weekly.report
    bulletin = weekly_bulletin(
        report,
        weekly.league,
        week_projects(engine, scope),
        public_url(),
        load_rules(engine),
    )
    if bulletin.link is None:
        print("提示：未设置 DASHBOARD_PUBLIC_URL，消息中不含看板链接。", file=sys.stderr)
    attachments = []
    if any(c.name == EMAIL for c in configs):
        attachments, notes = weekly_attachments(engine, as_of, subdistrict)
        for note in notes:
            print(f"提示：{note}", file=sys.stderr)
    message = outgoing(bulletin, attachments)
    if args.dry_run:
        for config in configs:
            print(preview(config, message))
        print("（--dry-run：未发送任何消息）")
        return 0
    kind = f"周报（{subdistrict or '全部街道'}，截至 {as_of.isoformat()}）"
    red = next((len(b.lines) for b in bulletin.blocks if b.is_list), 0)
    return _report_results(send_and_audit(engine, configs, message, kind, items=red))


def run_alerts(args: argparse.Namespace, engine_factory: Callable[[], Engine]) -> int:
    """Send what turned red since each channel's last alert; 无新增预警 when nothing did."""
    from reporting.alerts import alert_bulletin, current_red_items
    from reporting.delivery import public_url, send_and_audit
    from reporting.messages import outgoing

    try:
        as_of, configs, engine, subdistrict = _options(args, engine_factory)
    except UsageError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    items = current_red_items(engine, as_of, subdistrict)
    keys = [item.key for item in items]
    results = []
    for config in configs:
        if not args.dry_run:
            alert_log.forget_cleared(engine, config.name, keys, subdistrict)
        known = alert_log.sent_keys(engine, config.name)
        new = [item for item in items if item.key not in known]
        if not new:
            print(f"{config.label}：{NO_NEW_ALERTS}")
            continue
        message = outgoing(alert_bulletin(new, as_of, subdistrict, public_url()))
        if args.dry_run:
            print(preview(config, message))
            continue
        kind = f"预警 {len(new)} 项（{subdistrict or '全部街道'}，截至 {as_of.isoformat()}）"
        (result,) = send_and_audit(engine, [config], message, kind, items=len(new))
        if result.ok:
            alert_log.remember(engine, config.name, [item.remembered() for item in new])
        results.append(result)
    if args.dry_run:
        print("（--dry-run：未发送任何消息，也未记录）")
        return 0
    if not results:
        print(NO_NEW_ALERTS)
        return 0
    return _report_results(results)
