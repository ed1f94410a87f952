"""What every dashboard page shares: the templates, their filters, reading through the API's
own handlers, and answering a service error as a page."""

import re
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..protocol import errors
from ..protocol.errors import ServiceError
from ..protocol.model import SERVICE_NAME
from ..protocol.serialize import unrendered
from ..service import registry
from ..store.scopes import Scope
from . import palette, run_view

PAGE = 25
OPEN_STATES = {"RUNNING", "ROLLING_BACK", "CREATING", "UPDATING", "STOPPING", "STARTING", "WAITING"}


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if epoch else ""


def _duration(run: dict) -> str:
    if not run.get("CompletedOn"):
        return "running" if (run.get("State") or run.get("JobRunState")) in OPEN_STATES else ""
    seconds = run["CompletedOn"] - run["StartedOn"]
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _breakable(name: str | None) -> Markup:
    """A name the browser may wrap after its separators (a word break opportunity after each
    ``_``, ``-``, ``.``, ``/`` or ``=``), rather than inside a word."""
    return Markup(re.sub(r"([_\-./=])", r"\1<wbr>", str(escape(name or ""))))


templates = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape())
templates.filters.update(
    when=_when,
    duration=_duration,
    state_class=palette.css_class,
    breakable=_breakable,
    log_streams=run_view.job_run_streams,
    crawl_log=run_view.crawl_streams,
)
templates.globals.update(
    badge_styles=palette.stylesheet(),
    workflow_badge=run_view.workflow_badge,
    states=palette.STATES,
    node_kinds=palette.NODE_KINDS,
    run_legend=palette.RUN_LEGEND,
)


# The account and region a page shows: the server's own unless the address (?account=,
# ?region=) or, after that, the cookie asks for another that something was stored in.
SCOPE_COOKIE = "glueprint-scope"
_shown: ContextVar[dict] = ContextVar("glueprint_dashboard_scope")


def _asked_scope(request: Request) -> tuple[str | None, str | None]:
    account, region = request.query_params.get("account"), request.query_params.get("region")
    if account is None and region is None:
        account, _, region = request.cookies.get(SCOPE_COOKIE, "").partition(":")
    return account or None, region or None


def _in_scope(ctx):
    """ctx's scope, or the one the page was asked to show (only one that exists: a page never makes one)."""
    shown = _shown.get(None)
    if shown is None:
        return ctx
    if shown["ctx"] is None:
        account, region = shown["asked"]
        scope = Scope(account or ctx.account_id, region or ctx.region)
        found = ctx.scopes.existing(scope) if ctx.scopes is not None else (ctx if scope == (ctx.account_id, ctx.region) else None)
        if found is None:
            raise errors.EntityNotFoundException(f"Nothing was ever stored in account {scope.account_id}, region {scope.region}.")
        shown["ctx"] = found
    return shown["ctx"]


def call(ctx, operation: str, service: str = SERVICE_NAME, **params) -> dict:
    """The dashboard reads through the same handlers as the API (Glue's, or CloudWatch Logs'),
    in the account and region the page shows."""
    return unrendered(registry.handler(operation, service)(_in_scope(ctx), params))


def paged(request: Request, **params) -> dict:
    """params plus the page's NextToken, if the address carries one."""
    token = request.query_params.get("token")
    return {**params, **({"NextToken": token} if token else {})}


def page(name: str, **values) -> HTMLResponse:
    shown = _shown.get(None)
    scope = shown and shown["ctx"]
    values.setdefault("scope", Scope(scope.account_id, scope.region) if scope is not None else None)
    return HTMLResponse(templates.get_template(name).render(**values))


def _view_in_scope(view, request: Request, asked: tuple[str | None, str | None]) -> HTMLResponse:
    _shown.set({"asked": asked, "ctx": None})  # in the thread that renders the page
    return view(request)


def threaded(view):
    """An endpoint running a page off the event loop, a service error answered as a page."""

    async def endpoint(request: Request) -> HTMLResponse:
        asked = _asked_scope(request)
        try:
            response = await run_in_threadpool(_view_in_scope, view, request, asked)
        except ServiceError as exc:
            status = 404 if exc.code in ("EntityNotFoundException", "ResourceNotFoundException") else 400
            return HTMLResponse(templates.get_template("error.html").render(code=exc.code, message=exc.message), status)
        if "account" in request.query_params or "region" in request.query_params:  # kept while browsing on
            response.set_cookie(SCOPE_COOKIE, ":".join(part or "" for part in asked), httponly=True, samesite="lax")
        return response

    return endpoint
