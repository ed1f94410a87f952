"""Crawler schedules: a crawler whose Schedule is SCHEDULED crawls on its cron, the way a
scheduled trigger fires (scheduler.py): a row holds the next crawl time (domain/schedule_rows.py
writes it), and the worker that finds it due starts the crawl and moves it on, in one
transaction. A crawl due while the crawler still runs is skipped, as AWS skips it.
"""

from sqlalchemy import Connection

from ..domain.schedule_rows import crawler_expression, next_fire
from ..store import crawler_schedules as store
from ..store import entities as entity_store
from .conductor import Conductor


def fire_due(conn: Connection, conductor: Conductor, now: float, skip_locked: bool) -> bool:
    """Start one due scheduled crawl (scheduler.fire_one runs it); False when none is due."""
    due = store.claim_due(conn, now, skip_locked)
    if due is None:
        return False
    name, expression = due
    crawler = entity_store.get(conn, "crawler", name)
    if crawler is None or crawler_expression(crawler) != expression:
        store.drop(conn, name)
        return True
    store.move(conn, name, next_fire(expression, now))
    conductor.start_crawl(conn, now, name)
    return True
