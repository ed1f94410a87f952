"""``GlueContext``: where a Glue ETL script reads and writes DynamicFrames.

Following AWS's documentation of the GlueContext class: ``create_dynamic_frame`` /
``create_data_frame`` read ``from_options`` (S3 paths in a format) or ``from_catalog`` (a Data
Catalog table: its location, format and partitions), ``write_dynamic_frame`` writes
``from_options`` or ``from_catalog``, and ``getSource``/``getSink`` do the same step by step
(a sink with ``enableUpdateCatalog`` creates and updates its table and partitions). S3 sinks
append, as Glue's do. ``s3://`` paths are folders of glueprint's object store
(glueprint.etl.s3_paths); the catalog is glueprint's, through the Glue API.
"""

import logging
import sys
from datetime import UTC, datetime, timedelta
from functools import reduce
from urllib.parse import urlsplit

from glueprint.etl import bookmarks, dynamodb, formats, jdbc, s3_paths
from glueprint.etl import catalog as catalog_io
from glueprint.etl import session as glue_session

from .data_sink import DataSink
from .data_source import DataSource
from .dynamicframe import DynamicFrame
from .options import flag
from .transactions import Transactions

# Connection types that reach data stores glueprint's local Spark cannot open (custom.jdbc
# runs when its connection's driver is one glueprint has: glueprint.etl.jdbc).
_ONLY_ON_AWS = (
    "redshift",
    "marketplace.",
    "custom.",
    "documentdb",
    "opensearch",
    "snowflake",
    "kafka",
    "kinesis",
    "mongodb",
    "azure",
    "bigquery",
    "saphana",
    "teradata",
    "vertica",
)
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # the folder name Spark and Hive give a null partition value
DEFAULT_RETENTION_HOURS = 168  # purge_* keep files newer than 7 days unless told otherwise


class ConnectionTypeError(ValueError):
    pass


def _check_connection_type(connection_type: str) -> None:
    if connection_type in ("s3", "dynamodb") or jdbc.is_jdbc(connection_type):
        return
    if connection_type.startswith(_ONLY_ON_AWS):
        raise ConnectionTypeError(f"connection type {connection_type!r} exists only on AWS; glueprint cannot run it locally")
    raise ConnectionTypeError(
        f"connection type {connection_type!r} is not available in glueprint's local Spark "
        "(it reads and writes s3, dynamodb, postgresql and mysql)"
    )


class GlueLogger:
    """What ``get_logger()`` returns: the driver's log, at info, warn and error."""

    def __init__(self):
        self._log = logging.getLogger("awsglue")
        if not self._log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s GlueLogger: %(message)s"))
            self._log.addHandler(handler)
            self._log.setLevel(logging.INFO)

    def info(self, message: str) -> None:
        self._log.info(message)

    def warn(self, message: str) -> None:
        self._log.warning(message)

    def error(self, message: str) -> None:
        self._log.error(message)


