"""Where the weekly 通报 and the alerts go: 企业微信, 钉钉, 飞书 group robots and email.

Each channel is configured by environment variables holding full URLs (contract §5), so any
host works, including a test receiver on 127.0.0.1. Sending uses only the standard library
(``urllib.request``, ``smtplib``, ``email``). A channel that answers with an error or cannot be
reached is retried with back-off, then reported in Chinese by name. Webhook keys, tokens,
signatures, passwords and secrets never appear in any text this module returns: every message
goes through ``Redactor`` first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

WECOM, DINGTALK, FEISHU, EMAIL = "wecom", "dingtalk", "feishu", "email"
CHANNEL_NAMES: tuple[str, ...] = (WECOM, DINGTALK, FEISHU, EMAIL)
CHANNEL_LABELS: dict[str, str] = {
    WECOM: "企业微信",
    DINGTALK: "钉钉",
    FEISHU: "飞书",
    EMAIL: "邮件",
}
ENV_WECOM = "DASHBOARD_WECOM_WEBHOOK"
ENV_DINGTALK = "DASHBOARD_DINGTALK_WEBHOOK"
ENV_DINGTALK_SECRET = "DASHBOARD_DINGTALK_SECRET"
ENV_FEISHU = "DASHBOARD_FEISHU_WEBHOOK"
ENV_FEISHU_SECRET = "DASHBOARD_FEISHU_SECRET"
ENV_SMTP = "DASHBOARD_SMTP_URL"
ENV_MAIL_FROM = "DASHBOARD_MAIL_FROM"
ENV_MAIL_TO = "DASHBOARD_MAIL_TO"
ENV_PUBLIC_URL = "DASHBOARD_PUBLIC_URL"
ENV_RETRY_DELAYS = "DASHBOARD_DELIVERY_RETRY_DELAYS"
ENV_TIMEOUT = "DASHBOARD_DELIVERY_TIMEOUT"
WEBHOOK_ENV: dict[str, str] = {WECOM: ENV_WECOM, DINGTALK: ENV_DINGTALK, FEISHU: ENV_FEISHU}
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0, 30.0)  # seconds before each retry
DEFAULT_TIMEOUT = 15.0
MASK = "***"
# A path segment this long made of token characters is a webhook key (飞书 puts it in the path).
TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]{16,}$")


class DeliveryError(Exception):
    """A send that failed; the message is Chinese, already redacted, without the channel name."""


# --------------------------------------------------------------------------- redaction


def mask_url(url: str) -> str:
    """The URL as it may be shown: password, query values and key-like path segments masked.

    ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***``,
    ``https://open.feishu.cn/open-apis/bot/v2/hook/***``, ``smtp://user:***@host:465``.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    path = "/".join(MASK if TOKEN_SEGMENT.match(seg) else seg for seg in parts.path.split("/"))
    query = "&".join(
        f"{name}={MASK}" if value else name
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, ""))


def url_secrets(url: str) -> list[str]:
    """The secret pieces of a URL: query values, password, key-like path segments."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return [url]
    found = [value for _, value in urllib.parse.parse_qsl(parts.query) if value]
    found += [seg for seg in parts.path.split("/") if TOKEN_SEGMENT.match(seg)]
    if parts.password:
        found += [parts.password, urllib.parse.unquote(parts.password)]
    return found


@dataclass(frozen=True)
class Redactor:
    """Replaces every known secret (and its URL-encoded forms) with ``***`` in a text."""

    secrets: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) < 4:
                continue
            for form in {
                secret,
                urllib.parse.quote(secret, safe=""),
                urllib.parse.quote_plus(secret),
            }:
                text = text.replace(form, MASK)
        return text


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class SmtpSettings:
    """What ``DASHBOARD_SMTP_URL`` says: where, how (TLS) and as whom to send."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pw@host:port`` (``smtps://`` implicit TLS, ``?starttls=1``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError("DASHBOARD_SMTP_URL 格式错误，应为 smtp://用户:密码@主机:端口")
    query = dict(urllib.parse.parse_qsl(parts.query))
    implicit = parts.scheme == "smtps"
    starttls = query.get("starttls", "").lower() in ("1", "true", "yes")
    try:
        port = parts.port or (465 if implicit else 587 if starttls else 25)
    except ValueError:
        raise DeliveryError("DASHBOARD_SMTP_URL 的端口不是数字") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
        starttls=starttls,
    )


