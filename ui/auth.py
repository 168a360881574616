"""Login on the Streamlit side: the form, the session, role checks and the database guard.

The rules (roles, argon2, throttling, idle timeout) live in ``administration.accounts``; this module
keeps the logged-in user's name and last activity in ``st.session_state`` (one browser tab is
one session: reloading the page means logging in again), reads the account back from the
database on every run (so a role change or a switched-off account applies at once) and ends
the session after ``DASHBOARD_SESSION_IDLE_MINUTES`` without activity.

``guard(page)`` is called by ``dashboard.py`` before anything is drawn: when the database is
away it says so (数据库暂时无法连接) and stops, without caching the failure, so the next run
after the database returns works again; with ``DASHBOARD_REQUIRE_LOGIN=1`` it shows the login
form until someone logs in. ``/data`` always needs a login (``require_writer``).

Single sign-on: when ``[auth]`` is configured in ``.streamlit/secrets.toml`` (Streamlit's OIDC
settings: ``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
``server_metadata_url``), the form also offers ``st.login()``. The identity provider proves who
someone is; what they may do still comes from a local account whose user name is their e-mail
address (created with ``manage.py create-user``). Without ``[auth]`` no SSO button is shown.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from administration import accounts
from administration.accounts import User
from ui import data
from ui.filters import escape_markdown

SESSION_USER = "auth_user"
SESSION_SEEN = "auth_seen"
SESSION_SSO_LOGGED = "auth_sso_logged"
SESSION_NOTICE = "auth_notice"
LOGIN_FORM_KEY = "login_form"
LOGIN_USER_KEY = "login_username"
LOGIN_PASSWORD_KEY = "login_password"
LOGIN_SUBMIT_KEY = "login_submit"
LOGOUT_KEY = "logout"
DB_RETRY_KEY = "db_retry"
DATABASE_DOWN = "数据库暂时无法连接，请稍后点击「重试」；如果持续出现，请联系系统管理员。"
NO_PERMISSION = (
    "无权限：只读账号不能进入数据管理页。需要上传或更正数据时，请联系管理员开通社区编辑权限。"
)


def _now() -> dt.datetime:
    return dt.datetime.now()


# --------------------------------------------------------------------------- SSO (optional)


def sso_configured() -> bool:
    """Whether ``[auth]`` is in the secrets; a missing or broken secrets file means no."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml, or one that does not parse
        return False


def _sso_user() -> User | None:
    """The local account of the SSO identity (by e-mail), when SSO is on and used."""
    if not sso_configured() or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "")
    user = accounts.get_user(data.engine(), email) if email else None
    if user is None:
        st.session_state[SESSION_NOTICE] = (
            f"单点登录账号「{email}」尚未开通本系统权限，请联系管理员创建同名账号。"
        )
        return None
    if not st.session_state.get(SESSION_SSO_LOGGED):
        from administration import audit

        audit.record(data.engine(), "login", user.username, "单点登录（OIDC）")
        st.session_state[SESSION_SSO_LOGGED] = True
    return user


# --------------------------------------------------------------------------- the session


def _forget() -> None:
    for key in (SESSION_USER, SESSION_SEEN, SESSION_SSO_LOGGED):
        st.session_state.pop(key, None)


def _expired() -> bool:
    seen = st.session_state.get(SESSION_SEEN)
    return seen is not None and accounts.session_expired(seen, _now(), accounts.idle_timeout())


def _end_expired_session(username: str | None) -> None:
    hours = accounts.idle_timeout().total_seconds() / 3600
    st.session_state[SESSION_NOTICE] = f"登录已超时（超过 {hours:g} 小时未操作），请重新登录。"
    if username:
        accounts.record_logout(data.engine(), User(username, "viewer"), "会话超时")
    _forget()
    if sso_configured() and st.user.is_logged_in:
        st.logout()


