"""Credentials a run's layout (or a job run's script) signs its Glue calls with: valid while
that run is open, and never for the blueprint operations (untrusted code may not register,
change or start blueprints).

The access key names the run; the secret is an HMAC of it under the database's key, so
every glueprint process sharing the database accepts it, and nothing is stored.
"""

import hashlib
import hmac
import uuid

from ..store import runs as run_store
from ..store import workflow_runs as node_store
from .context import ServiceContext

PREFIX = "GPRUN"
JOB_PREFIX = "GPJOB"  # a job run's script: the key names the job run
DENIED = frozenset(
    {
        "CreateBlueprint",
        "UpdateBlueprint",
        "DeleteBlueprint",
        "StartBlueprintRun",
    }
)


def _secret(key: bytes, access_key: str) -> str:
    return hmac.new(key, b"run-credentials:" + access_key.encode(), hashlib.sha256).hexdigest()


def for_run(ctx: ServiceContext, run_id: str) -> tuple[str, str]:
    access_key = PREFIX + uuid.UUID(run_id).hex.upper()
    return access_key, _secret(ctx.server_key, access_key)


def for_job_run(ctx: ServiceContext, job_run_id: str) -> tuple[str, str]:
    access_key = JOB_PREFIX + job_run_id
    return access_key, _secret(ctx.server_key, access_key)


def job_run_of(access_key: str) -> str | None:
    """The job run a job run's access key names (None for any other key)."""
    return access_key[len(JOB_PREFIX) :] if access_key.startswith(JOB_PREFIX) else None


def _open(ctx: ServiceContext, access_key: str) -> bool:
    if access_key.startswith(JOB_PREFIX):
        with ctx.db.read() as conn:
            return node_store.node_state(conn, access_key[len(JOB_PREFIX) :]) in node_store.OPEN_NODE_STATES
    try:
        run_id = str(uuid.UUID(access_key[len(PREFIX) :]))
    except ValueError:
        return False
    with ctx.db.read() as conn:
        return run_store.state(conn, run_id) in run_store.OPEN_STATES


def resolver(ctx: ServiceContext):
    """For the SigV4 verifier: a run key's secret and denied operations, while the run is open."""

    def resolve(access_key: str) -> tuple[str, frozenset[str]] | None:
        if not access_key.startswith((PREFIX, JOB_PREFIX)) or not _open(ctx, access_key):
            return None
        return _secret(ctx.server_key, access_key), DENIED

    return resolve
