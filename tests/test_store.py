"""The store: migrations produce the declared schema on both backends; settings are shared."""

import sqlite3
import subprocess
import sys
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select

from glueprint.store.db import Database
from glueprint.store.schema import meta, metadata

from conftest import migrate_to


@pytest.mark.parametrize("start", [None, "0008"], ids=["empty", "at-0008"])
def test_migrations_produce_exactly_the_declared_schema(databases, start):
    # From 0008 too: 0009 rebuilds the runs table on SQLite from the one it finds.
    db = Database(databases.new(migrated=False))
    if start is not None:
        with db.engine.begin() as conn:
            migrate_to(conn, start)
    db.migrate()

    def declared_here(obj, _name, _type, _reflected, _compare_to) -> bool:
        # Alembic compares every declared index; some are declared for one backend only.
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect in (None, db.engine.dialect.name)

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": declared_here})
        diff = compare_metadata(context, metadata)
    db.dispose()
    assert diff == []


def test_migrating_twice_changes_nothing_and_keeps_the_token_key(databases):
    url = databases.new(migrated=False)
    first = Database(url)
    first.migrate()
    key = first.token_key()
    first.dispose()
    second = Database(url)
    second.migrate()
    assert second.token_key() == key and len(key) == 32
    second.dispose()


def test_the_head_read_from_the_files_is_alembics_and_a_migrated_database_is_at_it(databases):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from glueprint.store.db import MIGRATIONS, current_revision, head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()
    db = Database(databases.new(migrated=False))
    with db.engine.connect() as conn:
        assert current_revision(conn) is None
    db.migrate()
    with db.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    db.dispose()


def test_the_generation_moves_with_every_commit_by_anyone_and_only_then(databases):
    db = Database(databases.new())
    if not db.is_sqlite:
        assert db.generation() is None  # PostgreSQL cannot tell without a query: pages re-check
        return
    before = db.generation()
    with db.read() as conn:
        conn.execute(select(meta.c.value)).all()
    assert db.generation() == before
    # A commit by another program, through SQLite itself rather than glueprint.
    other = sqlite3.connect(db.url.database, isolation_level=None)
    other.execute("INSERT INTO meta (key, value) VALUES ('elsewhere', 'x')")
    other.close()
    after = db.generation()
    assert after != before
    with db.write() as conn:
        conn.execute(insert(meta).values(key="here", value="y"))
    assert db.generation() not in (before, after)
    db.dispose()


# Processes started together (the README's server and worker) each migrate and make the
# token key as they start; each says when it has imported, and all go at once when all have,
# so that they really collide (an agreed moment could pass while a loaded machine imports).
_STARTING_PROCESS = """
import sys
from glueprint.store.db import Database
print("ready", flush=True)
sys.stdin.readline()
db = Database(sys.argv[1])
db.migrate()
print(db.token_key().hex())
"""


def _start_together(url: str, count: int) -> list[str]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTING_PROCESS, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout.readline() == "ready\n", process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    keys = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        keys.append(out.strip())
    return keys


def test_processes_starting_together_on_an_empty_or_older_database_all_start_and_share_one_key(databases):
    from glueprint.store.db import current_revision, head_revision

    empty = databases.new(migrated=False)
    keys = _start_together(empty, 4)
    assert len(set(keys)) == 1 and len(keys[0]) == 64

    older = databases.new(migrated=False)
    db = Database(older)
    with db.engine.begin() as conn:  # a database an earlier release left behind, at 0007
        migrate_to(conn, "0007")
    assert len(set(_start_together(older, 4))) == 1
    with db.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    db.dispose()


def test_a_claim_commits_without_a_flush_and_only_that_transaction(databases):
    db = Database(databases.new())
    flushed = "PRAGMA synchronous" if db.is_sqlite else "SHOW synchronous_commit"
    relaxed, strict = ("1", "2") if db.is_sqlite else ("off", "on")
    for _ in range(2):  # the pool hands the same connection out again
        with db.write(durable=False) as conn:
            assert str(conn.exec_driver_sql(flushed).scalar()) == relaxed
        with db.write() as conn:
            assert str(conn.exec_driver_sql(flushed).scalar()) == strict
        with db.read() as conn:
            assert str(conn.exec_driver_sql(flushed).scalar()) == strict
    db.dispose()


def test_opening_a_new_sqlite_file_waits_for_another_process_writing_it(tmp_path):
    # SQLite answers "database is locked" at once, without waiting, when a connection
    # switching the file to WAL meets a writer: as processes starting together on a new file do.
    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE elsewhere (x)")
    releaser = threading.Timer(0.5, writer.execute, ("COMMIT",))
    releaser.start()
    db = Database(f"sqlite:///{path}")
    try:
        db.migrate()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        releaser.join()
        writer.close()
        db.dispose()
