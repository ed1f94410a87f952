"""Job runs: StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun.

A job run started here belongs to no workflow, so it fires none of any workflow's triggers.
"""

from ..domain import rules
from ..domain.context import ServiceContext
from ..orchestration.conductor import Conductor
from ..protocol import errors
from ..protocol.model import operation as model_operation
from ..store import entities as entity_store
from ..store import workflow_runs as store
from .registry import operation
from .workflow_runs import node_view

RUN_OPTIONS = ("MaxCapacity", "WorkerType", "NumberOfWorkers", "ExecutionClass", "SecurityConfiguration", "NotificationProperty")


def _page_limit() -> int:
    return model_operation("GetJobRuns").input_shape.members["MaxResults"].metadata["max"]


def _run(conn, job: str, run_id: str) -> dict:
    node = store.node_run(conn, run_id)
    if node is None or node["kind"] != "job" or node["name"] != job:
        raise errors.EntityNotFoundException(f"Job run {run_id} not found for job {job}.")
    return node


@operation("StartJobRun")
def start_job_run(ctx: ServiceContext, p: dict) -> dict:
    job = p["JobName"]
    with ctx.db.write() as conn:
        if p.get("JobRunId"):  # a retry of an earlier run, named by its id
            _run(conn, job, p["JobRunId"])
        found = entity_store.get(conn, "job", job)
        extra = {k: p[k] for k in RUN_OPTIONS if k in p}
        if found is not None:
            if problem := rules.run_problem(found, p):
                raise errors.InvalidInputException(problem)
            # The run shows the capacity that applies to it; None drops what the run's own options replace.
            applied = rules.run_capacity(found, p)
            extra.update({k: applied.get(k) for k in ("WorkerType", "NumberOfWorkers", "MaxCapacity")})
        run_id = Conductor(ctx.outcomes).start_job(
            conn,
            ctx.clock(),
            job,
            arguments=p.get("Arguments"),
            timeout=p.get("Timeout"),
            from_api=True,
            extra=extra,
            previous_run_id=p.get("JobRunId"),
        )
    ctx.on_work_added()
    return {"JobRunId": run_id}


@operation("GetJobRun", read_only=True)
def get_job_run(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        if not entity_store.exists(conn, "job", p["JobName"]):
            raise errors.EntityNotFoundException(f"Job {p['JobName']} not found.")
        view = node_view(_run(conn, p["JobName"], p["RunId"]))
    return {"JobRun": view}  # PredecessorRuns included: AWS shows the list (empty or not) either way


@operation("GetJobRuns", read_only=True)
def get_job_runs(ctx: ServiceContext, p: dict) -> dict:
    job, limit = p["JobName"], p.get("MaxResults", _page_limit())
    scope = {"JobName": job}
    position = ctx.tokens.position("GetJobRuns", scope, p.get("NextToken"), types=(int,))
    with ctx.db.read() as conn:
        if not entity_store.exists(conn, "job", job):
            raise errors.EntityNotFoundException(f"Job {job} not found.")
        nodes = store.node_run_page(conn, "job", job, position[0] if position else None, limit + 1)
    result = {"JobRuns": [node_view(n) for n in nodes[:limit]]}
    if len(nodes) > limit:
        result["NextToken"] = ctx.tokens.issue("GetJobRuns", scope, [nodes[limit - 1]["_seq"]])
    return result


@operation("BatchStopJobRun")
def batch_stop_job_run(ctx: ServiceContext, p: dict) -> dict:
    job, stopped, failed = p["JobName"], [], []
    with ctx.db.write() as conn:
        for run_id in p["JobRunIds"]:
            node = store.node_run(conn, run_id)
            if node is None or node["kind"] != "job" or node["name"] != job:
                failed.append((run_id, "EntityNotFoundException", f"Job run {run_id} not found for job {job}."))
            elif store.mark_stopping(conn, run_id, ctx.clock()):
                stopped.append({"JobName": job, "JobRunId": run_id})
            else:
                failed.append((run_id, "InvalidInputException", f"Job run {run_id} is {node['_state']}: it cannot be stopped."))
    ctx.on_work_added()
    errors_ = [
        {"JobName": job, "JobRunId": run_id, "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message}}
        for run_id, code, message in failed
    ]
    return {"SuccessfulSubmissions": stopped, "Errors": errors_}
