"""Is the database there? One cheap round trip, used before a page draws anything."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, literal, select


def ping(engine: Engine | Connection) -> None:
    """Run ``SELECT 1``; raises ``sqlalchemy.exc.OperationalError`` when the database is away."""
    if isinstance(engine, Connection):
        engine.execute(select(literal(1)))
        return
    with engine.connect() as connection:
        connection.execute(select(literal(1)))
