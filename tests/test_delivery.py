"""``manage.py push`` / ``alerts`` against local receivers on 127.0.0.1 (contract §5).

Each chat service's receiver checks the exact JSON of its public API and, for 钉钉 and 飞书,
recomputes the signature from the secret; an aiosmtpd server receives the email. Nothing
secret may appear in what the commands print or in the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine

import manage
from administration import audit
from reporting.channels import mask_url
from reporting.messages import WECOM_LIMIT_BYTES, Block, Bulletin, fit, wecom_markdown
from storage.db import get_engine, make_engine
from tests.report_rows import Rows

AS_OF = dt.date(2026, 6, 30)
EAST_A = ("东城街道", "甲社区")
EAST_B = ("东城街道", "乙社区")
WECOM_KEY = "wecomKEY0123456789abcdef"
DING_TOKEN = "dingTOKEN0123456789abcdef"
DING_SECRET = "SECdingSECRET0123456789"
FEISHU_TOKEN = "feishuHOOK0123456789abcdef"
FEISHU_SECRET = "feishuSECRET0123456789"
SMTP_PASSWORD = "smtpPASSWORD0123456789"
SECRETS = (WECOM_KEY, DING_TOKEN, DING_SECRET, FEISHU_TOKEN, FEISHU_SECRET, SMTP_PASSWORD)


# --------------------------------------------------------------------------- receivers


class Receiver:
    """A local HTTP server standing in for the three chat services; records every request."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: dict[str, tuple[int, dict]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                receiver.requests.append(
                    {
                        "path": parts.path,
                        "query": dict(urllib.parse.parse_qsl(parts.query)),
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(body.decode("utf-8")),
                    }
                )
                service = parts.path.split("/")[1]
                ok = {"code": 0, "msg": "success"} if service == "feishu" else {"errcode": 0}
                status, answer = receiver.answers.get(service, (200, ok))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
                """Quiet: the test output stays readable."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        # shutdown() waits until the serving loop next looks (every poll interval, 0.5 s by
        # default): a short interval keeps every test's teardown from waiting it out.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def of(self, service: str) -> list[dict]:
        return [r for r in self.requests if r["path"].startswith(f"/{service}/")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class MailBox:
    """An aiosmtpd server on 127.0.0.1 that accepts a login and keeps each message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[tuple[str, str]] = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
                box.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
            box.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=True)

        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=_free_port(),
            authenticator=authenticator,
            auth_require_tls=False,
        )
        self.controller.start()
        self.port = self.controller.port

    def close(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def mailbox() -> Iterator[MailBox]:
    box = MailBox()
    yield box
    box.close()


@pytest.fixture
def channels_env(monkeypatch, receiver, mailbox) -> None:
    """Every channel configured against the local receivers; retries without waiting."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DASHBOARD_WECOM_WEBHOOK", receiver.url(f"/wecom/send?key={WECOM_KEY}"))
    monkeypatch.setenv(
        "DASHBOARD_DINGTALK_WEBHOOK",
        receiver.url(f"/dingtalk/robot/send?access_token={DING_TOKEN}"),
    )
    monkeypatch.setenv("DASHBOARD_DINGTALK_SECRET", DING_SECRET)
    monkeypatch.setenv(
        "DASHBOARD_FEISHU_WEBHOOK", receiver.url(f"/feishu/bot/v2/hook/{FEISHU_TOKEN}")
    )
    monkeypatch.setenv("DASHBOARD_FEISHU_SECRET", FEISHU_SECRET)
    monkeypatch.setenv(
        "DASHBOARD_SMTP_URL", f"smtp://robot%40example.org:{SMTP_PASSWORD}@127.0.0.1:{mailbox.port}"
    )
    monkeypatch.setenv("DASHBOARD_MAIL_FROM", "看板 <robot@example.org>")
    monkeypatch.setenv("DASHBOARD_MAIL_TO", "leader@example.org, office@example.org")
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", "https://dashboard.example.org/")
    monkeypatch.setenv("DASHBOARD_DELIVERY_RETRY_DELAYS", "0,0")
    monkeypatch.setenv("DASHBOARD_DELIVERY_TIMEOUT", "5")


@pytest.fixture
def data(db_url, monkeypatch) -> Iterator[Engine]:
    """甲社区 red on 民生实事 (1 of 4 done at mid-year), 乙社区 green with one overdue project."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_engine.cache_clear()
    engine = make_engine(db_url)
    rows = Rows(engine)
    rows.project(EAST_A, "已完成", dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    for _ in range(3):
        rows.project(EAST_A, "未启动", dt.date(2026, 12, 1))
    for _ in range(2):
        rows.project(EAST_B, "已完成", dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    rows.project(EAST_B, "推进中", dt.date(2026, 6, 1))  # overdue on 2026-06-30
    yield engine
    engine.dispose()
    get_engine.cache_clear()


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = manage.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
            assert urllib.parse.quote(secret) not in text


# --------------------------------------------------------------------------- push


def test_push_sends_each_service_its_documented_message(
    data, channels_env, receiver, mailbox, capsys
):
    """企业微信/钉钉/飞书 get their exact JSON (钉钉 and 飞书 signed), the mail both attachments."""
    code, out, err = _run(capsys, "push", "--as-of", AS_OF.isoformat())
    assert code == 0, err
    for label in ("企业微信：已送达", "钉钉：已送达", "飞书：已送达", "邮件：已送达"):
        assert label in out
    link = "https://dashboard.example.org/weekly?as_of=2026-06-30"

    (wecom,) = receiver.of("wecom")
    assert wecom["query"] == {"key": WECOM_KEY}
    assert wecom["content_type"].startswith("application/json")
    assert set(wecom["json"]) == {"msgtype", "markdown"} and wecom["json"]["msgtype"] == "markdown"
    assert set(wecom["json"]["markdown"]) == {"content"}
    content = wecom["json"]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_LIMIT_BYTES
    assert "完成 3/7 项，完成率 42.9%" in content  # headline against 序时进度
    assert "慢于序时进度" in content
    assert "东城街道 甲社区：民生实事，完成率 25.0%" in content  # red item with its community
    assert "东城街道 乙社区：民生实事，逾期项目 1 项" in content
    assert link in content

    (ding,) = receiver.of("dingtalk")
    assert set(ding["query"]) == {"access_token", "timestamp", "sign"}
    timestamp = ding["query"]["timestamp"]
    expected = hmac.new(
        DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256
    ).digest()
    assert ding["query"]["sign"] == base64.b64encode(expected).decode()
    assert abs(int(timestamp) / 1000 - dt.datetime.now().timestamp()) < 600
    assert ding["json"]["msgtype"] == "markdown" and set(ding["json"]) == {"msgtype", "markdown"}
    assert set(ding["json"]["markdown"]) == {"title", "text"}
    assert "东城街道周例会通报" not in ding["json"]["markdown"]["title"]  # all subdistricts
    assert "全部街道周例会通报" in ding["json"]["markdown"]["title"]
    assert link in ding["json"]["markdown"]["text"]

    (feishu,) = receiver.of("feishu")
    body = feishu["json"]
    assert set(body) == {"timestamp", "sign", "msg_type", "content"}
    key = f"{body['timestamp']}\n{FEISHU_SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"].startswith("全部街道周例会通报")
    elements = [element for paragraph in post["content"] for element in paragraph]
    assert all(element["tag"] in ("text", "a") for element in elements)
    assert {"tag": "a", "text": "打开周例会", "href": link} in elements

    (mail,) = mailbox.messages
    assert mailbox.logins == [("robot@example.org", SMTP_PASSWORD)]
    assert mail["To"] == "leader@example.org, office@example.org"
    assert mail["Subject"].startswith("全部街道周例会通报")
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "东城街道 甲社区" in plain and "东城街道 甲社区" in html and link in plain
    names = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    xlsx = next(data for name, data in names.items() if name.endswith(".xlsx"))
    pdf = next(data for name, data in names.items() if name.endswith(".pdf"))
    assert xlsx[:2] == b"PK" and pdf.startswith(b"%PDF-")
    _no_secret(out, err)


def test_push_is_audited_without_secrets(data, channels_env, receiver, mailbox, capsys):
    """One audit entry per channel, naming it and its result, with no key or secret."""
    assert _run(capsys, "push", "--as-of", AS_OF.isoformat(), "--channel", "wecom", "email")[0] == 0
    entries = audit.list_entries(data, actions=["delivery", "delivery_failed"])
    assert sorted(e.source_file for e in entries) == ["企业微信", "邮件"]
    assert all(e.action == "delivery" and "已送达" in e.detail for e in entries)
    _no_secret(*(f"{e.detail} {e.source_file}" for e in entries))


def test_refusing_channel_is_retried_then_named_in_chinese(data, channels_env, receiver, capsys):
    """A 500 from 钉钉 is tried three times, then 钉钉：发送失败（HTTP 500）and exit 1."""
    receiver.answers["dingtalk"] = (500, {"errcode": 500})
    code, out, err = _run(
        capsys, "push", "--as-of", AS_OF.isoformat(), "--channel", "dingtalk", "wecom"
    )
    assert code == 1
    assert "钉钉：发送失败（HTTP 500），共尝试 3 次" in err
    assert "企业微信：已送达" in out
    assert len(receiver.of("dingtalk")) == 3
    failed = audit.list_entries(data, actions=["delivery_failed"])
    assert [e.source_file for e in failed] == ["钉钉"]
    _no_secret(out, err, failed[0].detail)


def test_service_error_code_counts_as_a_failure(data, channels_env, receiver, capsys):
    """HTTP 200 with 飞书 code ≠ 0 (e.g. a wrong signature) is a failure too."""
    receiver.answers["feishu"] = (
        200,
        {
            "code": 19021,
            "msg": "sign match fail or timestamp is not within one hour from current time",
        },
    )
    code, out, err = _run(capsys, "push", "--as-of", AS_OF.isoformat(), "--channel", "feishu")
    assert code == 1
    assert "飞书：发送失败（错误码 19021" in err
    _no_secret(out, err)


def test_unreachable_channels_fail_by_name_without_secrets(data, channels_env, monkeypatch, capsys):
    """A webhook and an SMTP server nobody answers at: exit 1, both named, nothing secret."""
    port = _free_port()
    monkeypatch.setenv("DASHBOARD_WECOM_WEBHOOK", f"http://127.0.0.1:{port}/send?key={WECOM_KEY}")
    monkeypatch.setenv("DASHBOARD_SMTP_URL", f"smtp://robot:{SMTP_PASSWORD}@127.0.0.1:{port}")
    code, out, err = _run(
        capsys, "push", "--as-of", AS_OF.isoformat(), "--channel", "wecom", "email"
    )
    assert code == 1
    assert "企业微信：发送失败（无法连接" in err
    assert "邮件：发送失败（无法连接" in err
    _no_secret(out, err)


def test_dry_run_prints_the_messages_and_sends_nothing(
    data, channels_env, receiver, mailbox, capsys
):
    """--dry-run shows each channel's body (URLs masked) and sends nothing."""
    code, out, err = _run(capsys, "push", "--as-of", AS_OF.isoformat(), "--dry-run")
    assert code == 0
    assert receiver.requests == [] and mailbox.messages == []
    for label in ("===== 企业微信", "===== 钉钉", "===== 飞书", "===== 邮件"):
        assert label in out
    assert "key=***" in out and "东城街道 甲社区" in out
    _no_secret(out, err)


def test_unconfigured_named_channel_is_a_usage_error(data, monkeypatch, capsys):
    """--channel dingtalk without DASHBOARD_DINGTALK_WEBHOOK: exit 2 and the variable to set."""
    monkeypatch.delenv("DASHBOARD_DINGTALK_WEBHOOK", raising=False)
    code, _, err = _run(capsys, "push", "--channel", "dingtalk")
    assert code == 2
    assert "钉钉（请设置 DASHBOARD_DINGTALK_WEBHOOK）" in err


# --------------------------------------------------------------------------- alerts


def _import_red_for_b(tmp_path: Path) -> Path:
    """A 民生实事 file adding three not-started projects to 乙社区 (2 of 6 done: red)."""
    path = tmp_path / "民生实事.csv"
    header = (
        "项目编号,街道,社区,项目名称,类别,年度,计划完成日期,状态,完成日期,投资金额(万元),受益户数"
    )
    lines = [header] + [
        f"NEW{i},东城街道,乙社区,新增项目{i},便民服务,2026,2026-12-01,未启动,,10,5"
        for i in range(3)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_alerts_send_each_red_item_once(data, channels_env, receiver, capsys, tmp_path):
    """First run: the red items; second: 无新增预警; after an import: only the new one."""
    args = ("alerts", "--as-of", AS_OF.isoformat(), "--channel", "wecom")
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    (first,) = receiver.of("wecom")
    content = first["json"]["markdown"]["content"]
    assert "新增红色事项 2 项" in content
    assert "东城街道 甲社区：完成率 25.0%" in content
    assert "东城街道 乙社区：P00007 项目（计划 2026-06-01 完成，已逾期 29 天）" in content

    code, out, err = _run(capsys, *args)
    assert code == 0 and "无新增预警" in out
    assert len(receiver.of("wecom")) == 1

    assert manage.main(["import", str(_import_red_for_b(tmp_path))]) == 0
    capsys.readouterr()
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    third = receiver.of("wecom")[-1]["json"]["markdown"]["content"]
    assert "新增红色事项 1 项" in third
    assert "东城街道 乙社区：完成率 33.3%" in third
    assert "甲社区" not in third and "P00007" not in third
    _no_secret(out, err)


def test_alerts_dry_run_remembers_nothing(data, channels_env, receiver, capsys):
    """A dry run prints the red items but the next real run still sends them."""
    args = ("alerts", "--as-of", AS_OF.isoformat(), "--channel", "wecom")
    code, out, _ = _run(capsys, *args, "--dry-run")
    assert code == 0 and "甲社区" in out and receiver.requests == []
    assert _run(capsys, *args)[0] == 0
    assert len(receiver.of("wecom")) == 1


def test_failed_alert_is_sent_again_next_time(data, channels_env, receiver, capsys):
    """A channel that failed did not receive the items: the next run tries them again."""
    receiver.answers["wecom"] = (502, {})
    args = ("alerts", "--as-of", AS_OF.isoformat(), "--channel", "wecom")
    code, _, err = _run(capsys, *args)
    assert code == 1 and "企业微信：发送失败（HTTP 502）" in err
    del receiver.answers["wecom"]
    assert _run(capsys, *args)[0] == 0
    assert "新增红色事项 2 项" in receiver.of("wecom")[-1]["json"]["markdown"]["content"]


# --------------------------------------------------------------------------- message limits


def test_long_list_is_shortened_with_deng_n_xiang_not_cut_mid_line():
    """300 red items: the 企业微信 text fits 4,096 bytes, ends the list with 等 300 项, and every
    shown line is a whole original line."""
    lines = tuple(
        f"东城街道 第{i:03d}社区：民生实事，完成率 10.0%，慢于序时进度 40.0 个百分点"
        for i in range(300)
    )
    bulletin = Bulletin(
        "通报",
        (
            Block("核心指标", ("民生实事：完成率 50.0%",)),
            Block("红色事项（300 项）", lines, is_list=True),
        ),
        "https://x/weekly?as_of=2026-06-30",
        "数据截至 2026-06-30",
    )
    text = wecom_markdown(fit(bulletin, wecom_markdown, WECOM_LIMIT_BYTES))
    assert len(text.encode("utf-8")) <= WECOM_LIMIT_BYTES
    assert "……等 300 项" in text
    shown = [line[2:] for line in text.splitlines() if line.startswith("> 东城街道")]
    assert 10 < len(shown) < 300
    assert all(line in lines for line in shown)
    assert "https://x/weekly?as_of=2026-06-30" in text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef123456",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***",
        ),
        (
            "https://oapi.dingtalk.com/robot/send?access_token=abc123def456",
            "https://oapi.dingtalk.com/robot/send?access_token=***",
        ),
        (
            "https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef0123",
            "https://open.feishu.cn/open-apis/bot/v2/hook/***",
        ),
        ("smtps://user:pa55word@mail.example.org:465", "smtps://user:***@mail.example.org:465"),
    ],
)
def test_mask_url_hides_keys_tokens_and_passwords(url, shown):
    """What /data and --dry-run show of a configured URL."""
    assert mask_url(url) == shown


