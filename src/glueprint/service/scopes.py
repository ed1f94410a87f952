"""Which account and region a request is served in, and each one's service context.

AWS keeps every region's resources apart, and every account's. A request's region is its
SigV4 credential scope's (the server's --region when it carries none); its account is the
server's --account-id, unless its access key says otherwise: a key of exactly 12 digits is
the account id itself (LocalStack's convention), and a run's own key belongs to the run's
account. Each (account, region) has its own database (store/scopes.py) and its own NextToken
key, so nothing of one is ever answered in another.
"""

import dataclasses
import functools
import hashlib
import re
import threading

import botocore.session

from ..domain import run_credentials
from ..domain.context import ServiceContext
from ..domain.tokens import Tokens
from ..protocol import errors
from ..store.scopes import Scope, ScopedDatabases

ACCOUNT_KEY = re.compile(r"[0-9]{12}")
REMEMBERED_KEYS = 4096  # (access key, region) pairs whose context is one lookup away


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows Glue or CloudWatch Logs in, in every partition: a scope is
    a database, so a request cannot make one for a region that does not exist."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for service in ("glue", "logs")
        for region in session.get_available_regions(service, partition_name=partition)
    )


def account_of(access_key: str | None, default: str) -> str:
    if access_key is None:
        return default
    if ACCOUNT_KEY.fullmatch(access_key):
        return access_key
    run_scope = run_credentials.scope_of(access_key)
    return run_scope[0] if run_scope else default


class Scopes:
    """Every scope's context, made from the default one (the server's --account-id and
    --region, on the database it was given) the first time a request or a worker needs it."""

    def __init__(self, root: ServiceContext):
        self.root = root
        self.databases = ScopedDatabases(root.db, Scope(root.account_id, root.region))
        self._contexts: dict[Scope, ServiceContext] = {self.databases.default: root}
        self._lock = threading.Lock()
        self._of_request: dict[tuple, ServiceContext] = {}

    def context(self, scope: Scope) -> ServiceContext:
        found = self._contexts.get(scope)
        if found is not None:
            return found
        db = self.databases.get(scope)
        with self._lock:
            found = self._contexts.get(scope)
            if found is None:
                root = self.root
                key = hashlib.blake2b(scope.label.encode(), key=root.server_key, person=b"glueprint scope").digest()[:32]
                found = dataclasses.replace(
                    root,
                    db=db,
                    account_id=scope.account_id,
                    region=scope.region,
                    tokens=Tokens(key),  # a NextToken of one scope is foreign in every other
                    on_work_added=lambda: root.on_work_added(),  # set on the root after start-up
                )
                self._contexts = {**self._contexts, scope: found}
        return found

    def of_request(self, access_key: str | None, region: str | None) -> ServiceContext:
        """The context a request signed with access_key for region is served in."""
        found = self._of_request.get((access_key, region))
        if found is not None:
            return found
        scoped = region or self.root.region
        if scoped != self.root.region and scoped not in known_regions():
            raise errors.InvalidSignatureException(f"Credential should be scoped to a valid region, not '{scoped}'.")
        found = self.context(Scope(account_of(access_key, self.root.account_id), scoped))
        if len(self._of_request) >= REMEMBERED_KEYS:  # every run has keys of its own: forget, then remember anew
            self._of_request = {}
        self._of_request[(access_key, region)] = found
        return found

    def existing(self, scope: Scope) -> ServiceContext | None:
        """The scope's context if any process has used it; never creates one."""
        if scope in self._contexts or any(known == scope for known, _ in self.databases.known()):
            return self.context(scope)
        return None

    def known(self) -> list[ServiceContext]:
        """Every scope's context that any process sharing the database has used, the default first."""
        return [self.context(scope) for scope, _ in self.databases.known()]

    def reset(self) -> None:
        """Forget everything stored, in every scope (the scopes stay known)."""
        for ctx in self.known():
            ctx.db.reset()

    def dispose(self) -> None:
        self.databases.dispose()
