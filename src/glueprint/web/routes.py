"""The dashboard's pages: blueprints and their runs here; workflows, jobs and crawlers, and
the Data Catalog in modules of their own."""

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from ..protocol.errors import ServiceError
from . import catalog_pages, entity_pages, log_pages, svg, workflow_pages
from .pages import OPEN_STATES, PAGE, call, page, paged, threaded


def _blueprint_routes(ctx) -> list[Route]:
    def blueprints_page(request: Request) -> HTMLResponse:
        listing = call(ctx, "ListBlueprints", **paged(request, MaxResults=PAGE))
        found = (
            call(ctx, "BatchGetBlueprints", Names=listing["Blueprints"], IncludeBlueprint=True) if listing["Blueprints"] else {}
        )
        rows = found.get("Blueprints", [])
        return page(
            "blueprints.html",
            blueprints=rows,
            next_token=listing.get("NextToken"),
            refresh=any(b["Status"] in OPEN_STATES for b in rows),
        )

    def runs_page(request: Request) -> HTMLResponse:
        name = request.path_params["name"]
        blueprint = call(ctx, "GetBlueprint", Name=name, IncludeBlueprint=True)["Blueprint"]
        found = call(ctx, "GetBlueprintRuns", **paged(request, BlueprintName=name, MaxResults=PAGE))
        runs = found["BlueprintRuns"]
        return page(
            "runs.html",
            blueprint=blueprint,
            runs=runs,
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
            refresh=any(r["State"] in OPEN_STATES for r in runs),
        )

    def run_page(request: Request) -> HTMLResponse:
        run = call(ctx, "GetBlueprintRun", BlueprintName=request.path_params["name"], RunId=request.path_params["run_id"])[
            "BlueprintRun"
        ]
        workflow, graph_svg = None, ""
        if run.get("WorkflowName"):
            try:
                workflow = call(ctx, "GetWorkflow", Name=run["WorkflowName"], IncludeGraph=True)["Workflow"]
                graph_svg = svg.render(workflow.get("Graph") or {})
            except ServiceError:
                workflow = None
        return page("run.html", run=run, workflow=workflow, graph_svg=graph_svg, refresh=run["State"] in OPEN_STATES)

    return [
        Route("/ui", threaded(blueprints_page)),
        Route("/ui/", lambda request: RedirectResponse("/ui")),
        Route("/ui/blueprints/{name}", threaded(runs_page)),
        Route("/ui/blueprints/{name}/runs/{run_id}", threaded(run_page)),
    ]


def routes(ctx) -> list[Route]:
    return [
        *_blueprint_routes(ctx),
        *workflow_pages.routes(ctx),
        *entity_pages.routes(ctx),
        *catalog_pages.routes(ctx),
        *log_pages.routes(ctx),
    ]
