"""figure rollups: 人口普查 and 财政税收 sums from small tables, 民生实事 counts from one index

``rollup_census_daily`` (per 任务, 日期, 街道: the day's change of the sums of the communities'
latest rows), ``rollup_fiscal_ytd`` (per 年, 月, 街道, 科目: the month's amount and 1…月 累计)
and ``rollup_fiscal_city_month`` (per 年, 月, 科目: the whole city), see ``storage.rollups``;
a database that already holds rows gets them now. ``ix_project_year_figures`` covers every
column the 民生实事 counts read (it replaces ``ix_project_year_community``, its prefix) and
``ix_project_category`` lists the 类别 without reading the projects.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_census_daily",
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("subdistrict", sa.String(length=100), nullable=False),
        sa.Column("communities", sa.Integer(), nullable=False),
        sa.Column("expected_households", sa.Integer(), nullable=False),
        sa.Column("registered_households", sa.Integer(), nullable=False),
        sa.Column("registered_persons", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign", "day", "subdistrict"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_rollup_census_day", "rollup_census_daily", ["day", "campaign"])
    op.create_table(
        "rollup_fiscal_ytd",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("subdistrict", sa.String(length=100), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("month_amount", sa.Float(), nullable=False),
        sa.Column("ytd", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("year", "month", "subdistrict", "item"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_fiscal_city_month",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("year", "month", "item"),
        sqlite_with_rowid=False,
    )
    from storage.rollups import rebuild_figures

    rebuild_figures(op.get_bind())
    op.create_index(
        "ix_project_year_figures",
        "livelihood_project",
        ["year", "community_id", "category", "status", "planned_on", "completed_on"],
    )
    op.create_index("ix_project_category", "livelihood_project", ["category"])
    op.drop_index("ix_project_year_community", table_name="livelihood_project")
    # Planner statistics for the new index and tables: without them SQLite reads the whole
    # year's projects in 项目编号 order for the project list instead of community by community.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA analysis_limit=0")
    for table in (
        "livelihood_project",
        "rollup_census_daily",
        "rollup_fiscal_ytd",
        "rollup_fiscal_city_month",
    ):
        bind.exec_driver_sql(f"ANALYZE {table}")


def downgrade() -> None:
    op.create_index("ix_project_year_community", "livelihood_project", ["year", "community_id"])
    op.drop_index("ix_project_category", table_name="livelihood_project")
    op.drop_index("ix_project_year_figures", table_name="livelihood_project")
    op.drop_table("rollup_fiscal_city_month")
    op.drop_table("rollup_fiscal_ytd")
    op.drop_index("ix_rollup_census_day", table_name="rollup_census_daily")
    op.drop_table("rollup_census_daily")
