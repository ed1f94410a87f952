"""The Spark Connect side of a job script's own process.

Minimal version written by the spark-runs branch; the spark-server branch's module (a
SparkContext stand-in, Glue-version settings) replaces it and keeps its interface:
``run_settings(glue_version, workers)`` and ``enter(remote, settings)``.
"""

import math
import os


def run_settings(glue_version: str | None, workers: float) -> dict[str, str]:
    """Spark SQL settings of one run: Glue's Spark (2.4 to 3.5) has ANSI mode off, and a run's
    shuffles are as wide as its DPUs (one partition each, at most 64)."""
    return {"spark.sql.ansi.enabled": "false", "spark.sql.shuffle.partitions": str(min(64, max(1, math.ceil(workers))))}


def enter(remote: str, settings: dict[str, str]) -> None:
    """Make this process a Spark Connect client of remote: every SparkSession builder the
    script uses reaches that session, with settings applied."""
    from pyspark.sql import SparkSession

    os.environ["SPARK_REMOTE"] = remote
    spark = SparkSession.builder.remote(remote).getOrCreate()
    for key, value in settings.items():
        spark.conf.set(key, value)
