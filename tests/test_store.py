"""The store: migrations produce the declared schema on both backends; settings are shared."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from glueprint.store.db import Database
from glueprint.store.schema import metadata


def test_migrations_produce_exactly_the_declared_schema(databases):
    db = Database(databases.new(migrated=False))
    db.migrate()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
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
