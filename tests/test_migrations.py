"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from administration import accounts, audit  # noqa: F401  (tables declared beside their logic)
from storage import rollups
from storage.db import MIGRATIONS_DIR, migrate
from storage.models import Base

DIALECT_ONLY_INDEXES: set[str] = set()  # PostgreSQL-only indexes (0003, 0007) went in 0013


def _declared() -> MetaData:
    combined = MetaData()
    for metadata in (Base.metadata, rollups.metadata):
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def _mentions_dialect_only_index(diff) -> bool:  # type: ignore[no-untyped-def]
    return any(getattr(part, "name", None) in DIALECT_ONLY_INDEXES for part in diff[1:])


def test_migrated_schema_matches_the_declared_models(engine):
    """No table, column or index differs between `alembic upgrade head` and the models
    (so a future autogenerate proposes nothing spurious, and code and schema agree)."""
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), _declared())
    diffs = [d for d in diffs if not _mentions_dialect_only_index(d)]
    assert diffs == []


def test_migrating_twice_stays_at_the_newest_revision(engine):
    """`init-db` is safe to run again: a second upgrade leaves one row at the head revision."""
    migrate(engine)
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with engine.connect() as connection:
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert [row[0] for row in versions] == [head]
