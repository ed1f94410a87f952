"""Workflow runs cost what each node's end changes: the nodes each trigger watches, the
triggers fired in each run, and node-run indexes by workflow run and node or state.

Revision ID: 0014
Revises: 0013
"""

import orjson
import sqlalchemy as sa
from alembic import op

from glueprint.store.entities import watch_rows

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    watches = op.create_table(
        "trigger_watches",
        sa.Column("trigger_name", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("node", sa.String(255), primary_key=True),
        sa.Column("workflow", sa.String(255)),
    )
    op.create_index("ix_trigger_watches_node", "trigger_watches", ["kind", "node", "workflow"])
    op.create_table(
        "fired_triggers",
        sa.Column("workflow_run_id", sa.String(80), primary_key=True),
        sa.Column("trigger_name", sa.String(255), primary_key=True),
    )
    op.create_index("ix_node_runs_workflow_node", "node_runs", ["workflow_run_id", "kind", "name", "seq"])
    op.create_index("ix_node_runs_workflow_state", "node_runs", ["workflow_run_id", "state"])
    op.drop_index("ix_node_runs_workflow_run", table_name="node_runs")
    triggers = op.get_bind().execute(sa.text("SELECT name, doc FROM entities WHERE kind = 'trigger' AND scope = ''"))
    rows = [row for name, doc in triggers for row in watch_rows(name, orjson.loads(doc))]
    if rows:
        op.bulk_insert(watches, rows)


def downgrade() -> None:
    op.create_index("ix_node_runs_workflow_run", "node_runs", ["workflow_run_id"])
    op.drop_index("ix_node_runs_workflow_state", table_name="node_runs")
    op.drop_index("ix_node_runs_workflow_node", table_name="node_runs")
    op.drop_table("fired_triggers")
    op.drop_table("trigger_watches")
