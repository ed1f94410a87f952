"""How AWS runs a Spark (glueetl) job's script, as far as glueprint follows it: the
arguments Glue adds to its command line, and the run's capacity in DPUs.

Glue passes the job's and the run's arguments as given, and adds ``--job-bookmark-option
job-bookmark-disable`` when none was set (bookmarks are off by default); ``--TempDir`` and
``--enable-glue-datacatalog`` reach the script only when the job or run sets them.
"""

DEFAULT_BOOKMARK_OPTION = "job-bookmark-disable"


def glue_arguments(arguments: dict) -> list[str]:
    """What Glue adds to a Spark job script's command line besides the run's own arguments."""
    if "--job-bookmark-option" in arguments:
        return []
    return ["--job-bookmark-option", DEFAULT_BOOKMARK_OPTION]


def dpus(wire: dict) -> float:
    """A run's capacity in DPUs: its MaxCapacity, which the job's defaults computed from its
    workers (NumberOfWorkers times the DPUs of its WorkerType) or took as given."""
    return float(wire.get("MaxCapacity") or wire.get("AllocatedCapacity") or 1)
