"""Local accounts: roles, argon2 password hashes, login throttling and session expiry.

Roles (what each may do at ``/data``):

- ``viewer`` 只读: reads the dashboard; cannot open ``/data``.
- ``editor`` 社区编辑: uploads and corrects rows of the communities listed on the account
  (``街道/社区``), nothing else: rows of any other community and subdistrict-level figures
  (财政收入、财政目标) are refused by the importer with a clear message.
- ``admin`` 街道管理员: all data of every subdistrict, plus accounts and the audit log.
  (One office runs one dashboard, so "the subdistrict admin" is the administrator of all the
  data the dashboard holds; a per-subdistrict admin would be an editor of all its communities.)

Passwords are hashed with argon2id (argon2-cffi). After ``MAX_FAILURES`` wrong passwords in a
row an account is locked for ``LOCK_MINUTES``; every failure also costs the caller
``FAILURE_DELAY_SECONDS`` (applied by the login form). A session ends after
``DASHBOARD_SESSION_IDLE_MINUTES`` (default 480 = 8 h) without activity.

Whether the read-only pages need a login is ``DASHBOARD_REQUIRE_LOGIN`` (default off: open on
the intranet); ``/data`` always does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    case,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from administration import audit
from figures.scope import CommunityKey
from storage.models import Base, Community

ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
ROLE_LABELS: dict[str, str] = {"viewer": "只读", "editor": "社区编辑", "admin": "街道管理员"}
MAX_FAILURES = 5
LOCK_MINUTES = 15
FAILURE_DELAY_SECONDS = 1.0
MIN_PASSWORD_LENGTH = 8
DEFAULT_IDLE_MINUTES = 8 * 60
WRONG_CREDENTIALS = "用户名或密码错误"
_USERNAME = re.compile(r"[\w.@-]{2,100}")
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so that the answer takes as long as for a
# real account (no user enumeration by timing). Written out rather than hashed at import: the
# hash costs ~0.2 s, which every command (a report too) paid at start. Its parameters are the
# hasher's (tests/test_accounts.py checks), so verifying it takes as long as a real one.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$E2dJRKJnDN4OdLoi+odOIw$MbytuBq3nlu8V1Nynz65WvlPgVahEZyOmCGFGTea4e0"


class UserAccount(Base):
    """One local account (table created by migration 0002)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    communities: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[街道, 社区], ...]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


T = UserAccount.__table__


class AccountError(ValueError):
    """A refused account operation; ``str(error)`` is the Chinese reason."""


