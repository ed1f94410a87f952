"""On SQLite, page runs from an index that holds their views, so a page is one ordered scan.

A page of runs walked (blueprint_name, seq) and then looked up each run's row for its view:
a hundred B-tree descents. With the view in the index, the scan reads the page alone (a
third less time per page). The index replaces the narrower one it extends. PostgreSQL keeps
the narrow index: its index entries have a size limit that a large run could exceed.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_runs_page", "runs", ["blueprint_name", "seq", "view"])
        op.drop_index("ix_runs_blueprint_seq", table_name="runs")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_runs_blueprint_seq", "runs", ["blueprint_name", "seq"])
        op.drop_index("ix_runs_page", table_name="runs")
