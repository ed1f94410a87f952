"""Opening the database: engine set-up for SQLite or PostgreSQL, migrations, write transactions."""

import functools
import logging
import re
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from glueprint.protocol import errors
from glueprint.store.schema import meta, metadata

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30
SQLITE_MMAP_BYTES = 1 << 30
MIGRATION_LOCK = 0x676C75657072696E  # PostgreSQL advisory lock key: "glueprin"
log = logging.getLogger("glueprint.store")


class DatabaseUnavailable(Exception):
    """What keeps glueprint from opening its database, said for a person, with what to do."""


class StorageFull(errors.InternalServiceException):
    """The database has no room for a write. A fault of the service, not of the request, so
    AWS's InternalServiceException (HTTP 500, which SDKs retry), with what happened."""


_SQLITE_FULL, _PG_DISK_FULL = 13, "53100"
_full_said = [0.0]  # when it was last logged: once a minute is enough to be seen


def _storage_full(exc: DBAPIError) -> StorageFull | None:
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if (code is not None and code & 0xFF == _SQLITE_FULL) or getattr(orig, "sqlstate", None) == _PG_DISK_FULL:
        reason = str(orig).strip().splitlines()[0]
        if time.monotonic() - _full_said[0] > 60:
            _full_said[0] = time.monotonic()
            log.error("the database has no space left (%s): writes fail until space is freed", reason)
        return StorageFull(
            f"The service's database has no space left ({reason}); nothing was changed. Retry once space is freed."
        )
    return None


def open_database(url: str, pool_size: int = 10) -> "Database":
    """The database at url, migrated to the current schema; or DatabaseUnavailable."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"--db {url!r} is not a database URL: write sqlite:///{url} for a SQLite file, or postgresql://user@host/dbname"
        ) from None
    if parsed.get_backend_name() == "postgres":  # Heroku's and libpq's spelling; SQLAlchemy knows only the long one
        fixed = parsed.set(drivername=parsed.drivername.replace("postgres", "postgresql", 1))
        raise DatabaseUnavailable(
            f"--db {parsed.render_as_string(hide_password=True)!r}: write postgresql:// instead of postgres://: "
            f"{fixed.render_as_string(hide_password=True)}"
        )
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"--db {url!r}: glueprint stores its data in SQLite (sqlite:///PATH) or PostgreSQL (postgresql://...)"
        )
    shown = parsed.render_as_string(hide_password=True)
    try:
        db = Database(url, pool_size)
        db.migrate()
    except (DBAPIError, OSError, NoSuchModuleError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if parsed.get_backend_name() == "sqlite":
            raise DatabaseUnavailable(
                f"cannot open the SQLite database {parsed.database}: {reason}\n"
                "choose a file in a folder you can write to: --db sqlite:///PATH/glueprint.db"
            ) from None
        raise DatabaseUnavailable(
            f"cannot use the PostgreSQL database {shown}: {reason}\nis the server running, and does the database exist?"
        ) from None
    try:
        db.check_writable()
    except DBAPIError as exc:  # every write would fail: say so once, instead of in every worker's loop
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0]
        raise DatabaseUnavailable(
            f"cannot write to the database {shown}: {reason}\nglueprint keeps all its state there: give it one it can write to"
        ) from None
    return db


@functools.cache
def head_revision() -> str:
    """The newest migration: the one revision no other revises (read from the files)."""
    revisions, revised = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        revisions.add(re.search(r'^revision = "([^"]+)"', source, re.M).group(1))
        if down := re.search(r'^down_revision = "([^"]+)"', source, re.M):
            revised.add(down.group(1))
    (head,) = revisions - revised
    return head


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


class _TurnLock:
    """The writers of one process take turns in the order they asked. SQLite's busy handler
    polls with sleeps growing to 100 ms, so a request's write that arrives while workers
    commit back to back could lose every race for seconds; queued here, it waits for the
    writers ahead of it only."""

    def __init__(self):
        self._changed = threading.Condition()
        self._issued = self._serving = 0

    @contextmanager
    def turn(self):
        with self._changed:
            ticket, self._issued = self._issued, self._issued + 1
            self._changed.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._changed:
                self._serving += 1
                self._changed.notify_all()


class Database:
    """One engine plus the two ways in: ``read()`` and ``write()`` transactions."""

    def __init__(self, url: str, pool_size: int = 10, search_path: str | None = None):
        """search_path: on PostgreSQL, the one schema this database's tables are in (a scope's,
        store/scopes.py); the connection's default otherwise."""
        self.url = make_url(url)
        self.pool_size = pool_size
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = _make_engine(url, self.is_sqlite, pool_size, search_path)
        self._prepared: dict = {}
        self._thread = threading.local()
        self._writers = _TurnLock() if self.is_sqlite else None  # PostgreSQL locks rows, not the database

    @contextmanager
    def read(self):
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, durable: bool = True):
        """A write transaction. durable=False is for claims and leases: their commit skips the
        flush to disk, so a power failure may undo it (a crash of the process never does), but
        never out of order, since any later durable commit flushes it too; an undone claim
        only lets a worker take the run again."""
        # On SQLite a write takes the lock at BEGIN, so two writers never deadlock on upgrade.
        turn = self._writers.turn() if self._writers is not None else nullcontext()
        try:
            with turn, self.engine.connect().execution_options(glueprint_write=True, glueprint_unflushed=not durable) as conn:
                try:
                    with conn.begin():
                        if not durable and not self.is_sqlite:
                            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # this transaction's only
                        yield conn
                finally:
                    if not durable and self.is_sqlite:
                        _flush_again(conn)
        except DBAPIError as exc:
            if (full := _storage_full(exc)) is not None:
                raise full from None
            raise

    def check_writable(self) -> None:
        """A write that changes nothing, to learn early whether the database takes writes."""
        with self.write() as conn:
            conn.execute(delete(meta).where(meta.c.key == "glueprint-write-check"))

    def reset(self) -> None:
        """Delete every row but the server's own settings (meta, whose key keeps signing
        tokens): a fresh start between test runs, in one transaction."""
        with self.write() as conn:
            for table in reversed(metadata.sorted_tables):
                if table is not meta:
                    conn.execute(delete(table))

    def migrate(self) -> None:
        """Bring the schema to the newest revision; silent when it is there already. Alembic
        is imported only when there is something to migrate (it is a tenth of a start).
        Processes started together (a server and its workers) migrate one at a time: each
        takes the database's write lock (SQLite) or an advisory lock (PostgreSQL) and looks
        again, so only the first migrates."""
        with self.read() as conn:
            if current_revision(conn) == head_revision():
                return
        with self.write() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            current = current_revision(conn)
            if current == head_revision():
                return
            logging.getLogger("alembic").setLevel(logging.WARNING)  # our one line says what happens
            from alembic import command  # noqa: I001  (after the line above: it logs as it loads)
            from alembic.config import Config

            log.info("migrating the database from revision %s to %s", current or "(empty)", head_revision())
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def setting(self, key: str, default_factory) -> str:
        """A server-wide value, created once and shared by every process on this database."""
        with self.read() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        if value is not None:
            return value
        try:
            with self.write() as conn:
                value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
                if value is None:
                    value = default_factory()
                    conn.execute(insert(meta).values(key=key, value=value))
        except IntegrityError:  # another process created it first (PostgreSQL takes no lock at BEGIN)
            with self.read() as conn:
                value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one()
        return value

    def token_key(self) -> bytes:
        return bytes.fromhex(self.setting("token_key", lambda: secrets.token_hex(32)))

    def prepared(self, statement) -> "PreparedRead":
        """A prepared read for the hottest paths; built once per statement."""
        found = self._prepared.get(statement)
        if found is None:
            found = self._prepared[statement] = PreparedRead(self, statement)
        return found

    def generation(self):
        """A value that differs after any commit to the database, by any connection of any
        process; None where the store cannot tell without a query (PostgreSQL). On SQLite it
        is this thread's reading connection's ``PRAGMA data_version``: that connection never
        writes, so every commit counts, and it reads no table."""
        if not self.is_sqlite:
            return None
        conn = self.thread_reader()
        return conn, conn.execute("PRAGMA data_version").fetchone()[0]

    def thread_reader(self):
        """SQLite: this thread's own sqlite3 connection, for autocommitted reads. It is kept out
        of the pool: opening none and checking none out is a third of a cached answer's cost,
        and an idle SQLite connection holds nothing."""
        conn = getattr(self._thread, "conn", None)
        if conn is None:
            conn = self._thread.conn = self.engine.raw_connection()
            conn.detach()
        return conn.dbapi_connection

    def dispose(self) -> None:
        self.engine.dispose()


