"""Job bookmarks ("Tracking processed data using job bookmarks" in the AWS Glue developer
guide): GetJobBookmark and ResetJobBookmark, and the save a job script makes at
``Job.commit()`` (no public operation exists for it: glueprint's private endpoint calls
``save_from_run`` with the caller's run-scoped key, so a run saves only its own job's).

Each commit or reset adds an entry (Version counts them); the newest is the job's bookmark.
A reset leaves an empty bookmark (the next run reads everything), or with RunId the bookmark
as it was before that run (the next run reads again what that run read).
"""

from ..domain import run_credentials
from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import bookmarks as store
from ..store import entities
from ..store import workflow_runs as node_store
from .registry import operation

EMPTY = "{}"
MAX_BOOKMARK_BYTES = 400_000  # a script's whole bookmark state, as JSON text


def _no_job(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Job {name} not found")


def _no_bookmark(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Continuation for job {name} not found")


def _no_run(name: str, run_id: str) -> Exception:
    return errors.EntityNotFoundException(f"Continuation for job {name} and run {run_id} not found")


@operation("GetJobBookmark", read_only=True)
def get_job_bookmark(ctx: ServiceContext, p: dict) -> dict:
    name, run_id = p["JobName"], p.get("RunId")
    with ctx.db.read() as conn:
        if not entities.exists(conn, "job", name):
            raise _no_job(name)
        entry = store.of_run(conn, name, run_id) if run_id else store.current(conn, name)
    if entry is None:
        raise _no_run(name, run_id) if run_id else _no_bookmark(name)
    return {"JobBookmarkEntry": entry}


@operation("ResetJobBookmark")
def reset_job_bookmark(ctx: ServiceContext, p: dict) -> dict:
    name, run_id = p["JobName"], p.get("RunId")
    with ctx.db.write() as conn:
        if not entities.exists(conn, "job", name):
            raise _no_job(name)
        last = store.current(conn, name)
        if last is None:
            raise _no_bookmark(name)
        bookmark = EMPTY
        if run_id:
            first = store.of_run(conn, name, run_id, first=True)
            if first is None:
                raise _no_run(name, run_id)
            earlier = store.before(conn, name, first["Version"])
            bookmark = earlier["JobBookmark"] if earlier else EMPTY
        entry = store.add(conn, name, last["RunId"], last["Attempt"], bookmark)
    return {"JobBookmarkEntry": entry}


def save_from_run(ctx: ServiceContext, access_key: str, p: dict) -> dict:
    """Job.commit(): the job run that ``access_key`` belongs to saves its job's bookmark."""
    run_id = run_credentials.job_run_of(access_key)
    if run_id is None:
        raise errors.AccessDeniedException("Only a job run's own credentials may save its job's bookmark.")
    bookmark = p.get("JobBookmark")
    if not isinstance(bookmark, str):
        raise errors.InvalidInputException("JobBookmark must be a string.")
    if len(bookmark.encode()) > MAX_BOOKMARK_BYTES:
        raise errors.InvalidInputException(f"JobBookmark is longer than {MAX_BOOKMARK_BYTES} bytes.")
    scoped = run_credentials.context_of(ctx, access_key)  # the run's own account and region
    if scoped is None:
        raise errors.AccessDeniedException("Only a job run's own credentials may save its job's bookmark.")
    with scoped.db.write() as conn:
        node = node_store.node_run(conn, run_id)
        if node is None or node["_state"] not in node_store.OPEN_NODE_STATES:
            raise errors.AccessDeniedException(f"Job run {run_id} is not running: it cannot save a bookmark.")
        attempt = int((node.get("wire") or {}).get("Attempt") or 0)
        entry = store.add(conn, node["name"], run_id, attempt, bookmark)
    return {"JobBookmarkEntry": entry}