@dataclass(frozen=True)
class User:
    """A logged-in person: name, role and (for an editor) the communities they may write."""

    username: str
    role: str
    communities: tuple[CommunityKey, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_write(self) -> bool:
        """May open ``/data`` and import or correct data."""
        return self.role in ("editor", "admin")

    @property
    def allowed_communities(self) -> set[CommunityKey] | None:
        """What the importer may write for this user: ``None`` means everything (admin)."""
        if self.is_admin:
            return None
        if self.role == "editor":
            return set(self.communities)
        return set()

    def describe(self) -> str:
        """``张三（社区编辑：花园路街道/建设路社区）`` for the page header."""
        label = ROLE_LABELS.get(self.role, self.role)
        if self.role == "editor" and self.communities:
            label += "：" + "、".join(format_community(c) for c in self.communities)
        return f"{self.username}（{label}）"


@dataclass(frozen=True)
class LoginResult:
    """The answer to a login attempt; ``delay`` seconds should pass before answering."""

    ok: bool
    user: User | None = None
    message: str = ""
    delay: float = 0.0


@dataclass(frozen=True)
class AccountRow:
    """One account as the admin's list shows it (never the hash)."""

    username: str
    role: str
    communities: tuple[CommunityKey, ...]
    active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime


# --------------------------------------------------------------------------- settings


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def login_required() -> bool:
    """``DASHBOARD_REQUIRE_LOGIN=1``: every page needs a login (default: read-only pages open)."""
    return _env_flag("DASHBOARD_REQUIRE_LOGIN")


def idle_timeout() -> dt.timedelta:
    """How long a session may stay idle: ``DASHBOARD_SESSION_IDLE_MINUTES`` (default 8 h)."""
    raw = os.environ.get("DASHBOARD_SESSION_IDLE_MINUTES", "").strip()
    try:
        minutes = int(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return dt.timedelta(minutes=max(1, minutes))


def session_expired(last_seen: dt.datetime, now: dt.datetime, timeout: dt.timedelta) -> bool:
    """True when more than ``timeout`` passed since the session was last used."""
    return now - last_seen > timeout


# --------------------------------------------------------------------------- helpers


def format_community(key: CommunityKey) -> str:
    """``街道/社区``: how a community is written on the command line and in the lists."""
    return f"{key[0]}/{key[1]}"


def parse_community(text: str) -> CommunityKey:
    """``街道/社区`` → ``(街道, 社区)``; ``AccountError`` for anything else."""
    parts = [part.strip() for part in str(text).replace("／", "/").split("/")]
    if len(parts) != 2 or not all(parts):
        raise AccountError(f"社区「{text}」的格式应为 街道/社区（如 花园路街道/建设路社区）")
    return parts[0], parts[1]


def hash_password(password: str) -> str:
    """An argon2id hash (salted; the same password hashes differently every time)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a damaged hash counts as a mismatch."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")


def _check_username(username: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise AccountError("用户名须为 2–100 个字符：汉字、字母、数字或 . @ _ -，不含空格")


def _load_communities(raw: str | None) -> tuple[CommunityKey, ...]:
    return tuple((str(s), str(c)) for s, c in json.loads(raw or "[]"))


def _dump_communities(keys: Iterable[CommunityKey]) -> str:
    return json.dumps([list(key) for key in sorted(set(keys))], ensure_ascii=False)


def _unknown_communities(engine: Engine, keys: Sequence[CommunityKey]) -> list[CommunityKey]:
    if not keys:
        return []
    query = select(Community.subdistrict, Community.name).where(
        tuple_(Community.subdistrict, Community.name).in_(list(keys))
    )
    with engine.connect() as connection:
        found = {(s, n) for s, n in connection.execute(query)}
    return [key for key in keys if key not in found]


def _user_of(row) -> User:  # type: ignore[no-untyped-def]
    return User(row.username, row.role, _load_communities(row.communities))


# --------------------------------------------------------------------------- accounts


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    communities: Sequence[CommunityKey] = (),
    *,
    created_by: str = "cli",
) -> User:
    """Create an account; an editor needs at least one community, and each must exist."""
    username = username.strip()
    _check_username(username)
    if role not in ROLES:
        raise AccountError(f"角色必须是 {'、'.join(ROLES)} 之一（当前为「{role}」）")
    _check_password(password)
    keys = tuple(dict.fromkeys(communities))
    if role == "editor" and not keys:
        raise AccountError("社区编辑至少需要一个社区（--community 街道/社区）")
    if role != "editor" and keys:
        raise AccountError("只有社区编辑（editor）需要指定社区")
    unknown = _unknown_communities(engine, keys)
    if unknown:
        names = "、".join(format_community(k) for k in unknown)
        raise AccountError(f"社区不在社区名录中：{names}")
    with engine.begin() as connection:
        if connection.execute(select(T.c.id).where(T.c.username == username)).first():
            raise AccountError(f"用户「{username}」已存在")
        connection.execute(
            insert(T).values(
                username=username,
                password_hash=hash_password(password),
                role=role,
                communities=_dump_communities(keys),
                active=True,
                failed_logins=0,
                created_at=audit.now(),
            )
        )
        user = User(username, role, tuple(sorted(keys)))
        audit.record(connection, "user_created", created_by, f"创建账号 {user.describe()}")
    return user


def get_user(engine: Engine, username: str) -> User | None:
    """The active account of ``username``, or ``None`` (unknown or switched off)."""
    query = select(T.c.username, T.c.role, T.c.communities).where(
        T.c.username == username, T.c.active.is_(True)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _user_of(row) if row else None


def list_accounts(engine: Engine) -> list[AccountRow]:
    """Every account, by name (for the admin's list; no hashes)."""
    query = select(
        T.c.username,
        T.c.role,
        T.c.communities,
        T.c.active,
        T.c.locked_until,
        T.c.last_login_at,
        T.c.created_at,
    ).order_by(T.c.username)
    with engine.connect() as connection:
        return [
            AccountRow(
                row.username,
                row.role,
                _load_communities(row.communities),
                bool(row.active),
                row.locked_until,
                row.last_login_at,
                row.created_at,
            )
            for row in connection.execute(query)
        ]


def _change_account(engine: Engine, username: str, values: dict, by: str, detail: str) -> None:
    with engine.begin() as connection:
        result = connection.execute(update(T).where(T.c.username == username).values(**values))
        if result.rowcount == 0:
            raise AccountError(f"用户「{username}」不存在")
        audit.record(connection, "user_changed", by, f"{detail}：{username}")


def set_active(engine: Engine, username: str, active: bool, *, by: str) -> None:
    """Switch an account on or off (off: it can no longer log in; history stays)."""
    values = {"active": active, "failed_logins": 0, "locked_until": None}
    _change_account(engine, username, values, by, "启用账号" if active else "停用账号")


def set_password(engine: Engine, username: str, password: str, *, by: str) -> None:
    """Set a new password (and lift a lock)."""
    _check_password(password)
    values = {"password_hash": hash_password(password), "failed_logins": 0, "locked_until": None}
    _change_account(engine, username, values, by, "重设密码")


# --------------------------------------------------------------------------- login


def _refuse(
    engine: Engine, username: str, reason: str, message: str, now: dt.datetime
) -> LoginResult:
    audit.record(engine, "login_failed", username, reason, at=now)
    return LoginResult(False, None, message, FAILURE_DELAY_SECONDS)


def _not_locked(now: dt.datetime) -> ColumnElement[bool]:
    return or_(T.c.locked_until.is_(None), T.c.locked_until <= now)


def _locked_message(locked_until: dt.datetime | None) -> str:
    until = f"于 {locked_until:%H:%M} 后" if locked_until else "稍后"
    return f"登录失败次数过多，账号已锁定，请{until}再试或联系管理员"


def _locked_until(engine: Engine, account_id: int) -> dt.datetime | None:
    with engine.connect() as connection:
        return connection.execute(select(T.c.locked_until).where(T.c.id == account_id)).scalar()


def _count_failure(engine: Engine, account_id: int, now: dt.datetime) -> int | None:
    """Count one wrong password in a single statement; the lock is set in the same one.

    Returns the failures so far including this one (``MAX_FAILURES`` when it locked the
    account), or ``None`` when the account was already locked, e.g. by a parallel attempt.
    The increment happens in the database (``failed_logins = failed_logins + 1``, only while
    not locked), so parallel attempts can neither lose a count nor go on counting past the
    lock: a read-modify-write let ten sessions try 18 passwords before the lock.
    """
    failures = T.c.failed_logins + 1
    reaches = failures >= MAX_FAILURES
    statement = (
        update(T)
        .where(T.c.id == account_id, _not_locked(now))
        .values(
            failed_logins=case((reaches, 0), else_=failures),
            locked_until=case((reaches, now + dt.timedelta(minutes=LOCK_MINUTES)), else_=None),
        )
        .returning(T.c.failed_logins, T.c.locked_until)
    )
    with engine.begin() as connection:
        row = connection.execute(statement).first()
    if row is None:
        return None
    return MAX_FAILURES if row.locked_until is not None else int(row.failed_logins)


def authenticate(
    engine: Engine, username: str, password: str, *, now: dt.datetime | None = None
) -> LoginResult:
    """Check a login, count failures, lock after ``MAX_FAILURES``; every attempt is audited."""
    now = now or audit.now()
    username = username.strip()
    with engine.connect() as connection:
        row = connection.execute(select(T).where(T.c.username == username)).first()
    if row is None or not row.active:
        verify_password(_DUMMY_HASH, password)
        reason = "用户不存在" if row is None else "账号已停用"
        return _refuse(engine, username, reason, WRONG_CREDENTIALS, now)
    if row.locked_until is not None and row.locked_until > now:
        return _refuse(engine, username, "账号锁定中", _locked_message(row.locked_until), now)
    if not verify_password(row.password_hash, password):
        failures = _count_failure(engine, row.id, now)
        if failures is None:
            message = _locked_message(_locked_until(engine, row.id))
            return _refuse(engine, username, "账号锁定中", message, now)
        if failures >= MAX_FAILURES:
            message = f"连续 {MAX_FAILURES} 次密码错误，账号已锁定 {LOCK_MINUTES} 分钟"
            reason = f"密码错误，账号锁定 {LOCK_MINUTES} 分钟"
            return _refuse(engine, username, reason, message, now)
        reason = f"密码错误（连续第 {failures} 次）"
        return _refuse(engine, username, reason, WRONG_CREDENTIALS, now)
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if _HASHER.check_needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    with engine.begin() as connection:
        # Only while still unlocked: a parallel attempt may have locked it since the read.
        done = connection.execute(
            update(T).where(T.c.id == row.id, _not_locked(now)).values(**values)
        )
        if done.rowcount == 1:
            audit.record(connection, "login", username, "本地账号登录", at=now)
    if done.rowcount != 1:
        message = _locked_message(_locked_until(engine, row.id))
        return _refuse(engine, username, "账号锁定中", message, now)
    return LoginResult(True, _user_of(row))


def record_logout(engine: Engine, user: User, reason: str = "退出登录") -> None:
    """An explicit logout or an expired session, in the log."""
    audit.record(engine, "logout", user.username, reason)


__all__ = [
    "AccountError",
    "AccountRow",
    "FAILURE_DELAY_SECONDS",
    "LOCK_MINUTES",
    "LoginResult",
    "MAX_FAILURES",
    "ROLES",
    "ROLE_LABELS",
    "User",
    "UserAccount",
    "authenticate",
    "create_user",
    "format_community",
    "get_user",
    "hash_password",
    "idle_timeout",
    "list_accounts",
    "login_required",
    "parse_community",
    "record_logout",
    "session_expired",
    "set_active",
    "set_password",
    "verify_password",
]