def _flush_again(conn: Connection) -> None:
    """Give the SQLite connection back to the pool flushing every commit again; one that
    cannot be set back does not go back."""
    try:
        conn.connection.driver_connection.execute("PRAGMA synchronous=FULL")
    except Exception:
        conn.invalidate()
        raise


class PreparedRead:
    """One SELECT of one row, compiled for this database's driver and run on a raw DBAPI
    connection.

    A single statement reads a consistent snapshot without an explicit transaction, and
    skipping SQLAlchemy's per-call statement and result machinery makes a cache check, or
    a page joined in the database, several times cheaper. The row is a tuple in the
    statement's column order.
    """

    def __init__(self, db: Database, statement):
        compiled = statement.compile(dialect=db.engine.dialect)
        self.db = db
        self.sql = str(compiled)
        self.order = compiled.positiontup  # parameter names for positional drivers, else None
        self.defaults = compiled.params  # e.g. the OFFSET 0 SQLite's LIMIT comes with

    def one(self, **params) -> tuple | None:
        """The statement's one row (None when there is none)."""
        if self.order:
            args = [params[name] if name in params else self.defaults[name] for name in self.order]
        else:
            args = {**self.defaults, **params}
        if self.db.is_sqlite:  # its cursor made by sqlite3 itself
            return self.db.thread_reader().execute(self.sql, args).fetchone()
        conn = self.db.engine.raw_connection()  # back to the pool after, which ends the driver's transaction
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self.sql, args)
                return cursor.fetchone()
            finally:
                cursor.close()
        finally:
            conn.close()


def _use_wal(dbapi_conn) -> None:
    """Switch the database to WAL (it stays so), waiting while other processes hold it.
    SQLite skips the busy handler where waiting could deadlock, as when two connections both
    switch a new database: a server and its workers starting together on a new file would
    see "database is locked" at once (seen in 1 of 25 rounds of four such starts under load)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:  # any SQLITE_BUSY_*
                raise
        time.sleep(0.01)


def _make_engine(url: str, is_sqlite: bool, pool_size: int, search_path: str | None = None) -> Engine:
    if not is_sqlite:
        # Set when the connection opens, so every query, prepared reads' included, sees only that schema.
        connect_args = {"options": f"-csearch_path={search_path}"} if search_path else {}
        return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=20, connect_args=connect_args)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        _use_wal(dbapi_conn)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # Read pages straight from the OS's cache instead of copying them in (and out of a
        # 2 MB page cache that a walk through history overflows at once).
        cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        options = conn.get_execution_options()
        if options.get("glueprint_unflushed"):
            # Set before BEGIN (SQLite refuses it inside a transaction) and back after: Database.write.
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("glueprint_write") else "BEGIN")

    return engine
