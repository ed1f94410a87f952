"""EVENT triggers: a workflow's starting trigger that fires on EventBridge events once its
EventBatchingCondition is met: BatchSize events arrived, or BatchWindow seconds passed since
the first of them. The run gets the batch's event ids in its run properties (``aws:eventIds``)
and the condition that started it (StartingEventBatchCondition), as AWS shows them.

Events arrive through a PutEvents-shaped call (service/events.py). The batch waiting is kept
in the trigger's document, changed under the trigger's row lock; the window's end is a row of
the schedules table, so whichever worker finds it due starts the run (scheduler.py).
"""

import orjson
from sqlalchemy import Connection

from ..domain.schedule_rows import WINDOW, batch_condition
from ..store import entities as entity_store
from ..store import workflow_runs as store
from .conductor import Conductor

_BATCH = ("_events", "_batch_started")


def notify(conn: Connection, conductor: Conductor, now: float, workflow: str, event_id: str) -> bool:
    """One event for the workflow's EVENT trigger; False when it has none, or StopTrigger
    deactivated it. One created without StartOnCreation takes events, as the starting trigger
    AWS's layout library makes for OnSchedule "EVENT" (without StartOnCreation) must."""
    found = [t for t in entity_store.triggers_of(conn, workflow) if t.get("Type") == "EVENT"]
    trigger = entity_store.get(conn, "trigger", found[0]["Name"], lock=True) if found else None
    if trigger is None or trigger.get("State") == "DEACTIVATED":
        return False
    events = [*trigger.get("_events", []), event_id]
    size, _ = batch_condition(trigger)
    if len(events) >= size:
        _start(conn, conductor, now, trigger, events, {"BatchSize": len(events)})
        return True
    entity_store.replace(
        conn, "trigger", trigger["Name"], {**trigger, "_events": events, "_batch_started": trigger.get("_batch_started", now)}
    )
    if len(events) == 1:
        store.add_schedule(conn, trigger["Name"], WINDOW, now + batch_condition(trigger)[1])
    return True


def window_ended(conn: Connection, conductor: Conductor, now: float, name: str) -> None:
    """The batch window of the trigger ended: start the run with the events that came."""
    trigger = entity_store.get(conn, "trigger", name, lock=True)
    if trigger is not None and trigger.get("_events") and trigger.get("WorkflowName"):
        _start(conn, conductor, now, trigger, trigger["_events"], {"BatchWindow": batch_condition(trigger)[1]})


def _start(conn: Connection, conductor: Conductor, now: float, trigger: dict, events: list, condition: dict) -> None:
    entity_store.replace(conn, "trigger", trigger["Name"], {k: v for k, v in trigger.items() if k not in _BATCH})
    store.drop_schedules(conn, [trigger["Name"]])
    properties = {"aws:eventIds": orjson.dumps(events).decode()}
    conductor.start_workflow_run(conn, now, trigger["WorkflowName"], properties, from_api=False, batch_condition=condition)
