"""Crawler runs: StartCrawler, StopCrawler, GetCrawlerMetrics, ListCrawls."""

import json
import statistics
from datetime import UTC, datetime

from ..domain.context import ServiceContext
from ..orchestration.conductor import Conductor
from ..protocol import errors
from ..protocol.model import member_limits
from ..store import entities as entity_store
from ..store import workflow_runs as store
from .paging import filtered_page
from .registry import operation


@operation("StartCrawler")
def start_crawler(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        Conductor(ctx.outcomes).start_crawl(conn, ctx.clock(), p["Name"], from_api=True)
    ctx.on_work_added()
    return {}


@operation("StopCrawler")
def stop_crawler(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"]
    with ctx.db.write() as conn:
        crawler = entity_store.get(conn, "crawler", name)
        if crawler is None:
            raise errors.EntityNotFoundException(f"Crawler with name {name} does not exist")
        crawls = store.open_node_runs(conn, "crawl", name)
        if not crawls:
            raise errors.CrawlerNotRunningException(f"Crawler with name {name} is not running")
        if all(c["_state"] == "STOPPING" for c in crawls):
            raise errors.CrawlerStoppingException(f"Crawler with name {name} is already stopping")
        for crawl in crawls:
            store.mark_stopping(conn, crawl["run_id"], ctx.clock())
        crawler["State"] = "STOPPING"
        entity_store.replace(conn, "crawler", name, crawler)
    ctx.on_work_added()
    return {}


def _metrics(crawler: dict) -> dict:
    history = crawler.get("_metrics") or {}
    runtimes = history.get("runtimes") or []
    running = crawler.get("State") == "RUNNING"
    return {
        "CrawlerName": crawler["Name"],
        "TimeLeftSeconds": 0.0,
        "StillEstimating": running,
        "LastRuntimeSeconds": runtimes[-1] if runtimes else 0.0,
        "MedianRuntimeSeconds": statistics.median(runtimes) if runtimes else 0.0,
        "TablesCreated": history.get("TablesCreated", 0),
        "TablesUpdated": history.get("TablesUpdated", 0),
        "TablesDeleted": history.get("TablesDeleted", 0),
    }


@operation("GetCrawlerMetrics", read_only=True)
def get_crawler_metrics(ctx: ServiceContext, p: dict) -> dict:
    """Pages of MaxResults: of the named crawlers in the order named, or of all by name."""
    names = p.get("CrawlerNameList")
    limit = p.get("MaxResults", member_limits("GetCrawlerMetricsRequest", "MaxResults")["max"])
    scope = {"CrawlerNameList": names}
    position = ctx.tokens.position("GetCrawlerMetrics", scope, p.get("NextToken"), types=(int,) if names else (str,))
    with ctx.db.read() as conn:
        if names:
            start = position[0] if position else 0
            wanted = names[start : start + limit]
            found = entity_store.get_many(conn, "crawler", wanted)
            crawlers, more = [found[n] for n in wanted if n in found], start + limit < len(names)
            following = [start + limit]
        else:
            crawlers = entity_store.page(conn, "crawler", position[0] if position else None, limit + 1)
            crawlers, more = crawlers[:limit], len(crawlers) > limit
            following = [crawlers[-1]["Name"]] if crawlers else []
    result = {"CrawlerMetricsList": [_metrics(c) for c in crawlers]}
    if more:
        result["NextToken"] = ctx.tokens.issue("GetCrawlerMetrics", scope, following)
    return result


# ListCrawls: a crawler's crawls, newest first, as CrawlerHistory

HISTORY_STATES = {"SUCCEEDED": "COMPLETED", "FAILED": "FAILED", "CANCELLED": "STOPPED"}  # open ones are RUNNING
_COMPARE = {
    "GT": lambda a, b: a > b,
    "GE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LE": lambda a, b: a <= b,
    "EQ": lambda a, b: a == b,
    "NE": lambda a, b: a != b,
}


def _summary(metrics: dict) -> str | None:
    """What a crawl changed, in the JSON form AWS's crawl history shows."""
    changes = {
        "TABLE": {
            "ADD": metrics.get("TablesCreated", 0),
            "UPDATE": metrics.get("TablesUpdated", 0),
            "DELETE": metrics.get("TablesDeleted", 0),
        },
        "PARTITION": {"ADD": metrics.get("PartitionsAdded", 0)},
    }
    shown = {kind: {op: {"Count": n} for op, n in ops.items() if n} for kind, ops in changes.items()}
    shown = {kind: ops for kind, ops in shown.items() if ops}
    return json.dumps(shown, separators=(",", ":")) if shown else None


def history(node: dict) -> dict:
    wire = node["wire"]
    view = {
        "CrawlId": node["run_id"],
        "State": HISTORY_STATES.get(node["_state"], "RUNNING"),
        "StartTime": wire["StartedOn"],
        "EndTime": wire.get("CompletedOn"),
        "ErrorMessage": wire.get("ErrorMessage"),
        "Summary": _summary(node.get("metrics") or {}),
        "LogGroup": "/aws-glue/crawlers",
        "LogStream": node["name"],
        "MessagePrefix": node["run_id"],
        "DPUHour": 0.0,
    }
    return {k: v for k, v in view.items() if v is not None}


def _time(text: str) -> float:
    """A filter's time: epoch seconds or milliseconds, or ISO 8601."""
    try:
        number = float(text)
        return number / 1000 if number > 1e11 else number
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidInputException(f"Invalid FieldValue {text!r}: give a time as epoch seconds or ISO 8601") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _condition(f: dict):
    field, op, text = f.get("FieldName"), f.get("FilterOperator"), f.get("FieldValue")
    if field is None or op is None or text is None:
        raise errors.InvalidInputException("A crawls filter needs FieldName, FilterOperator and FieldValue.")
    if field in ("START_TIME", "END_TIME"):
        wanted, read = _time(text), (lambda h, k="StartTime" if field == "START_TIME" else "EndTime": h.get(k))
    elif field == "DPU_HOUR":
        try:
            wanted = float(text)
        except ValueError:
            raise errors.InvalidInputException(f"Invalid FieldValue {text!r} for DPU_HOUR: give a number") from None
        read = lambda h: h["DPUHour"]  # noqa: E731
    else:
        key = "CrawlId" if field == "CRAWL_ID" else "State"
        wanted, read = text, (lambda h, k=key: h[k])
        if op not in ("EQ", "NE"):
            raise errors.InvalidInputException(f"FilterOperator {op} does not apply to {field}: use EQ or NE.")
    compare = _COMPARE[op]

    def holds(h: dict) -> bool:
        value = read(h)
        return value is not None and compare(value, wanted)

    return holds


@operation("ListCrawls", read_only=True)
def list_crawls(ctx: ServiceContext, p: dict) -> dict:
    name, limit = p["CrawlerName"], p.get("MaxResults", member_limits("ListCrawlsRequest", "MaxResults")["max"])
    conditions = [_condition(f) for f in p.get("Filters") or []]
    scope = {"CrawlerName": name, "Filters": p.get("Filters") or []}
    position = ctx.tokens.position("ListCrawls", scope, p.get("NextToken"), types=(int,))
    with ctx.db.read() as conn:
        if not entity_store.exists(conn, "crawler", name):
            raise errors.EntityNotFoundException(f"Crawler with name {name} does not exist")
        nodes, after = filtered_page(
            lambda before, n: store.node_run_page(conn, "crawl", name, before, n),
            key=lambda node: node["_seq"],
            keep=lambda node: all(c(history(node)) for c in conditions),
            limit=limit,
            after=position[0] if position else None,
        )
    result = {"Crawls": [history(n) for n in nodes]}
    if after is not None:
        result["NextToken"] = ctx.tokens.issue("ListCrawls", scope, [after])
    return result
