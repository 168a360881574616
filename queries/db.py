"""Engine, sessions and schema migration for any SQLAlchemy URL in ``DATABASE_URL``.

The embedded default is SQLite at ``data/dashboard.db`` (resolved against the repository so
the app works from any working directory). PostgreSQL is the production database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "dashboard.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITER_LOCK_KEY = 7_2041_0001  # the advisory lock every data writer takes on PostgreSQL


def database_url() -> str:
    """The configured URL; the default SQLite file lives in the repository's ``data/``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or url == "sqlite:///data/dashboard.db":
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    return url


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL so readers never wait for an import, a sane busy timeout."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for ``url`` (default: ``database_url()``)."""
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


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
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
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


def migrate(engine: Engine | None = None) -> None:
    """Create or upgrade the schema to the newest migration; safe to run again.

    Every command and every app start calls this, so a database already at the newest
    revision is recognised with one small query instead of running Alembic's environment.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    engine = engine or get_engine()
    config = _alembic_config(engine)
    if _current_revision(engine) == ScriptDirectory.from_config(config).get_current_head():
        return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_empty(engine: Engine | None = None) -> bool:
    """True when no community exists yet (a brand-new database)."""
    from sqlalchemy import func, select

    from queries.models import Community

    engine = engine or get_engine()
    if not inspect(engine).has_table("community"):
        return True
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Community)).scalar_one() == 0


def demo_on_empty() -> bool:
    """Whether a brand-new database gets the demo data (``DASHBOARD_DEMO_ON_EMPTY=0`` turns it
    off, for a production install that starts empty and is filled by imports)."""
    return os.environ.get("DASHBOARD_DEMO_ON_EMPTY", "1").strip() not in ("0", "false", "no")


def _print_progress():  # type: ignore[no-untyped-def]
    """A demo ``progress`` callback for the server's terminal: one line per 10% step."""
    shown = {"step": -1}

    def report(done: int, total: int, message: str) -> None:
        step = int(done * 10 / total) if total else 10
        if step != shown["step"]:
            shown["step"] = step
            print(f"  演示数据 {step * 10:3d}%：{message}（{done:,}/{total:,} 行）", flush=True)

    return report


def ensure_ready(engine: Engine | None = None, *, load_demo: bool | None = None) -> Engine:
    """Migrate, and fill a brand-new database with the small demo data set."""
    engine = engine or get_engine()
    migrate(engine)
    if load_demo is None:
        load_demo = demo_on_empty()
    if load_demo and is_empty(engine):
        from queries.demo import load_demo as _load_demo

        print("首次启动：数据库为空，正在载入演示数据……", flush=True)
        _load_demo(engine, scale="small", progress=_print_progress())
        print("演示数据已载入。", flush=True)
    return engine