class GlueContext:
    def __init__(self, sparkContext, **options):  # noqa: N803 (AWS's name)
        """``sparkContext``: a script's SparkContext (classic, or connect_client's stand-in) or
        a SparkSession. Its session's Spark serves s3:// paths already (session.local_session
        and the Connect server set Hadoop up so); Glue's SQL settings apply to it here."""
        from pyspark.sql import SparkSession

        is_session = hasattr(type(sparkContext), "createDataFrame")
        session = sparkContext if is_session else SparkSession.builder.getOrCreate()
        self.spark_session = session
        s3_paths.refresh()  # a script's own spark.read of s3:// paths sees every bucket there is now
        for key, value in glue_session.sql_settings().items():
            session.conf.set(key, value)
        self.catalog = catalog_io.Catalog()
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.create_data_frame = DataFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self.job_bookmarks: bookmarks.JobBookmarks | None = None  # set by Job.init
        self.transactions = Transactions()

    def get_logger(self) -> GlueLogger:
        return GlueLogger()

    # Reading
    def create_dynamic_frame_from_options(
        self,
        connection_type,
        connection_options=None,
        format=None,
        format_options=None,
        transformation_ctx="",
        push_down_predicate="",
        **kwargs,
    ):  # noqa: A002
        _check_connection_type(connection_type)
        options = connection_options or {}
        if connection_type != "s3":
            return DynamicFrame(self._read_from(connection_type, options, transformation_ctx), self, transformation_ctx)
        paths = options.get("paths")
        if not paths:
            raise ValueError('an s3 source needs connection_options {"paths": [...]}')
        recurse = bool(options.get("recurse"))
        df = self._read(list(paths), format, format_options or {}, recurse=recurse, bookmark_ctx=transformation_ctx)
        if push_down_predicate:
            df = df.filter(push_down_predicate)
        return DynamicFrame(df, self, transformation_ctx)

    def create_dynamic_frame_from_catalog(
        self,
        database=None,
        table_name=None,
        redshift_tmp_dir="",
        transformation_ctx="",
        push_down_predicate="",
        additional_options=None,
        catalog_id=None,
        **kwargs,
    ):
        if not database or not table_name:
            raise ValueError("from_catalog needs database and table_name")
        options = additional_options or {}
        table = self.catalog.table(database, table_name, catalog_id)
        jdbc_options = jdbc.catalog_options(table)
        if jdbc_options is not None:
            df = self._read_from(jdbc.CATALOG, {**options, **jdbc_options}, transformation_ctx)
            return DynamicFrame(df, self, transformation_ctx)
        plan = self.catalog.read_plan(database, table_name, options.get("catalogPartitionPredicate", ""), catalog_id, table)
        return DynamicFrame(self._read_table(plan, push_down_predicate, transformation_ctx), self, transformation_ctx)

    def create_data_frame_from_options(
        self, connection_type, connection_options=None, format=None, format_options=None, transformation_ctx="", **kwargs
    ):  # noqa: A002
        return self.create_dynamic_frame_from_options(
            connection_type, connection_options, format, format_options, transformation_ctx, **kwargs
        ).toDF()

    def create_data_frame_from_catalog(
        self, database=None, table_name=None, transformation_ctx="", additional_options=None, catalog_id=None, **kwargs
    ):
        return self.create_dynamic_frame_from_catalog(
            database, table_name, "", transformation_ctx, additional_options=additional_options, catalog_id=catalog_id, **kwargs
        ).toDF()

    def getSource(self, connection_type, format=None, transformation_ctx="", push_down_predicate="", **options):  # noqa: N802, A002
        return DataSource(self, connection_type, options, format, transformation_ctx, push_down_predicate)

    def _read_from(self, connection_type: str, options: dict, transformation_ctx: str = ""):
        """A DataFrame from a source other than S3 (a JDBC one's new rows only, with bookmarks)."""
        if connection_type == "dynamodb":
            return dynamodb.read(self.spark_session, options)
        df = jdbc.read(self.spark_session, connection_type, options, self.catalog)
        saved = self._bookmark_state(transformation_ctx)
        if saved is not None:
            df, state = bookmarks.new_rows(df, options, saved)
            self.job_bookmarks.record(transformation_ctx, state)
        return df

    def _bookmark_state(self, transformation_ctx: str) -> dict | None:
        return self.job_bookmarks.state(transformation_ctx) if self.job_bookmarks is not None else None

    def _read(
        self,
        paths: list[str],
        fmt: str | None,
        format_options: dict,
        recurse: bool = False,
        schema=None,
        base_path=None,
        bookmark_ctx: str = "",
    ):
        from pyspark.errors import AnalysisException

        reader = self.spark_session.read.format(formats.spark_format(fmt)).options(**formats.read_options(fmt, format_options))
        if recurse:
            reader = reader.option("recursiveFileLookup", "true")
        if schema is not None:
            reader = reader.schema(schema)
        saved = self._bookmark_state(bookmark_ctx)
        if saved is not None:
            # Only the objects this source has not read: key=value folders still name partitions.
            if base_path is None and len(paths) == 1 and paths[0].endswith("/"):
                base_path = paths[0]
            paths, state = bookmarks.new_s3_objects(saved, paths, recurse)
            self.job_bookmarks.record(bookmark_ctx, state)
            if not paths:
                from pyspark.sql.types import StructType

                return self.spark_session.createDataFrame([], schema or StructType([]))
        if base_path is not None:
            reader = reader.option("basePath", base_path)
        s3_paths.mount(paths)
        try:
            df = reader.load(paths)
        except AnalysisException as error:
            # Glue reads a path with no files as an empty frame, not an error.
            if error.getCondition() in ("PATH_NOT_FOUND", "UNABLE_TO_INFER_SCHEMA"):
                from pyspark.sql.types import StructType

                return self.spark_session.createDataFrame([], schema or StructType([]))
            raise
        if schema is None and formats.spark_format(fmt) == "csv" and not flag(format_options.get("withHeader")):
            df = df.toDF(*[f"col{i}" for i in range(len(df.columns))])  # Glue's names for headerless columns
        return df

    def _read_table(self, plan: catalog_io.TableRead, push_down_predicate: str, transformation_ctx: str = ""):
        """A table's data: text formats by the catalog's columns (names and types), Parquet and
        ORC by their files' own schema; partition columns typed as the catalog's keys."""
        from pyspark.sql import functions as F

        schema = _ddl(plan.columns) if plan.format in ("csv", "json") and plan.columns else None
        if not plan.partition_keys:
            return self._read([plan.location], plan.format, plan.format_options, schema=schema, bookmark_ctx=transformation_ctx)
        names = [k["Name"] for k in plan.partition_keys]
        partitions = [p for p in plan.partitions if s3_paths.holds_objects(p.location)]
        if push_down_predicate and partitions:
            # The predicate names partition columns only: it picks partitions before any is read.
            rows = [[i, *(p.values.get(k) for k in names)] for i, p in enumerate(partitions)]
            values = self.spark_session.createDataFrame(rows, ["__partition", *names])
            for key in plan.partition_keys:
                values = values.withColumn(key["Name"], F.col(f"`{key['Name']}`").cast(key["Type"]))
            kept = {row["__partition"] for row in values.filter(push_down_predicate).select("__partition").collect()}
            partitions = [p for i, p in enumerate(partitions) if i in kept]
        if not partitions:
            return self.spark_session.createDataFrame([], _ddl(plan.columns + plan.partition_keys))
        base = plan.location.rstrip("/")
        if all(p.location.rstrip("/") == "/".join([base, *(f"{k}={p.values.get(k)}" for k in names)]) for p in partitions):
            # key=value folders under the table: one read, Spark finds the values in the paths.
            df = self._read(
                [p.location for p in partitions],
                plan.format,
                plan.format_options,
                schema=schema,
                base_path=plan.location,
                bookmark_ctx=transformation_ctx,
            )
            if not df.columns:  # a bookmarked read with nothing new
                return self.spark_session.createDataFrame([], _ddl(plan.columns + plan.partition_keys))
            for key in plan.partition_keys:
                df = df.withColumn(key["Name"], F.col(f"`{key['Name']}`").cast(key["Type"]))
            return df
        frames = []
        for partition in partitions:
            df = self._read([partition.location], plan.format, plan.format_options, schema=schema)
            for key in plan.partition_keys:
                value = partition.values.get(key["Name"])
                df = df.withColumn(key["Name"], F.lit(None if value == _HIVE_NULL else value).cast(key["Type"]))
            frames.append(df)
        return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)

    # Writing
    def write_dynamic_frame_from_options(
        self, frame, connection_type, connection_options=None, format=None, format_options=None, transformation_ctx="", **kwargs
    ):  # noqa: A002
        _check_connection_type(connection_type)
        options = connection_options or {}
        if connection_type != "s3":
            self._write_to(connection_type, frame.toDF(), options)
            return frame
        if not frame.toDF().columns:
            return frame  # nothing was read (a bookmarked source with no new data): nothing to write
        if not options.get("path"):
            raise ValueError('an s3 sink needs connection_options {"path": "s3://..."}')
        self._write(frame.toDF(), options["path"], format, format_options or {}, list(options.get("partitionKeys") or []))
        return frame

    def write_dynamic_frame_from_catalog(
        self,
        frame,
        database=None,
        table_name=None,
        redshift_tmp_dir="",
        transformation_ctx="",
        additional_options=None,
        catalog_id=None,
        **kwargs,
    ):
        if not database or not table_name:
            raise ValueError("from_catalog needs database and table_name")
        options = additional_options or {}
        table = self.catalog.table(database, table_name, catalog_id)
        jdbc_options = jdbc.catalog_options(table)
        if jdbc_options is not None:
            jdbc.write(frame.toDF(), jdbc.CATALOG, {**options, **jdbc_options}, self.catalog)
            return frame
        keys = list(options.get("partitionKeys") or [k["Name"] for k in table.get("PartitionKeys", [])])
        sink = DataSink(
            self,
            "s3",
            {**options, "path": table["StorageDescriptor"]["Location"], "partitionKeys": keys},
            formats.table_format(table),
            transformation_ctx,
        )
        sink.setCatalogInfo(database, table_name, catalog_id)
        return sink.writeFrame(frame)

    def write_dynamic_frame_from_jdbc_conf(
        self, frame, catalog_connection, connection_options=None, redshift_tmp_dir="", transformation_ctx="", **kwargs
    ):
        """Write to the database of catalog connection ``catalog_connection`` (``dbtable``, and
        ``database`` in place of the one its URL names)."""
        options = {**(connection_options or {}), "connectionName": catalog_connection, "useConnectionProperties": "true"}
        jdbc.write(frame.toDF(), jdbc.CATALOG, options, self.catalog)
        return frame

    def getSink(self, connection_type, format=None, transformation_ctx="", **options):  # noqa: N802, A002
        _check_connection_type(connection_type)
        return DataSink(self, connection_type, options, format, transformation_ctx)

    def _write_to(self, connection_type: str, df, options: dict) -> None:
        """Write ``df`` to a sink other than S3."""
        if connection_type == "dynamodb":
            dynamodb.write(df, options)
        else:
            jdbc.write(df, connection_type, options, self.catalog)

    def _write(self, df, path: str, fmt: str | None, format_options: dict, partition_keys: list[str]) -> list[dict[str, str]]:
        """Append ``df`` under ``path``; the partition-value sets it wrote (as folder names say them)."""
        missing = [k for k in partition_keys if k not in df.columns]
        if missing:
            raise ValueError(f"partitionKeys {missing} are not fields of the frame")
        written = []
        if partition_keys:
            for row in df.select(*partition_keys).distinct().collect():
                written.append({k: _HIVE_NULL if row[k] is None else str(row[k]) for k in partition_keys})
        writer = df.write.mode("append").format(formats.spark_format(fmt)).options(**formats.write_options(fmt, format_options))
        if partition_keys:
            writer = writer.partitionBy(*partition_keys)
        s3_paths.mount([path])
        writer.save(path)
        return written

    # Purging
    def purge_table(self, database, table_name, options=None, transformation_ctx="", catalog_id=None):
        table = self.catalog.table(database, table_name, catalog_id)
        locations = [table["StorageDescriptor"]["Location"]]
        if table.get("PartitionKeys"):
            locations += [
                p["StorageDescriptor"]["Location"] for p in self.catalog.partitions(database, table_name, catalog_id=catalog_id)
            ]
        for location in dict.fromkeys(locations):
            self.purge_s3_path(location, options, transformation_ctx)

    def purge_s3_path(self, s3_path, options=None, transformation_ctx=""):
        """Delete the objects under ``s3_path`` older than ``retentionPeriod`` hours (168 unless
        given), through the S3 API the script's own calls use (``AWS_ENDPOINT_URL_S3``)."""
        import boto3

        hours = float((options or {}).get("retentionPeriod", DEFAULT_RETENTION_HOURS))
        bucket = s3_paths.bucket_of(s3_path)
        if bucket is None:
            raise ValueError(f"purge_s3_path needs an s3:// path, not {s3_path!r}")
        prefix = urlsplit(s3_path).path.lstrip("/")
        cutoff = datetime.now(UTC) - timedelta(hours=hours)
        s3 = boto3.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            old = [{"Key": o["Key"]} for o in page.get("Contents", []) if o["LastModified"] < cutoff]
            if old:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": old, "Quiet": True})

    # Lake Formation transactions (awsglue.transactions: kept by the script, see there)
    def start_transaction(self, read_only: bool) -> str:
        return self.transactions.start(read_only)

    def commit_transaction(self, transaction_id: str, wait_for_commit: bool = True) -> bool:
        """The catalog changes of the transaction's sinks, made now; True, as a finished commit."""
        return self.transactions.commit(transaction_id)

    def cancel_transaction(self, transaction_id: str) -> None:
        """The objects the transaction's sinks wrote, deleted; its catalog changes dropped."""
        self.transactions.cancel(transaction_id)

    # The names earlier Glue versions gave start and cancel (AWS's governed-table sample uses them).
    begin_transaction = start_transaction
    abort_transaction = cancel_transaction


