"""DASHBOARD_NO_MIGRATE: a read-only measurement refuses a database it would have to upgrade.

Running the app, ``benchmarks/statements.py`` or ``benchmarks/harness.py`` against a benchmark
database used to migrate it on start; one measurement silently upgraded the city file. With the
switch (which the benchmark workers set) the app and every command refuse, in Chinese, a
schema that is not at the newest migration, and leave it as it is; ``init-db`` still migrates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_manage
from migration_steps import old_database
from sqlalchemy import Engine

from storage import db
from storage.db import NO_MIGRATE_ENV, SchemaNotAtHead, head_revision, make_engine, migrate

OLD = "0013"


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


@pytest.fixture
def old(tmp_path: Path) -> Engine:
    engine = old_database(tmp_path, OLD)
    yield engine
    engine.dispose()


def test_the_switch_refuses_an_old_schema_and_leaves_it_alone(old, monkeypatch):
    """With the switch an old schema is refused in Chinese and stays at its revision; without
    it the same call upgrades (the default is unchanged)."""
    monkeypatch.setenv(NO_MIGRATE_ENV, "1")
    with pytest.raises(SchemaNotAtHead) as refused:
        migrate(old)
    message = str(refused.value)
    assert f"版本 {OLD}" in message and f"版本 {head_revision()}" in message
    assert "不自动升级" in message and "manage.py init-db" in message
    assert _revision(old) == OLD
    monkeypatch.setenv(NO_MIGRATE_ENV, "0")
    migrate(old)
    assert _revision(old) == head_revision()


def test_the_switch_refuses_an_empty_database_and_passes_one_at_head(tmp_path, monkeypatch):
    """Nothing is created in an empty database either; a schema at head starts as always."""
    monkeypatch.setenv(NO_MIGRATE_ENV, "1")
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaNotAtHead, match="尚未建表"):
        db.ensure_ready(empty, load_demo=False)
    assert not db.inspect(empty).has_table("alembic_version")
    migrate(empty, explicit=True)  # init-db's own call migrates whatever the switch says
    assert _revision(empty) == head_revision()
    migrate(empty)  # at head: nothing to refuse
    empty.dispose()


def _manage(url: str, *args: str, switch: str) -> subprocess.CompletedProcess[str]:
    return run_manage(url, *args, env_extra={NO_MIGRATE_ENV: switch})


def test_commands_refuse_but_init_db_migrates(old):
    """``manage.py report`` refuses (exit 1, the Chinese line on stderr, no traceback);
    ``manage.py init-db``, the explicit request, migrates with the switch set."""
    url = old.url.render_as_string(hide_password=False)
    report = _manage(url, "report", "--format", "json", switch="1")
    assert report.returncode == 1
    assert "不自动升级" in report.stderr and "Traceback" not in report.stderr
    assert _revision(old) == OLD
    init = _manage(url, "init-db", switch="1")
    assert init.returncode == 0, init.stderr
    assert _revision(old) == head_revision()


def test_the_app_refuses_to_start_on_an_old_schema(old, monkeypatch):
    """The app with the switch: the page says why in Chinese and the run fails (a tool never
    measures an empty page); the database stays at its revision."""
    import streamlit as st
    from direct import open_direct

    monkeypatch.setenv("DATABASE_URL", old.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DASHBOARD_DEMO_ON_EMPTY", "0")
    monkeypatch.setenv(NO_MIGRATE_ENV, "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    db.get_engine.cache_clear()
    at = open_direct("fiscal")
    assert at.exception and "不自动升级" in at.exception[0].value
    assert any("不自动升级" in error.value for error in at.error)
    assert _revision(old) == OLD
    st.cache_resource.clear()


@pytest.mark.parametrize("tool", ["harness", "statements"])
def test_the_read_only_benchmark_tools_set_the_switch(tool):
    """``benchmarks/harness.py`` and ``statements.py`` (which imports it) switch it on for the
    app they run, in process (AppTest) and in the ``streamlit run`` they start."""
    code = (
        "import os, sys; sys.argv = ['x']; sys.path.insert(0, 'benchmarks'); "
        f"import {tool}; print(os.environ.get({NO_MIGRATE_ENV!r}))"
    )
    env = {key: value for key, value in os.environ.items() if key != NO_MIGRATE_ENV}
    shown = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert shown.stdout.strip().splitlines()[-1] == "1"
