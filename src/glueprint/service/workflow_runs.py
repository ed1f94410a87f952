"""Workflow runs: Start/Get/GetRuns/Stop/Resume, run properties, and a run's graph.

Starting a run fires its starting trigger at once; workers advance its job runs and crawls.
"""

from collections import Counter

from ..domain.context import ServiceContext
from ..domain.entity_texts import not_found
from ..orchestration.conductor import Conductor, run_triggers
from ..protocol import errors
from ..store import entities as entity_store
from ..store import workflow_runs as store
from . import graph
from .registry import operation

DEFAULT_PAGE = 100
CRAWL_STATES = {"STARTING": "RUNNING", "STOPPING": "CANCELLING"}
# Statistics key for each final or open state of a job run or crawl.
COUNTED = {
    "STARTING": "RunningActions",
    "RUNNING": "RunningActions",
    "STOPPING": "RunningActions",
    "SUCCEEDED": "SucceededActions",
    "FAILED": "FailedActions",
    "STOPPED": "StoppedActions",
    "CANCELLED": "StoppedActions",
    "TIMEOUT": "TimeoutActions",
    "ERROR": "ErroredActions",
    "WAITING": "WaitingActions",
}
STATISTICS = sorted(set(COUNTED.values()) | {"TotalActions"})


def statistics(states: dict[str, int]) -> dict:
    """Statistics from the number of node runs in each state."""
    counts = Counter()
    for state, count in states.items():
        if state in COUNTED:
            counts[COUNTED[state]] += count
    return {key: sum(states.values()) if key == "TotalActions" else counts.get(key, 0) for key in STATISTICS}


def node_view(node: dict) -> dict:
    """A job run (JobRun) or crawl (Crawl) as the API shows it. ``Output`` (a script's last
    output) is in no Glue shape, so only the dashboard, which reads the handlers, shows it."""
    wire = dict(node["wire"])
    if node.get("output"):
        wire["Output"] = node["output"]
    if node["kind"] == "crawl":
        wire["State"] = CRAWL_STATES.get(node["_state"], node["_state"])
    else:
        wire["JobRunState"] = node["_state"]
    return wire


def run_graph(conn, run: dict, nodes: list[dict]) -> dict:
    """The graph the run follows (its triggers when it started), each job and crawler node with
    its runs in this workflow run: a resumed run's copied nodes show their earlier runs."""
    shape = graph.graph_of(run["Name"], run_triggers(conn, run))
    copied = [run_id for entry in run.get("inherited") or [] if len(entry) > 3 for run_id in entry[3]]
    by_node: dict[tuple[str, str], list] = {}
    for node in store.node_runs_by_ids(conn, copied) + nodes:
        by_node.setdefault(("JOB" if node["kind"] == "job" else "CRAWLER", node["name"]), []).append(node_view(node))
    for entry in shape["Nodes"]:
        runs = by_node.get((entry["Type"], entry["Name"]))
        if runs and entry["Type"] == "JOB":
            entry["JobDetails"] = {"JobRuns": runs}
        elif runs and entry["Type"] == "CRAWLER":
            entry["CrawlerDetails"] = {"Crawls": runs}
    return shape


def view(conn, run: dict, include_graph: bool) -> dict:
    out = {
        "Name": run["Name"],
        "WorkflowRunId": run["RunId"],
        "PreviousRunId": run.get("PreviousRunId"),
        "WorkflowRunProperties": run.get("WorkflowRunProperties") or {},
        "StartedOn": run["StartedOn"],
        "CompletedOn": run["completed_on"],
        "Status": run["status"],
        "ErrorMessage": run.get("ErrorMessage"),
        "StartingEventBatchCondition": run.get("StartingEventBatchCondition"),
        "Statistics": statistics(store.node_states_of_workflow_run(conn, run["RunId"])),  # counted by the index
    }
    if include_graph:
        out["Graph"] = run_graph(conn, run, store.node_runs_of_workflow_run(conn, run["RunId"]))
    return out


def last_run(conn, workflow: str) -> dict | None:
    runs = store.workflow_run_page(conn, workflow, None, 1)
    return view(conn, runs[0], include_graph=False) if runs else None


def _run(conn, name: str, run_id: str) -> dict:
    if entity_store.get(conn, "workflow", name) is None:
        raise errors.EntityNotFoundException(not_found("workflow", name))
    run = store.workflow_run(conn, run_id)
    if run is None or run["Name"] != name:
        raise errors.EntityNotFoundException(f"Workflow run {run_id} not found for workflow {name}.")
    return run


@operation("StartWorkflowRun")
def start_workflow_run(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        run_id = Conductor(ctx.outcomes).start_workflow_run(conn, ctx.clock(), p["Name"], p.get("RunProperties"))
    ctx.on_work_added()
    return {"RunId": run_id}


@operation("GetWorkflowRun", read_only=True, grows=lambda p: bool(p.get("IncludeGraph")))
def get_workflow_run(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        return {"Run": view(conn, _run(conn, p["Name"], p["RunId"]), p.get("IncludeGraph", False))}


@operation("GetWorkflowRuns", read_only=True, grows=lambda p: bool(p.get("IncludeGraph")))
def get_workflow_runs(ctx: ServiceContext, p: dict) -> dict:
    name, limit = p["Name"], p.get("MaxResults", DEFAULT_PAGE)
    scope = {"Name": name, "IncludeGraph": p.get("IncludeGraph", False)}
    position = ctx.tokens.position("GetWorkflowRuns", scope, p.get("NextToken"), types=(int,))
    with ctx.db.read() as conn:
        if entity_store.get(conn, "workflow", name) is None:
            raise errors.EntityNotFoundException(not_found("workflow", name))
        runs = store.workflow_run_page(conn, name, position[0] if position else None, limit + 1)
        result = {"Runs": [view(conn, r, p.get("IncludeGraph", False)) for r in runs[:limit]]}
    if len(runs) > limit:
        result["NextToken"] = ctx.tokens.issue("GetWorkflowRuns", scope, [runs[limit - 1]["seq"]])
    return result


@operation("GetWorkflowRunProperties", read_only=True)
def get_workflow_run_properties(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        return {"RunProperties": _run(conn, p["Name"], p["RunId"]).get("WorkflowRunProperties") or {}}


@operation("PutWorkflowRunProperties")
def put_workflow_run_properties(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        _run(conn, p["Name"], p["RunId"])
        run = store.workflow_run(conn, p["RunId"], lock=True)
        run["WorkflowRunProperties"] = {**(run.get("WorkflowRunProperties") or {}), **p["RunProperties"]}
        store.save_workflow_run(conn, run)
    return {}


@operation("StopWorkflowRun")
def stop_workflow_run(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        _run(conn, p["Name"], p["RunId"])
        Conductor(ctx.outcomes).stop_workflow_run(conn, ctx.clock(), p["Name"], p["RunId"])
    ctx.on_work_added()
    return {}


@operation("ResumeWorkflowRun")
def resume_workflow_run(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        original = _run(conn, p["Name"], p["RunId"])
        ids = {
            n["UniqueId"]: ("job" if n["Type"] == "JOB" else "crawl", n["Name"])
            for n in graph.graph_of(p["Name"], run_triggers(conn, original))["Nodes"]
            if n["Type"] in ("JOB", "CRAWLER")
        }
        run_id, node_ids = Conductor(ctx.outcomes).resume(conn, ctx.clock(), p["Name"], p["RunId"], p["NodeIds"], ids)
    ctx.on_work_added()
    return {"RunId": run_id, "NodeIds": node_ids}
