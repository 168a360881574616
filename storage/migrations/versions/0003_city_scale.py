"""city scale: rollup tables and covering indexes

Two rollups of 志愿服务 (see ``storage.rollups``) filled from the records already there
(WITHOUT ROWID on SQLite: stored in key order, so a date range is one contiguous read), and
indexes that let the city-scale queries read an index instead of the table:

- ``service_record (service_date, community_id, volunteer_id, hours)``: a date-range figure
  (the week, the year) is answered from this index alone; SQLite otherwise prefers the
  (community_id, service_date) index and walks the whole table for a date-only filter.
- ``service_record (volunteer_id, service_date)``: a volunteer's first day of a year (the
  rollup refresh after an import) is one index seek, not a visit to each of their records.
- ``census_progress (campaign, day)``: the current campaign's first day and latest rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_service_daily",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("service_date", "community_id", "activity_type"),
        sqlite_with_rowid=False,  # stored in key order: a date range is one contiguous read
    )
    # Per-community sums read only this index (hours and 人次 are in it).
    op.create_index(
        "ix_rollup_daily_community_date",
        "rollup_service_daily",
        ["community_id", "service_date", "person_times", "hours"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Date-range sums straight from the index (SQLite's WITHOUT ROWID table is the index).
        op.create_index(
            "ix_rollup_daily_date_covering",
            "rollup_service_daily",
            ["service_date"],
            postgresql_include=["community_id", "activity_type", "person_times", "hours"],
        )
    op.create_table(
        "rollup_volunteer_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("year", "volunteer_id"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_rollup_volunteer_year_first", "rollup_volunteer_year", ["year", "first_date"]
    )
    op.create_index(
        "ix_service_date_covering",
        "service_record",
        ["service_date", "community_id", "volunteer_id", "hours"],
    )
    op.create_index("ix_service_volunteer_date", "service_record", ["volunteer_id", "service_date"])
    op.create_index("ix_census_campaign_day", "census_progress", ["campaign", "day"])
    # A database that already holds records gets its rollups now.
    from storage.rollups import rebuild_service  # these two tables (0007 fills its own)

    rebuild_service(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_census_campaign_day", table_name="census_progress")
    op.drop_index("ix_service_volunteer_date", table_name="service_record")
    op.drop_index("ix_service_date_covering", table_name="service_record")
    op.drop_index("ix_rollup_volunteer_year_first", table_name="rollup_volunteer_year")
    op.drop_table("rollup_volunteer_year")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_rollup_daily_date_covering", table_name="rollup_service_daily")
    op.drop_index("ix_rollup_daily_community_date", table_name="rollup_service_daily")
    op.drop_table("rollup_service_daily")
