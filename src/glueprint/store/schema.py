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
    # The run as GetBlueprintRun(s) show it, rendered by the protocol layer whenever the run
    # changes: opaque here, and what a page of runs is read from.
    Column("view", LargeBinary, nullable=False),
    # A page of runs is a scan of one blueprint's runs by seq; on SQLite the index holds the
    # views too, so the scan reads nothing else (PostgreSQL limits an index entry's size).
    Index("ix_runs_blueprint_seq", "blueprint_name", "seq").ddl_if(dialect="postgresql"),
    Index("ix_runs_page", "blueprint_name", "seq", "view").ddl_if(dialect="sqlite"),
    Index("ix_runs_state_seq", "state", "seq"),
    # A blueprint's open runs (which definitions they still use), read when a run ends.
    Index("ix_runs_state_blueprint", "state", "blueprint_name"),
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

# Workflow runs. doc holds what only this run needs: RunProperties, PreviousRunId,
# ErrorMessage, and (for a resumed run) the states it inherited; before 0014, the triggers that fired.
workflow_runs = Table(
    "workflow_runs",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", String(80), nullable=False, unique=True),
    Column("workflow_name", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_on", Float, nullable=False),
    Column("completed_on", Float),
    Column("doc", Text, nullable=False),
    Index("ix_workflow_runs_name_seq", "workflow_name", "seq"),
    Index("ix_workflow_runs_status", "status"),
)

# Job runs and crawls ("node runs"), each a JSON document with the columns workers select on.
# due: when a worker should next look at it (now, or the end of a simulated run).
node_runs = Table(
    "node_runs",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", String(160), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("name", String(255), nullable=False),
    Column("workflow_run_id", String(80)),
    Column("state", String(16), nullable=False),
    Column("due", Float),
    Column("claimed_by", String(128)),
    Column("lease_until", Float),
    Column("doc", Text, nullable=False),
    Index("ix_node_runs_kind_name_seq", "kind", "name", "seq"),
    # A node's latest run in a workflow run, and a workflow run's open nodes, each read
    # without visiting the run's other nodes (migration 0014).
    Index("ix_node_runs_workflow_node", "workflow_run_id", "kind", "name", "seq"),
    Index("ix_node_runs_workflow_state", "workflow_run_id", "state"),
    Index("ix_node_runs_state_due", "state", "due"),
)

# Which nodes each conditional trigger watches (from its predicate), kept with the trigger by
# store/entities.py: a node's end reads only the triggers that watch it.
trigger_watches = Table(
    "trigger_watches",
    metadata,
    Column("trigger_name", String(255), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("node", String(255), primary_key=True),
    Column("workflow", String(255)),
    Index("ix_trigger_watches_node", "kind", "node", "workflow"),
)

# The triggers that fired in a workflow run (runs from before 0014 list theirs in their doc).
fired_triggers = Table(
    "fired_triggers",
    metadata,
    Column("workflow_run_id", String(80), primary_key=True),
    Column("trigger_name", String(255), primary_key=True),
)

# The triggers a workflow run follows, as they were when it started (AWS: a run follows the
# graph of its start), written once at its start (migration 0015).
run_triggers = Table(
    "run_triggers",
    metadata,
    Column("workflow_run_id", String(80), primary_key=True),
    Column("trigger_name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
)

# Which nodes each of a run's conditional triggers watches: a node's end reads only the
# snapshot triggers that watch it, by this key.
run_trigger_watches = Table(
    "run_trigger_watches",
    metadata,
    Column("workflow_run_id", String(80), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("node", String(255), primary_key=True),
    Column("trigger_name", String(255), primary_key=True),
)

# The next time each ACTIVATED scheduled trigger fires.
schedules = Table(
    "schedules",
    metadata,
    Column("trigger_name", String(255), primary_key=True),
    Column("expression", Text, nullable=False),
    Column("next_fire", Float, nullable=False),
    Index("ix_schedules_next_fire", "next_fire"),
)

# Data Catalog partitions, one row each. values holds the partition's values as a JSON array
# (what filter expressions are evaluated on, in SQL); values_key is its digest, the lookup key
# (values may be longer than an index entry may hold). A table's pages are keyset scans by seq.
partitions = Table(
    "partitions",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("database_name", String(255), nullable=False),
    Column("table_name", String(255), nullable=False),
    Column("values_key", String(64), nullable=False),
    Column("partition_values", Text, nullable=False),
    Column("doc", Text, nullable=False),
    Index("ux_partitions_values", "database_name", "table_name", "values_key", unique=True),
    Index("ix_partitions_table_seq", "database_name", "table_name", "seq"),
)

# Each partition value by its digest at its key's position, and each leading run of two or
# more values at minus its length: a filter holding key = 'v' finds the partitions with those
# values in creation order from this primary key, without scanning the table (see
# store/partitions.py). Digests, since values may be longer than an index entry may hold.
partition_lookup = Table(
    "partition_lookup",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("table_name", String(255), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("value_key", String(16), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,  # the primary key is the table: half the size
)

# A Data Catalog table's archived versions (the current one is the table's own document in
# entities): one row each, numbered as VersionId counts. GetTableVersions pages them newest
# first by the primary key.
table_versions = Table(
    "table_versions",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("table_name", String(255), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("doc", Text, nullable=False),
)

# Partition indexes (CreatePartitionIndex), each a PartitionIndexDescriptor as JSON. They go
# with their table: store/partitions.py removes them with its partitions.
partition_indexes = Table(
    "partition_indexes",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("table_name", String(255), primary_key=True),
    Column("index_name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
)

# The next time each crawler with a SCHEDULED Schedule crawls. Apart from triggers' schedules:
# crawler and trigger names are separate namespaces.
crawler_schedules = Table(
    "crawler_schedules",
    metadata,
    Column("crawler_name", String(255), primary_key=True),
    Column("expression", Text, nullable=False),
    Column("next_fire", Float, nullable=False),
    Index("ix_crawler_schedules_next_fire", "next_fire"),
)

# CloudWatch Logs, the part Glue writes: its log groups, their streams (one per job run, one
# per crawler) and the streams' events. Times are epoch milliseconds, as Logs has them.
log_groups = Table(
    "log_groups",
    metadata,
    Column("name", String(512), primary_key=True),
    Column("created_on", BigInteger, nullable=False),
)

log_streams = Table(
    "log_streams",
    metadata,
    Column("log_group", String(512), primary_key=True),
    Column("name", String(512), primary_key=True),
    Column("created_on", BigInteger, nullable=False),
    Column("first_event", BigInteger, nullable=False),
    Column("last_event", BigInteger, nullable=False),
    Column("last_ingestion", BigInteger, nullable=False),
    Column("stored_bytes", BigInteger, nullable=False),
    # DescribeLogStreams ordered by LastEventTime: a keyset scan of this index.
    Index("ix_log_streams_last_event", "log_group", "last_event", "name"),
)

# A stream's events are read in (timestamp, seq) order (GetLogEvents), a group's too
# (FilterLogEvents): each a keyset scan of its index.
log_events = Table(
    "log_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("log_group", String(512), nullable=False),
    Column("log_stream", String(512), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("ingestion_time", BigInteger, nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_log_events_stream", "log_group", "log_stream", "timestamp", "seq"),
    Index("ix_log_events_group", "log_group", "timestamp", "seq"),
)

# Job bookmarks: each job's entries, one per commit or reset (Version counts them); the
# newest is the job's bookmark, older ones answer GetJobBookmark/ResetJobBookmark by RunId.
job_bookmarks = Table(
    "job_bookmarks",
    metadata,
    Column("job_name", String(255), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("run", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("previous_run_id", String(255), nullable=False),
    Column("bookmark", Text, nullable=False),
    Index("ix_job_bookmarks_run", "job_name", "run_id", "version"),
)

# Data Catalog user-defined functions, each a UserDefinedFunction as JSON. GetUserDefinedFunctions
# pages them in (database, name) order: within one database or across all of them.
user_defined_functions = Table(
    "user_defined_functions",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("function_name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
)

# Column statistics (UpdateColumnStatisticsForTable/ForPartition), each a ColumnStatistics as
# JSON: a table's with values_key empty, a partition's under its values' digest (as in
# partitions). They go with their column, partition, table and database.
column_statistics = Table(
    "column_statistics",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("table_name", String(255), primary_key=True),
    Column("values_key", String(64), primary_key=True),
    Column("column_name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
)
