"""Definitions of their own: a run keeps the definition active when it was started, and a
blueprint's archive is fetched and checked by a worker while it is CREATING or UPDATING.

Revision ID: 0004
Revises: 0003
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    definitions = op.create_table(
        "definitions",
        sa.Column("blueprint_name", sa.String(128), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("archive", sa.LargeBinary, nullable=False),
        sa.Column("layout_generator", sa.Text, nullable=False),
        sa.Column("parameter_spec", sa.Text, nullable=False),
        sa.Column("created_on", sa.Float, nullable=False),
    )
    with op.batch_alter_table("blueprints") as batch:
        batch.add_column(sa.Column("definition", sa.String(64)))
        batch.add_column(sa.Column("claimed_by", sa.String(128)))
        batch.add_column(sa.Column("lease_until", sa.Float))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("definition", sa.String(64)))
    conn = op.get_bind()
    active = conn.execute(
        sa.text(
            "SELECT name, archive, layout_generator, parameter_spec, last_modified_on FROM blueprints WHERE archive IS NOT NULL"
        )
    ).all()
    for name, archive, generator, spec, modified in active:
        digest = hashlib.sha256(archive).hexdigest()
        conn.execute(
            definitions.insert().values(
                blueprint_name=name,
                digest=digest,
                archive=archive,
                layout_generator=generator,
                parameter_spec=spec,
                created_on=modified,
            )
        )
        conn.execute(sa.text("UPDATE blueprints SET definition = :d WHERE name = :n"), {"d": digest, "n": name})
        conn.execute(sa.text("UPDATE runs SET definition = :d WHERE blueprint_name = :n"), {"d": digest, "n": name})
    with op.batch_alter_table("blueprints") as batch:
        for column in ("archive", "layout_generator", "parameter_spec", "service_location"):
            batch.drop_column(column)
        batch.create_index("ix_blueprints_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("blueprints") as batch:
        batch.drop_index("ix_blueprints_status")
        batch.add_column(sa.Column("service_location", sa.Text))
        batch.add_column(sa.Column("parameter_spec", sa.Text))
        batch.add_column(sa.Column("layout_generator", sa.Text))
        batch.add_column(sa.Column("archive", sa.LargeBinary))
    op.execute(
        "UPDATE blueprints SET "
        + ", ".join(
            f"{column} = (SELECT d.{column} FROM definitions d WHERE d.blueprint_name = blueprints.name AND d.digest = blueprints.definition)"
            for column in ("archive", "layout_generator", "parameter_spec")
        )
    )
    op.execute(
        "UPDATE blueprints SET service_location = 'glueprint://blueprints/' || name || '/' || substr(definition, 1, 16) || '.zip' "
        "WHERE definition IS NOT NULL"
    )
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("definition")
    with op.batch_alter_table("blueprints") as batch:
        for column in ("definition", "claimed_by", "lease_until"):
            batch.drop_column(column)
    op.drop_table("definitions")
