"""Shared fixtures: a fresh database per test on SQLite and, where configured, PostgreSQL.

PostgreSQL comes from ``TEST_PG_URL`` (set by ``scripts/test.sh``, which installs and starts
Debian's server on 127.0.0.1). Without it the PostgreSQL cases are skipped locally, but under
CI (``CI=true``) a missing server is an error, so a green CI run always covered PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

REPO_ROOT = Path(__file__).resolve().parent.parent
# Every chart a test builds is checked against the Vega-Lite schema (the app skips the check:
# ui.charts.VALIDATE). Set before any page module is imported.
os.environ["DASHBOARD_VALIDATE_CHARTS"] = "1"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from storage.db import make_engine, migrate  # noqa: E402

DB_KINDS = ["sqlite", "pg"]
Builder = Callable[[Engine], object]
DbCopy = Callable[[str, tuple[object, ...], Builder], str]
DemoCopy = Callable[..., str]


def _pg_admin_url() -> str | None:
    url = os.environ.get("TEST_PG_URL")
    if not url and os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but TEST_PG_URL is not set: PostgreSQL must be tested")
    return url


def _new_pg_database(template: str | None = None) -> tuple[str, str]:
    """Create a PostgreSQL database for one test (empty, or a copy of ``template``);
    returns (url, name)."""
    admin_url = _pg_admin_url()
    if not admin_url:
        pytest.skip("PostgreSQL not configured (TEST_PG_URL unset)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    admin.dispose()
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}", name


def _drop_pg_database(name: str) -> None:
    admin = create_engine(_pg_admin_url() or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Migrating a new database runs every Alembic migration (about half a second); the per-test
# databases below are copies of one database migrated once per test process instead: a file
# copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. A copy of a freshly migrated
# empty database is that same fresh, migrated, empty database. (``DatabaseTemplates`` below:
# the migrated empty database is its template with nothing written.)
MIGRATED_EMPTY = ("migrated",)


def _write_nothing(_engine: Engine) -> None:
    """The build of ``MIGRATED_EMPTY``: the migration alone."""


@pytest.fixture(scope="session")
def migrated_sqlite_template(db_templates: DatabaseTemplates) -> Path:
    """A SQLite file migrated to the newest revision and left empty (copied per test)."""
    return Path(db_templates.template("sqlite", MIGRATED_EMPTY, _write_nothing)[0])


def fresh_sqlite_url(template: Path, path: Path) -> str:
    """``template`` copied to ``path``: a fresh migrated database of its own."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_pg_template(db_templates: DatabaseTemplates) -> str:
    """Name of a PostgreSQL database migrated and left empty, the template of every
    per-test database of this process (nobody connects to it after the migration)."""
    return db_templates.template("pg", MIGRATED_EMPTY, _write_nothing)[0]


