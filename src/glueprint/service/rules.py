"""What Glue itself refuses in job, trigger and crawler definitions that the model's shapes
allow (those answer InvalidInputException; shape violations are the front end's
ValidationException).

Limits and lists are read from the model's documentation, as defaults.py reads defaults;
messages are AWS's where AWS's are public (quoted in public issue threads).
"""

import itertools
import re
from datetime import UTC, datetime
from functools import cache

from ..orchestration.cron import Cron
from .defaults import documented

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
    return None


def run_problem(job: dict, run: dict) -> str | None:
    """Why Glue refuses a StartJobRun's options for this job, or None."""
    if run.get("WorkerType") is not None and (job.get("Command") or {}).get("Name") == "pythonshell":
        return "Worker Type is not supported for Job Command pythonshell"
    if "MaxCapacity" in run and ("WorkerType" in run or "NumberOfWorkers" in run):
        return "Please do not set Max Capacity if using Worker Type and Number of Workers."
    if run.get("Timeout") is not None and run["Timeout"] > timeout_max():
        return f"Timeout must be at most {timeout_max()} minutes (7 days)."
    return None


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
