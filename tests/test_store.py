"""The store: migrations produce the declared schema on both backends; settings are shared."""

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select

from glueprint.store.db import Database
from glueprint.store.schema import meta, metadata


def test_migrations_produce_exactly_the_declared_schema(databases):
    db = Database(databases.new(migrated=False))
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
