"""The login lockout counts parallel wrong passwords exactly, on SQLite and PostgreSQL.

Issue 9: ten sessions submitting wrong passwords at once needed 18 attempts to lock an
account, and 20 simultaneous checks left ``failed_logins = 1``: the counter was a
read-modify-write. It is now one ``UPDATE ... SET failed_logins = failed_logins + 1`` that
also sets the lock when the count reaches ``MAX_FAILURES``.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from sqlalchemy import Engine, select

from administration import accounts, audit

PASSWORD = "correct-horse-1"
T0 = dt.datetime(2024, 3, 1, 9, 0, 0)


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)


def parallel_logins(engine: Engine, attempts: int, password: str) -> list[accounts.LoginResult]:
    """``attempts`` logins of ``boss`` released at the same instant from as many threads."""
    start = threading.Barrier(attempts)

    def attempt(_: int) -> accounts.LoginResult:
        start.wait()
        return accounts.authenticate(engine, "boss", password, now=T0)

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return list(pool.map(attempt, range(attempts)))


def failure_reasons(engine: Engine) -> list[str]:
    return [e.detail for e in audit.list_entries(engine, actions=["login_failed"])]


@pytest.mark.parametrize("attempts", [10, 20])
def test_parallel_wrong_passwords_lock_at_exactly_five(engine: Engine, attempts: int) -> None:
    """Exactly 5 wrong passwords are counted, the 5th locks; all others meet the lock."""
    accounts.create_user(engine, "boss", PASSWORD, "admin")
    results = parallel_logins(engine, attempts, "wrong-password")
    assert not any(result.ok for result in results)
    reasons = failure_reasons(engine)
    assert len(reasons) == attempts
    counted = sorted(r for r in reasons if r.startswith("密码错误"))
    assert counted == [
        *(f"密码错误（连续第 {n} 次）" for n in range(1, accounts.MAX_FAILURES)),
        f"密码错误，账号锁定 {accounts.LOCK_MINUTES} 分钟",
    ]
    assert reasons.count("账号锁定中") == attempts - accounts.MAX_FAILURES
    with engine.connect() as conn:
        locked_until = conn.execute(select(accounts.UserAccount.locked_until)).scalar_one()
    assert locked_until == T0 + dt.timedelta(minutes=accounts.LOCK_MINUTES)
    right = accounts.authenticate(engine, "boss", PASSWORD, now=T0 + dt.timedelta(minutes=1))
    assert not right.ok and "锁定" in right.message
    later = T0 + dt.timedelta(minutes=accounts.LOCK_MINUTES + 1)
    assert accounts.authenticate(engine, "boss", PASSWORD, now=later).ok


def test_the_right_password_cannot_slip_past_a_lock_set_meanwhile(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A right password checked while a parallel attempt locks the account is refused."""
    accounts.create_user(engine, "boss", PASSWORD, "admin")
    verify = accounts.verify_password

    def verify_while_others_lock(stored: str, password: str) -> bool:
        ok = verify(stored, password)
        if ok:  # the account was read unlocked; now five wrong passwords arrive and lock it
            monkeypatch.setattr(accounts, "verify_password", verify)
            for _ in range(accounts.MAX_FAILURES):
                accounts.authenticate(engine, "boss", "wrong-password", now=T0)
        return ok

    monkeypatch.setattr(accounts, "verify_password", verify_while_others_lock)
    result = accounts.authenticate(engine, "boss", PASSWORD, now=T0)
    assert not result.ok and "锁定" in result.message
    assert audit.list_entries(engine, actions=["login"]) == []


def test_messages_and_log_hold_no_secret(engine: Engine) -> None:
    """Neither the answer nor the audit log ever holds the password or its hash."""
    accounts.create_user(engine, "boss", PASSWORD, "admin")
    results = [accounts.authenticate(engine, "boss", "wrong-Secret-9", now=T0) for _ in range(6)]
    later = T0 + dt.timedelta(minutes=accounts.LOCK_MINUTES + 1)
    results.append(accounts.authenticate(engine, "boss", PASSWORD, now=later))
    accounts.set_password(engine, "boss", "New-Secret-77", by="admin")
    results.append(accounts.authenticate(engine, "boss", "New-Secret-77", now=later))
    assert results[-1].ok
    with engine.connect() as conn:
        stored = conn.execute(select(accounts.UserAccount.password_hash)).scalar_one()
    exported = (
        audit.to_csv(audit.list_entries(engine)).decode("utf-8-sig")
        + "".join(r.message for r in results)
        + "".join(e.detail for e in audit.list_entries(engine))
    )
    book = openpyxl.load_workbook(io.BytesIO(audit.to_xlsx(audit.list_entries(engine))))
    exported += "".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row)
    secrets = (
        "wrong-Secret-9",
        PASSWORD,
        "New-Secret-77",
        stored,
        stored.split("$")[-1],
        "$argon2",
    )
    for secret in secrets:
        assert secret not in exported
