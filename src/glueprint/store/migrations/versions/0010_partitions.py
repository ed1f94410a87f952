"""Data Catalog partitions and partition indexes.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partitions",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("database_name", sa.String(255), nullable=False),
        sa.Column("table_name", sa.String(255), nullable=False),
        sa.Column("values_key", sa.String(64), nullable=False),
        sa.Column("partition_values", sa.Text, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("ux_partitions_values", "partitions", ["database_name", "table_name", "values_key"], unique=True)
    op.create_index("ix_partitions_table_seq", "partitions", ["database_name", "table_name", "seq"])
    op.create_table(
        "partition_indexes",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("index_name", sa.String(255), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("partition_indexes")
    op.drop_table("partitions")