def current_user() -> User | None:
    """The logged-in user, or ``None``; ends a session idle for too long."""
    username = st.session_state.get(SESSION_USER)
    if (username or SESSION_SEEN in st.session_state) and _expired():
        _end_expired_session(username)
        return None
    user = accounts.get_user(data.engine(), username) if username else _sso_user()
    if user is None:
        if username:  # switched off or removed since the login
            _forget()
        return None
    st.session_state[SESSION_SEEN] = _now()
    return user


def _log_in(username: str, password: str) -> None:
    result = accounts.authenticate(data.engine(), username, password)
    if not result.ok or result.user is None:
        time.sleep(result.delay)  # every failure costs time: slows down password guessing
        st.error(result.message, icon=":material/lock:")
        return
    st.session_state[SESSION_USER] = result.user.username
    st.session_state[SESSION_SEEN] = _now()
    st.session_state.pop(SESSION_NOTICE, None)
    st.rerun()


def login_form(title: str = "请登录") -> None:
    """User name and password (and SSO when configured); a success reruns the page."""
    st.subheader(title)
    notice = st.session_state.get(SESSION_NOTICE)
    if notice:
        st.warning(escape_markdown(notice), icon=":material/schedule:")
    with st.form(LOGIN_FORM_KEY, clear_on_submit=True, width=420):
        username = st.text_input("用户名", key=LOGIN_USER_KEY, max_chars=100)
        password = st.text_input("密码", type="password", key=LOGIN_PASSWORD_KEY, max_chars=200)
        submitted = st.form_submit_button("登录", type="primary", key=LOGIN_SUBMIT_KEY)
    if submitted:
        _log_in(username, password)
    if sso_configured():
        st.button("使用单点登录（SSO）", on_click=st.login, key="login_sso")
    st.caption("账号由系统管理员开通，忘记密码请联系管理员。连续输错 5 次密码将锁定 15 分钟。")


def logout() -> None:
    """End the session (and the SSO session, if that is how the user came in)."""
    username = st.session_state.get(SESSION_USER)
    if username:
        accounts.record_logout(data.engine(), User(username, "viewer"))
    _forget()
    if sso_configured() and st.user.is_logged_in:
        st.logout()


def logout_button(container=None) -> None:  # type: ignore[no-untyped-def]
    (container or st).button("退出登录", on_click=logout, key=LOGOUT_KEY, icon=":material/logout:")


def require_user(title: str = "请登录") -> User:
    """The logged-in user; otherwise the login form, and the page stops here."""
    user = current_user()
    if user is None:
        login_form(title)
        st.stop()
    return user


def require_writer() -> User:
    """An editor or admin (``/data``); a viewer sees 无权限 and the page stops."""
    user = require_user("数据管理需要登录")
    if not user.can_write:
        st.error(NO_PERMISSION, icon=":material/block:")
        st.caption(escape_markdown(f"当前登录：{user.describe()}"))
        logout_button()
        st.stop()
    return user


# --------------------------------------------------------------------------- the guard


def show_database_down(error: BaseException) -> None:
    """The one friendly message for a failing database (``ui.data.show_database_problem``)."""
    data.show_database_problem(error, "auth")


def database_ready() -> bool:
    """Whether the database answers; says so on the page when it does not (never cached)."""
    try:
        data.ping()
    except data.DATABASE_ERRORS as error:
        show_database_down(error)
        return False
    return True


@contextmanager
def database_errors() -> Iterator[None]:
    """Around a page body: a database that fails mid-page gives the message, not a traceback."""
    try:
        yield
    except data.DATABASE_ERRORS as error:
        show_database_down(error)


def guard(page) -> None:  # type: ignore[no-untyped-def]
    """Called by ``dashboard.py`` first: a reachable database, and a login where required."""
    if not database_ready():
        st.stop()
    if accounts.login_required() and current_user() is None:
        st.title("街道治理数据看板")
        login_form("本系统需要登录后查看")
        st.stop()
