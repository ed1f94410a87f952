"""What Glue's Create* operations fill in on the entities they create.

Where the botocore model documents a default, it is read from that documentation (so a
newer model brings the newer default): a job's GlueVersion, its Timeout for that version,
its MaxCapacity (a Spark job's, a Python shell job's, a worker type's DPUs), JobMode,
ExecutionProperty.MaxConcurrentRuns. The rest
is what GetCrawler/GetTrigger return for an entity created without them.
"""

import re
from functools import cache

from ..protocol.model import service_model

CRAWLER_DEFAULTS = {
    "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
    "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
    "LineageConfiguration": {"CrawlerLineageSettings": "DISABLE"},
}


class ModelDocumentationChanged(RuntimeError):
    """The model no longer documents a default the way this module reads it."""


def documented(shape: str, member: str) -> str:
    text = service_model().shape_for(shape).members[member].documentation
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def _find(pattern: str, shape: str, member: str) -> re.Match:
    match = re.search(pattern, documented(shape, member))
    if match is None:
        raise ModelDocumentationChanged(f"{shape}.{member}: the documented default was not found ({pattern})")
    return match


@cache
def job_defaults() -> dict:
    version = _find(r"default to Glue (\d+\.\d+)", "CreateJobRequest", "GlueVersion").group(1)
    timeout = _find(
        r"defaulted to ([\d,]+) minutes for Glue version (\d+\.\d+) and earlier, or ([\d,]+) minutes for Glue version (\d+\.\d+) and later",
        "CreateJobRequest",
        "Timeout",
    )
    shell_capacity = _find(r"pythonshell.*?The default is ([\d.]+) DPU", "CreateJobRequest", "MaxCapacity").group(1)
    spark_capacity = _find(r"glueetl.*?The default is ([\d.]+) DPUs", "CreateJobRequest", "MaxCapacity").group(1)
    concurrent = _find(r"The default is (\d+)", "ExecutionProperty", "MaxConcurrentRuns").group(1)
    mode = _find(r"(\w+) is assigned as the default", "CreateJobRequest", "JobMode").group(1)
    return {
        "GlueVersion": version,
        "timeouts": (float(timeout.group(2)), int(timeout.group(1).replace(",", "")), int(timeout.group(3).replace(",", ""))),
        "PythonShellMaxCapacity": float(shell_capacity),
        "SparkMaxCapacity": float(spark_capacity),
        "MaxConcurrentRuns": int(concurrent),
        "JobMode": mode,
    }


def version_number(version: str) -> float:
    try:
        return float(version)
    except ValueError:
        return float("inf")  # "auto" and later names: the newest rules


@cache
def dpu_per_worker() -> dict[str, float]:
    """DPUs (or M-DPUs) each worker type maps to."""
    text = documented("CreateJobRequest", "WorkerType")
    return {
        kind: float(dpu) for kind, dpu in re.findall(r"For the (\S+) worker type, each worker maps to ([\d.]+) M?-?DPU", text)
    }


# Python shell jobs run on Glue 1.0 (Python 3.6) or 3.0 (Python 3.9), whatever the newest
# Glue version is: AWS's own Python shell examples show these, and Timeout 2,880 with them.
PYTHON_SHELL_GLUE_VERSIONS = {"3.9": "3.0"}
PYTHON_SHELL_GLUE_VERSION = "1.0"


def capacity(doc: dict) -> float:
    """MaxCapacity as GetJob shows it: a worker fleet's DPUs, or the given or default DPUs."""
    found = job_defaults()
    if doc.get("WorkerType") and doc.get("NumberOfWorkers"):
        return doc["NumberOfWorkers"] * dpu_per_worker().get(doc["WorkerType"], 1.0)
    if "MaxCapacity" in doc:
        return float(doc["MaxCapacity"])
    if "AllocatedCapacity" in doc:
        return float(doc["AllocatedCapacity"])
    return found["PythonShellMaxCapacity"] if doc["Command"].get("Name") == "pythonshell" else found["SparkMaxCapacity"]


def job_doc(request: dict, now: float) -> dict:
    found = job_defaults()
    command = request["Command"].get("Name")
    version = found["GlueVersion"]
    if command == "pythonshell":
        version = PYTHON_SHELL_GLUE_VERSIONS.get(request["Command"].get("PythonVersion"), PYTHON_SHELL_GLUE_VERSION)
    doc = {"JobMode": found["JobMode"], "GlueVersion": version, "MaxRetries": 0, **request}
    doc["ExecutionProperty"] = {"MaxConcurrentRuns": found["MaxConcurrentRuns"], **(request.get("ExecutionProperty") or {})}
    if "Timeout" not in doc and command != "gluestreaming":  # a streaming job runs until stopped
        up_to, old, new = found["timeouts"]
        doc["Timeout"] = old if version_number(doc["GlueVersion"]) <= up_to else new
    doc["MaxCapacity"] = capacity(doc)
    doc["AllocatedCapacity"] = int(doc["MaxCapacity"])  # deprecated; AWS still shows it, in whole DPUs
    doc.update(CreatedOn=now, LastModifiedOn=now)
    return doc


def crawler_doc(request: dict, now: float) -> dict:
    doc = {
        **CRAWLER_DEFAULTS,
        **request,
        "State": "READY",
        "CrawlElapsedTime": 0,
        "CreationTime": now,
        "LastUpdated": now,
        "Version": 1,
    }
    if request.get("Schedule"):
        doc["Schedule"] = {"ScheduleExpression": request["Schedule"], "State": "SCHEDULED"}
    return doc


def trigger_doc(request: dict) -> dict:
    """StartOnCreation activates SCHEDULED and CONDITIONAL triggers; an ON_DEMAND one stays CREATED."""
    doc = {k: v for k, v in request.items() if k != "StartOnCreation"}
    activated = request.get("StartOnCreation") and request.get("Type") != "ON_DEMAND"
    doc["State"] = "ACTIVATED" if activated else "CREATED"
    return doc


def workflow_doc(request: dict, now: float, blueprint: dict | None = None) -> dict:
    doc = {**request, "CreatedOn": now, "LastModifiedOn": now}
    if blueprint is not None:
        doc["BlueprintDetails"] = blueprint
    return doc
