"""CloudWatch Logs: log groups, log streams and their events.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_groups",
        sa.Column("name", sa.String(512), primary_key=True),
        sa.Column("created_on", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "log_streams",
        sa.Column("log_group", sa.String(512), primary_key=True),
        sa.Column("name", sa.String(512), primary_key=True),
        sa.Column("created_on", sa.BigInteger, nullable=False),
        sa.Column("first_event", sa.BigInteger, nullable=False),
        sa.Column("last_event", sa.BigInteger, nullable=False),
        sa.Column("last_ingestion", sa.BigInteger, nullable=False),
        sa.Column("stored_bytes", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_log_streams_last_event", "log_streams", ["log_group", "last_event", "name"])
    op.create_table(
        "log_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("log_group", sa.String(512), nullable=False),
        sa.Column("log_stream", sa.String(512), nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("ingestion_time", sa.BigInteger, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_log_events_stream", "log_events", ["log_group", "log_stream", "timestamp", "seq"])
    op.create_index("ix_log_events_group", "log_events", ["log_group", "timestamp", "seq"])


def downgrade() -> None:
    op.drop_table("log_events")
    op.drop_table("log_streams")
    op.drop_table("log_groups")
