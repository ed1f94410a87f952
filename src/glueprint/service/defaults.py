"""What Glue's Create* operations fill in on the entities they create.

Where the botocore model documents a default, it is read from that documentation (so a
newer model brings the newer default): a job's GlueVersion, its Timeout for that version,
a Python shell job's MaxCapacity, JobMode, ExecutionProperty.MaxConcurrentRuns. The rest
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


def _doc(shape: str, member: str) -> str:
    text = service_model().shape_for(shape).members[member].documentation
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def _find(pattern: str, shape: str, member: str) -> re.Match:
    match = re.search(pattern, _doc(shape, member))
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
    concurrent = _find(r"The default is (\d+)", "ExecutionProperty", "MaxConcurrentRuns").group(1)
    mode = _find(r"(\w+) is assigned as the default", "CreateJobRequest", "JobMode").group(1)
    return {
        "GlueVersion": version,
        "timeouts": (float(timeout.group(2)), int(timeout.group(1).replace(",", "")), int(timeout.group(3).replace(",", ""))),
        "PythonShellMaxCapacity": float(shell_capacity),
        "MaxConcurrentRuns": int(concurrent),
        "JobMode": mode,
    }


def _version_number(version: str) -> float:
    try:
        return float(version)
    except ValueError:
        return float("inf")  # "auto" and later names: the newest rules


def job_doc(request: dict, now: float) -> dict:
    found = job_defaults()
    doc = {"JobMode": found["JobMode"], "GlueVersion": found["GlueVersion"], "MaxRetries": 0, **request}
    doc["ExecutionProperty"] = {"MaxConcurrentRuns": found["MaxConcurrentRuns"], **(request.get("ExecutionProperty") or {})}
    if "Timeout" not in doc:
        up_to, old, new = found["timeouts"]
        doc["Timeout"] = old if _version_number(doc["GlueVersion"]) <= up_to else new
    if doc["Command"].get("Name") == "pythonshell" and "MaxCapacity" not in doc:
        doc["MaxCapacity"] = found["PythonShellMaxCapacity"]
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
