"""whole-city rollups: daily sums without the community, and per-day volunteer id sets

``rollup_service_city_daily`` (see ``storage.rollups``): per (day, 活动类型) 人次 and hours of
the whole city, so a page without a community filter sums a few hundred rows a year instead
of ``rollup_service_daily``'s row per community.

``rollup_volunteer_day_set``: per (day, 活动类型) the distinct volunteer ids who served that
day anywhere in the city (sorted uint32 bytes). Whole-city 活跃志愿者 and 参与志愿者 per
month and per 活动类型 are a union of these sets: exact, and without scanning the presence
rollup (in city data about one row per record). ``rollup_volunteer_month_set`` holds each
month's union of them: a window's whole months are one row each.

``rollup_volunteer_first_day``: per (year, day) how many volunteers served for the first time
that year, so the year's 活跃志愿者 as of a day is a sum of at most 366 rows. A database that already holds records gets
the rows of both now.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_service_city_daily",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("person_times", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("service_date", "activity_type"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_volunteer_day_set",
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("volunteer_ids", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("service_date", "activity_type"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_volunteer_month_set",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("activity_type", sa.String(length=100), nullable=False),
        sa.Column("volunteer_ids", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("month", "activity_type"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_volunteer_first_day",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "first_date"),
        sqlite_with_rowid=False,
    )
    from storage.rollups import rebuild_city

    rebuild_city(op.get_bind())


def downgrade() -> None:
    op.drop_table("rollup_volunteer_first_day")
    op.drop_table("rollup_volunteer_month_set")
    op.drop_table("rollup_volunteer_day_set")
    op.drop_table("rollup_service_city_daily")
