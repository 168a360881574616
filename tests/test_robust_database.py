"""One friendly path for a failing database: every page, the big screen and the command line.

Issue 9: ``/screen`` showed a full ``OperationalError`` (host and port) while the database was
down; the command line printed SQLAlchemy's traceback with SQL and row values when PostgreSQL
stopped mid-import. Issue 11: a query gone wrong must stop with 查询超时, not hang the page.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
import streamlit as st
from conftest import REPO_ROOT
from direct import PAGES, open_direct
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DataError, OperationalError

from figures.area_helpers import connected
from storage import bulk, dberrors
from storage.db import get_engine, make_engine, migrate

SECRET = "s3cretPassw0rd"
CLOSED_PG = f"postgresql+psycopg://dash:{SECRET}@127.0.0.1:9/dashboard"
LEAKS = ("127.0.0.1", ":9", SECRET, "SELECT", "INSERT", "sqlalche.me", "Traceback", "psycopg")
# ~10 s of counting on this machine: far past the tests' limits, yet bounded, so that without
# the limit a test fails on its assertion instead of hanging.
SLOW_SQLITE = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 15000000) "
    "SELECT count(*) FROM c"
)


def everything_shown(at) -> str:  # type: ignore[no-untyped-def]
    """All text elements of the page, exceptions included."""
    parts = [e.value for e in at.error] + [m.value for m in at.markdown]
    parts += [w.value for w in at.warning] + [c.value for c in at.caption]
    parts += [str(e.value) + str(e.stack_trace) for e in at.exception]
    return "\n".join(str(p) for p in parts)


def assert_no_leak(shown: str) -> None:
    for leak in LEAKS:
        assert leak not in shown, (leak, shown)


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    get_engine.cache_clear()


# ---------------------------------------------------------------- the words


def _wrapped(driver_error: BaseException, kind=OperationalError):  # type: ignore[no-untyped-def]
    return kind("SELECT secret FROM t WHERE x = ?", {"x": "行的值"}, driver_error)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_wrapped(sqlite3.OperationalError("database is locked")), dberrors.BUSY),
        (_wrapped(sqlite3.OperationalError("interrupted")), dberrors.TIMEOUT),
        (_wrapped(sqlite3.OperationalError("unable to open database file")), dberrors.DOWN),
        (_wrapped(ValueError("value out of range: overflow"), DataError), dberrors.OUT_OF_RANGE),
        (sqlite3.OperationalError("database is locked"), dberrors.BUSY),
    ],
)
def test_each_database_failure_has_its_chinese_message(error, kind):
    """Locked → 另一项导入或更正正在进行; interrupted → 查询超时; no SQL or value in the words."""
    problem = dberrors.describe(error, "test")
    assert problem.kind == kind
    assert problem.message == dberrors.MESSAGES[kind]
    assert "secret" not in problem.message and "行的值" not in problem.message


def test_busy_and_timeout_messages_say_what_happened():
    """The wording the issue asks for."""
    assert "另一项导入或更正正在进行，请稍后再试" in dberrors.MESSAGES[dberrors.BUSY]
    assert dberrors.MESSAGES[dberrors.TIMEOUT].startswith("查询超时")
    assert "无法连接" not in dberrors.MESSAGES[dberrors.BUSY]


# ---------------------------------------------------------------- pages, database away


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_the_database_is_away_without_details(page, monkeypatch):
    """A PostgreSQL URL on a closed port: the Chinese message, no host, port or password."""
    monkeypatch.setenv("DATABASE_URL", CLOSED_PG)
    _clear_caches()
    at = open_direct(page)
    assert not at.exception, [e.value for e in at.exception]
    shown = everything_shown(at)
    assert "数据库暂时无法连接" in shown
    assert_no_leak(shown)


def test_an_unopenable_sqlite_file_gives_the_same_message(tmp_path, monkeypatch):
    """SQLite whose path cannot be opened (a folder under a file): the message, no traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker / 'x.db'}")
    _clear_caches()
    at = open_direct("overview")
    assert not at.exception
    assert "数据库暂时无法连接" in everything_shown(at)


def test_screen_keeps_its_board_while_the_database_is_away_and_comes_back(app_db, monkeypatch):
    """The dark board stays, says 数据库暂时无法连接，正在重试; once back, it shows data."""
    monkeypatch.setenv("DATABASE_URL", CLOSED_PG)
    _clear_caches()
    at = open_direct("screen")
    assert not at.exception
    shown = everything_shown(at)
    assert "数据库暂时无法连接，正在重试" in shown
    assert not at.button  # a wall display has no one to click 重试
    assert at.get("html")  # the board's own style block: the dark layout is drawn
    assert_no_leak(shown)
    monkeypatch.setenv("DATABASE_URL", app_db)
    at.run()
    assert not at.exception
    shown = everything_shown(at)
    assert "数据截至" in shown and "正在重试" not in shown


