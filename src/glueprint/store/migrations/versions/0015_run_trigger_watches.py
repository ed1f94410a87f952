"""Each workflow run's trigger snapshot in its own rows, keyed by the node each trigger watches,
so a node's end reads the triggers that watch it instead of the run's whole graph. Runs that
kept their snapshot in their document move it here; runs older than snapshots get the
workflow's triggers as they stand, which is what they followed until now.

Revision ID: 0015
Revises: 0014
"""

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 500

_runs = sa.table("workflow_runs", sa.column("seq"), sa.column("run_id"), sa.column("workflow_name"), sa.column("doc"))


def _batches(conn):
    """The workflow runs in keyset batches: linear in the runs, whatever their number."""
    after = 0
    while rows := conn.execute(sa.select(_runs).where(_runs.c.seq > after).order_by(_runs.c.seq).limit(BATCH)).all():
        yield rows
        after = rows[-1].seq


def upgrade() -> None:
    from glueprint.store import run_triggers  # the rows the server keeps

    op.create_table(
        "run_triggers",
        sa.Column("workflow_run_id", sa.String(80), primary_key=True),
        sa.Column("trigger_name", sa.String(255), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "run_trigger_watches",
        sa.Column("workflow_run_id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("node", sa.String(255), primary_key=True),
        sa.Column("trigger_name", sa.String(255), primary_key=True),
    )
    conn, current = op.get_bind(), {}
    triggers = sa.text("SELECT doc FROM entities WHERE kind = 'trigger' AND workflow = :workflow ORDER BY name")
    for rows in _batches(conn):
        for row in rows:
            doc = orjson.loads(row.doc)
            if "triggers" in doc:
                snapshot = doc.pop("triggers")
                conn.execute(_runs.update().where(_runs.c.seq == row.seq).values(doc=orjson.dumps(doc).decode()))
            else:
                if row.workflow_name not in current:
                    found = conn.execute(triggers, {"workflow": row.workflow_name}).scalars()
                    current[row.workflow_name] = [orjson.loads(t) for t in found]
                snapshot = current[row.workflow_name]
            run_triggers.add(conn, row.run_id, snapshot)


def downgrade() -> None:
    conn = op.get_bind()
    docs = sa.text("SELECT doc FROM run_triggers WHERE workflow_run_id = :run ORDER BY trigger_name")
    for rows in _batches(conn):
        for row in rows:
            doc = {
                **orjson.loads(row.doc),
                "triggers": [orjson.loads(t) for t in conn.execute(docs, {"run": row.run_id}).scalars()],
            }
            conn.execute(_runs.update().where(_runs.c.seq == row.seq).values(doc=orjson.dumps(doc).decode()))
    op.drop_table("run_trigger_watches")
    op.drop_table("run_triggers")
