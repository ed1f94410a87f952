"""Data Catalog user-defined functions.

Revision ID: 0019
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_defined_functions",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("function_name", sa.String(255), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_defined_functions")