def test_long_lists_give_way_first_and_a_city_sized_message_fits_quickly():
    """Two lists of 3,000 and 1,500 items and one of 3: the short list stays whole, both long
    ones end in 等 N 项, and fitting takes well under a second (a dozen renders, not thousands)."""
    import time

    lines = tuple(f"东城街道 第{i:04d}社区：民生实事，完成率 10.0%" for i in range(3000))
    blocks = (
        Block("红色事项", lines, is_list=True),
        Block("逾期项目", lines[:1500], is_list=True),
        Block("普查", lines[:3], is_list=True),
    )
    started = time.perf_counter()
    text = wecom_markdown(
        fit(Bulletin("通报", blocks, None, "完"), wecom_markdown, WECOM_LIMIT_BYTES)
    )
    assert time.perf_counter() - started < 1.0
    assert len(text.encode("utf-8")) <= WECOM_LIMIT_BYTES
    assert "……等 3000 项" in text and "……等 1500 项" in text and "等 3 项" not in text
    tail = text.split('**<font color="warning">普查</font>**')[1]
    assert all(line in tail for line in lines[:3])


def test_alert_memory_is_per_channel_and_forgets_only_within_the_scope(engine):
    """Remembered per channel; an item no longer red is forgotten (so it can alert again), but a
    run scoped to one subdistrict never forgets another subdistrict's items."""
    from administration.alert_log import RememberedItem, forget_cleared, remember, sent_keys

    east = RememberedItem("livelihood:东城街道/甲社区", "东城街道", "民生实事", "甲")
    west = RememberedItem("census:西城街道/丙社区", "西城街道", "人口普查", "丙")
    remember(engine, "wecom", [east, west])
    remember(engine, "wecom", [east])  # already known: no duplicate, no error
    assert sent_keys(engine, "wecom") == {east.key, west.key}
    assert sent_keys(engine, "dingtalk") == set()
    assert forget_cleared(engine, "wecom", [], "东城街道") == 1
    assert sent_keys(engine, "wecom") == {west.key}
    assert forget_cleared(engine, "wecom", [west.key], None) == 0
    assert forget_cleared(engine, "wecom", [], None) == 1
    assert sent_keys(engine, "wecom") == set()


