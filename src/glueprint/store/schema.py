"""The declared schema. Alembic migrations must produce exactly this (a test compares them)."""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Small server-wide settings, e.g. the key that signs pagination tokens.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

blueprints = Table(
    "blueprints",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("description", Text),
    Column("location", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("error_message", Text),
    Column("created_on", Float, nullable=False),
    Column("last_modified_on", Float, nullable=False),
    Column("tags", Text, nullable=False),
    # The digest of the active definition (in definitions), which new runs use; NULL until
    # an archive has been accepted.
    Column("definition", String(64)),
    # LastActiveDefinition as JSON, set while the newest definition is not the active one.
    Column("last_active", Text),
    # Bumped in the same transaction as every change to this blueprint's runs.
    Column("runs_version", BigInteger, nullable=False, server_default="0"),
    # While CREATING or UPDATING: the worker fetching and checking the archive, and until when.
    Column("claimed_by", String(128)),
    Column("lease_until", Float),
    Index("ix_blueprints_status", "status"),
)

# Every definition a run may still use: the active one, and older ones while runs started
# under them are open (a run uses the definition that was active when it was started).
definitions = Table(
    "definitions",
    metadata,
    Column("blueprint_name", String(128), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("archive", LargeBinary, nullable=False),
    Column("layout_generator", Text, nullable=False),
    Column("parameter_spec", Text, nullable=False),
    Column("created_on", Float, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, unique=True),
    Column("blueprint_name", String(128), nullable=False),
    Column("state", String(16), nullable=False),
    Column("parameters", Text),
    Column("role_arn", Text, nullable=False),
    # The blueprint's definition (a digest in definitions) when the run was started.
    Column("definition", String(64)),
    Column("started_on", Float, nullable=False),
    Column("completed_on", Float),
    Column("workflow_name", Text),
    Column("error_message", Text),
    Column("rollback_error_message", Text),
    # Who executes the run and until when that claim holds without a heartbeat.
    Column("claimed_by", String(128)),
    Column("lease_until", Float),
    Index("ix_runs_blueprint_seq", "blueprint_name", "seq"),
    Index("ix_runs_state_seq", "state", "seq"),
)

# Workflows, jobs, crawlers, triggers and Data Catalog objects, each a JSON document.
# scope is the database name for tables and empty otherwise.
entities = Table(
    "entities",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("scope", String(255), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
    Column("run_id", String(64)),
    Column("created_on", Float, nullable=False),
    # The workflow a trigger belongs to, so a workflow's graph reads only its own triggers.
    Column("workflow", String(255)),
    Index("ix_entities_run", "run_id"),
    Index("ix_entities_workflow", "kind", "workflow"),
)
