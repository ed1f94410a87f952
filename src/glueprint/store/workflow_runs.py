"""SQL for workflow runs, job runs and crawls ("node runs"), and scheduled triggers' next fires."""

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update

from . import run_triggers
from .claims import free, one_of
from .schema import fired_triggers, node_runs, schedules, workflow_runs

OPEN_WORKFLOW_STATES = ("RUNNING", "STOPPING")
OPEN_NODE_STATES = ("STARTING", "RUNNING", "STOPPING", "WAITING")


def _dumps(doc: dict) -> str:
    return orjson.dumps(doc).decode()


def _workflow_run(row) -> dict:
    return {**orjson.loads(row.doc), "seq": row.seq, "status": row.status, "completed_on": row.completed_on}


# Workflow runs


_COLUMNS = ("seq", "status", "completed_on")  # kept in their own columns, not in doc


def _values(run: dict) -> dict:
    doc = {k: v for k, v in run.items() if k not in _COLUMNS}
    return {"status": run["status"], "completed_on": run["completed_on"], "doc": _dumps(doc)}


def add_workflow_run(conn: Connection, run: dict) -> None:
    """Record a new workflow run as it stands (status, completed_on and the rest)."""
    row = insert(workflow_runs).values(
        run_id=run["RunId"], workflow_name=run["Name"], started_on=run["StartedOn"], **_values(run)
    )
    conn.execute(row)


