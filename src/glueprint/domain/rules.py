"""What Glue itself refuses in job, trigger and crawler definitions that the model's shapes
allow (those answer InvalidInputException; shape violations are the front end's
ValidationException).

Limits and lists are read from the model's documentation, as defaults.py reads defaults;
messages are AWS's where AWS's are public (quoted in public issue threads). The API and the
blueprint runs (layouts/execute.py) apply the same list: create_problem.
"""

import itertools
import re
from datetime import UTC, datetime
from functools import cache

from . import crawl_config, defaults
from .cron import Cron
from .defaults import documented
from .schedule import schedule_problem

# A crawler's TablePrefix: AWS refuses longer ones though the model sets no maximum.
TABLE_PREFIX_MAX = 64
# AWS's limit on crawlers among one trigger's actions ("Actions cannot contain more than two crawlers").
TRIGGER_CRAWLERS_MAX = 2
# Glue runs nothing on a schedule more often than every 5 minutes.
SCHEDULE_MIN_SECONDS = 300
# Fires looked at: a cron's minute list repeats every hour it fires in, so a gap under 5 minutes
# shows within its first hours of fires (a minute field has at most 60 values).
_FIRES_CHECKED = 64
_FROM = 1767225600.0  # 2026-01-01T00:00:00Z, a fixed start: the answer does not depend on today
# The fewest workers of a Spark worker type, and G.025X's most: AWS's answers quote both ("To use
# Worker Type G.1X, minimum allowed value of Number of Workers is 2.", "... G.025X, maximum ... is 299.").
SPARK_WORKERS_MIN = 2
STREAMING_WORKERS_MAX = {"G.025X": 299}
# What a Ray job must name, in AWS's words (quoted in public issue threads).
RAY_WORKER_TYPE_MESSAGE = "Worker type cannot be null and only [{types}] worker types are supported for glueray jobs."
# The model's words for a job kind that a worker type is "only for".
_JOB_KINDS = {"Spark ETL": "glueetl", "streaming": "gluestreaming"}


@cache
def command_names() -> tuple[str, ...]:
    return tuple(re.findall(r"must be (\w+)", documented("JobCommand", "Name")))


@cache
def timeout_max() -> int:
    return int(re.search(r"less than 7 days or (\d+) minutes", documented("CreateJobRequest", "Timeout")).group(1))


@cache
def condition_states() -> dict[str, tuple[str, ...]]:
    """The states a trigger condition may wait for: of jobs, and of crawlers."""
    text = documented("Condition", "State")
    job = re.search(r"job states that a trigger can listen for are ([A-Z, and]+)\.", text).group(1)
    crawl = re.search(r"crawler states that a trigger can listen for are ([A-Z, and]+)\.", text).group(1)
    return {"job": tuple(re.findall(r"[A-Z]+", job)), "crawl": tuple(re.findall(r"[A-Z]+", crawl))}


@cache
def worker_types() -> dict[str, dict]:
    """What the model documents of each worker type: the commands it serves, the oldest Glue
    version it runs on, and the most workers a job may have of it."""
    text = documented("CreateJobRequest", "WorkerType")
    spark = re.findall(r"[A-Z]\.\w+", re.search(r"Accepts a value of (.*?) for Spark jobs", text).group(1))
    ray = re.findall(r"[A-Z]\.\w+", re.search(r"Accepts the value (.*?) for Ray jobs", text).group(1))
    maxima = {
        kind: int(most)
        for most, kind in re.findall(r"(\d+) for ([A-Z]\.\w+)", documented("CreateDevEndpointRequest", "NumberOfWorkers"))
    }
    found = {}
    for kind, sentence in re.findall(r"For the (\S+) worker type, (.*?)(?=For the |$)", text):
        only = re.search(
            r"(?:only available|available only) for Glue version ([\d.]+) or later (Spark ETL|streaming) jobs", sentence
        )
        found[kind] = {
            "commands": ("glueray",) if kind in ray else (_JOB_KINDS[only.group(2)],) if only else ("glueetl", "gluestreaming"),
            "since": only.group(1) if only else None,
            "min": SPARK_WORKERS_MIN if kind in spark else None,
            "max": maxima.get(kind, STREAMING_WORKERS_MAX.get(kind)),
        }
    return found


