"""SQL for crawler schedules: one row per crawler whose Schedule is SCHEDULED, with its next crawl time."""

from sqlalchemy import Connection, delete, insert, select, update

from .schema import crawler_schedules


def add(conn: Connection, crawler: str, expression: str, next_fire: float) -> None:
    conn.execute(insert(crawler_schedules).values(crawler_name=crawler, expression=expression, next_fire=next_fire))


def drop(conn: Connection, crawler: str) -> None:
    conn.execute(delete(crawler_schedules).where(crawler_schedules.c.crawler_name == crawler))


def due(now):
    return crawler_schedules.c.next_fire <= now


def claim_due(conn: Connection, now: float, skip_locked: bool) -> tuple[str, str] | None:
    query = select(crawler_schedules).where(due(now)).order_by(crawler_schedules.c.next_fire).limit(1)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).first()
    return (row.crawler_name, row.expression) if row else None


def move(conn: Connection, crawler: str, next_fire: float) -> None:
    conn.execute(update(crawler_schedules).where(crawler_schedules.c.crawler_name == crawler).values(next_fire=next_fire))
