"""The ASGI application: the Glue endpoint, plus the engine's workers for its lifetime."""

import contextlib
import dataclasses
import hashlib
import logging
import secrets

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from glueprint import __version__
from glueprint.config import Settings
from glueprint.domain import run_credentials
from glueprint.domain.context import ServiceContext
from glueprint.domain.outcomes import Outcomes
from glueprint.etl.connect_server import spark_available
from glueprint.layouts.archive import EXAMPLES_BUCKET, ArchiveSource
from glueprint.packaging import EXAMPLES, zip_folder
from glueprint.protocol.dispatch import Dispatcher, GlueEndpoint
from glueprint.protocol.private import PRIVATE_PATH, PrivateEndpoint
from glueprint.protocol.sigv4 import Verifier
from glueprint.s3.app import S3App
from glueprint.s3.errors import S3Error
from glueprint.s3.storage import ObjectStore
from glueprint.service import job_bookmarks
from glueprint.service.scopes import Scopes
from glueprint.store.db import Database, open_database
from glueprint.web.auth import require_keys
from glueprint.web.routes import routes as web_routes
from glueprint.workers import WorkerPool

log = logging.getLogger("glueprint")

RESET_PATH = "/_glueprint/reset"  # POST: delete every stored thing (glueprint reset, LocalServer.reset())


def s3_keys(settings: Settings) -> tuple[str, str] | None:
    """The keys glueprint signs its own S3 requests with: its settings' (for an external S3
    unsigned without them), or for its own S3 a pair made for this process."""
    if settings.s3_access_key and settings.s3_secret_key:
        return settings.s3_access_key, settings.s3_secret_key
    return ("glueprint-internal", secrets.token_hex(20)) if settings.builtin_s3 else None


def spark_runs(settings: Settings) -> bool:
    """Whether glueetl job runs execute on Spark; when they cannot, said once, and they are simulated."""
    if not settings.spark:
        return False
    why = spark_available()
    if why:
        log.warning("glueetl job runs are simulated (SUCCEEDED after --simulated-seconds): %s", why)
    return why is None


def build_context(settings: Settings, db: Database, archives: ArchiveSource | None = None, **extra) -> ServiceContext:
    if archives is None:
        folder = settings.s3_root if settings.builtin_s3 else None
        archives = ArchiveSource(settings.s3_url, folder, settings.region, s3_keys(settings))
    outcomes = Outcomes(settings.outcomes, settings.simulated_seconds, spark_runs=spark_runs(settings))
    ctx = ServiceContext.open(db, archives, region=settings.region, account_id=settings.account_id, outcomes=outcomes, **extra)
    ctx.scopes = Scopes(ctx)  # the other accounts and regions, each on first use
    return ctx


def seed_examples(store: ObjectStore) -> None:
    """s3://glueprint-examples: each example blueprint as <name>.zip, and its files under <name>/."""
    store.create_bucket(EXAMPLES_BUCKET)
    for folder in sorted(p for p in EXAMPLES.iterdir() if (p / "blueprint.cfg").is_file()):
        objects = {f"{folder.name}.zip": zip_folder(folder)}
        objects |= {f"{folder.name}/{f.relative_to(folder).as_posix()}": f.read_bytes() for f in folder.rglob("*.py")}
        objects[f"{folder.name}/blueprint.cfg"] = (folder / "blueprint.cfg").read_bytes()
        for key, data in objects.items():
            try:
                if store.stat(EXAMPLES_BUCKET, key).etag == hashlib.md5(data, usedforsecurity=False).hexdigest():
                    continue  # unchanged since the last start: no write, no fsync
            except S3Error:
                pass
            writer = store.writer()
            writer.write(data)
            store.commit(
                writer, EXAMPLES_BUCKET, key, {"content-type": "application/zip" if key.endswith(".zip") else "text/plain"}, {}
            )


def create_app(settings: Settings, verifier: Verifier | None = None):
    """The Glue endpoint and dashboard on settings.port and, unless an external S3 is
    configured, glueprint's own S3 on settings.s3_port: one app, told apart by the port a
    request came in on."""
    db = open_database(settings.db_url, settings.db_pool_size)
    ctx = build_context(settings, db)
    s3 = None
    if settings.builtin_s3:
        store = ObjectStore(settings.s3_root)
        seed_examples(store)
        s3_verifier = None
        if verifier is not None:  # the same keys as the Glue side, and glueprint's own
            s3_verifier = dataclasses.replace(verifier, secrets=verifier.secrets | dict([ctx.archives.keys]))
        s3 = S3App(store, settings.region, s3_verifier)
    if verifier is not None:
        verifier.resolve = run_credentials.resolver(ctx)  # layouts sign with their run's own key
        if s3 is not None and s3.verifier is not None:
            s3.verifier.resolve = verifier.resolve
    pool = WorkerPool(ctx, settings) if settings.workers > 0 else None
    if pool is not None:
        ctx.on_work_added = pool.wake

    async def about(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "service": "glueprint",
                "version": __version__,
                "endpoint": "POST / (AWS JSON 1.1)",
                "dashboard": "/ui",
                "s3": settings.s3_url,
            }
        )

    async def reset(_: Request) -> JSONResponse:
        """Forget everything stored (as moto's reset does), for a fresh start between tests.
        Runs in progress are abandoned: what they finish finds nothing to update."""
        await run_in_threadpool(ctx.scopes.reset)  # cached answers are checked against the store: none outlives it
        return JSONResponse({"reset": True})

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if pool is not None:
            pool.start()
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()
            ctx.scopes.dispose()

    glue = GlueEndpoint(Dispatcher(ctx, verifier))
    # Run keys only, with or without --auth: a job script saves its own job's bookmark.
    private = PrivateEndpoint(
        Verifier({}, run_credentials.resolver(ctx)),
        {"SaveJobBookmark": lambda access_key, p: job_bookmarks.save_from_run(ctx, access_key, p)},
    )
    admin = [Route("/", about, methods=["GET"]), Route(RESET_PATH, reset, methods=["POST"])]
    site = Starlette(routes=[*admin, *web_routes(ctx)], lifespan=lifespan)
    if verifier is not None:
        site = require_keys(site, verifier)

    async def app(scope, receive, send):
        if s3 is not None and scope["type"] == "http" and scope["server"] and scope["server"][1] == settings.s3_port:
            await s3(scope, receive, send)
        # The Glue API is the hot path: it skips Starlette's routing and request objects.
        elif scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/":
            await glue(scope, receive, send)
        elif scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == PRIVATE_PATH:
            await private(scope, receive, send)
        else:
            await site(scope, receive, send)

    return app
