"""per-activity totals: the 前 10 ranking of a long window without grouping a million rows

``rollup_activity_total`` (see ``storage.rollups``): per (活动名称, 活动类型) over the whole city
its 人次, hours (and hours as shown, to 0.01), first and last day, their distance and its
bit length. A
window's ranking reads the activities wholly inside the window from here in index order and
sums only those crossing its ends from ``rollup_activity_daily``. A database that already
holds records gets its rows now (from ``rollup_activity_daily``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_activity_total",
        sa.Column("activity_name", sa.String(length=300), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("span_days", sa.Integer(), nullable=False),
        sa.Column("span_class", sa.Integer(), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("hours_shown", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("activity_name", "activity_type"),
        sqlite_with_rowid=False,
    )
    from storage.rollups import rebuild_activity_totals

    rebuild_activity_totals(op.get_bind())
    # The indexes after the rows: one sort each instead of a million ordered inserts.
    op.create_index(
        "ix_rollup_activity_total_people",
        "rollup_activity_total",
        ["person_times", "hours_shown", "first_day", "last_day", "activity_type"],
    )
    op.create_index(
        "ix_rollup_activity_total_hours",
        "rollup_activity_total",
        ["hours_shown", "person_times", "first_day", "last_day", "activity_type"],
    )
    op.create_index(
        "ix_rollup_activity_total_span",
        "rollup_activity_total",
        ["span_class", "first_day", "last_day", "person_times", "hours_shown", "activity_type"],
    )


def downgrade() -> None:
    op.drop_table("rollup_activity_total")
