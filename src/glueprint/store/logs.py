"""SQL for CloudWatch Logs: groups and streams made on first write, events appended in batches,
and keyset pages of each. Times are epoch milliseconds."""

from sqlalchemy import Connection, case, func, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from .schema import log_events, log_groups, log_streams

_DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _upsert(conn: Connection, table):
    return _DIALECT_INSERT[conn.dialect.name](table)


def append(conn: Connection, group: str, stream: str, events: list[tuple[int, str]], now_ms: int) -> None:
    """Add events (timestamp, message) to a stream, making it and its group when new."""
    if not events:
        return
    conn.execute(_upsert(conn, log_groups).values(name=group, created_on=now_ms).on_conflict_do_nothing())
    first, last = min(t for t, _ in events), max(t for t, _ in events)
    size = sum(len(message.encode()) for _, message in events)
    new = _upsert(conn, log_streams).values(
        log_group=group,
        name=stream,
        created_on=now_ms,
        first_event=first,
        last_event=last,
        last_ingestion=now_ms,
        stored_bytes=size,
    )
    c, given = log_streams.c, new.excluded
    conn.execute(
        new.on_conflict_do_update(
            index_elements=[c.log_group, c.name],
            set_={
                "first_event": case((c.first_event < given.first_event, c.first_event), else_=given.first_event),
                "last_event": case((c.last_event > given.last_event, c.last_event), else_=given.last_event),
                "last_ingestion": given.last_ingestion,
                "stored_bytes": c.stored_bytes + given.stored_bytes,
            },
        )
    )
    rows = [dict(log_group=group, log_stream=stream, timestamp=t, ingestion_time=now_ms, message=m) for t, m in events]
    conn.execute(insert(log_events), rows)


def group(conn: Connection, name: str) -> dict | None:
    row = conn.execute(select(log_groups).where(log_groups.c.name == name)).mappings().first()
    return dict(row) if row else None


def stream(conn: Connection, group_name: str, name: str) -> dict | None:
    query = select(log_streams).where(log_streams.c.log_group == group_name, log_streams.c.name == name)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def _prefixed(column, prefix: str):
    """column starts with prefix, exactly: LIKE's case rules differ by database, and a range
    of names follows PostgreSQL's collation, not the characters."""
    return func.substr(column, 1, len(prefix)) == prefix


def group_page(conn: Connection, prefix: str | None, after: str | None, limit: int, descending: bool = False) -> list[dict]:
    query = select(log_groups)
    if prefix:
        query = query.where(_prefixed(log_groups.c.name, prefix))
    if after is not None:
        query = query.where(log_groups.c.name < after if descending else log_groups.c.name > after)
    order = log_groups.c.name.desc() if descending else log_groups.c.name
    return [dict(row) for row in conn.execute(query.order_by(order).limit(limit)).mappings()]


def stream_page(
    conn: Connection, group_name: str, prefix: str | None, by_last_event: bool, descending: bool, after: list | None, limit: int
) -> list[dict]:
    """A group's streams by name, or by (last event, name); after: the position to go on from."""
    c = log_streams.c
    key = (c.last_event, c.name) if by_last_event else (c.name,)
    query = select(log_streams).where(c.log_group == group_name)
    if prefix:
        query = query.where(_prefixed(c.name, prefix))
    if after is not None:
        position = tuple_(*key)
        query = query.where(position < tuple_(*after) if descending else position > tuple_(*after))
    order = [k.desc() for k in key] if descending else list(key)
    return [dict(row) for row in conn.execute(query.order_by(*order).limit(limit)).mappings()]


def stream_events(
    conn: Connection,
    group_name: str,
    stream_name: str,
    start: int | None,
    end: int | None,
    after: tuple[int, int] | None,
    before: tuple[int, int] | None,
    limit: int,
    newest_first: bool,
) -> list[dict]:
    """A stream's events with start <= timestamp < end, strictly after or before a position
    (timestamp, seq), the oldest or the newest first."""
    c = log_events.c
    query = select(c.seq, c.timestamp, c.ingestion_time, c.message).where(c.log_group == group_name, c.log_stream == stream_name)
    if start is not None:
        query = query.where(c.timestamp >= start)
    if end is not None:
        query = query.where(c.timestamp < end)
    if after is not None:
        query = query.where(tuple_(c.timestamp, c.seq) > tuple_(*after))
    if before is not None:
        query = query.where(tuple_(c.timestamp, c.seq) < tuple_(*before))
    order = (c.timestamp.desc(), c.seq.desc()) if newest_first else (c.timestamp, c.seq)
    return [dict(row) for row in conn.execute(query.order_by(*order).limit(limit)).mappings()]


def group_events(
    conn: Connection,
    group_name: str,
    streams: list[str] | None,
    prefix: str | None,
    start: int | None,
    end: int | None,
    after: tuple[int, int] | None,
    limit: int,
) -> list[dict]:
    """A group's events with start <= timestamp <= end, in (timestamp, seq) order after a
    position, from the named streams or those whose names start with prefix."""
    c = log_events.c
    query = select(c.seq, c.log_stream, c.timestamp, c.ingestion_time, c.message).where(c.log_group == group_name)
    if streams:
        query = query.where(c.log_stream.in_(streams))
    if prefix:
        query = query.where(_prefixed(c.log_stream, prefix))
    if start is not None:
        query = query.where(c.timestamp >= start)
    if end is not None:
        query = query.where(c.timestamp <= end)
    if after is not None:
        query = query.where(tuple_(c.timestamp, c.seq) > tuple_(*after))
    return [dict(row) for row in conn.execute(query.order_by(c.timestamp, c.seq).limit(limit)).mappings()]
