"""Accounts on SQLite and PostgreSQL: argon2 hashes, roles, throttling, expiry, create-user."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import Engine, insert, select

import manage
from administration import accounts, audit
from administration.accounts import AccountError, User
from storage.models import Community

PASSWORD = "correct-horse-1"
T0 = dt.datetime(2024, 3, 1, 9, 0, 0)


@pytest.fixture
def community_engine(engine: Engine) -> Engine:
    """A fresh database with two communities in two subdistricts."""
    with engine.begin() as conn:
        conn.execute(
            insert(Community),
            [
                {"subdistrict": "东城街道", "name": "甲社区", "population": 100, "households": 40},
                {"subdistrict": "西城街道", "name": "乙社区", "population": 200, "households": 80},
            ],
        )
    return engine


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)


def test_password_is_stored_as_an_argon2_hash(community_engine: Engine) -> None:
    """The table holds an argon2id hash, never the password itself."""
    accounts.create_user(community_engine, "boss", PASSWORD, "admin")
    with community_engine.connect() as conn:
        stored = conn.execute(select(accounts.UserAccount.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert accounts.verify_password(stored, PASSWORD)


def test_the_same_password_hashes_differently_each_time() -> None:
    """Hashes are salted: two accounts with one password have different hashes."""
    assert accounts.hash_password(PASSWORD) != accounts.hash_password(PASSWORD)


@pytest.mark.parametrize("damaged", ["", "plain-text", "$argon2id$v=19$broken"])
def test_a_damaged_hash_never_matches(damaged: str) -> None:
    """A broken stored hash means no login, not an exception."""
    assert accounts.verify_password(damaged, PASSWORD) is False


@pytest.mark.parametrize(
    ("username", "password", "role", "communities", "message"),
    [
        ("a", PASSWORD, "admin", (), "用户名须为"),
        ("有 空格", PASSWORD, "admin", (), "用户名须为"),
        ("boss", "short", "admin", (), "至少需要 8 个字符"),
        ("boss", PASSWORD, "root", (), "角色必须是"),
        ("ed", PASSWORD, "editor", (), "至少需要一个社区"),
        ("ed", PASSWORD, "editor", (("东城街道", "不存在社区"),), "不在社区名录中"),
        ("vi", PASSWORD, "viewer", (("东城街道", "甲社区"),), "只有社区编辑"),
    ],
)
def test_invalid_accounts_are_refused(
    community_engine: Engine, username, password, role, communities, message
) -> None:
    """Each rule breach gives its Chinese reason and creates nothing."""
    with pytest.raises(AccountError, match=message):
        accounts.create_user(community_engine, username, password, role, communities)
    assert accounts.list_accounts(community_engine) == []


def test_the_unknown_user_hash_has_the_hashers_parameters_and_matches_nothing() -> None:
    """An unknown user's login verifies against a written-out hash: it must cost what a real
    account's does (same argon2 parameters as new hashes) and never match a password."""
    real = accounts.hash_password("an example password")
    assert accounts._DUMMY_HASH.split("$")[1:4] == real.split("$")[1:4]
    assert not accounts.verify_password(accounts._DUMMY_HASH, "not a real password!")


def test_a_user_name_is_unique(community_engine: Engine) -> None:
    """Creating the same name twice is refused."""
    accounts.create_user(community_engine, "boss", PASSWORD, "admin")
    with pytest.raises(AccountError, match="已存在"):
        accounts.create_user(community_engine, "boss", PASSWORD, "viewer")


@pytest.mark.parametrize(
    ("role", "communities", "allowed", "can_write", "is_admin"),
    [
        ("viewer", (), set(), False, False),
        ("editor", (("东城街道", "甲社区"),), {("东城街道", "甲社区")}, True, False),
        ("admin", (), None, True, True),
    ],
)
def test_roles_decide_what_a_user_may_write(role, communities, allowed, can_write, is_admin):
    """viewer: nothing; editor: their communities; admin: everything (None = no limit)."""
    user = User("someone", role, communities)
    assert (user.allowed_communities, user.can_write, user.is_admin) == (
        allowed,
        can_write,
        is_admin,
    )


def test_right_password_logs_in_and_is_audited(community_engine: Engine) -> None:
    """A correct login returns the user with their communities and writes 登录成功."""
    accounts.create_user(community_engine, "ed", PASSWORD, "editor", [("东城街道", "甲社区")])
    result = accounts.authenticate(community_engine, "ed", PASSWORD, now=T0)
    assert result.ok and result.user == User("ed", "editor", (("东城街道", "甲社区"),))
    [entry] = audit.list_entries(community_engine, actions=["login"])
    assert (entry.username, entry.at) == ("ed", T0)


@pytest.mark.parametrize("username", ["ed", "nobody"])
def test_wrong_password_and_unknown_user_get_the_same_answer(
    community_engine: Engine, username: str
) -> None:
    """Wrong password or unknown name: one message (no user enumeration), a delay, audited."""
    accounts.create_user(community_engine, "ed", PASSWORD, "editor", [("东城街道", "甲社区")])
    result = accounts.authenticate(community_engine, username, "wrong-password", now=T0)
    assert (result.ok, result.message) == (False, accounts.WRONG_CREDENTIALS)
    assert result.delay == accounts.FAILURE_DELAY_SECONDS
    [entry] = audit.list_entries(community_engine, actions=["login_failed"])
    assert entry.username == username


