"""project community-year index: the project list reads only the as-of year's projects

The 民生实事 project list walks the communities in (街道, 社区) order and, per community, looks
up its projects of the year (at most 2,000 rows, so it stops after a few hundred communities).
On PostgreSQL that lookup went through ``ix_livelihood_project_community_id`` and filtered the
year on the table's rows: five years' projects read to keep one year's (10,000 rows for 2,000
at city scale). ``ix_project_community_year`` (community, year, 编号) finds the year's rows
directly and replaces it (it serves every lookup by community, the foreign key's included);
kept alongside, the one-column index looked cheaper to the planner and was still chosen.
SQLite already looked the rows up by (year, community) in ``ix_project_year_figures``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:40:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_project_community_year", "livelihood_project", ["community_id", "year", "code"]
    )
    op.drop_index("ix_livelihood_project_community_id", table_name="livelihood_project")


def downgrade() -> None:
    op.create_index("ix_livelihood_project_community_id", "livelihood_project", ["community_id"])
    op.drop_index("ix_project_community_year", table_name="livelihood_project")
