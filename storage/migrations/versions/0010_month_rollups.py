"""month rollups: registered volunteers and a year's service per community without reading every row

``rollup_registered_year`` and ``rollup_registered_month`` (see ``storage.rollups``): per year /
month of 注册日期 and community, how many volunteers registered then. Registered as of D per
community is a sum of the year rows before D's year, the month rows of D's year before D's
month and the volunteers registered from the first of D's month to D, which
``ix_volunteer_registered_on`` finds as one index range.

``rollup_service_month``: per (month, community) 人次 and hours of every 活动类型, the daily
rollup summed over each month: a community's figures of 1 January … D are its month rows before D's
month plus the daily rows of D's month.

A database that already holds volunteers and records gets its rows now.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_registered_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "community_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_registered_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "community_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_service_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("month", "community_id"),
        sqlite_with_rowid=False,
    )
    from storage.rollups import rebuild_registrations, rebuild_service_months

    rebuild_registrations(op.get_bind())
    rebuild_service_months(op.get_bind())


def downgrade() -> None:
    op.drop_table("rollup_service_month")
    op.drop_table("rollup_registered_month")
    op.drop_table("rollup_registered_year")
