"""Every run keeps its view: a page of runs is joined in the database, which would leave out
a run without one. Runs recorded before revision 0006 have none; they are rendered here, once.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 1000
_SHOWN = "seq blueprint_name run_id workflow_name state started_on completed_on error_message rollback_error_message parameters role_arn"
runs = sa.table("runs", *(sa.column(name) for name in (*_SHOWN.split(), "view")))


def upgrade() -> None:
    from glueprint.domain.blueprint_run_view import rendered  # the wire's rendering, as the server keeps it

    conn = op.get_bind()
    after = -1
    while (
        rows := conn.execute(
            sa.select(*(runs.c[name] for name in _SHOWN.split()))
            .where(runs.c.view.is_(None), runs.c.seq > after)
            .order_by(runs.c.seq)
            .limit(BATCH)
        )
        .mappings()
        .all()
    ):
        conn.execute(
            sa.update(runs).where(runs.c.seq == sa.bindparam("run_seq")).values(view=sa.bindparam("rendered")),
            [{"run_seq": row["seq"], "rendered": rendered(row)} for row in rows],
        )
        after = rows[-1]["seq"]
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("view", existing_type=sa.LargeBinary, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("view", existing_type=sa.LargeBinary, nullable=True)
