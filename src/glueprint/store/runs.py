"""SQL for blueprint runs: recording them, paging them newest first, and claiming them for work."""

import functools

from sqlalchemy import Connection, LargeBinary, and_, bindparam, cast, func, insert, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by

from .claims import free, one_of
from .schema import blueprints, runs
from .text import storable_messages

OPEN_STATES = ("RUNNING", "ROLLING_BACK")
# What a run's view is rendered from; a worker claiming it also reads which definition and who holds the claim.
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


# A client waiting for its run asks for it over and over: one prepared read of the kept view.
_KEPT_VIEW = select(runs.c.view).where(runs.c.run_id == bindparam("run"), runs.c.blueprint_name == bindparam("blueprint"))


def kept_view(db, blueprint_name: str, run_id: str) -> bytes | None:
    """The run's view; None if there is no such run."""
    found = db.prepared(_KEPT_VIEW).one(run=run_id, blueprint=blueprint_name)
    return found[0] if found else None


def _page_statement(is_sqlite: bool):
    """The hot path, one statement on one snapshot: a page of a blueprint's views joined by
    commas in the database, the page's oldest seq, the blueprint's oldest, and whether the
    blueprint exists. Joining in the database reads the page in one step, where fetching its
    rows released and took back the GIL twice for each run; and comparing the two oldest
    seqs tells whether runs are left in one index seek, where fetching one run more than
    the page walked the page again."""
    shown = (
        select(runs.c.seq, runs.c.view)
        .where(runs.c.blueprint_name == bindparam("blueprint"), runs.c.seq < bindparam("before"))
        .order_by(runs.c.seq.desc())
        .limit(bindparam("limit"))
        .subquery()
    )
    oldest = select(func.min(runs.c.seq)).where(runs.c.blueprint_name == bindparam("blueprint")).scalar_subquery()
    exists = select(blueprints.c.name).where(blueprints.c.name == bindparam("blueprint")).exists()
    if is_sqlite:
        # SQLite (before 3.44) takes no ORDER BY in an aggregate; it hands the aggregate the
        # rows of a FROM subquery in that subquery's order, which its LIMIT makes it keep. The
        # separator is written out: bound, it is read again for every run (a sixth of the read).
        joined = cast(func.group_concat(shown.c.view, literal_column("','")), LargeBinary)
    else:
        joined = func.string_agg(shown.c.view, aggregate_order_by(literal(b",", LargeBinary), shown.c.seq.desc()))
    return select(joined, func.min(shown.c.seq), oldest, exists).select_from(shown)


_PAGE = {is_sqlite: _page_statement(is_sqlite) for is_sqlite in (True, False)}
_NO_POSITION = 2**62  # beyond any seq: the first page


def page(db, blueprint_name: str, before_seq: int | None, limit: int) -> tuple[bytes, int | None] | None:
    """The views of up to limit runs older than before_seq (all when None), newest first
    and joined by commas, with the seq to page on from (the next page's runs are older
    than it; None when none is left). None when the blueprint does not exist. A keyset on
    (blueprint_name, seq), so every page costs the same."""
    joined, last, oldest, exists = db.prepared(_PAGE[db.is_sqlite]).one(
        blueprint=blueprint_name, before=_NO_POSITION if before_seq is None else before_seq, limit=limit
    )
    if not exists:
        return None
    return (joined or b""), (last if last is not None and last > oldest else None)


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
    values = storable_messages(values)
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