class DynamicFrameReader:
    def __init__(self, glue_context: GlueContext):
        self._ctx = glue_context

    def from_options(
        self,
        connection_type,
        connection_options=None,
        format=None,
        format_options=None,
        transformation_ctx="",
        push_down_predicate="",
        **kwargs,
    ):  # noqa: A002
        return self._ctx.create_dynamic_frame_from_options(
            connection_type, connection_options, format, format_options, transformation_ctx, push_down_predicate, **kwargs
        )

    def from_catalog(
        self,
        database=None,
        table_name=None,
        redshift_tmp_dir="",
        transformation_ctx="",
        push_down_predicate="",
        additional_options=None,
        catalog_id=None,
        **kwargs,
    ):
        return self._ctx.create_dynamic_frame_from_catalog(
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            push_down_predicate,
            additional_options,
            catalog_id,
            **kwargs,
        )


class DataFrameReader:
    def __init__(self, glue_context: GlueContext):
        self._ctx = glue_context

    def from_options(
        self, connection_type, connection_options=None, format=None, format_options=None, transformation_ctx="", **kwargs
    ):  # noqa: A002
        return self._ctx.create_data_frame_from_options(
            connection_type, connection_options, format, format_options, transformation_ctx, **kwargs
        )

    def from_catalog(
        self, database=None, table_name=None, transformation_ctx="", additional_options=None, catalog_id=None, **kwargs
    ):
        return self._ctx.create_data_frame_from_catalog(
            database, table_name, transformation_ctx, additional_options, catalog_id, **kwargs
        )


