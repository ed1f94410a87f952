"""A database per account and region (a scope), as AWS keeps each region's resources, and
each account's, apart.

The default scope is the database glueprint was given, with its data where it always was.
Every other scope lives beside it: a SQLite file next to the default one, or a PostgreSQL
schema in the same database (reached through its connections' search_path). Each is
created and migrated on first use and listed in the default database's meta table, so the
workers of every process sharing the database find it. Every query stays as it is: a
scope's database holds that scope's rows only.
"""

import threading
import time
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from .db import MIGRATION_LOCK, Database
from .schema import meta

REGISTRY_PREFIX = "scope:"  # meta keys "scope:<account>:<region>", one per scope but the default
REREAD_REGISTRY_S = 1.0  # how stale another process's new scope may be to this one's workers


class Scope(NamedTuple):
    account_id: str
    region: str

    @property
    def label(self) -> str:
        return f"{self.account_id}:{self.region}"


def schema_name(scope: Scope) -> str:
    """A scope's PostgreSQL schema (accounts are digits, regions [a-z0-9-]: both checked by the caller)."""
    return f"scope_{scope.account_id}_{scope.region.replace('-', '_')}"


def sqlite_url(default_url: str, scope: Scope) -> str:
    """A scope's SQLite file: beside the default one, named after it."""
    url = make_url(default_url)
    database = url.database
    if not database or database == ":memory:":
        return str(url)  # a database of its own too: one in memory
    path = Path(database)
    return str(url.set(database=str(path.with_name(f"{path.stem}.{scope.account_id}.{scope.region}{path.suffix}"))))


class ScopedDatabases:
    """The default scope's database, and every other scope's, opened once per process."""

    def __init__(self, default_db: Database, default: Scope):
        self.default = default
        self.default_db = default_db
        self._opened: dict[Scope, Database] = {default: default_db}
        self._lock = threading.Lock()
        self._registry_read = 0.0

    def get(self, scope: Scope) -> Database:
        """The scope's database, created, migrated and registered the first time it is asked for."""
        found = self._opened.get(scope)
        if found is not None:
            return found
        with self._lock:
            found = self._opened.get(scope)
            if found is None:
                found = self._open(scope)
                self._opened = {**self._opened, scope: found}  # readers see the old dict or the new, never a half
        return found

    def _open(self, scope: Scope) -> Database:
        base = self.default_db
        if base.is_sqlite:
            db = Database(sqlite_url(base.url.render_as_string(hide_password=False), scope), base.pool_size)
        else:
            schema = schema_name(scope)
            with base.write() as conn:  # one process creates it; the others wait, then find it
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            # One idle connection per scope: many processes, each with many scopes, share max_connections.
            db = Database(base.url.render_as_string(hide_password=False), 1, search_path=schema)
        db.migrate()
        base.setting(REGISTRY_PREFIX + scope.label, lambda: "1")
        return db

    def known(self) -> list[tuple[Scope, Database]]:
        """Every scope this process or any other has used: the default first."""
        now = time.monotonic()
        if now - self._registry_read >= REREAD_REGISTRY_S:
            self._registry_read = now
            with self.default_db.read() as conn:
                keys = conn.execute(select(meta.c.key).where(meta.c.key.startswith(REGISTRY_PREFIX))).scalars().all()
            for key in keys:
                account_id, _, region = key[len(REGISTRY_PREFIX) :].partition(":")
                self.get(Scope(account_id, region))
        return list(self._opened.items())

    def dispose(self) -> None:
        for db in self._opened.values():
            db.dispose()
