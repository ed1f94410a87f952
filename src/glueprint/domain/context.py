"""What a service call may use: the database, the archive source, the token signer, the clock."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glueprint.domain.outcomes import Outcomes
from glueprint.domain.tokens import Tokens
from glueprint.store.db import Database

if TYPE_CHECKING:  # the layouts engine's; a context only carries it to the operations
    from glueprint.layouts.archive import ArchiveSource


@dataclass
class ServiceContext:
    db: Database
    archives: "ArchiveSource"
    tokens: Tokens
    # The database's secret: signs NextTokens (through tokens) and derives runs' credentials.
    server_key: bytes = b""
    region: str = "us-east-1"
    account_id: str = "123456789012"
    # Called after a run or a blueprint check is committed, so in-process workers start it without polling.
    on_work_added: Callable[[], None] = lambda: None
    clock: Callable[[], float] = field(default=time.time)
    # How job runs and crawls that are not really executed end (see outcomes.py).
    outcomes: Outcomes = field(default_factory=Outcomes)
    # Every account's and region's context (service/scopes.py), shared by all of them; None
    # where one scope is all there is.
    scopes: Any = None

    @classmethod
    def open(cls, db: Database, archives: "ArchiveSource", **kwargs) -> "ServiceContext":
        key = db.token_key()
        return cls(db=db, archives=archives, tokens=Tokens(key), server_key=key, **kwargs)
