"""Bring a test database to a given migration, for the tests of what each migration fills."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from storage.db import _alembic_config, make_engine
from storage.models import Community


def upgrade_to(engine: Engine, revision: str) -> None:
    """``alembic upgrade revision`` on ``engine`` in one transaction (a past revision: the
    database as an older release left it; ``head``: what upgrading it does)."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def old_database(tmp_path: Path, revision: str, communities: int = 1) -> Engine:
    """A SQLite database as release ``revision`` left it, with ``communities`` communities of
    甲街道 (ids 1…n): the start of every test of what a later migration fills."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_to(engine, revision)
    names = ["乙社区"] if communities == 1 else [f"社区{i}" for i in range(1, communities + 1)]
    rows = [
        {"id": i, "subdistrict": "甲街道", "name": name, "population": 1, "households": 1}
        for i, name in enumerate(names, start=1)
    ]
    with engine.begin() as connection:
        connection.execute(Community.__table__.insert(), rows)
    return engine
