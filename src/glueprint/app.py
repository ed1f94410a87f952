"""The ASGI application: the Glue endpoint, plus the engine's workers for its lifetime."""

import contextlib

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from glueprint import __version__
from glueprint.config import Settings
from glueprint.layouts.archive import ArchiveSource
from glueprint.orchestration.outcomes import Outcomes
from glueprint.protocol.dispatch import Dispatcher, GlueEndpoint
from glueprint.protocol.sigv4 import Verifier
from glueprint.service import run_credentials
from glueprint.service.context import ServiceContext
from glueprint.store.db import Database, open_database
from glueprint.web.auth import require_keys
from glueprint.web.routes import routes as web_routes
from glueprint.workers import WorkerPool

RESET_PATH = "/_glueprint/reset"  # POST: delete every stored thing (glueprint reset, LocalServer.reset())


def build_context(settings: Settings, db: Database, **extra) -> ServiceContext:
    archives = ArchiveSource(settings.s3_endpoint_url, settings.archive_root, settings.region)
    outcomes = Outcomes(settings.outcomes, settings.simulated_seconds)
    return ServiceContext.open(db, archives, region=settings.region, account_id=settings.account_id, outcomes=outcomes, **extra)


def create_app(settings: Settings, verifier: Verifier | None = None):
    db = open_database(settings.db_url)
    ctx = build_context(settings, db)
    if verifier is not None:
        verifier.resolve = run_credentials.resolver(ctx)  # layouts sign with their run's own key
    pool = WorkerPool(ctx, settings) if settings.workers > 0 else None
    if pool is not None:
        ctx.on_work_added = pool.wake

    async def about(_: Request) -> JSONResponse:
        return JSONResponse(
            {"service": "glueprint", "version": __version__, "endpoint": "POST / (AWS JSON 1.1)", "dashboard": "/ui"}
        )

    async def reset(_: Request) -> JSONResponse:
        """Forget everything stored (as moto's reset does), for a fresh start between tests.
        Runs in progress are abandoned: what they finish finds nothing to update."""
        await run_in_threadpool(db.reset)  # cached answers are checked against the store: none outlives it
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
            db.dispose()

    glue = GlueEndpoint(Dispatcher(ctx, verifier))
    admin = [Route("/", about, methods=["GET"]), Route(RESET_PATH, reset, methods=["POST"])]
    site = Starlette(routes=[*admin, *web_routes(ctx)], lifespan=lifespan)
    if verifier is not None:
        site = require_keys(site, verifier)

    async def app(scope, receive, send):
        # The Glue API is the hot path: it skips Starlette's routing and request objects.
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/":
            await glue(scope, receive, send)
        else:
            await site(scope, receive, send)

    return app
