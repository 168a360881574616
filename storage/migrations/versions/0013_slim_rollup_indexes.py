"""slim rollup indexes: fewer B-trees for an import to update, the same reads

``rollup_volunteer_month`` is read only for a community scope (the whole city counts from the
day sets), always by ``community_id IN (…)`` and a month range. Its key becomes (community,
month, volunteer, 活动类型): the table itself then serves those reads, and the covering
(community, month, …) index, which repeated every column, goes (on PostgreSQL also the
whole-city ``month`` index no query uses; the key carries the first and last day instead).

On PostgreSQL ``rollup_service_daily``'s key carries 人次 and hours (INCLUDE), so date-range
sums are read from it alone and ``ix_rollup_daily_date_covering`` (the same rows again) goes.

``service_record`` loses ``ix_service_community_date``: no page reads records by community any
more (a scope's figures read the rollups; its data date the daily rollup's community index).

An import of 100,000 records then updates one B-tree of ``rollup_volunteer_month`` instead of
two (three on PostgreSQL), two of ``rollup_service_daily`` instead of three (PostgreSQL) and
four of ``service_record`` instead of five.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:30:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PRESENCE = "month, community_id, volunteer_id, activity_type, first_day, last_day"
_SQLITE_PRESENCE = (
    "CREATE TABLE rollup_volunteer_month_new ("
    "month DATE NOT NULL, community_id INTEGER NOT NULL, volunteer_id INTEGER NOT NULL, "
    "activity_type VARCHAR(100) NOT NULL, first_day DATE NOT NULL, last_day DATE NOT NULL, "
    "PRIMARY KEY ({key})) WITHOUT ROWID"
)
NEW_KEY = "community_id, month, volunteer_id, activity_type"
OLD_KEY = "month, community_id, volunteer_id, activity_type"


def _sqlite_rekey_presence(key: str) -> None:
    """SQLite cannot change a WITHOUT ROWID table's key: copy it in the new key's order."""
    op.execute(_SQLITE_PRESENCE.format(key=key))
    op.execute(
        f"INSERT INTO rollup_volunteer_month_new ({PRESENCE}) "
        f"SELECT {PRESENCE} FROM rollup_volunteer_month ORDER BY {key}"
    )
    op.execute("DROP TABLE rollup_volunteer_month")
    op.execute("ALTER TABLE rollup_volunteer_month_new RENAME TO rollup_volunteer_month")


def upgrade() -> None:
    op.drop_index("ix_service_community_date", table_name="service_record")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_rollup_volunteer_month_covering", table_name="rollup_volunteer_month")
        op.drop_index("ix_rollup_volunteer_month_community", table_name="rollup_volunteer_month")
        op.execute(
            "ALTER TABLE rollup_volunteer_month DROP CONSTRAINT rollup_volunteer_month_pkey, "
            f"ADD PRIMARY KEY ({NEW_KEY}) INCLUDE (first_day, last_day)"
        )
        op.drop_index("ix_rollup_daily_date_covering", table_name="rollup_service_daily")
        op.execute(
            "ALTER TABLE rollup_service_daily DROP CONSTRAINT rollup_service_daily_pkey, "
            "ADD PRIMARY KEY (service_date, community_id, activity_type) "
            "INCLUDE (person_times, hours)"
        )
        op.execute("ANALYZE rollup_volunteer_month")
        op.execute("ANALYZE rollup_service_daily")
        return
    # The covering index is already in the new key's order: the copy reads it alone.
    _sqlite_rekey_presence(NEW_KEY)
    op.execute("ANALYZE rollup_volunteer_month")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE rollup_service_daily DROP CONSTRAINT rollup_service_daily_pkey, "
            "ADD PRIMARY KEY (service_date, community_id, activity_type)"
        )
        op.create_index(
            "ix_rollup_daily_date_covering",
            "rollup_service_daily",
            ["service_date"],
            postgresql_include=["community_id", "activity_type", "person_times", "hours"],
        )
        op.execute(
            "ALTER TABLE rollup_volunteer_month DROP CONSTRAINT rollup_volunteer_month_pkey, "
            f"ADD PRIMARY KEY ({OLD_KEY})"
        )
        op.create_index(
            "ix_rollup_volunteer_month_covering",
            "rollup_volunteer_month",
            ["month"],
            postgresql_include=[
                "community_id",
                "volunteer_id",
                "activity_type",
                "first_day",
                "last_day",
            ],
        )
    else:
        _sqlite_rekey_presence(OLD_KEY)
    op.create_index(
        "ix_rollup_volunteer_month_community",
        "rollup_volunteer_month",
        ["community_id", "month", "volunteer_id", "activity_type", "first_day", "last_day"],
    )
    op.create_index("ix_service_community_date", "service_record", ["community_id", "service_date"])
