"""Index entities by the workflow they belong to, so a workflow's graph reads only its triggers.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("workflow", sa.String(255)))
    op.create_index("ix_entities_workflow", "entities", ["kind", "workflow"])


def downgrade() -> None:
    op.drop_index("ix_entities_workflow", "entities")
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("workflow")