class DynamicFrameWriter:
    def __init__(self, glue_context: GlueContext):
        self._ctx = glue_context

    def from_options(
        self, frame, connection_type, connection_options=None, format=None, format_options=None, transformation_ctx="", **kwargs
    ):  # noqa: A002
        return self._ctx.write_dynamic_frame_from_options(
            frame, connection_type, connection_options, format, format_options, transformation_ctx, **kwargs
        )

    def from_catalog(
        self,
        frame,
        database=None,
        table_name=None,
        redshift_tmp_dir="",
        transformation_ctx="",
        additional_options=None,
        catalog_id=None,
        **kwargs,
    ):
        return self._ctx.write_dynamic_frame_from_catalog(
            frame, database, table_name, redshift_tmp_dir, transformation_ctx, additional_options, catalog_id, **kwargs
        )

    def from_jdbc_conf(
        self, frame, catalog_connection, connection_options=None, redshift_tmp_dir="", transformation_ctx="", **kwargs
    ):
        return self._ctx.write_dynamic_frame_from_jdbc_conf(
            frame, catalog_connection, connection_options, redshift_tmp_dir, transformation_ctx, **kwargs
        )


def _ddl(columns: list[dict]) -> str:
    return ", ".join(f"`{c['Name']}` {c['Type']}" for c in columns)
