"""Which schedule row an entity keeps, written whenever the entity is created or changed (by
the API or by a blueprint run): a scheduled trigger's next fire, the end of an EVENT
trigger's waiting batch, a scheduled crawler's next crawl. The workers that fire them
(orchestration/scheduler.py, crawler_schedules.py, event_triggers.py) move or drop the rows.
"""

from datetime import UTC, datetime

from sqlalchemy import Connection

from ..store import crawler_schedules as crawler_store
from ..store import workflow_runs as trigger_store
from .cron import Cron

# What the schedules row of a batch window holds where a scheduled trigger's holds its cron.
WINDOW = "event-batch-window"
# BatchWindow when the condition names none (AWS CDK's and CloudFormation's documented default).
DEFAULT_WINDOW_SECONDS = 900


def next_fire(expression: str, after: float) -> float | None:
    """The first time strictly after ``after`` that ``cron(...)`` names; None when none is left."""
    found = Cron.parse(expression).next_after(datetime.fromtimestamp(after, UTC))
    return found.timestamp() if found is not None else None


def batch_condition(trigger: dict) -> tuple[int, int]:
    """An EVENT trigger's BatchSize and BatchWindow (seconds)."""
    found = trigger.get("EventBatchingCondition") or {}
    return found.get("BatchSize", 1), found.get("BatchWindow", DEFAULT_WINDOW_SECONDS)


def window_end(trigger: dict) -> float | None:
    """When an EVENT trigger's waiting batch's window ends; None when no batch waits."""
    if trigger.get("Type") != "EVENT" or not trigger.get("_events"):
        return None
    return trigger["_batch_started"] + batch_condition(trigger)[1]


def _scheduled(trigger: dict) -> bool:
    return trigger.get("Type") == "SCHEDULED" and trigger.get("State") == "ACTIVATED" and bool(trigger.get("Schedule"))


def sync_triggers(conn: Connection, triggers: list[dict], now: float) -> None:
    """Keep triggers' schedule rows in step with their type, state and expression: one
    statement drops their rows, the scheduled (and batches still waiting) get theirs anew."""
    trigger_store.drop_schedules(conn, [trigger["Name"] for trigger in triggers])
    for trigger in triggers:
        if _scheduled(trigger) and (when := next_fire(trigger["Schedule"], now)) is not None:
            trigger_store.add_schedule(conn, trigger["Name"], trigger["Schedule"], when)
        elif (when := window_end(trigger)) is not None:
            trigger_store.add_schedule(conn, trigger["Name"], WINDOW, when)


def crawler_expression(crawler: dict) -> str | None:
    """The cron a crawler crawls on; None unless its Schedule is SCHEDULED."""
    schedule = crawler.get("Schedule") or {}
    return schedule.get("ScheduleExpression") if schedule.get("State") == "SCHEDULED" else None


def sync_crawler(conn: Connection, crawler: dict, now: float) -> None:
    """Keep a crawler's schedule row in step with its Schedule."""
    crawler_store.drop(conn, crawler["Name"])
    if expression := crawler_expression(crawler):
        crawler_store.add(conn, crawler["Name"], expression, next_fire(expression, now))
