"""Fetching and checking the archive of a blueprint that is CREATING or UPDATING.

A worker claims the blueprint (a lease, like a run's), fetches the archive, checks it, and
records ACTIVE with the new definition, or FAILED with what is wrong. A worker lost on the
way leaves the lease to run out; the next worker checks the blueprint again, so it never
stays CREATING or UPDATING for good.
"""

import hashlib
import logging

from glueprint.domain.context import ServiceContext
from glueprint.layouts.archive import ArchiveError, inspect
from glueprint.store import blueprints as store

log = logging.getLogger("glueprint.registry")


class Registrar:
    def __init__(self, ctx: ServiceContext, lease_s: float, sandbox):
        self.ctx = ctx
        self.lease_s = lease_s
        self.sandbox = sandbox  # a Sandbox, or InProcessLayouts for the pytest mock

    def check_once(self, worker: str) -> bool:
        """Check one waiting blueprint; False when none was waiting."""
        with self.ctx.db.write() as conn:
            row = store.claim_check(conn, worker, self.ctx.clock(), self.lease_s, skip_locked=not self.ctx.db.is_sqlite)
        if row is None:
            return False
        try:
            definition, problem = inspect(self.ctx.archives.fetch(row["location"]), self.sandbox.check_entry_point), None
        except ArchiveError as exc:
            definition, problem = None, str(exc)
        except Exception as exc:  # a bug here must not leave the blueprint waiting for good
            definition, problem = None, f"Internal error while checking the blueprint archive: {type(exc).__name__}: {exc}"
        with self.ctx.db.write() as conn:
            if definition is None:
                store.finish_check(conn, row["name"], worker, status="FAILED", error_message=problem)
                log.warning("blueprint %s is FAILED: %s", row["name"], problem.splitlines()[0])
                return True
            digest = hashlib.sha256(definition.archive).hexdigest()
            if store.finish_check(
                conn, row["name"], worker, status="ACTIVE", error_message=None, definition=digest, last_active=None
            ):
                store.add_definition(
                    conn,
                    row["name"],
                    digest,
                    archive=definition.archive,
                    layout_generator=definition.layout_generator,
                    parameter_spec=definition.parameter_spec,
                    created_on=self.ctx.clock(),
                )
                store.prune_definitions(conn, row["name"])
        return True
