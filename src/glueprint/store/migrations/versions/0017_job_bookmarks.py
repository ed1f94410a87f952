"""Job bookmarks: each job's bookmark entries.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_bookmarks",
        sa.Column("job_name", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(255), nullable=False),
        sa.Column("previous_run_id", sa.String(255), nullable=False),
        sa.Column("bookmark", sa.Text, nullable=False),
    )
    op.create_index("ix_job_bookmarks_run", "job_bookmarks", ["job_name", "run_id", "version"])


def downgrade() -> None:
    op.drop_table("job_bookmarks")
