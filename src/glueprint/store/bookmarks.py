"""SQL for job bookmarks: a job's entries in Version order; the newest is its bookmark."""

from sqlalchemy import Connection, delete, insert, select

from .schema import job_bookmarks as t


def _entry(row) -> dict:
    return {
        "JobName": row.job_name,
        "Version": row.version,
        "Run": row.run,
        "Attempt": row.attempt,
        "PreviousRunId": row.previous_run_id,
        "RunId": row.run_id,
        "JobBookmark": row.bookmark,
    }


def current(conn: Connection, job: str) -> dict | None:
    row = conn.execute(select(t).where(t.c.job_name == job).order_by(t.c.version.desc()).limit(1)).first()
    return _entry(row) if row else None


def of_run(conn: Connection, job: str, run_id: str, first: bool = False) -> dict | None:
    """The entry a run left (its last, or with first, its first)."""
    order = t.c.version.asc() if first else t.c.version.desc()
    row = conn.execute(select(t).where(t.c.job_name == job, t.c.run_id == run_id).order_by(order).limit(1)).first()
    return _entry(row) if row else None


def before(conn: Connection, job: str, version: int) -> dict | None:
    row = conn.execute(select(t).where(t.c.job_name == job, t.c.version < version).order_by(t.c.version.desc()).limit(1)).first()
    return _entry(row) if row else None


def add(conn: Connection, job: str, run_id: str, attempt: int, bookmark: str) -> dict:
    """A new entry after the current one: Run counts the distinct runs that committed."""
    last = current(conn, job)
    if last is None:
        version, run, previous = 1, 1, ""
    elif last["RunId"] == run_id:
        version, run, previous = last["Version"] + 1, last["Run"], last["PreviousRunId"]
    else:
        version, run, previous = last["Version"] + 1, last["Run"] + 1, last["RunId"]
    conn.execute(
        insert(t).values(
            job_name=job,
            version=version,
            run=run,
            attempt=attempt,
            run_id=run_id,
            previous_run_id=previous,
            bookmark=bookmark,
        )
    )
    return current(conn, job)


def remove(conn: Connection, job: str) -> None:
    conn.execute(delete(t).where(t.c.job_name == job))