def workers_problem(job: dict) -> str | None:
    """Why Glue refuses the job's (or a run's) worker type and number of workers, or None."""
    command, kind, workers = (job.get("Command") or {}).get("Name"), job.get("WorkerType"), job.get("NumberOfWorkers")
    known = worker_types()
    ray = tuple(k for k, rule in known.items() if rule["commands"] == ("glueray",))
    if command == "glueray" and kind not in ray:
        return RAY_WORKER_TYPE_MESSAGE.format(types=", ".join(ray))
    rule = known.get(kind)
    if rule is None or command == "pythonshell":
        return None
    if command not in rule["commands"]:
        return (
            f"Worker Type {kind} is not supported for Job Command {command}: it is for {', '.join(rule['commands'])} jobs only."
        )
    version = job.get("GlueVersion") or defaults.job_defaults()["GlueVersion"]
    if rule["since"] and defaults.version_number(version) < float(rule["since"]):
        return f"Worker Type {kind} is only supported for Glue version {rule['since']} or later."
    if workers is not None and rule["min"] is not None and workers < rule["min"]:
        return f"To use Worker Type {kind}, minimum allowed value of Number of Workers is {rule['min']}."
    if workers is not None and rule["max"] is not None and workers > rule["max"]:
        return f"To use Worker Type {kind}, maximum allowed value of Number of Workers is {rule['max']}."
    return None


def job_problem(job: dict) -> str | None:
    """Why Glue refuses this job definition (CreateJob, or UpdateJob's JobUpdate), or None."""
    command = (job.get("Command") or {}).get("Name")
    if command not in command_names():
        return f"Invalid Command Name {command!r}: it must be one of {', '.join(command_names())}."
    if "AllocatedCapacity" in job and "MaxCapacity" in job:
        return "Please set only Allocated Capacity or Max Capacity."
    worker_type, workers = job.get("WorkerType"), job.get("NumberOfWorkers")
    if worker_type is not None and command == "pythonshell":
        return f"Worker Type is not supported for Job Command {command}"
    if (worker_type is None) != (workers is None):
        return "Please set both Worker Type and Number of Workers."
    if worker_type is not None and ("MaxCapacity" in job or "AllocatedCapacity" in job):
        return "Please do not set Max Capacity if using Worker Type and Number of Workers."
    if job.get("Timeout") is not None and job["Timeout"] > timeout_max():
        return f"Timeout must be at most {timeout_max()} minutes (7 days)."
    return workers_problem(job)


def run_problem(job: dict, run: dict) -> str | None:
    """Why Glue refuses a StartJobRun's options for this job, or None."""
    if run.get("WorkerType") is not None and (job.get("Command") or {}).get("Name") == "pythonshell":
        return "Worker Type is not supported for Job Command pythonshell"
    if "AllocatedCapacity" in run and "MaxCapacity" in run:
        return "Please set only Allocated Capacity or Max Capacity."
    run = _with_max_capacity(run)
    if "MaxCapacity" in run and ("WorkerType" in run or "NumberOfWorkers" in run):
        return "Please do not set Max Capacity if using Worker Type and Number of Workers."
    if run.get("Timeout") is not None and run["Timeout"] > timeout_max():
        return f"Timeout must be at most {timeout_max()} minutes (7 days)."
    effective = run_capacity(job, run)
    if (effective.get("WorkerType") is None) != (effective.get("NumberOfWorkers") is None):
        return "Please set both Worker Type and Number of Workers."
    return workers_problem(effective)


def run_capacity(job: dict, run: dict) -> dict:
    """The job as this run uses it: the run's WorkerType and NumberOfWorkers (or MaxCapacity)
    replace the job's, and MaxCapacity is what applies, as GetJob shows it for a job."""
    run = _with_max_capacity(run)
    if not any(k in run for k in ("WorkerType", "NumberOfWorkers", "MaxCapacity")):
        return job
    effective = {k: v for k, v in job.items() if k not in ("MaxCapacity", "AllocatedCapacity")}
    if "MaxCapacity" in run:
        effective = {k: v for k, v in effective.items() if k not in ("WorkerType", "NumberOfWorkers")}
    effective.update({k: run[k] for k in ("WorkerType", "NumberOfWorkers", "MaxCapacity") if k in run})
    return {**effective, "MaxCapacity": defaults.capacity(effective)}


