"""A local SparkSession set up as Glue's: S3 paths on the object store folder, ANSI mode
off (Glue 2.0 to 5.1 run Spark 2.4 to 3.5, where it is off by default; Spark 4 turns it on),
few shuffle partitions. Job runs use glueprint's Spark Connect server (connect_server.py) set
up the same way; a local session serves the library's tests and one-off scripts."""

import os
import sys
import tempfile

from . import jdbc_drivers, s3_paths


def sql_settings() -> dict[str, str]:
    """Settings a running session takes too: GlueContext applies them to a script's own session."""
    return {
        "spark.sql.ansi.enabled": "false",
        # Parquet files Glue and Hive wrote keep their INT96 timestamps readable.
        "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
        "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
        # Readers and encode/decode take any charset Java has (Shift_JIS, EUC-KR, Big5...), as in
        # Spark 3.5 and before; Spark 4 allows seven unless told (its SQL migration guide).
        "spark.sql.legacy.javaCharsets": "true",
    }


def glue_settings(cores: int) -> dict[str, str]:
    settings = {f"spark.hadoop.{key}": value for key, value in s3_paths.scheme_settings().items()}
    settings.update(sql_settings())
    settings.update(
        {
            "spark.sql.shuffle.partitions": str(max(1, cores)),
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        }
    )
    jars = jdbc_drivers.driver_jars()
    if jars:
        settings["spark.jars"] = ",".join(jars)
    return settings


def local_session(cores: int = 2, app_name: str = "glueprint-etl"):
    """The process's SparkSession (made on first call, with ``glue_settings``)."""
    from pyspark.sql import SparkSession

    # Python workers run this interpreter, which has the script's libraries (pyarrow...).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(f"local[{cores}]").appName(app_name)
    settings = glue_settings(cores)
    root = s3_paths.store_root()
    if root is not None:  # buckets as the object store folder holds them, now and later
        tables = s3_paths.MountTables(root, tempfile.mkdtemp(prefix="glueprint-mounts-"))
        tables.refresh()
        s3_paths.use_local_tables(tables)
        key, value = tables.setting()
        settings[f"spark.hadoop.{key}"] = value
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
