"""SQL for the trigger snapshot of each workflow run: written once when the run starts, then
read by the node that ended, so a node's end costs what it changes, not the graph's size."""

import orjson
from sqlalchemy import Connection, delete, insert, select

from .entities import watch_rows
from .schema import run_trigger_watches, run_triggers


def add(conn: Connection, run_id: str, triggers: list[dict]) -> None:
    """Keep the triggers a workflow run follows, and the nodes each conditional one watches."""
    if not triggers:
        return
    rows = [{"workflow_run_id": run_id, "trigger_name": t["Name"], "doc": orjson.dumps(t).decode()} for t in triggers]
    conn.execute(insert(run_triggers), rows)
    watches = [
        {"workflow_run_id": run_id, "kind": w["kind"], "node": w["node"], "trigger_name": w["trigger_name"]}
        for t in triggers
        for w in watch_rows(t["Name"], t)
    ]
    if watches:
        conn.execute(insert(run_trigger_watches), watches)


def of_run(conn: Connection, run_id: str) -> list[dict]:
    """Every trigger a workflow run follows, by name (the order of a workflow's own triggers)."""
    query = select(run_triggers.c.doc).where(run_triggers.c.workflow_run_id == run_id)
    return [orjson.loads(doc) for (doc,) in conn.execute(query.order_by(run_triggers.c.trigger_name))]


def watching(conn: Connection, run_id: str, kind: str, node: str) -> list[dict]:
    """The run's conditional triggers that watch a node, by name."""
    names = select(run_trigger_watches.c.trigger_name).where(
        run_trigger_watches.c.workflow_run_id == run_id, run_trigger_watches.c.kind == kind, run_trigger_watches.c.node == node
    )
    query = select(run_triggers.c.doc).where(run_triggers.c.workflow_run_id == run_id, run_triggers.c.trigger_name.in_(names))
    return [orjson.loads(doc) for (doc,) in conn.execute(query.order_by(run_triggers.c.trigger_name))]


def remove(conn: Connection, run_ids) -> None:
    """Forget the snapshots of these workflow runs (a list, or a select of their ids)."""
    conn.execute(delete(run_trigger_watches).where(run_trigger_watches.c.workflow_run_id.in_(run_ids)))
    conn.execute(delete(run_triggers).where(run_triggers.c.workflow_run_id.in_(run_ids)))
