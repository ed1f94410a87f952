"""A crawler's schedule on its own: StartCrawlerSchedule, StopCrawlerSchedule,
UpdateCrawlerSchedule. The crawler's Schedule {ScheduleExpression, State} is what the
scheduler follows (orchestration/crawler_schedules.py): SCHEDULED crawls on its cron,
NOT_SCHEDULED keeps the expression and does not crawl.
"""

from ..domain import rules, schedule_rows
from ..domain.context import ServiceContext
from ..domain.entity_texts import not_found
from ..protocol import errors
from ..store import entities as store
from .registry import operation


def _change(ctx: ServiceContext, name: str, change) -> None:
    """Apply change(crawler) -> new Schedule (or None) and keep the scheduler in step."""
    now = ctx.clock()
    with ctx.db.write() as conn:
        crawler = store.get(conn, "crawler", name, lock=True)
        if crawler is None:
            raise errors.EntityNotFoundException(not_found("crawler", name))
        crawler = change(crawler, crawler.get("Schedule") or {}, now)
        store.replace(conn, "crawler", name, crawler)
        schedule_rows.sync_crawler(conn, crawler, now)


@operation("StartCrawlerSchedule")
def start_crawler_schedule(ctx: ServiceContext, p: dict) -> dict:
    def start(crawler: dict, schedule: dict, now: float) -> dict:
        if not schedule.get("ScheduleExpression"):
            raise errors.NoScheduleException(f"Crawler {crawler['Name']} has no schedule to start.")
        if schedule.get("State") == "SCHEDULED":
            raise errors.SchedulerRunningException(f"The schedule of crawler {crawler['Name']} is already SCHEDULED.")
        return {**crawler, "Schedule": {**schedule, "State": "SCHEDULED"}}

    _change(ctx, p["CrawlerName"], start)
    return {}


@operation("StopCrawlerSchedule")
def stop_crawler_schedule(ctx: ServiceContext, p: dict) -> dict:
    """A crawl already running goes on (AWS: it "does not stop the crawler if it is already running")."""

    def stop(crawler: dict, schedule: dict, now: float) -> dict:
        if schedule.get("State") != "SCHEDULED":
            raise errors.SchedulerNotRunningException(f"The schedule of crawler {crawler['Name']} is not SCHEDULED.")
        return {**crawler, "Schedule": {**schedule, "State": "NOT_SCHEDULED"}}

    _change(ctx, p["CrawlerName"], stop)
    return {}


@operation("UpdateCrawlerSchedule")
def update_crawler_schedule(ctx: ServiceContext, p: dict) -> dict:
    """A new cron keeps the schedule's State (a crawler that had none gets SCHEDULED, as
    CreateCrawler gives it); an empty one removes the schedule, as UpdateCrawler's does."""
    expression = p.get("Schedule")
    if problem := rules.any_schedule_problem(expression or None):
        raise errors.InvalidInputException(problem)

    def update(crawler: dict, schedule: dict, now: float) -> dict:
        if expression is None:
            return crawler
        state = schedule.get("State") or "SCHEDULED"
        new = {"ScheduleExpression": expression, "State": state} if expression else None
        return {**crawler, "Schedule": new, "LastUpdated": now, "Version": crawler.get("Version", 1) + 1}

    _change(ctx, p["CrawlerName"], update)
    return {}
