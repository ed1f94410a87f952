"""Crawler schedules: a crawler's Schedule crawls on its cron, as a scheduled trigger fires.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawler_schedules",
        sa.Column("crawler_name", sa.String(255), primary_key=True),
        sa.Column("expression", sa.Text, nullable=False),
        sa.Column("next_fire", sa.Float, nullable=False),
    )
    op.create_index("ix_crawler_schedules_next_fire", "crawler_schedules", ["next_fire"])


def downgrade() -> None:
    op.drop_table("crawler_schedules")
