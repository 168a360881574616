"""alert memory: which red items each channel has already been told about

``manage.py alerts`` sends a red item (a community × area, an overdue project) once per channel;
this table remembers what was sent, so a second run with nothing new sends nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("item_key", sa.String(length=300), nullable=False),
        sa.Column("subdistrict", sa.String(length=100), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "item_key", name="uq_alert_sent_key"),
    )
    with op.batch_alter_table("alert_sent", schema=None) as batch_op:
        batch_op.create_index("ix_alert_sent_subdistrict", ["subdistrict"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_sent", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_sent_subdistrict")
    op.drop_table("alert_sent")
