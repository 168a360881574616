"""rule levels: three (红黄绿) or five (超前/正常/预警/滞后/严重滞后) and their thresholds

Every saved rule row gets the number of levels and the five-level thresholds; rows saved
before this revision keep their yellow band and read as three levels with the default
thresholds (超前 5, 严重滞后 20 个百分点), so the colours do not change on upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rule_setting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("levels", sa.Integer(), server_default="3", nullable=False))
        batch_op.add_column(
            sa.Column("ahead_points", sa.Float(), server_default="5", nullable=False)
        )
        batch_op.add_column(
            sa.Column("severe_points", sa.Float(), server_default="20", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("rule_setting", schema=None) as batch_op:
        batch_op.drop_column("severe_points")
        batch_op.drop_column("ahead_points")
        batch_op.drop_column("levels")
