"""SQL for blueprint runs: recording them, paging them newest first, and claiming them for work."""

import functools

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from .claims import free, one_of
from .schema import blueprints, runs

# What GetBlueprintRun(s) show; a worker also reads which definition and who holds the claim.
OPEN_STATES = ("RUNNING", "ROLLING_BACK")
PUBLIC = [c for c in runs.c if c.name not in ("claimed_by", "lease_until", "definition", "view")]


# Statements every run executes are built once: building and keying a SQLAlchemy statement
# costs more than SQLite takes to run it.
_BUMP = update(blueprints).where(blueprints.c.name == bindparam("blueprint")).values(runs_version=blueprints.c.runs_version + 1)


def _bump(conn: Connection, blueprint_name) -> None:
    conn.execute(_BUMP, {"blueprint": blueprint_name})


_ADD = insert(runs)


def add(conn: Connection, **values) -> None:
    conn.execute(_ADD, values)
    _bump(conn, values["blueprint_name"])


def state(conn: Connection, run_id: str) -> str | None:
    return conn.execute(select(runs.c.state).where(runs.c.run_id == run_id)).scalar()


def get(conn: Connection, blueprint_name: str, run_id: str):
    query = select(*PUBLIC).where(runs.c.run_id == run_id, runs.c.blueprint_name == blueprint_name)
    return conn.execute(query).mappings().first()


# A client waiting for its run asks for it over and over: one prepared read of the kept view.
_KEPT_VIEW = select(runs.c.view).where(runs.c.run_id == bindparam("run"), runs.c.blueprint_name == bindparam("blueprint"))


def kept_view(db, blueprint_name: str, run_id: str) -> tuple[bytes | None] | None:
    """(view,) of the run, None if there is no such run; the view is None for a run recorded
    before views were kept (read it with get)."""
    return db.prepared(_KEPT_VIEW).one(run=run_id, blueprint=blueprint_name)


# The page is the hot path: one statement, built and compiled once, run on a raw cursor,
# reading each run's view. It reads the blueprint with its runs (a blueprint without runs
# gives one row of NULLs, a missing one no row), so existence and page are one snapshot.
_PAGE = (
    select(runs.c.seq, runs.c.view)
    .select_from(blueprints.outerjoin(runs, and_(runs.c.blueprint_name == blueprints.c.name, runs.c.seq < bindparam("before"))))
    .where(blueprints.c.name == bindparam("blueprint"))
    .order_by(runs.c.seq.desc())
    .limit(bindparam("limit"))
)
_NO_POSITION = 2**62  # beyond any seq: the first page


def page(db, blueprint_name: str, before_seq: int | None, limit: int) -> list[tuple[int, bytes | None]] | None:
    """(seq, view) newest first, a keyset on (blueprint_name, seq) so every page costs the
    same; None when the blueprint does not exist. A view is None for a run recorded before
    views were kept: read it with by_seq."""
    rows = db.prepared(_PAGE).all(
        blueprint=blueprint_name, before=_NO_POSITION if before_seq is None else before_seq, limit=limit
    )
    if not rows:
        return None
    return rows if rows[0][0] is not None else []  # one row of NULLs: no runs


def by_seq(conn: Connection, seqs: list[int]) -> dict:
    return {row["seq"]: row for row in conn.execute(select(*PUBLIC).where(runs.c.seq.in_(seqs))).mappings()}


def claimable(now):
    """A run a worker may take (now: a time or a bound parameter)."""
    return and_(one_of(runs.c.state, OPEN_STATES), free(runs, now))


_CLAIMABLE = (
    select(*PUBLIC, runs.c.claimed_by, runs.c.definition).where(claimable(bindparam("now"))).order_by(runs.c.seq).limit(1)
)
_CLAIMABLE_LOCKED = _CLAIMABLE.with_for_update(skip_locked=True)
_TAKE = (
    update(runs).where(runs.c.seq == bindparam("run_seq")).values(claimed_by=bindparam("worker"), lease_until=bindparam("until"))
)


def claim(conn: Connection, worker: str, now: float, lease_s: float, skip_locked: bool):
    """Take the oldest unclaimed (or lease-expired) RUNNING/ROLLING_BACK run; None if there is none."""
    row = conn.execute(_CLAIMABLE_LOCKED if skip_locked else _CLAIMABLE, {"now": now}).mappings().first()
    if row is None:
        return None
    conn.execute(_TAKE, {"run_seq": row["seq"], "worker": worker, "until": now + lease_s})
    return row


def heartbeat(conn: Connection, worker: str, run_ids: list[str], lease_until: float) -> None:
    if run_ids:
        conn.execute(update(runs).where(runs.c.run_id.in_(run_ids), runs.c.claimed_by == worker).values(lease_until=lease_until))


@functools.cache
def _change_claimed(columns: tuple[str, ...]):
    """The update of these columns and the view, built once for each set a run's changes use."""
    where = (runs.c.run_id == bindparam("run"), runs.c.claimed_by == bindparam("worker"))
    return update(runs).where(*where).values({column: bindparam(f"new_{column}") for column in (*columns, "view")})


def change_claimed(conn: Connection, run, worker: str, render, **values) -> bool:
    """Update a run only while this worker still holds it: run is the row as claimed, which
    only its holder changes, so render(row) gives its new view without reading it again."""
    params = {f"new_{column}": value for column, value in values.items()}
    params["new_view"] = render({**run, **values})
    if conn.execute(_change_claimed(tuple(values)), {"run": run["run_id"], "worker": worker, **params}).rowcount == 0:
        return False
    _bump(conn, run["blueprint_name"])
    return True


_VERSION = select(blueprints.c.created_on, blueprints.c.runs_version).where(blueprints.c.name == bindparam("blueprint"))


def version(db, blueprint_name: str):
    """What changes whenever the blueprint's runs do (or the blueprint is recreated); None if absent."""
    row = db.prepared(_VERSION).one(blueprint=blueprint_name)
    return tuple(row) if row else None
