"""Workflow runs, job runs and crawls, and the schedules of scheduled triggers.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _seq() -> sa.Column:
    return sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "workflow_runs",
        _seq(),
        sa.Column("run_id", sa.String(80), nullable=False, unique=True),
        sa.Column("workflow_name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_on", sa.Float, nullable=False),
        sa.Column("completed_on", sa.Float),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("ix_workflow_runs_name_seq", "workflow_runs", ["workflow_name", "seq"])
    op.create_index("ix_workflow_runs_status", "workflow_runs", ["status"])
    op.create_table(
        "node_runs",
        _seq(),
        sa.Column("run_id", sa.String(160), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("workflow_run_id", sa.String(80)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due", sa.Float),
        sa.Column("claimed_by", sa.String(128)),
        sa.Column("lease_until", sa.Float),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("ix_node_runs_kind_name_seq", "node_runs", ["kind", "name", "seq"])
    op.create_index("ix_node_runs_workflow_run", "node_runs", ["workflow_run_id"])
    op.create_index("ix_node_runs_state_due", "node_runs", ["state", "due"])
    op.create_table(
        "schedules",
        sa.Column("trigger_name", sa.String(255), primary_key=True),
        sa.Column("expression", sa.Text, nullable=False),
        sa.Column("next_fire", sa.Float, nullable=False),
    )
    op.create_index("ix_schedules_next_fire", "schedules", ["next_fire"])


def downgrade() -> None:
    op.drop_table("schedules")
    op.drop_table("node_runs")
    op.drop_table("workflow_runs")
