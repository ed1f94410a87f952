"""EventBridge's PutEvents, the local way to send EVENT triggers their events.

On AWS an EventBridge rule whose target is a Glue workflow delivers matching events to the
workflow's EVENT trigger. Here there are no rules: an entry whose ``Resources`` names a
workflow's ARN (``arn:aws:glue:<region>:<account>:workflow/<name>``) is one event for that
workflow's trigger (orchestration/event_triggers.py). Every entry gets an EventId, as
EventBridge answers.
"""

import re
import uuid

from ..domain.context import ServiceContext
from ..orchestration import event_triggers
from ..orchestration.conductor import Conductor
from .registry import operation

EVENTS = "events"
_WORKFLOW_ARN = re.compile(r"arn:aws[\w-]*:glue:[^:]*:[^:]*:workflow/(.+)")


@operation("PutEvents", service=EVENTS)
def put_events(ctx: ServiceContext, p: dict) -> dict:
    now, conductor, answers = ctx.clock(), Conductor(ctx.outcomes), []
    with ctx.db.write() as conn:
        for entry in p["Entries"]:
            event_id = str(uuid.uuid4())
            workflows = dict.fromkeys(m.group(1) for r in entry.get("Resources") or [] if (m := _WORKFLOW_ARN.fullmatch(r)))
            for workflow in sorted(workflows):  # triggers locked in name order: two calls never wait for each other
                event_triggers.notify(conn, conductor, now, workflow, event_id)
            answers.append({"EventId": event_id})
    ctx.on_work_added()
    return {"FailedEntryCount": 0, "Entries": answers}
