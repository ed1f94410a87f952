"""Partition values by digest, which filters requiring key = 'v' walk instead of the table;
filled in for the partitions stored already.

Revision ID: 0013
Revises: 0012
"""

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    from glueprint.store.partitions import lookup_rows  # the digests the server keeps

    lookup = op.create_table(
        "partition_lookup",
        sa.Column("database_name", sa.String(255), primary_key=True),
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value_key", sa.String(16), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,
    )
    partitions = sa.table(
        "partitions", sa.column("seq"), sa.column("database_name"), sa.column("table_name"), sa.column("partition_values")
    )
    conn, after = op.get_bind(), 0
    while True:  # in keyset batches: linear in the partitions, whatever their number
        query = sa.select(partitions).where(partitions.c.seq > after).order_by(partitions.c.seq).limit(BATCH)
        rows = conn.execute(query).all()
        if not rows:
            return
        entries = [e for seq, database, table, values in rows for e in lookup_rows(database, table, seq, orjson.loads(values))]
        if entries:
            conn.execute(sa.insert(lookup), entries)
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_table("partition_lookup")