def test_screen_board_failing_mid_run_says_so_in_its_layout(app_db, monkeypatch):
    """The board's refresh hits a dead connection: the line on the board, not the exception."""
    from ui import screen_model

    def down(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError(
            "SELECT 1", {}, ConnectionRefusedError('connection to "127.0.0.1", port 5432 failed')
        )

    monkeypatch.setattr(screen_model, "load_screen_data", down)
    at = open_direct("screen")
    assert not at.exception
    shown = everything_shown(at)
    assert "数据库暂时无法连接，正在重试" in shown
    assert_no_leak(shown)
    assert "5432" not in shown


# ---------------------------------------------------------------- statement timeout


def slow_latest_date(engine, scope):  # type: ignore[no-untyped-def]
    """A query gone wrong: counts for seconds (replaces ``meta.latest_data_date`` in a test;
    given the page run's connection, as every figure is)."""
    with connected(engine) as connection:
        return connection.execute(text(SLOW_SQLITE)).scalar()


def test_sqlite_query_past_the_limit_is_interrupted(tmp_path):
    """A long recursive CTE stops after the limit, and the connection still works."""
    engine = make_engine(f"sqlite:///{tmp_path / 'slow.db'}", timeout=0.3)
    started = time.monotonic()
    with pytest.raises(OperationalError) as caught, engine.connect() as connection:
        connection.execute(text(SLOW_SQLITE))
    assert time.monotonic() - started < 5
    assert dberrors.classify(caught.value) == dberrors.TIMEOUT
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_postgresql_statement_timeout_is_set_on_every_connection():
    """pg_sleep past the limit is cancelled by the server: 查询超时."""
    url = os.environ.get("TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL not configured (TEST_PG_URL unset)")
    engine = make_engine(url, timeout=0.3)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "300ms"
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught, engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 4
        assert dberrors.classify(caught.value) == dberrors.TIMEOUT
    finally:
        engine.dispose()


def test_statement_timeout_comes_from_the_environment(monkeypatch, tmp_path):
    """``DASHBOARD_STATEMENT_TIMEOUT`` (seconds) sets the limit; the default is 30 s."""
    from storage import db

    assert db.DEFAULT_STATEMENT_TIMEOUT == 30
    monkeypatch.setenv("DASHBOARD_STATEMENT_TIMEOUT", "0.2")
    engine = make_engine(f"sqlite:///{tmp_path / 'env.db'}")
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text(SLOW_SQLITE))


def test_a_page_with_a_runaway_query_says_query_timeout(app_db, monkeypatch):
    """The page shows 查询超时 instead of hanging."""
    from figures import meta

    monkeypatch.setenv("DASHBOARD_STATEMENT_TIMEOUT", "0.5")
    _clear_caches()
    monkeypatch.setattr(meta, "latest_data_date", slow_latest_date)
    started = time.monotonic()
    at = open_direct("livelihood")
    assert time.monotonic() - started < 30
    assert not at.exception
    assert any(e.value.startswith("查询超时") for e in at.error)


def test_writers_have_no_statement_time_limit(tmp_path):
    """An import or the demo load must not be cut off half-way by the readers' limit."""
    from storage.db import write_transaction

    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", timeout=0.2)
    migrate(engine)
    with write_transaction(engine) as connection:
        connection.execute(
            text(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                "LIMIT 3000000) SELECT count(*) FROM c"
            )
        )
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text(SLOW_SQLITE))


# ---------------------------------------------------------------- the command line


