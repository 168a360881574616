"""Bring a test database to a given migration, for the tests of what each migration fills."""

from __future__ import annotations

from sqlalchemy import Engine

from storage.db import _alembic_config


def upgrade_to(engine: Engine, revision: str) -> None:
    """``alembic upgrade revision`` on ``engine`` in one transaction (a past revision: the
    database as an older release left it; ``head``: what upgrading it does)."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
