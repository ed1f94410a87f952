"""A job script's side of Spark Connect: ``enter`` turns the script's process into a Spark
Connect client before the script runs, so that an unmodified Glue script works over it.

Glue scripts begin with ``sc = SparkContext()`` or ``SparkContext.getOrCreate()``, then
``GlueContext(sc)``. PySpark 4's own switch does most of it: with ``SPARK_REMOTE`` set,
``SparkSession.builder.getOrCreate()`` answers a Connect session. A SparkContext exists only
beside a local JVM, though (PySpark refuses to make one in Connect mode), so ``enter`` puts a
small subclass in its place (``pyspark.SparkContext``, ``pyspark.context.SparkContext``): every
``SparkContext`` the script makes or gets is the one Connect session's, with what scripts ask
of a context (``applicationId``, ``appName``, ``defaultParallelism``, ``setLogLevel``,
``getConf``, ``stop``); its class attributes stay PySpark's (no JVM: ``_jvm`` is None).

``run_settings`` are a run's per-session Spark SQL settings: the Spark version behind the
job's GlueVersion where its behaviour differs from the Spark that runs here, and the run's
capacity as shuffle partitions.
"""

import math
import os

# GlueVersion -> the Apache Spark version AWS runs it on (AWS Glue developer guide, "AWS Glue versions").
SPARK_OF_GLUE = {
    "0.9": "2.2.1",
    "1.0": "2.4.3",
    "2.0": "2.4.3",
    "3.0": "3.1.1",
    "4.0": "3.3.0",
    "5.0": "3.5.4",
    "5.1": "3.5.6",
}
MAX_SHUFFLE_PARTITIONS = 64
LOG_LEVELS = ("ALL", "DEBUG", "ERROR", "FATAL", "INFO", "OFF", "TRACE", "WARN")

# Where Spark 4 changed a default every Spark that Glue runs (2.x and 3.x) shares.
_BEFORE_SPARK_4 = {
    "spark.sql.ansi.enabled": "false",  # on by default since Spark 4.0
    "spark.sql.orc.compression.codec": "snappy",  # zstd since Spark 4.0
}
# Spark 3.0 replaced 2.x's date-time parsing (SimpleDateFormat) and its insert casts; 3.x
# raises an error where the two parsers disagree, Spark 4.0 takes the new parser's answer.
_SPARK_2 = {"spark.sql.legacy.timeParserPolicy": "LEGACY", "spark.sql.storeAssignmentPolicy": "LEGACY"}
_SPARK_3 = {"spark.sql.legacy.timeParserPolicy": "EXCEPTION"}


def spark_version(glue_version: str | None) -> str:
    """The Spark of a GlueVersion; the newest Glue's for None or a version this table lacks
    (a stored job always has one: CreateJob fills in the model's documented default)."""
    newest = SPARK_OF_GLUE[max(SPARK_OF_GLUE, key=float)]
    return SPARK_OF_GLUE.get(glue_version, newest) if glue_version else newest


def run_settings(glue_version: str | None, workers: float) -> dict[str, str]:
    """A run's Spark SQL settings, from its GlueVersion and its capacity (DPUs or workers)."""
    settings = dict(_BEFORE_SPARK_4)
    settings.update(_SPARK_2 if spark_version(glue_version).startswith("2.") else _SPARK_3)
    settings["spark.sql.shuffle.partitions"] = str(min(MAX_SHUFFLE_PARTITIONS, max(1, math.ceil(workers))))
    return settings


def enter(remote: str, settings: dict[str, str]) -> None:
    """Make this process a Spark Connect client of ``remote`` (``sc://host:port``): one
    session, with ``settings`` applied, behind every SparkSession and SparkContext the script
    makes from now on."""
    import pyspark
    import pyspark.core.context
    from pyspark.sql import SparkSession

    os.environ["SPARK_REMOTE"] = remote
    session = SparkSession.builder.remote(remote).getOrCreate()
    for key, value in settings.items():
        session.conf.set(key, value)
    context = _connect_context(pyspark.core.context.SparkContext)
    context._session = session
    for module in (pyspark, pyspark.core.context):  # pyspark.context is pyspark.core.context
        module.SparkContext = context


def _connect_context(spark_context: type) -> type:
    """ConnectContext as a subclass of PySpark's SparkContext (importable without pyspark)."""
    return type("SparkContext", (ConnectContext, spark_context), {"__module__": __name__})


class ConnectContext:
    """``SparkContext`` over Spark Connect: the client's one session, seen as a context."""

    _session = None  # set by enter()

    def __init__(
        self,
        master=None,
        appName=None,
        sparkHome=None,
        pyFiles=None,
        environment=None,
        batchSize=0,
        serializer=None,
        conf=None,
        **kwargs,
    ):  # noqa: N803 (PySpark's names)
        if self._session is None:
            raise RuntimeError("no Spark Connect session: glueprint.etl.connect_client.enter() was not called")

    @classmethod
    def getOrCreate(cls, conf=None) -> "ConnectContext":  # noqa: N802 (PySpark's name)
        return cls()

    @property
    def session(self):
        return self._session

    def _conf(self, key: str, default: str | None = None) -> str | None:
        return self.session.conf.get(key, default)

    @property
    def applicationId(self) -> str:  # noqa: N802 (PySpark's name)
        return self._conf("spark.app.id")

    @property
    def appName(self) -> str:  # noqa: N802 (PySpark's name)
        return self._conf("spark.app.name")

    @property
    def master(self) -> str:
        return self._conf("spark.master")

    @property
    def version(self) -> str:
        return self.session.version

    @property
    def defaultParallelism(self) -> int:  # noqa: N802 (PySpark's name)
        return int(self._conf("spark.sql.shuffle.partitions"))

    def setLogLevel(self, logLevel: str) -> None:  # noqa: N802, N803 (PySpark's names)
        """Checked as PySpark does; the shared server's own log level stays glueprint's."""
        if logLevel.upper() not in LOG_LEVELS:
            raise ValueError(f"invalid log level {logLevel!r} (one of {', '.join(LOG_LEVELS)})")

    def getConf(self):  # noqa: N802 (PySpark's name)
        from pyspark.conf import SparkConf

        conf = SparkConf(loadDefaults=False)
        for key, value in self.session.conf.getAll.items():
            conf.set(key, value)
        return conf

    def stop(self) -> None:
        self.session.stop()

    def __getattr__(self, name: str):
        raise AttributeError(
            f"SparkContext.{name} is not available over Spark Connect (glueprint runs job scripts as Spark Connect clients)"
        )
