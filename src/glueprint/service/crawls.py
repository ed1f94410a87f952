"""Crawler runs: StartCrawler, StopCrawler, GetCrawlerMetrics."""

import statistics

from ..orchestration.conductor import Conductor
from ..protocol import errors
from ..protocol.model import operation as model_operation
from ..store import entities as entity_store
from ..store import workflow_runs as store
from .context import ServiceContext
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
    limit = p.get("MaxResults", model_operation("GetCrawlerMetrics").input_shape.members["MaxResults"].metadata["max"])
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
