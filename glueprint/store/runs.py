"""SQL for blueprint runs: recording them, paging them newest first, and claiming them for work."""

from sqlalchemy import Connection, and_, insert, or_, select, update

from .schema import runs

PUBLIC = [c for c in runs.c if c.name not in ("claimed_by", "lease_until")]


def add(conn: Connection, **values) -> None:
    conn.execute(insert(runs).values(**values))


def get(conn: Connection, blueprint_name: str, run_id: str):
    query = select(*PUBLIC).where(runs.c.run_id == run_id, runs.c.blueprint_name == blueprint_name)
    return conn.execute(query).mappings().first()


def page(conn: Connection, blueprint_name: str, before_seq: int | None, limit: int) -> list:
    """Newest first; a keyset on (blueprint_name, seq) so every page costs the same."""
    query = select(*PUBLIC).where(runs.c.blueprint_name == blueprint_name)
    if before_seq is not None:
        query = query.where(runs.c.seq < before_seq)
    return list(conn.execute(query.order_by(runs.c.seq.desc()).limit(limit)).mappings())


def claim(conn: Connection, worker: str, now: float, lease_s: float, skip_locked: bool):
    """Take the oldest unclaimed (or lease-expired) RUNNING/ROLLING_BACK run; None if there is none."""
    open_states = runs.c.state.in_(("RUNNING", "ROLLING_BACK"))
    free = or_(runs.c.claimed_by.is_(None), runs.c.lease_until < now)
    query = select(*PUBLIC, runs.c.claimed_by).where(and_(open_states, free)).order_by(runs.c.seq).limit(1)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    conn.execute(update(runs).where(runs.c.seq == row["seq"]).values(claimed_by=worker, lease_until=now + lease_s))
    return row


def heartbeat(conn: Connection, worker: str, run_ids: list[str], lease_until: float) -> None:
    if run_ids:
        conn.execute(update(runs).where(runs.c.run_id.in_(run_ids), runs.c.claimed_by == worker).values(lease_until=lease_until))


def change(conn: Connection, run_id: str, **values) -> bool:
    return conn.execute(update(runs).where(runs.c.run_id == run_id).values(**values)).rowcount > 0


def change_claimed(conn: Connection, run_id: str, worker: str, **values) -> bool:
    """Update a run only while this worker still holds it."""
    query = update(runs).where(runs.c.run_id == run_id, runs.c.claimed_by == worker).values(**values)
    return conn.execute(query).rowcount > 0
