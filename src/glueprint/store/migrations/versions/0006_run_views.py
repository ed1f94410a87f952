"""Keep each blueprint run's answer as the wire renders it, so a page of runs is read, not built.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Runs recorded before this revision have none; they were rendered when read, until 0009.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("view", sa.LargeBinary))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("view")