def workflow_run(conn: Connection, run_id: str, lock: bool = False) -> dict | None:
    """A workflow run; with lock, its row stays locked until the transaction ends, so the
    nodes of one run finishing at once are evaluated one after another (PostgreSQL)."""
    query = select(workflow_runs).where(workflow_runs.c.run_id == run_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _workflow_run(row) if row else None


def save_workflow_run(conn: Connection, run: dict) -> None:
    conn.execute(update(workflow_runs).where(workflow_runs.c.run_id == run["RunId"]).values(**_values(run)))


def open_workflow_runs(conn: Connection, workflow: str) -> int:
    query = select(func.count()).where(
        workflow_runs.c.workflow_name == workflow, workflow_runs.c.status.in_(OPEN_WORKFLOW_STATES)
    )
    return conn.execute(query).scalar()


def workflow_run_page(conn: Connection, workflow: str, before_seq: int | None, limit: int) -> list[dict]:
    """Newest first, a keyset on (workflow_name, seq)."""
    query = select(workflow_runs).where(workflow_runs.c.workflow_name == workflow)
    if before_seq is not None:
        query = query.where(workflow_runs.c.seq < before_seq)
    return [_workflow_run(row) for row in conn.execute(query.order_by(workflow_runs.c.seq.desc()).limit(limit))]


def remove_workflow_runs(conn: Connection, workflow: str) -> None:
    ids = select(workflow_runs.c.run_id).where(workflow_runs.c.workflow_name == workflow)
    conn.execute(delete(node_runs).where(node_runs.c.workflow_run_id.in_(ids)))
    conn.execute(delete(fired_triggers).where(fired_triggers.c.workflow_run_id.in_(ids)))
    run_triggers.remove(conn, ids)
    conn.execute(delete(workflow_runs).where(workflow_runs.c.workflow_name == workflow))


def add_fired(conn: Connection, run_id: str, triggers: list[str]) -> None:
    if triggers:
        conn.execute(insert(fired_triggers), [{"workflow_run_id": run_id, "trigger_name": t} for t in triggers])


def fired_among(conn: Connection, run: dict, triggers: list[str]) -> set[str]:
    """Which of these triggers fired in a workflow run (runs from before 0014 list theirs in their doc)."""
    query = select(fired_triggers.c.trigger_name).where(
        fired_triggers.c.workflow_run_id == run["RunId"], fired_triggers.c.trigger_name.in_(triggers)
    )
    return set(conn.execute(query).scalars()) | (set(run.get("fired") or ()) & set(triggers))


def all_fired(conn: Connection, run: dict) -> list[str]:
    query = select(fired_triggers.c.trigger_name).where(fired_triggers.c.workflow_run_id == run["RunId"])
    return sorted(set(conn.execute(query).scalars()) | set(run.get("fired") or ()))


# Node runs: job runs (kind "job") and crawls (kind "crawl")


def _node(row) -> dict:
    return {**orjson.loads(row.doc), "_seq": row.seq, "_claimed_by": row.claimed_by, "_state": row.state}


def add_node_run(
    conn: Connection,
    kind: str,
    name: str,
    run_id: str,
    state: str,
    doc: dict,
    due: float | None,
    workflow_run_id: str | None = None,
) -> None:
    conn.execute(
        insert(node_runs).values(
            run_id=run_id, kind=kind, name=name, workflow_run_id=workflow_run_id, state=state, due=due, doc=_dumps(doc)
        )
    )


def node_run(conn: Connection, run_id: str) -> dict | None:
    row = conn.execute(select(node_runs).where(node_runs.c.run_id == run_id)).first()
    return _node(row) if row else None


def save_node_run(
    conn: Connection,
    run: dict,
    state: str,
    due: float | None,
    claimed_by: str | None = None,
    lease_until: float | None = None,
    only_if_claimed_by: str | None = None,
    only_if_state: str | None = None,
) -> bool:
    """Store a run's new state; with only_if_*, only while it is still claimed by that worker
    and in that state (a stop asked for meanwhile must not be overwritten)."""
    doc = {k: v for k, v in run.items() if not k.startswith("_")}
    query = update(node_runs).where(node_runs.c.run_id == run["run_id"])
    if only_if_claimed_by is not None:
        query = query.where(node_runs.c.claimed_by == only_if_claimed_by)
    if only_if_state is not None:
        query = query.where(node_runs.c.state == only_if_state)
    values = {"state": state, "due": due, "doc": _dumps(doc), "claimed_by": claimed_by, "lease_until": lease_until}
    return conn.execute(query.values(**values)).rowcount > 0


def release(conn: Connection, run_id: str, worker: str) -> None:
    """Give a claimed run back at once, for the next worker to find."""
    query = update(node_runs).where(node_runs.c.run_id == run_id, node_runs.c.claimed_by == worker)
    conn.execute(query.values(claimed_by=None, lease_until=None))


def node_runs_of_workflow_run(conn: Connection, workflow_run_id: str) -> list[dict]:
    query = select(node_runs).where(node_runs.c.workflow_run_id == workflow_run_id).order_by(node_runs.c.seq)
    return [_node(row) for row in conn.execute(query)]


def latest_in_workflow_run(conn: Connection, workflow_run_id: str, kind: str, name: str) -> tuple[str, str] | None:
    """(state, run id) of a node's latest run in a workflow run."""
    query = (
        select(node_runs.c.state, node_runs.c.run_id)
        .where(node_runs.c.workflow_run_id == workflow_run_id, node_runs.c.kind == kind, node_runs.c.name == name)
        .order_by(node_runs.c.seq.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return (row.state, row.run_id) if row else None


def node_states_of_workflow_run(conn: Connection, workflow_run_id: str) -> dict[str, int]:
    """How many of a workflow run's node runs are in each state."""
    query = (
        select(node_runs.c.state, func.count()).where(node_runs.c.workflow_run_id == workflow_run_id).group_by(node_runs.c.state)
    )
    return {state: count for state, count in conn.execute(query)}


def has_open_nodes(conn: Connection, workflow_run_id: str) -> bool:
    query = select(node_runs.c.seq).where(node_runs.c.workflow_run_id == workflow_run_id, node_runs.c.state.in_(OPEN_NODE_STATES))
    return conn.execute(query.limit(1)).first() is not None


_BY_IDS = select(node_runs).where(node_runs.c.run_id.in_(bindparam("ids", expanding=True))).order_by(node_runs.c.seq)


def node_runs_by_ids(conn: Connection, run_ids: list[str]) -> list[dict]:
    return [_node(row) for row in conn.execute(_BY_IDS, {"ids": run_ids})] if run_ids else []


def open_node_runs(conn: Connection, kind: str, name: str) -> list[dict]:
    query = select(node_runs).where(node_runs.c.kind == kind, node_runs.c.name == name, node_runs.c.state.in_(OPEN_NODE_STATES))
    return [_node(row) for row in conn.execute(query)]


def latest_outside_workflows(conn: Connection, kind: str, name: str) -> dict | None:
    query = (
        select(node_runs)
        .where(node_runs.c.kind == kind, node_runs.c.name == name, node_runs.c.workflow_run_id.is_(None))
        .order_by(node_runs.c.seq.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return _node(row) if row else None


def node_run_page(conn: Connection, kind: str, name: str, before_seq: int | None, limit: int) -> list[dict]:
    query = select(node_runs).where(node_runs.c.kind == kind, node_runs.c.name == name)
    if before_seq is not None:
        query = query.where(node_runs.c.seq < before_seq)
    return [_node(row) for row in conn.execute(query.order_by(node_runs.c.seq.desc()).limit(limit))]


def remove_standalone_node_runs(conn: Connection, kind: str, name: str) -> None:
    """A deleted job's or crawler's runs outside workflow runs; those in workflow runs stay,
    part of their runs' history."""
    query = delete(node_runs).where(node_runs.c.kind == kind, node_runs.c.name == name, node_runs.c.workflow_run_id.is_(None))
    conn.execute(query)


def claimable(now):
    """A job run or crawl that is open, due and free (now: a time or a bound parameter)."""
    return and_(one_of(node_runs.c.state, OPEN_NODE_STATES), node_runs.c.due <= now, free(node_runs, now))


def claim_node_run(conn: Connection, worker: str, now: float, lease_s: float, skip_locked: bool) -> dict | None:
    """The oldest open node run that is due and free (never claimed, or its worker's lease ran out)."""
    query = select(node_runs).where(claimable(now)).order_by(node_runs.c.due, node_runs.c.seq).limit(1)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).first()
    if row is None:
        return None
    conn.execute(update(node_runs).where(node_runs.c.seq == row.seq).values(claimed_by=worker, lease_until=now + lease_s))
    return _node(row)


def heartbeat(conn: Connection, worker: str, run_ids: list[str], lease_until: float) -> None:
    if run_ids:
        query = update(node_runs).where(node_runs.c.run_id.in_(run_ids), node_runs.c.claimed_by == worker)
        conn.execute(query.values(lease_until=lease_until))


def node_state(conn: Connection, run_id: str) -> str | None:
    return conn.execute(select(node_runs.c.state).where(node_runs.c.run_id == run_id)).scalar()


def mark_stopping(conn: Connection, run_id: str, now: float) -> bool:
    """Ask an open run to stop: a worker ends it as soon as it is due (now)."""
    query = update(node_runs).where(node_runs.c.run_id == run_id, node_runs.c.state.in_(("STARTING", "RUNNING", "WAITING")))
    return conn.execute(query.values(state="STOPPING", due=now)).rowcount > 0


# Scheduled triggers


def add_schedule(conn: Connection, trigger: str, expression: str, next_fire: float) -> None:
    conn.execute(insert(schedules).values(trigger_name=trigger, expression=expression, next_fire=next_fire))


_DROP_SCHEDULES = delete(schedules).where(schedules.c.trigger_name.in_(bindparam("triggers", expanding=True)))


def drop_schedules(conn: Connection, triggers: list[str]) -> None:
    if triggers:
        conn.execute(_DROP_SCHEDULES, {"triggers": triggers})


def schedule_due(now):
    return schedules.c.next_fire <= now


def claim_due_schedule(conn: Connection, now: float, skip_locked: bool) -> tuple[str, str, float] | None:
    query = select(schedules).where(schedule_due(now)).order_by(schedules.c.next_fire).limit(1)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).first()
    return (row.trigger_name, row.expression, row.next_fire) if row else None


def move_schedule(conn: Connection, trigger: str, next_fire: float) -> None:
    conn.execute(update(schedules).where(schedules.c.trigger_name == trigger).values(next_fire=next_fire))