def test_five_failures_lock_the_account_for_fifteen_minutes(community_engine: Engine) -> None:
    """After 5 wrong passwords even the right one is refused until the lock has passed."""
    accounts.create_user(community_engine, "boss", PASSWORD, "admin")
    for minute in range(accounts.MAX_FAILURES):
        now = T0 + dt.timedelta(minutes=minute)
        assert not accounts.authenticate(community_engine, "boss", "wrong", now=now).ok
    locked_at = T0 + dt.timedelta(minutes=accounts.MAX_FAILURES - 1)
    during = accounts.authenticate(
        community_engine, "boss", PASSWORD, now=locked_at + dt.timedelta(minutes=14)
    )
    assert not during.ok and "锁定" in during.message
    after = accounts.authenticate(
        community_engine, "boss", PASSWORD, now=locked_at + dt.timedelta(minutes=16)
    )
    assert after.ok


def test_a_success_resets_the_failure_count(community_engine: Engine) -> None:
    """4 failures, a success, 4 failures: never locked."""
    accounts.create_user(community_engine, "boss", PASSWORD, "admin")
    for _ in range(2):
        for _ in range(accounts.MAX_FAILURES - 1):
            accounts.authenticate(community_engine, "boss", "wrong", now=T0)
        assert accounts.authenticate(community_engine, "boss", PASSWORD, now=T0).ok


def test_a_switched_off_account_cannot_log_in(community_engine: Engine) -> None:
    """set_active(False): refused like an unknown user; get_user returns None."""
    accounts.create_user(community_engine, "boss", PASSWORD, "admin")
    accounts.set_active(community_engine, "boss", False, by="admin")
    assert not accounts.authenticate(community_engine, "boss", PASSWORD).ok
    assert accounts.get_user(community_engine, "boss") is None


def test_a_new_password_replaces_the_old_one_and_lifts_a_lock(community_engine: Engine) -> None:
    """set_password: the old password fails, the new one works even after a lock."""
    accounts.create_user(community_engine, "boss", PASSWORD, "admin")
    for _ in range(accounts.MAX_FAILURES):
        accounts.authenticate(community_engine, "boss", "wrong", now=T0)
    accounts.set_password(community_engine, "boss", "another-pass-2", by="admin")
    assert not accounts.authenticate(community_engine, "boss", PASSWORD, now=T0).ok
    assert accounts.authenticate(community_engine, "boss", "another-pass-2", now=T0).ok


@pytest.mark.parametrize(
    ("idle_minutes", "expired"), [(60, False), (8 * 60, False), (8 * 60 + 1, True)]
)
def test_sessions_expire_after_the_idle_timeout(idle_minutes: int, expired: bool) -> None:
    """Default timeout 8 h: a session idle for longer has expired."""
    now = T0 + dt.timedelta(minutes=idle_minutes)
    assert accounts.session_expired(T0, now, accounts.idle_timeout()) is expired


@pytest.mark.parametrize(("raw", "minutes"), [("30", 30), ("", 480), ("abc", 480), ("0", 1)])
def test_idle_timeout_is_configurable(monkeypatch: pytest.MonkeyPatch, raw: str, minutes: int):
    """DASHBOARD_SESSION_IDLE_MINUTES sets it; nonsense falls back to 8 h."""
    monkeypatch.setenv("DASHBOARD_SESSION_IDLE_MINUTES", raw)
    assert accounts.idle_timeout() == dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("raw", "required"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_login_requirement_is_a_setting(monkeypatch: pytest.MonkeyPatch, raw: str, required):
    """DASHBOARD_REQUIRE_LOGIN=1 makes every page need a login; default open."""
    monkeypatch.setenv("DASHBOARD_REQUIRE_LOGIN", raw)
    assert accounts.login_required() is required


@pytest.mark.parametrize(
    ("text", "key"),
    [("东城街道/甲社区", ("东城街道", "甲社区")), (" 东城街道 ／ 甲社区 ", ("东城街道", "甲社区"))],
)
def test_community_is_written_subdistrict_slash_community(text: str, key) -> None:
    """``街道/社区`` (full-width slash too) is how the command line names a community."""
    assert accounts.parse_community(text) == key


@pytest.mark.parametrize("text", ["甲社区", "a/b/c", "/甲社区"])
def test_a_community_without_its_subdistrict_is_refused(text: str) -> None:
    with pytest.raises(AccountError, match="街道/社区"):
        accounts.parse_community(text)


# ---------------------------------------------------------------- manage.py create-user


def run_create_user(monkeypatch, url: str, argv: list[str], stdin: str = PASSWORD + "\n") -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    from storage.db import get_engine

    get_engine.cache_clear()
    return manage.main(["create-user", *argv])


def test_create_user_command_makes_an_editor(
    community_engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``create-user ed --role editor --community 东城街道/甲社区 --password-stdin`` → exit 0."""
    code = run_create_user(
        monkeypatch,
        db_url,
        ["ed", "--role", "editor", "--community", "东城街道/甲社区", "--password-stdin"],
    )
    assert code == 0
    assert "已创建账号" in capsys.readouterr().out
    assert accounts.authenticate(community_engine, "ed", PASSWORD).ok


def test_create_user_command_explains_a_refusal(
    community_engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """An editor without a community: exit 1 and the Chinese reason on stderr."""
    code = run_create_user(monkeypatch, db_url, ["ed", "--role", "editor", "--password-stdin"])
    assert code == 1
    assert "至少需要一个社区" in capsys.readouterr().err


def test_create_user_command_prompts_twice_without_stdin(
    community_engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Without --password-stdin the password is asked twice; a mismatch creates nothing."""
    answers = iter([PASSWORD, "something-else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code = run_create_user(monkeypatch, db_url, ["boss", "--role", "admin"])
    assert code == 1
    assert "不一致" in capsys.readouterr().err
    assert accounts.list_accounts(community_engine) == []
