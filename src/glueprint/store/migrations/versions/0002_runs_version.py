"""Count changes to a blueprint's runs, so a page of them can be cached until the next change.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blueprints") as batch:
        batch.add_column(sa.Column("runs_version", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("blueprints") as batch:
        batch.drop_column("runs_version")
