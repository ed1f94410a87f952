"""Credentials a run's layout (or a job run's script) signs its Glue calls with: valid while
that run is open, and never for the blueprint operations (untrusted code may not register,
change or start blueprints).

The access key names the run and its account and region (``<prefix>_<account>_<region>_<run>``):
it belongs to that account, and the run is looked up in that scope. The secret is an HMAC
of the key under the database's key, so every glueprint process sharing the database
accepts it, and nothing is stored.
"""

import hashlib
import hmac
import uuid

from ..store import runs as run_store
from ..store import workflow_runs as node_store
from ..store.scopes import Scope
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


def _key(prefix: str, ctx: ServiceContext, run: str) -> str:
    return f"{prefix}_{ctx.account_id}_{ctx.region}_{run}"


def for_run(ctx: ServiceContext, run_id: str) -> tuple[str, str]:
    access_key = _key(PREFIX, ctx, uuid.UUID(run_id).hex.upper())
    return access_key, _secret(ctx.server_key, access_key)


def for_job_run(ctx: ServiceContext, job_run_id: str) -> tuple[str, str]:
    access_key = _key(JOB_PREFIX, ctx, job_run_id)
    return access_key, _secret(ctx.server_key, access_key)


def _parts(access_key: str) -> list[str] | None:
    parts = access_key.split("_", 3)
    if len(parts) != 4 or parts[0] not in (PREFIX, JOB_PREFIX) or not (parts[1].isdigit() and len(parts[1]) == 12):
        return None
    return parts


def scope_of(access_key: str) -> tuple[str, str] | None:
    """The (account, region) a run's key belongs to; None for any other key."""
    parts = _parts(access_key)
    return (parts[1], parts[2]) if parts else None


def job_run_of(access_key: str) -> str | None:
    """The job run a job run's access key names (None for any other key)."""
    parts = _parts(access_key)
    return parts[3] if parts and parts[0] == JOB_PREFIX else None


def context_of(ctx: ServiceContext, access_key: str) -> ServiceContext | None:
    """The context of the scope a run's key belongs to: looked up, never created (None when
    no run was ever started there, or for any other key)."""
    parts = _parts(access_key)
    if parts is None:
        return None
    scope = (parts[1], parts[2])
    if ctx.scopes is None or scope == (ctx.account_id, ctx.region):
        return ctx if scope == (ctx.account_id, ctx.region) else None
    return ctx.scopes.existing(Scope(*scope))


def _open(ctx: ServiceContext, access_key: str) -> bool:
    parts = _parts(access_key)
    if parts is None:
        return False
    scoped = context_of(ctx, access_key)
    return scoped is not None and _run_open(scoped, parts[0], parts[3])


def _run_open(ctx: ServiceContext, prefix: str, run: str) -> bool:
    if prefix == JOB_PREFIX:
        with ctx.db.read() as conn:
            return node_store.node_state(conn, run) in node_store.OPEN_NODE_STATES
    try:
        run_id = str(uuid.UUID(run))
    except ValueError:
        return False
    with ctx.db.read() as conn:
        return run_store.state(conn, run_id) in run_store.OPEN_STATES


def resolver(ctx: ServiceContext):
    """For the SigV4 verifier: a run key's secret and denied operations, while the run is open."""

    def resolve(access_key: str) -> tuple[str, frozenset[str]] | None:
        if not _open(ctx, access_key):
            return None
        return _secret(ctx.server_key, access_key), DENIED

    return resolve
