"""volunteer presence and activities: exact 志愿服务 figures from rollups

``rollup_volunteer_month`` (see ``storage.rollups``): per (month, community, volunteer,
活动类型) the first and last day served. 参与志愿者 per month and per 活动类型 and 活跃志愿者
of a scope or of some types are distinct counts over it instead of over the service records
of the window. WITHOUT ROWID on SQLite (kept in month order: a window is one contiguous read);
a community scope reads the covering (community_id, month, …) index.

``rollup_activity_daily``: per (day, community, 活动类型, 活动名称) 人次 and hours, so the
activity ranking (前 10) is a sum over a rollup too. A database that already holds records
gets the rows of both now.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_volunteer_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("month", "community_id", "volunteer_id", "activity_type"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_rollup_volunteer_month_community",
        "rollup_volunteer_month",
        ["community_id", "month", "volunteer_id", "activity_type", "first_day", "last_day"],
    )
    op.create_table(
        "rollup_activity_daily",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("activity_name", sa.String(length=300), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("service_date", "community_id", "activity_type", "activity_name"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_rollup_activity_community_date",
        "rollup_activity_daily",
        ["community_id", "service_date", "activity_type", "activity_name", "person_times", "hours"],
    )
    op.create_index(
        "ix_rollup_activity_name",
        "rollup_activity_daily",
        ["activity_name", "activity_type", "service_date"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # A whole-city window read from the index alone (SQLite's table is that index).
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
    from storage.rollups import rebuild_presence

    rebuild_presence(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_rollup_activity_name", table_name="rollup_activity_daily")
    op.drop_index("ix_rollup_activity_community_date", table_name="rollup_activity_daily")
    op.drop_table("rollup_activity_daily")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_rollup_volunteer_month_covering", table_name="rollup_volunteer_month")
    op.drop_index("ix_rollup_volunteer_month_community", table_name="rollup_volunteer_month")
    op.drop_table("rollup_volunteer_month")