@pytest.fixture(params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh, migrated, empty database (SQLite file or PostgreSQL)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("migrated_sqlite_template")
        yield fresh_sqlite_url(template, tmp_path / "test.db")
        return
    if not _pg_admin_url():
        pytest.skip("PostgreSQL not configured (TEST_PG_URL unset)")
    url, name = _new_pg_database(request.getfixturevalue("migrated_pg_template"))
    try:
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh database of ``db_url``."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(migrated_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh migrated SQLite database only (for tests that need no PostgreSQL twin)."""
    eng = make_engine(fresh_sqlite_url(migrated_sqlite_template, tmp_path / "only.db"))
    yield eng
    eng.dispose()


class DatabaseTemplates:
    """Databases filled once per test process and copied per test (a file copy on SQLite,
    ``CREATE DATABASE … TEMPLATE`` on PostgreSQL).

    Each is a fresh migrated database of its kind that ``build(engine)`` filled; it is known by
    a key naming what ``build`` writes. A copy holds the same rows, ids and rollups as a build
    of its own, so tests that start from the same data (the small demo as of a day, a module's
    hand-written rows) need not write it again each.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._built: dict[tuple[str, tuple[object, ...]], tuple[str, object]] = {}

    def template(
        self, kind: str, key: tuple[object, ...], build: Callable[[Engine], object]
    ) -> tuple[str, object]:
        """(SQLite path or PostgreSQL database name, what ``build`` returned)."""
        if (kind, key) not in self._built:
            if kind == "sqlite":
                where = str(self.folder / f"template-{len(self._built)}.db")
                url = f"sqlite:///{where}"
            else:
                url, where = _new_pg_database()
            engine = make_engine(url)
            try:
                migrate(engine)
                result = build(engine)
            except BaseException:
                engine.dispose()
                if kind == "pg":
                    _drop_pg_database(where)
                raise
            engine.dispose()
            self._built[(kind, key)] = (where, result)
        return self._built[(kind, key)]

    def copy(
        self,
        kind: str,
        key: tuple[object, ...],
        build: Callable[[Engine], object],
        sqlite_path: Path,
    ) -> tuple[str, str | None]:
        """A new database like the template: (url, PostgreSQL database name to drop or None)."""
        where, _ = self.template(kind, key, build)
        if kind == "sqlite":
            return fresh_sqlite_url(Path(where), sqlite_path), None
        return _new_pg_database(template=where)

    def demo(self, today: dt.date | None = None) -> tuple[tuple[object, ...], Builder]:
        """Key and build of the small demo as ``load_demo(engine, today=today)`` writes it
        (``today`` defaults to the current date)."""
        from demo.subdistricts import load_demo

        day = today or dt.date.today()
        return ("demo", day), lambda engine: load_demo(engine, today=day)

    def demo_counts(self, kind: str, today: dt.date | None = None) -> dict[str, int]:
        """What ``load_demo`` returned when it built the demo template."""
        counts = self.template(kind, *self.demo(today))[1]
        assert isinstance(counts, dict)
        return counts

    def drop(self) -> None:
        for (kind, _), (where, _) in self._built.items():
            if kind == "pg":
                _drop_pg_database(where)


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"))
    try:
        yield templates
    finally:
        templates.drop()


@pytest.fixture
def db_copy(db_templates: DatabaseTemplates, tmp_path: Path) -> Iterator[DbCopy]:
    """``db_copy(kind, key, build)``: the URL of a new database of this test that is a copy of
    the ``db_templates`` template ``key`` (built on first use by ``build``); dropped after."""
    made: list[str] = []

    def copy(kind: str, key: tuple[object, ...], build: Builder) -> str:
        path = tmp_path / f"copy-{len(made)}.db"
        url, name = db_templates.copy(kind, key, build, path)
        made.append(name or "")
        return url

    try:
        yield copy
    finally:
        for name in filter(None, made):
            _drop_pg_database(name)


@pytest.fixture
def demo_copy(db_templates: DatabaseTemplates, db_copy: DbCopy) -> DemoCopy:
    """``demo_copy(kind, today)``: the URL of a database of this test holding the small demo
    as ``load_demo(today=today)`` writes it into a fresh migrated database (a copy of it)."""

    def copy(kind: str, today: dt.date | None = None) -> str:
        return db_copy(kind, *db_templates.demo(today))

    return copy


@pytest.fixture(params=DB_KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    """The database kind alone, for tests whose database is not an empty one (test ids as
    ``db_url``'s: ``[sqlite]``, ``[pg]``)."""
    return request.param


@pytest.fixture
def loaded_demo(demo_copy: DemoCopy) -> Iterator[Callable[..., Engine]]:
    """``loaded_demo(kind, today)``: an engine on a new database of this test holding the small
    demo exactly as ``load_demo(engine, today=today)`` leaves a fresh migrated database."""
    engines: list[Engine] = []

    def open_copy(kind: str, today: dt.date | None = None) -> Engine:
        engines.append(make_engine(demo_copy(kind, today)))
        return engines[-1]

    yield open_copy
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_db_template(db_templates: DatabaseTemplates) -> Path:
    """A SQLite file with the small demo data (as of today), built once per test run (copied
    per test)."""
    return Path(db_templates.template("sqlite", *db_templates.demo())[0])


@pytest.fixture
def app_db(demo_db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``DATABASE_URL`` for the app under test: a private copy of the demo database.

    Also clears Streamlit's caches, which survive between AppTest instances in one run.
    """
    import streamlit as st

    path = tmp_path / "app.db"
    shutil.copy(demo_db_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    from storage.db import get_engine

    get_engine.cache_clear()
    return url


@pytest.fixture
def empty_app_db(
    migrated_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """``DATABASE_URL`` of a migrated database with no rows (demo loading switched off)."""
    import streamlit as st

    url = fresh_sqlite_url(migrated_sqlite_template, tmp_path / "empty.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_DEMO_ON_EMPTY", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    return url


def open_page(
    page: str | None = None, query_params: dict[str, str] | None = None, timeout: int = 60
):
    """Run ``dashboard.py`` in AppTest, optionally switched to ``views/<page>.py``.

    Returns the AppTest after the run; the caller asserts on what a person would read.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=timeout)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"views/{page}.py")
        at.run()
    return at


def run_manage(
    db_url: str, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python manage.py ARGS`` from the repository root against ``db_url`` (UTF-8 output as
    text; ``env_extra``: more environment, e.g. a switch under test)."""
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
