"""Engine, sessions and schema migration for any SQLAlchemy URL in ``DATABASE_URL``.

The embedded default is SQLite at ``data/dashboard.db`` (resolved against the repository so
the app works from any working directory). PostgreSQL is the production database.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "dashboard.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITER_LOCK_KEY = 7_2041_0001  # the advisory lock every data writer takes on PostgreSQL

# Time limits (README, "数据库的时间上限"), each changeable by an environment variable.
STATEMENT_TIMEOUT_ENV = "DASHBOARD_STATEMENT_TIMEOUT"  # seconds a query may run; 0 = no limit
DEFAULT_STATEMENT_TIMEOUT = 30.0
WRITER_WAIT_ENV = "DASHBOARD_WRITER_WAIT"  # seconds a writer waits for another writer
DEFAULT_WRITER_WAIT = 60.0
# Set to 1 by the read-only measurement tools (benchmarks/harness.py, statements.py): the app
# and every command then refuse a database whose schema is not at the newest migration instead
# of upgrading it (a measurement once upgraded the city's benchmark file). ``init-db`` still
# migrates: it is the explicit request to.
NO_MIGRATE_ENV = "DASHBOARD_NO_MIGRATE"
SQLITE_PROGRESS_STEPS = 10_000  # SQLite VM steps between two looks at the clock (~1 ms)
_DEADLINE = "statement_deadline"  # connection-record info: [deadline or None, limit or None]


def _seconds_from_env(name: str, default: float) -> float:
    """A non-negative number of seconds from the environment (the default when unset/bad)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value >= 0 else default


def statement_timeout() -> float:
    """Seconds one query may run before it is stopped (``DASHBOARD_STATEMENT_TIMEOUT``)."""
    return _seconds_from_env(STATEMENT_TIMEOUT_ENV, DEFAULT_STATEMENT_TIMEOUT)


def writer_wait() -> float:
    """Seconds a writer waits for another import or correction (``DASHBOARD_WRITER_WAIT``)."""
    return _seconds_from_env(WRITER_WAIT_ENV, DEFAULT_WRITER_WAIT)