@dataclass(frozen=True)
class ChannelConfig:
    """One configured channel: its name, where it sends and the secrets to keep out of text."""

    name: str
    url: str
    secret: str | None = None
    mail_from: str | None = None
    mail_to: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.name]

    @property
    def redactor(self) -> Redactor:
        pieces = url_secrets(self.url) + ([self.secret] if self.secret else [])
        return Redactor(tuple(pieces))

    def describe(self) -> str:
        """Where it goes, masked: safe to print and show on ``/data``."""
        if not self.url:
            return "未配置"
        target = mask_url(self.url)
        if self.name == EMAIL:
            target += f"，收件人 {', '.join(self.mail_to) or '（未设置 DASHBOARD_MAIL_TO）'}"
        elif self.secret:
            target += "（已设置签名密钥）"
        return target


def configured_channels(env: Mapping[str, str] | None = None) -> dict[str, ChannelConfig]:
    """Every channel whose environment variable is set, in the fixed order of ``CHANNEL_NAMES``."""
    env = os.environ if env is None else env
    found: dict[str, ChannelConfig] = {}
    for name, variable in WEBHOOK_ENV.items():
        url = env.get(variable, "").strip()
        if url:
            secret_var = {DINGTALK: ENV_DINGTALK_SECRET, FEISHU: ENV_FEISHU_SECRET}.get(name)
            secret = env.get(secret_var, "").strip() if secret_var else ""
            found[name] = ChannelConfig(name, url, secret or None)
    smtp_url = env.get(ENV_SMTP, "").strip()
    if smtp_url:
        recipients = tuple(a.strip() for a in env.get(ENV_MAIL_TO, "").split(",") if a.strip())
        found[EMAIL] = ChannelConfig(
            EMAIL,
            smtp_url,
            mail_from=env.get(ENV_MAIL_FROM, "").strip() or None,
            mail_to=recipients,
        )
    return found


def retry_delays(env: Mapping[str, str] | None = None) -> tuple[float, ...]:
    """Seconds to wait before each retry (``DASHBOARD_DELIVERY_RETRY_DELAYS=2,10,30``)."""
    env = os.environ if env is None else env
    text = env.get(ENV_RETRY_DELAYS, "").strip()
    if not text:
        return DEFAULT_RETRY_DELAYS
    try:
        return tuple(max(0.0, float(part)) for part in text.split(",") if part.strip())
    except ValueError:
        return DEFAULT_RETRY_DELAYS


def request_timeout(env: Mapping[str, str] | None = None) -> float:
    """Seconds one HTTP request or SMTP session may take (``DASHBOARD_DELIVERY_TIMEOUT``)."""
    env = os.environ if env is None else env
    try:
        return max(1.0, float(env.get(ENV_TIMEOUT, DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


# --------------------------------------------------------------------------- signatures


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉加签: Base64 of HMAC-SHA256 keyed by the secret over ``"{timestamp}\\n{secret}"``."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_url(webhook: str, secret: str | None, timestamp_ms: int) -> str:
    """The webhook with ``timestamp`` and the URL-encoded ``sign`` appended (when a secret is set)."""
    if not secret:
        return webhook
    sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp_ms))
    joiner = "&" if urllib.parse.urlsplit(webhook).query else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书签名校验: Base64 of HMAC-SHA256 keyed by ``"{timestamp}\\n{secret}"`` over nothing."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


# --------------------------------------------------------------------------- payloads


@dataclass(frozen=True)
class Attachment:
    """A file attached to the email."""

    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class OutgoingMessage:
    """One message as each channel sends it: chat bodies already within their limits."""

    title: str
    wecom_markdown: str
    dingtalk_markdown: str
    feishu_lines: tuple[str, ...]
    link: str | None
    plain_text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def wecom_payload(message: OutgoingMessage) -> dict:
    """企业微信群机器人 markdown message."""
    return {"msgtype": "markdown", "markdown": {"content": message.wecom_markdown}}


def dingtalk_payload(message: OutgoingMessage) -> dict:
    """钉钉自定义机器人 markdown message."""
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": message.dingtalk_markdown},
    }


def feishu_payload(message: OutgoingMessage, secret: str | None, timestamp_s: int) -> dict:
    """飞书自定义机器人 rich-text (``post``) message; ``timestamp``/``sign`` when a secret is set."""
    content: list[list[dict[str, str]]] = [
        [{"tag": "text", "text": line}] for line in message.feishu_lines
    ]
    if message.link:
        content.append(
            [
                {"tag": "text", "text": "详见看板："},
                {"tag": "a", "text": "打开周例会", "href": message.link},
            ]
        )
    payload: dict = {}
    if secret:
        payload = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s)}
    payload["msg_type"] = "post"
    payload["content"] = {"post": {"zh_cn": {"title": message.title, "content": content}}}
    return payload


