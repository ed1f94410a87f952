"""The dashboard's pages: blueprints, a blueprint's runs, a run with its workflow graph, a
workflow's runs, and a workflow run with its graph coloured by the state of each node."""

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from ..protocol.errors import ServiceError
from ..protocol.serialize import unrendered
from ..service import registry
from . import svg

PAGE = 25
OPEN_STATES = {"RUNNING", "ROLLING_BACK", "CREATING", "UPDATING", "STOPPING"}


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if epoch else ""


def _duration(run: dict) -> str:
    if not run.get("CompletedOn"):
        return "running" if run.get("State") in OPEN_STATES else ""
    seconds = run["CompletedOn"] - run["StartedOn"]
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


templates = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape())
templates.filters.update(when=_when, duration=_duration)


def _call(ctx, operation: str, **params) -> dict:
    """The dashboard reads through the same handlers as the API."""
    return unrendered(registry.handler(operation)(ctx, params))


def _page(name: str, **values) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**values))


def routes(ctx) -> list[Route]:
    def blueprints_page(request: Request) -> HTMLResponse:
        token = request.query_params.get("token")
        listing = _call(ctx, "ListBlueprints", MaxResults=PAGE, **({"NextToken": token} if token else {}))
        found = (
            _call(ctx, "BatchGetBlueprints", Names=listing["Blueprints"], IncludeBlueprint=True) if listing["Blueprints"] else {}
        )
        rows = found.get("Blueprints", [])
        return _page(
            "blueprints.html",
            blueprints=rows,
            next_token=listing.get("NextToken"),
            refresh=any(b["Status"] in OPEN_STATES for b in rows),
        )

    def runs_page(request: Request) -> HTMLResponse:
        name = request.path_params["name"]
        token = request.query_params.get("token")
        blueprint = _call(ctx, "GetBlueprint", Name=name, IncludeBlueprint=True)["Blueprint"]
        page = _call(ctx, "GetBlueprintRuns", BlueprintName=name, MaxResults=PAGE, **({"NextToken": token} if token else {}))
        runs = page["BlueprintRuns"]
        return _page(
            "runs.html",
            blueprint=blueprint,
            runs=runs,
            token=token,
            next_token=page.get("NextToken"),
            refresh=any(r["State"] in OPEN_STATES for r in runs),
        )

    def run_page(request: Request) -> HTMLResponse:
        run = _call(ctx, "GetBlueprintRun", BlueprintName=request.path_params["name"], RunId=request.path_params["run_id"])[
            "BlueprintRun"
        ]
        workflow, graph_svg = None, ""
        if run.get("WorkflowName"):
            try:
                workflow = _call(ctx, "GetWorkflow", Name=run["WorkflowName"], IncludeGraph=True)["Workflow"]
                graph_svg = svg.render(workflow.get("Graph") or {})
            except ServiceError:
                workflow = None
        return _page("run.html", run=run, workflow=workflow, graph_svg=graph_svg, refresh=run["State"] in OPEN_STATES)

    def workflow_runs_page(request: Request) -> HTMLResponse:
        name = request.path_params["name"]
        token = request.query_params.get("token")
        workflow = _call(ctx, "GetWorkflow", Name=name, IncludeGraph=True)["Workflow"]
        page = _call(
            ctx, "GetWorkflowRuns", Name=name, MaxResults=PAGE, IncludeGraph=False, **({"NextToken": token} if token else {})
        )
        runs = page["Runs"]
        return _page(
            "workflow_runs.html",
            workflow=workflow,
            runs=runs,
            graph_svg=svg.render(workflow.get("Graph") or {}),
            token=token,
            next_token=page.get("NextToken"),
            refresh=any(r["Status"] in OPEN_STATES for r in runs),
        )

    def workflow_run_page(request: Request) -> HTMLResponse:
        name, run_id = request.path_params["name"], request.path_params["run_id"]
        run = _call(ctx, "GetWorkflowRun", Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        states, nodes = {}, []
        for node in run["Graph"]["Nodes"]:
            for item in (node.get("JobDetails") or {}).get("JobRuns", []) + (node.get("CrawlerDetails") or {}).get("Crawls", []):
                state = item.get("JobRunState") or item.get("State")
                states[node["Name"]] = state  # runs are listed oldest first: the last one wins
                started = item.get("StartedOn")
                nodes.append(
                    {
                        "name": node["Name"],
                        "state": state,
                        "started": started,
                        "trigger": item.get("TriggerName"),
                        "error": item.get("ErrorMessage"),
                        "output": item.get("Output"),
                    }
                )
        for node in run["Graph"]["Nodes"]:  # a trigger whose actions started in this run fired
            trigger = (node.get("TriggerDetails") or {}).get("Trigger")
            if trigger and any(n["trigger"] == trigger["Name"] for n in nodes):
                states[node["Name"]] = "FIRED"
        nodes.sort(key=lambda n: n["started"] or 0)
        return _page(
            "workflow_run.html",
            run=run,
            nodes=nodes,
            graph_svg=svg.render(run["Graph"], states),
            refresh=run["Status"] in OPEN_STATES,
        )

    def threaded(page):
        async def endpoint(request: Request) -> HTMLResponse:
            try:
                return await run_in_threadpool(page, request)
            except ServiceError as exc:
                status = 404 if exc.code == "EntityNotFoundException" else 400
                return HTMLResponse(templates.get_template("error.html").render(code=exc.code, message=exc.message), status)

        return endpoint

    return [
        Route("/ui", threaded(blueprints_page)),
        Route("/ui/", lambda request: RedirectResponse("/ui")),
        Route("/ui/blueprints/{name}", threaded(runs_page)),
        Route("/ui/blueprints/{name}/runs/{run_id}", threaded(run_page)),
        Route("/ui/workflows/{name}", threaded(workflow_runs_page)),
        Route("/ui/workflows/{name}/runs/{run_id}", threaded(workflow_run_page)),
    ]
