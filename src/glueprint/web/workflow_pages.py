"""Workflows: the index with each one's last run, a workflow with its graph and runs, and a
run with its graph coloured by the state of each node."""

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from . import run_view, svg
from .pages import OPEN_STATES, PAGE, call, page, paged, threaded


def routes(ctx) -> list[Route]:
    def workflows_page(request: Request) -> HTMLResponse:
        listing = call(ctx, "ListWorkflows", **paged(request, MaxResults=PAGE))
        names = listing.get("Workflows", [])
        found = call(ctx, "BatchGetWorkflows", Names=names, IncludeGraph=False)["Workflows"] if names else []
        found.sort(key=lambda w: w["Name"])
        return page(
            "workflows.html",
            workflows=found,
            token=request.query_params.get("token"),
            next_token=listing.get("NextToken"),
            refresh=any((w.get("LastRun") or {}).get("Status") in OPEN_STATES for w in found),
        )

    def workflow_runs_page(request: Request) -> HTMLResponse:
        name = request.path_params["name"]
        workflow = call(ctx, "GetWorkflow", Name=name, IncludeGraph=True)["Workflow"]
        found = call(ctx, "GetWorkflowRuns", **paged(request, Name=name, MaxResults=PAGE, IncludeGraph=False))
        runs = found["Runs"]
        return page(
            "workflow_runs.html",
            workflow=workflow,
            runs=runs,
            graph_svg=svg.render(workflow.get("Graph") or {}),
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
            refresh=any(r["Status"] in OPEN_STATES for r in runs),
        )

    def workflow_run_page(request: Request) -> HTMLResponse:
        name, run_id = request.path_params["name"], request.path_params["run_id"]
        run = call(ctx, "GetWorkflowRun", Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        workflow = call(ctx, "GetWorkflow", Name=name)["Workflow"]
        states, nodes = run_view.node_runs(run["Graph"])
        return page(
            "workflow_run.html",
            run=run,
            workflow=workflow,
            nodes=nodes,
            graph_svg=svg.render(run["Graph"], states),
            refresh=run["Status"] in OPEN_STATES,
        )

    return [
        Route("/ui/workflows", threaded(workflows_page)),
        Route("/ui/workflows/{name}", threaded(workflow_runs_page)),
        Route("/ui/workflows/{name}/runs/{run_id}", threaded(workflow_run_page)),
    ]
