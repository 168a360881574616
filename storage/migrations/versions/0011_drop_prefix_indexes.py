"""drop the two service_record indexes that repeat the start of a longer one

``ix_service_volunteer`` (volunteer_id) is the first column of ``ix_service_volunteer_date``
(volunteer_id, service_date), and ``ix_service_date`` (service_date) the first column of
``ix_service_date_covering`` (service_date, community_id, volunteer_id, hours). Every query that
used them gets the same plan from the longer index (checked with EXPLAIN on both databases at
city scale: the data date's ``max(service_date)`` reads ``ix_service_date_covering`` backwards,
one row, no table access). An import of 100,000 records then keeps five indexes of a ten-million
row table up to date instead of seven.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 08:30:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_service_volunteer", table_name="service_record")
    op.drop_index("ix_service_date", table_name="service_record")


def downgrade() -> None:
    op.create_index("ix_service_date", "service_record", ["service_date"])
    op.create_index("ix_service_volunteer", "service_record", ["volunteer_id"])