def run_manage(url: str, *args: str, env_extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    env = {**os.environ, "DATABASE_URL": url, "PYTHONIOENCODING": "utf-8", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.parametrize("args", [["report"], ["init-db"], ["import", "x.csv"], ["demo"]])
def test_every_command_with_the_database_away_exits_1_in_chinese(args, tmp_path):
    """Closed port: one Chinese line, exit 1, no host, port, password or traceback."""
    (tmp_path / "x.csv").write_text("街道,社区,常住人口,户数\n甲街道,乙社区,1,1\n")
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    done = run_manage(CLOSED_PG, *args, env_extra={"DASHBOARD_LOG_FILE": str(tmp_path / "l.log")})
    shown = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 1, shown
    assert "数据库暂时无法连接" in shown
    assert_no_leak(shown)
    assert "127.0.0.1" in (tmp_path / "l.log").read_text()  # the details are in the log


def test_postgresql_stopping_mid_import_gives_the_message_and_writes_nothing(
    db_url, tmp_path, monkeypatch, capsys
):
    """The server ends the import's connection half-way (pg_terminate_backend): no SQL, no
    row value on the terminal, exit 1, nothing written."""
    if not db_url.startswith("postgresql"):
        pytest.skip("terminating a server connection is a PostgreSQL scenario")
    import manage

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DASHBOARD_LOG_FILE", str(tmp_path / "l.log"))
    get_engine.cache_clear()
    marker = f"机密社区{uuid.uuid4().hex[:6]}"
    path = tmp_path / "社区名录.csv"
    path.write_text(f"街道,社区,常住人口,户数\n甲街道,{marker},100,40\n", encoding="utf-8")
    engine = get_engine()
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")

    @event.listens_for(engine, "before_cursor_execute")
    def _stop_server_side(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO COMMUNITY"):
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    copy_rows = bulk.insert_rows

    def _stop_server_before_copy(connection, table, columns, rows) -> None:  # type: ignore[no-untyped-def]
        """The import's rows go in by COPY (no statement the event sees): stop it there."""
        if table.name == "community":
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        copy_rows(connection, table, columns, rows)

    monkeypatch.setattr(bulk, "insert_rows", _stop_server_before_copy)
    try:
        code = manage.main(["import", str(path)])
    finally:
        event.remove(engine, "before_cursor_execute", _stop_server_side)
        admin.dispose()
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert code == 1
    assert "数据库暂时无法连接" in shown
    assert marker not in shown
    assert_no_leak(shown)
    check = make_engine(db_url)
    with check.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM community")).scalar() == 0
    check.dispose()
    get_engine.cache_clear()


# ---------------------------------------------------------------- writers waiting on writers

HOLD_LOCK = """
import sys, time
sys.path.insert(0, sys.argv[1])
from storage.db import make_engine, write_transaction
engine = make_engine(sys.argv[2])
with write_transaction(engine):
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def _hold_write_lock(url: str, seconds: float) -> subprocess.Popen:
    """Another process (an import in progress) holding the write lock for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(REPO_ROOT), url, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _communities_csv(tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "社区名录.csv"
    path.write_text("街道,社区,常住人口,户数\n甲街道,乙社区,100,40\n", encoding="utf-8")
    return str(path)


def test_a_second_sqlite_import_waits_more_than_ten_seconds(tmp_path):
    """The first import holds the lock for 12 s: the second waits its turn and succeeds."""
    url = f"sqlite:///{tmp_path / 'wait.db'}"
    migrate(make_engine(url))
    holder = _hold_write_lock(url, 12)
    try:
        done = run_manage(url, "import", _communities_csv(tmp_path))
    finally:
        holder.wait(timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert "导入成功" in done.stdout.decode()


def test_a_writer_that_waits_too_long_is_told_another_import_is_running(db_url, tmp_path):
    """Past ``DASHBOARD_WRITER_WAIT``: 另一项导入或更正正在进行，请稍后再试 (not 无法连接)."""
    holder = _hold_write_lock(db_url, 8)
    try:
        done = run_manage(
            db_url, "import", _communities_csv(tmp_path), env_extra={"DASHBOARD_WRITER_WAIT": "1"}
        )
    finally:
        holder.wait(timeout=60)
    shown = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 1, shown
    assert "另一项导入或更正正在进行，请稍后再试" in shown
    assert "无法连接" not in shown
    assert_no_leak(shown)


def test_sqlite_writers_wait_a_minute_by_default(tmp_path):
    """The busy timeout every SQLite connection gets is 60 s (README)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000


def test_data_page_says_another_import_is_running_not_unreachable(app_db, monkeypatch):
    """/data 确认导入 while another import holds the lock past the wait: the busy message."""
    from test_page_data_admin import csv_file, project_row, upload

    from administration import accounts

    monkeypatch.setattr(accounts, "FAILURE_DELAY_SECONDS", 0.0)
    monkeypatch.setenv("DASHBOARD_WRITER_WAIT", "1")
    accounts.create_user(make_engine(app_db), "editor9", "correct-horse-9", "editor",
                         [("新华路街道", "货场路社区")])  # fmt: skip
    at = open_direct("data_admin")
    at.text_input(key="login_username").input("editor9")
    at.text_input(key="login_password").input("correct-horse-9")
    at.button(key="login_submit").click()
    at = upload(at.run(), "新项目.csv", csv_file(project_row("BUSY-0001")))
    assert not at.exception
    holder = _hold_write_lock(app_db, 8)
    try:
        at.button(key="upload_confirm").click()
        at.run()
    finally:
        holder.wait(timeout=60)
    assert not at.exception
    shown = everything_shown(at)
    assert "另一项导入或更正正在进行，请稍后再试" in shown
    assert "无法连接" not in shown