def database_url() -> str:
    """The configured URL; the default SQLite file lives in the repository's ``data/``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or url == "sqlite:///data/dashboard.db":
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    return url


def _configure_sqlite(engine: Engine, limit: float) -> None:
    """Foreign keys on, WAL so readers never wait for an import, writers wait for each other
    up to ``writer_wait()``, and a query running past ``limit`` seconds is interrupted.

    SQLite has no statement timeout: a progress handler looks at the clock every few thousand
    VM steps and interrupts the statement once its deadline (set when it starts, see
    ``_start_statement_clock``) has passed; the driver then raises "interrupted".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(writer_wait() * 1000)}")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        clock: list[float | None] = [None, limit or None]
        record.info[_DEADLINE] = clock

        def _past_deadline() -> int:
            deadline = clock[0]
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_connection.set_progress_handler(_past_deadline, SQLITE_PROGRESS_STEPS)

    @event.listens_for(engine, "before_cursor_execute")
    def _start_statement_clock(conn, _cursor, _sql, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        clock = conn.info.get(_DEADLINE)
        if clock is not None:
            clock[0] = None if clock[1] is None else time.monotonic() + clock[1]

    @event.listens_for(engine, "checkin")
    def _stop_statement_clock(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        clock = record.info.get(_DEADLINE)
        if clock is not None:
            clock[0] = None


def _configure_postgresql(engine: Engine, limit: float) -> None:
    """``statement_timeout`` on every new connection (the server stops a query past it)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false)", (str(int(limit * 1000)),)
        )
        cursor.close()
        dbapi_connection.commit()  # a setting made in a rolled-back transaction is undone


def make_engine(url: str | None = None, *, timeout: float | None = None) -> Engine:
    """A new engine for ``url`` (default: ``database_url()``) whose queries stop after
    ``timeout`` seconds (default ``statement_timeout()``; 0 = no limit)."""
    url = url or database_url()
    limit = statement_timeout() if timeout is None else timeout
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            # A folder that cannot be made shows up as "unable to open database file" on the
            # first connection, worded like any other database failure (storage.dberrors).
            with suppress(OSError):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, limit)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine, limit)
    return engine


@contextmanager
def without_statement_timeout(connection: Connection) -> Iterator[Connection]:
    """Inside a transaction: no time limit for its statements (writers, migrations, demo).

    A writer's work grows with the data it writes (a city-scale demo, a rollup rebuild) and
    is all-or-nothing, so stopping it half-way only wastes it; the limit is for readers.
    On PostgreSQL the setting is transaction-local (undone at commit or rollback).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('statement_timeout', '0', true)"))
        yield connection
        return
    clock = connection.info.get(_DEADLINE)
    if clock is None:
        yield connection
        return
    saved = clock[1]
    clock[0], clock[1] = None, None
    try:
        yield connection
    finally:
        clock[0], clock[1] = None, saved


@lru_cache(maxsize=8)
def _engine_for_url(url: str) -> Engine:
    return make_engine(url)


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (engines hold the connection pool).

    The URL is resolved on every call, so a changed ``DATABASE_URL`` gets its own engine.
    """
    return _engine_for_url(url or database_url())


get_engine.cache_clear = _engine_for_url.cache_clear  # type: ignore[attr-defined]


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction for writers (import, corrections): all-or-nothing, and on SQLite it takes
    the write lock up front (``BEGIN IMMEDIATE``).

    Writers validate against what is in the database (known communities, existing keys) and
    then write, so two at once must not interleave. A default SQLite transaction starts as a
    reader and fails when it later writes while another import is writing; taking the lock
    first lets ``busy_timeout`` make the second writer wait its turn. PostgreSQL gets the same
    turn-taking from a transaction-scoped advisory lock (released at commit or rollback).

    A writer waits up to ``writer_wait()`` seconds for another one (SQLite's busy timeout,
    PostgreSQL's transaction-local ``lock_timeout``); past that the driver raises "database is
    locked" / lock_not_available, which ``storage.dberrors`` words as 另一项导入或更正正在进行.
    Its own statements have no time limit (``without_statement_timeout``).
    """
    with engine.begin() as connection, without_statement_timeout(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT set_config('lock_timeout', :ms, true)"),
                {"ms": str(int(writer_wait() * 1000))},
            )
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
        yield connection


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def _current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, or None for a database not migrated yet."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration's revision id, read from the files in ``migrations/versions``.

    Importing Alembic costs ~0.4 s (it loads every dialect's DDL module), more than the whole
    ``manage.py report`` should take; the ids are plain assignments at the top of each file.
    None when the files do not name exactly one head (then Alembic itself decides).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text("utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
        if "down_revision" in found:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


class SchemaNotAtHead(RuntimeError):
    """The database's schema is not this program's newest and ``DASHBOARD_NO_MIGRATE`` forbids
    upgrading it; the message says so in Chinese."""


def migration_forbidden() -> bool:
    """Whether ``DASHBOARD_NO_MIGRATE`` is set (1 / true / yes): refuse rather than upgrade."""
    return os.environ.get(NO_MIGRATE_ENV, "").strip().lower() in ("1", "true", "yes")


def refusal_message(current: str | None, head: str | None) -> str:
    """Why the program does not start: the database's version, the one needed, what to do."""
    found = f"版本 {current}" if current else "尚未建表"
    return (
        f"数据库结构不是本程序的最新版本（数据库：{found}；本程序需要：版本 {head}）。"
        f"已设置 {NO_MIGRATE_ENV}=1（只读测量），因此不自动升级数据库，程序不启动。"
        f"请先对该数据库（或其副本）运行 python manage.py init-db，或去掉 {NO_MIGRATE_ENV} 后再启动。"
    )


def migrate(engine: Engine | None = None, *, explicit: bool = False) -> None:
    """Create or upgrade the schema to the newest migration; safe to run again.

    Every command and every app start calls this, so a database already at the newest
    revision is recognised with one small query, without importing Alembic at all. With
    ``DASHBOARD_NO_MIGRATE`` set, a schema not at the newest revision raises
    ``SchemaNotAtHead`` instead, unless the migration is ``explicit`` (``manage.py init-db``).
    """
    engine = engine or get_engine()
    current = _current_revision(engine)
    if current is not None and current == head_revision():
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    if current == head:
        return
    if not explicit and migration_forbidden():
        raise SchemaNotAtHead(refusal_message(current, head))
    with engine.begin() as connection, without_statement_timeout(connection):
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_empty(engine: Engine | None = None) -> bool:
    """True when no community exists yet (a brand-new database)."""
    from sqlalchemy import func, select

    from storage.models import Community

    engine = engine or get_engine()
    if not inspect(engine).has_table("community"):
        return True
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Community)).scalar_one() == 0


def demo_on_empty() -> bool:
    """Whether a brand-new database gets the demo data (``DASHBOARD_DEMO_ON_EMPTY=0`` turns it
    off, for a production install that starts empty and is filled by imports)."""
    return os.environ.get("DASHBOARD_DEMO_ON_EMPTY", "1").strip() not in ("0", "false", "no")


def print_progress():  # type: ignore[no-untyped-def]
    """A demo ``progress`` callback for the server's terminal: one line per 10% step."""
    shown = {"step": -1}

    def report(done: int, total: int, message: str) -> None:
        step = int(done * 10 / total) if total else 10
        if step != shown["step"]:
            shown["step"] = step
            print(f"  演示数据 {step * 10:3d}%：{message}（{done:,}/{total:,} 行）", flush=True)

    return report


def ensure_ready(
    engine: Engine | None = None,
    *,
    load_demo: bool | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Engine:
    """Migrate, and fill a brand-new database with the small demo data set.

    ``progress(done, total, message)`` hears how far the demo load is (the terminal's 10 %
    lines by default; the app also draws it on the first page).
    """
    engine = engine or get_engine()
    migrate(engine)
    if load_demo is None:
        load_demo = demo_on_empty()
    if load_demo and is_empty(engine):
        from demo.subdistricts import load_demo as _load_demo

        print("首次启动：数据库为空，正在载入演示数据……", flush=True)
        _load_demo(engine, scale="small", progress=progress or print_progress())
        print("演示数据已载入。", flush=True)
    return engine