@pytest.fixture
def tls_files(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, trusted by this test's default SSL context."""
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # ssl.create_default_context() reads it
    return key, cert


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_email_over_tls_logs_in_and_delivers(
    data, channels_env, tls_files, monkeypatch, capsys, mode
):
    """smtp://…?starttls=1 upgrades before logging in; smtps:// speaks TLS from the start."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    key, cert = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received, logins = [], []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
            received.append(envelope.content)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        logins.append(auth_data.password.decode())
        return AuthResult(success=True)

    port = _free_port()
    options = (
        {"tls_context": context, "require_starttls": True}
        if mode == "starttls"
        # aiosmtpd offers AUTH on implicit TLS only with auth_require_tls off (it only counts
        # STARTTLS as TLS); the connection is encrypted from the first byte all the same.
        else {"ssl_context": context, "auth_require_tls": False}
    )
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator, **options
    )
    controller.start()
    try:
        scheme, query = ("smtp", "?starttls=1") if mode == "starttls" else ("smtps", "")
        monkeypatch.setenv(
            "DASHBOARD_SMTP_URL", f"{scheme}://robot:{SMTP_PASSWORD}@127.0.0.1:{port}{query}"
        )
        code, out, err = _run(capsys, "push", "--as-of", AS_OF.isoformat(), "--channel", "email")
    finally:
        controller.stop()
    assert code == 0, err
    assert "邮件：已送达" in out and len(received) == 1 and logins == [SMTP_PASSWORD]
    _no_secret(out, err)
