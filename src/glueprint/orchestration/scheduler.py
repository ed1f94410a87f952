"""Scheduled triggers: each ACTIVATED one has a row holding its next fire time (UTC, from its
AWS cron expression), written by domain/schedule_rows.py; any worker that finds a row due
fires it and moves it on, in one transaction, so a fire happens once however many workers
share the database. A schedule whose times have all passed has no row: it is done, as its
trigger stays ACTIVATED.
"""

from sqlalchemy import Connection

from ..domain.schedule_rows import WINDOW, next_fire
from ..store import entities as entity_store
from ..store import workflow_runs as store
from . import event_triggers
from .conductor import Conductor


def fire_one(ctx, conductor: Conductor, due=None) -> bool:
    """Fire one due schedule in its own transaction; False when none was due. due picks the
    kind: this module's fire_due (triggers, the default) or crawler_schedules.fire_due."""
    with ctx.db.write() as conn:
        fired = (due or fire_due)(conn, conductor, ctx.clock(), skip_locked=not ctx.db.is_sqlite)
    if fired:
        ctx.on_work_added()
    return fired


def fire_due(conn: Connection, conductor: Conductor, now: float, skip_locked: bool) -> bool:
    """Fire one due schedule; False when none is due. A fire missed while no worker ran
    happens once, late, and the schedule carries on from now."""
    due = store.claim_due_schedule(conn, now, skip_locked)
    if due is None:
        return False
    name, expression, _ = due
    if expression == WINDOW:
        store.drop_schedules(conn, [name])
        event_triggers.window_ended(conn, conductor, now, name)
        return True
    trigger = entity_store.get(conn, "trigger", name)
    if trigger is None or trigger.get("State") != "ACTIVATED" or trigger.get("Type") != "SCHEDULED":
        store.drop_schedules(conn, [name])
        return True
    when = next_fire(expression, now)
    if when is None:  # that was its last time
        store.drop_schedules(conn, [name])
    else:
        store.move_schedule(conn, name, when)
    if trigger.get("WorkflowName"):
        conductor.start_workflow_run(conn, now, trigger["WorkflowName"], None, from_api=False)
    else:
        conductor.fire(conn, now, trigger, None)
    return True
