"""Credentials a run's layout signs its Glue calls with: valid while that run is open, and
never for the blueprint operations (a layout may not register, change or start blueprints).

The access key names the run; the secret is an HMAC of it under the database's key, so
every glueprint process sharing the database accepts it, and nothing is stored.
"""

import hashlib
import hmac
import uuid

from ..store import runs as run_store
from .context import ServiceContext

PREFIX = "GPRUN"
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


def resolver(ctx: ServiceContext):
    """For the SigV4 verifier: a run key's secret and denied operations, while the run is open."""

    def resolve(access_key: str) -> tuple[str, frozenset[str]] | None:
        if not access_key.startswith(PREFIX):
            return None
        try:
            run_id = str(uuid.UUID(access_key[len(PREFIX) :]))
        except ValueError:
            return None
        with ctx.db.read() as conn:
            state = run_store.state(conn, run_id)
        if state not in run_store.OPEN_STATES:
            return None
        return _secret(ctx.server_key, access_key), DENIED

    return resolve