def email_message(message: OutgoingMessage, config: ChannelConfig, sender: str) -> EmailMessage:
    """The email: plain text and HTML alternatives, then the attachments."""
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = ", ".join(config.mail_to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="dashboard.local")
    mail.set_content(message.plain_text)
    mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        mail.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return mail


# --------------------------------------------------------------------------- sending


def post_json(url: str, payload: dict, timeout: float) -> dict:
    """POST the JSON; the decoded answer, or DeliveryError (HTTP status, errcode/code ≠ 0)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            raw = response.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code}") from None
    except urllib.error.URLError as error:
        raise DeliveryError(f"无法连接：{_reason(error.reason)}") from None
    except TimeoutError:
        raise DeliveryError("连接超时") from None
    except OSError as error:
        raise DeliveryError(f"无法连接：{_reason(error)}") from None
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        raise DeliveryError("应答不是 JSON") from None
    if not isinstance(answer, dict):
        raise DeliveryError("应答不是 JSON 对象")
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        text = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise DeliveryError(f"错误码 {code}：{str(text)[:200]}")
    return answer


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(reason, TimeoutError):
        return "连接超时"
    return str(getattr(reason, "strerror", None) or reason)[:200]


def send_smtp(message: OutgoingMessage, config: ChannelConfig, timeout: float) -> None:
    """Send the email over SMTP (implicit TLS, STARTTLS or plain, with login when given)."""
    settings = parse_smtp_url(config.url)
    if not config.mail_to:
        raise DeliveryError("未设置收件人（DASHBOARD_MAIL_TO）")
    sender = config.mail_from or settings.username or "dashboard@localhost"
    mail = email_message(message, config, sender)
    context = ssl.create_default_context()
    try:
        if settings.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            if settings.starttls:
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(mail, from_addr=sender, to_addrs=list(config.mail_to))
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"SMTP {error.smtp_code}") from None
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError("收件人被拒绝") from None
    except smtplib.SMTPException as error:
        raise DeliveryError(f"SMTP 错误：{type(error).__name__}") from None
    except ssl.SSLError:
        raise DeliveryError("TLS 握手失败") from None
    except TimeoutError:
        raise DeliveryError("连接超时") from None
    except OSError as error:
        raise DeliveryError(f"无法连接：{_reason(error)}") from None


def send_once(
    config: ChannelConfig, message: OutgoingMessage, timeout: float, clock: Callable[[], float]
) -> None:
    """One attempt on one channel; DeliveryError when it did not arrive."""
    if config.name == WECOM:
        post_json(config.url, wecom_payload(message), timeout)
    elif config.name == DINGTALK:
        url = dingtalk_url(config.url, config.secret, int(clock() * 1000))
        post_json(url, dingtalk_payload(message), timeout)
    elif config.name == FEISHU:
        post_json(config.url, feishu_payload(message, config.secret, int(clock())), timeout)
    else:
        send_smtp(message, config, timeout)


@dataclass(frozen=True)
class DeliveryResult:
    """How one channel went: delivered or not, after how many attempts, and why not."""

    channel: str
    ok: bool
    attempts: int
    error: str = ""

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    def describe(self) -> str:
        """``钉钉：已送达`` or ``钉钉：发送失败（HTTP 500）``, with the attempts when retried."""
        tries = f"，共尝试 {self.attempts} 次" if self.attempts > 1 else ""
        if self.ok:
            return f"{self.label}：已送达{tries}"
        return f"{self.label}：发送失败（{self.error}）{tries}"


def deliver(
    config: ChannelConfig,
    message: OutgoingMessage,
    delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    timeout: float = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> DeliveryResult:
    """Send with retries: one attempt, then one more after each delay (back-off) until it arrives."""
    redact = config.redactor
    error = ""
    waits = [0.0, *delays]
    for attempt, wait in enumerate(waits, start=1):
        if wait:
            sleep(wait)
        try:
            send_once(config, message, timeout, clock)
        except DeliveryError as failure:
            error = redact(str(failure))
            continue
        except Exception as failure:  # noqa: BLE001 (a bug must not stop the other channels)
            error = redact(f"内部错误：{type(failure).__name__}")
            continue
        return DeliveryResult(config.name, True, attempt)
    return DeliveryResult(config.name, False, len(waits), error)
