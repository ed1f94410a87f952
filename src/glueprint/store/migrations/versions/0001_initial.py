"""Initial schema: meta, blueprints, runs, entities.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "blueprints",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("description", sa.Text),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("service_location", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_message", sa.Text),
        sa.Column("created_on", sa.Float, nullable=False),
        sa.Column("last_modified_on", sa.Float, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("parameter_spec", sa.Text),
        sa.Column("layout_generator", sa.Text),
        sa.Column("archive", sa.LargeBinary),
        sa.Column("last_active", sa.Text),
    )
    op.create_table(
        "runs",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False, unique=True),
        sa.Column("blueprint_name", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("parameters", sa.Text),
        sa.Column("role_arn", sa.Text, nullable=False),
        sa.Column("started_on", sa.Float, nullable=False),
        sa.Column("completed_on", sa.Float),
        sa.Column("workflow_name", sa.Text),
        sa.Column("error_message", sa.Text),
        sa.Column("rollback_error_message", sa.Text),
        sa.Column("claimed_by", sa.String(128)),
        sa.Column("lease_until", sa.Float),
    )
    op.create_index("ix_runs_blueprint_seq", "runs", ["blueprint_name", "seq"])
    op.create_index("ix_runs_state_seq", "runs", ["state", "seq"])
    op.create_table(
        "entities",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("scope", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.Column("created_on", sa.Float, nullable=False),
    )
    op.create_index("ix_entities_run", "entities", ["run_id"])


def downgrade() -> None:
    op.drop_table("entities")
    op.drop_table("runs")
    op.drop_table("blueprints")
    op.drop_table("meta")
