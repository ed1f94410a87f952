"""Fixtures: real servers over HTTP, on SQLite and on PostgreSQL."""

import io
import json
import os
import shutil
import time
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
from botocore.exceptions import ClientError
from sqlalchemy import create_engine, select

from glueprint.packaging import EXAMPLES, zip_folder
from glueprint.store.db import Database
from glueprint.store.schema import metadata
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

from servers import glue_client, glueprint_server, glueprint_worker, moto_s3_server, s3_client, stop_all

PG_ADMIN_URL = os.environ.get("GLUEPRINT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BUCKET = "blueprints"
ROLE = "arn:aws:iam::123456789012:role/GlueprintTest"
BACKENDS = os.environ.get("GLUEPRINT_TEST_BACKENDS", "sqlite,postgresql").split(",")


def zip_files(files: dict[str, str | bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def migrate_to(conn, revision: str) -> None:
    """Bring a database to an older revision, as an earlier release left it."""
    from alembic import command
    from alembic.config import Config

    from glueprint.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, revision)


def pytest_collection_modifyitems(config, items):
    """GLUEPRINT_TEST_PART=backend keeps only the tests that run per backend, =spark the others
    that run real Spark (marker spark), =shared the rest: scripts/test runs the parts side by
    side (each backend's, the Spark one and the shared one)."""
    part = os.environ.get("GLUEPRINT_TEST_PART")
    if not part:
        return
    if part not in ("backend", "spark", "shared"):
        raise pytest.UsageError(f"GLUEPRINT_TEST_PART={part!r}: use backend, spark or shared")
    kept, dropped = [], []
    for item in items:
        per_backend = "databases" in getattr(getattr(item, "callspec", None), "params", {})
        spark = not per_backend and item.get_closest_marker("spark") is not None
        belongs = "backend" if per_backend else "spark" if spark else "shared"
        (kept if belongs == part else dropped).append(item)
    # GLUEPRINT_TEST_SHARD=i/n keeps every n-th test of the part, from the i-th (0-based):
    # scripts/test runs the longest part in two shards.
    shard = os.environ.get("GLUEPRINT_TEST_SHARD", "0/1")
    index, _, count = shard.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise pytest.UsageError(f"GLUEPRINT_TEST_SHARD={shard!r}: use i/n, with 0 <= i < n")
    index, count = int(index), int(count)
    # Per-backend tests are dealt one by one; the others module by module, so that a module's
    # fixtures (a fresh clone, a Spark server) are made in one shard only.
    if part == "backend":
        slots = range(len(kept))
    else:
        modules: dict[str, int] = {}
        slots = [modules.setdefault(item.nodeid.split("::", 1)[0], len(modules)) for item in kept]
    dropped += [item for item, slot in zip(kept, slots, strict=True) if slot % count != index]
    kept = [item for item, slot in zip(kept, slots, strict=True) if slot % count == index]
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


@pytest.fixture(scope="module")
def pg_database():
    """A fresh PostgreSQL database for a module's tables (the JDBC tests' sources and sinks)."""
    name = f"etl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


class Databases:
    """Fresh databases on demand for one backend: copies of one migrated in this session
    (migrating costs a server start a third of its CPU), or empty ones."""

    def __init__(self, backend: str, tmp: Path):
        self.backend, self.tmp, self.created = backend, tmp, []
        self.template: str | None = None

    def new(self, migrated: bool = True) -> str:
        if migrated and self.template is None:
            self.template = self._create(None)
            db = Database(self._url(self.template))
            db.migrate()
            db.dispose()
        return self._url(self._create(self.template if migrated else None))

    def _create(self, template: str | None) -> str:
        name = f"glueprint_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            if template is not None:
                shutil.copyfile(self.tmp / f"{template}.db", self.tmp / f"{name}.db")
            return name
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return name

    def _url(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp / name}.db"
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop_all(self) -> None:
        if not self.created:
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def tmp_session(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("glueprint")


@pytest.fixture(scope="session")
def s3(tmp_session):
    server = moto_s3_server(tmp_session).start()
    client = s3_client(server.url)
    client.create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def upload(s3):
    client = s3_client(s3.url)

    def put(data: bytes, key: str | None = None) -> str:
        key = key or f"{uuid.uuid4().hex}/blueprint.zip"
        client.put_object(Bucket=BUCKET, Key=key, Body=data)
        return f"s3://{BUCKET}/{key}"

    return put


@pytest.fixture(scope="session")
def example(upload):
    """The S3 location of one of the shipped example blueprints, zipped."""
    return lambda name: upload(zip_folder(EXAMPLES / name))


@pytest.fixture(scope="session", params=BACKENDS)
def databases(request, tmp_session):
    dbs = Databases(request.param, tmp_session)
    yield dbs
    dbs.drop_all()


# Servers start_server started, by the module whose test started them: they stop when that
# module ends (kept to the session's end, a suite's servers held more PostgreSQL connections
# than its max_connections). The session's shared server is kept (keep_to_the_end).
_MODULE_SERVERS: dict[str, list] = {}


def _current_module() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "").split("::", 1)[0]


@pytest.fixture(scope="module", autouse=True)
def _servers_end_with_their_module(request):
    yield
    stop_all([s for s in _MODULE_SERVERS.pop(request.node.nodeid, []) if not getattr(s, "keep_to_the_end", False)])


@pytest.fixture(scope="session")
def start_server(databases, s3, tmp_session):
    """Start a glueprint server on a fresh database (or a given one); stopped when the module
    that started it ends, or at session end."""
    started = []

    def start(*extra: str, db_url: str | None = None):
        server = glueprint_server(db_url or databases.new(), tmp_session, "--s3-endpoint-url", s3.url, *extra)
        server.db_url = server.args[server.args.index("--db") + 1]
        started.append(server)
        _MODULE_SERVERS.setdefault(_current_module(), []).append(server)
        return server.start()

    yield start
    stop_all(started)


@pytest.fixture(scope="module")
def quiet(start_server):
    """A server of the module's own, without workers: nothing but its requests changes its rows."""
    return start_server("--workers", "0")


@pytest.fixture(scope="session")
def activate(s3, tmp_session):
    """Make blueprints of an API-only server ACTIVE with a worker that is gone again before
    any run is started; returns their GetBlueprint views."""

    def run(server, glue, *names: str) -> list[dict]:
        worker = glueprint_worker(server.db_url, tmp_session, server.url, "--s3-endpoint-url", s3.url).start()
        try:
            return [wait_for_blueprint(glue, name) for name in names]
        finally:
            worker.stop()

    return run


@pytest.fixture(scope="session")
def server(start_server):
    """The shared server most tests use; tests keep apart by unique names. Its layouts may take
    30 s: a loaded CI machine (six suites on two cores) slows the ones that call AWS APIs."""
    shared = start_server("--run-timeout", "30")
    shared.keep_to_the_end = True
    return shared


@pytest.fixture(scope="session")
def glue(server):
    return glue_client(server.url)


@pytest.fixture(scope="session")
def raw_glue(server):
    """A client that skips botocore's own checks, so bad input reaches the server."""
    return glue_client(server.url, validate=False)


@pytest.fixture
def name():
    return f"t{uuid.uuid4().hex[:10]}"


def create_blueprint(glue, **request) -> dict:
    """CreateBlueprint, then wait (as a client must) until it is ACTIVE or FAILED."""
    glue.create_blueprint(**request)
    return wait_for_blueprint(glue, request["Name"], timeout=120)


def update_blueprint(glue, **request) -> dict:
    glue.update_blueprint(**request)
    return wait_for_blueprint(glue, request["Name"], timeout=120)


def wait_run(glue, blueprint: str, run_id: str, timeout: float = 120.0) -> dict:  # generous: CI runs six suites on two cores
    return wait_for_blueprint_run(glue, blueprint, run_id, timeout)


def run_suffix(glue, workflow: str) -> str:
    """The random suffix a run gave its jobs and crawlers, read off the workflow's graph."""
    graph = glue.get_workflow(Name=workflow, IncludeGraph=True)["Workflow"]["Graph"]
    suffixes = {n["Name"].rsplit("_", 1)[1] for n in graph["Nodes"] if n["Type"] in ("JOB", "CRAWLER")}
    assert len(suffixes) == 1, suffixes
    (suffix,) = suffixes
    assert len(suffix) == 8 and int(suffix, 16) >= 0
    return suffix


def start_and_wait(glue, blueprint: str, params: dict, role: str = ROLE) -> dict:
    run_id = glue.start_blueprint_run(BlueprintName=blueprint, Parameters=json.dumps(params), RoleArn=role)["RunId"]
    return wait_run(glue, blueprint, run_id)


def error_of(call, **kwargs) -> dict:
    """The Error (Code, Message) of a call that must fail."""
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]


def all_pages(call, key: str, **kwargs) -> list:
    """Every item of a paged Glue listing, following NextToken to the end."""
    items, token = [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page[key]
        token = page.get("NextToken")
        if not token:
            return items


def all_runs_finished(glue, blueprint: str, timeout: float) -> list[dict]:
    """Every run of the blueprint, once none is RUNNING or ROLLING_BACK (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        runs = all_pages(glue.get_blueprint_runs, "BlueprintRuns", BlueprintName=blueprint)
        if all(r["State"] in ("SUCCEEDED", "FAILED") for r in runs) or time.monotonic() > deadline:
            return runs
        time.sleep(0.5)


def snapshot(server) -> dict:
    """Every row the server stores (but its own settings): what a rejected request must leave
    as it was. Read from its database, so it covers every table and costs a query per table;
    meant for servers without workers (--workers 0), where nothing else changes the rows."""
    engine = _SNAPSHOT_ENGINES.get(server.db_url)
    if engine is None:  # one connection per database, kept: a snapshot is taken around every request
        engine = _SNAPSHOT_ENGINES[server.db_url] = create_engine(server.db_url, pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
            if table.name != "meta"
        }


_SNAPSHOT_ENGINES: dict = {}
