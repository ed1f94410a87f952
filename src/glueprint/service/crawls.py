"""Crawler runs: StartCrawler, StopCrawler, GetCrawlerMetrics."""

import statistics

from ..orchestration.conductor import Conductor
from ..protocol import errors
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
    with ctx.db.read() as conn:
        if p.get("CrawlerNameList"):
            found = entity_store.get_many(conn, "crawler", p["CrawlerNameList"])
            crawlers = [found[n] for n in p["CrawlerNameList"] if n in found]
        else:
            crawlers = entity_store.page(conn, "crawler", None, 1000)
    return {"CrawlerMetricsList": [_metrics(c) for c in crawlers[: p.get("MaxResults", 1000)]]}
