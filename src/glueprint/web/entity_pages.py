"""A job with its runs, and a crawler with its crawls: what a graph node links to."""

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .pages import OPEN_STATES, PAGE, call, page, paged, threaded


def routes(ctx) -> list[Route]:
    def job_page(request: Request) -> HTMLResponse:
        name = request.path_params["name"]
        job = call(ctx, "GetJob", JobName=name)["Job"]
        found = call(ctx, "GetJobRuns", **paged(request, JobName=name, MaxResults=PAGE))
        runs = found.get("JobRuns", [])
        # The workflows the job belongs to: those of the triggers that start it.
        starters = call(ctx, "GetTriggers", DependentJobName=name, MaxResults=200).get("Triggers", [])
        return page(
            "job.html",
            job=job,
            runs=runs,
            workflows=sorted({t["WorkflowName"] for t in starters if t.get("WorkflowName")}),
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
            refresh=any(r["JobRunState"] in OPEN_STATES for r in runs),
        )

    def crawler_page(request: Request) -> HTMLResponse:
        crawler = call(ctx, "GetCrawler", Name=request.path_params["name"])["Crawler"]
        metrics = call(ctx, "GetCrawlerMetrics", CrawlerNameList=[crawler["Name"]]).get("CrawlerMetricsList", [])
        found = call(ctx, "ListCrawls", **paged(request, CrawlerName=crawler["Name"], MaxResults=PAGE))
        return page(
            "crawler.html",
            crawler=crawler,
            metrics=metrics[0] if metrics else {},
            crawls=found.get("Crawls", []),
            token=request.query_params.get("token"),
            next_token=found.get("NextToken"),
            refresh=crawler.get("State") in ("RUNNING", "STOPPING"),
        )

    return [
        Route("/ui/jobs/{name}", threaded(job_page)),
        Route("/ui/crawlers/{name}", threaded(crawler_page)),
    ]