def _with_max_capacity(run: dict) -> dict:
    """A run's options with its deprecated AllocatedCapacity (DPUs, as StartJobRun documents
    it) read as the MaxCapacity that replaced it."""
    if "AllocatedCapacity" in run and "MaxCapacity" not in run:
        return {**run, "MaxCapacity": float(run["AllocatedCapacity"])}
    return run


def condition_problem(condition: dict) -> str | None:
    if not condition.get("LogicalOperator"):
        return "Logical operator cannot be null or empty"
    allowed = condition_states()
    if condition.get("CrawlerName"):
        state, kind = condition.get("CrawlState"), "crawl"
    else:
        state, kind = condition.get("State"), "job"
    if state not in allowed[kind]:
        noun = "crawler" if kind == "crawl" else "job"
        verb = "cannot be null or empty" if state is None else f"{state} is not supported"
        return f"State {verb}, choose from one of the following {noun} state: [{', '.join(allowed[kind])}]"
    return None


def trigger_problem(trigger: dict) -> str | None:
    """Why Glue refuses this trigger definition (beyond names it refers to), or None."""
    kind = trigger.get("Type")
    if kind == "ON_DEMAND" and trigger.get("StartOnCreation"):
        return "StartOnCreation is not supported for ON_DEMAND triggers."
    if kind == "SCHEDULED" and not trigger.get("Schedule"):
        return "Schedule is required for a SCHEDULED trigger."
    predicate = trigger.get("Predicate") or {}
    conditions = predicate.get("Conditions") or []
    if kind == "CONDITIONAL" and not conditions:
        return "Predicate is required for a CONDITIONAL trigger."
    if len(conditions) > 1 and not predicate.get("Logical"):
        return "Logical cannot be null or empty when a predicate has more than one condition"
    for condition in conditions:
        if problem := condition_problem(condition):
            return problem
    if sum(1 for a in trigger.get("Actions") or [] if a.get("CrawlerName")) > TRIGGER_CRAWLERS_MAX:
        return "Actions cannot contain more than two crawlers"
    return None


def schedule_interval_problem(schedule: str) -> str | None:
    """A valid cron that fires more often than every 5 minutes, or None."""
    cron, moment, fires = Cron.parse(schedule), datetime.fromtimestamp(_FROM, UTC), []
    while len(fires) < _FIRES_CHECKED and (moment := cron.next_after(moment)) is not None:  # a cron may end (a year)
        fires.append(moment.timestamp())
    if any(later - earlier < SCHEDULE_MIN_SECONDS for earlier, later in itertools.pairwise(fires)):
        return f"The schedule {schedule} fires more often than every 5 minutes, which Glue does not allow."
    return None


def crawler_problem(crawler: dict) -> str | None:
    prefix = crawler.get("TablePrefix")
    if prefix is not None and len(prefix) > TABLE_PREFIX_MAX:
        return f"TablePrefix must be at most {TABLE_PREFIX_MAX} characters long."
    return None


def any_schedule_problem(schedule: str | None) -> str | None:
    """An invalid cron, or one that fires more often than every 5 minutes; None when neither."""
    if schedule is None:
        return None
    return schedule_problem(schedule) or schedule_interval_problem(schedule)


def create_problem(kind: str, request: dict) -> str | None:
    """Why CreateJob, CreateCrawler or CreateTrigger refuses this request before looking at other
    entities, or None: the one list of rules for the API and for what a blueprint run creates."""
    if kind == "job":
        return job_problem(request)
    if kind == "crawler":
        if problem := any_schedule_problem(request.get("Schedule")) or crawler_problem(request):
            return problem
        try:
            crawl_config.check({**defaults.CRAWLER_DEFAULTS, **request})
        except crawl_config.InvalidCrawler as exc:
            return str(exc)
        return None
    if kind == "trigger":
        return trigger_problem(request) or any_schedule_problem(request.get("Schedule"))
    return None
