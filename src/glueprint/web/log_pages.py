"""A log stream, as CloudWatch Logs' GetLogEvents reads it: what a job run printed or a crawler
logged, oldest first, a page at a time."""

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..service.logs import LOGS
from .pages import call, page, threaded

LINES = 500  # events a page shows


def routes(ctx) -> list[Route]:
    def log_page(request: Request) -> HTMLResponse:
        group, stream = request.query_params.get("group", ""), request.query_params.get("stream", "")
        token = request.query_params.get("token")
        found = call(
            ctx,
            "GetLogEvents",
            service=LOGS,
            logGroupName=group,
            logStreamName=stream,
            startFromHead=True,
            limit=LINES,
            **({"nextToken": token} if token else {}),
        )
        events = found.get("events", [])
        return page(
            "log.html",
            group=group,
            stream=stream,
            events=events,
            token=token,
            next_token=found.get("nextForwardToken") if len(events) == LINES else None,  # a full page: maybe more
        )

    return [Route("/ui/logs", threaded(log_page))]
