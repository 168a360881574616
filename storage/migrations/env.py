"""Alembic environment: runs against the connection handed in by ``storage.db.migrate``."""

from alembic import context
from sqlalchemy import create_engine

from administration import accounts, audit  # noqa: F401  (their tables live beside their logic)
from storage import rollups
from storage.models import Base

config = context.config
target_metadata = [Base.metadata, rollups.metadata]
# Created by migration 0003 on PostgreSQL only (SQLite's WITHOUT ROWID table already is it).
DIALECT_ONLY_INDEXES = {"ix_rollup_daily_date_covering"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Autogenerate must not propose dropping indexes that exist on one dialect by design."""
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            include_object=include_object,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
