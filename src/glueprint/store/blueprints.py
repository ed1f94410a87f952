"""SQL for the blueprint registry and the definitions its runs use."""

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update

from .claims import free, one_of
from .runs import OPEN_STATES
from .schema import blueprints, definitions, runs
from .text import storable_messages

CHECK_STATES = ("CREATING", "UPDATING")

# A blueprint with its active definition's layout generator and parameter spec.
_ACTIVE = blueprints.outerjoin(
    definitions, and_(definitions.c.blueprint_name == blueprints.c.name, definitions.c.digest == blueprints.c.definition)
)
_VIEW = [*blueprints.c, definitions.c.layout_generator, definitions.c.parameter_spec]


_GET = select(*_VIEW).select_from(_ACTIVE).where(blueprints.c.name == bindparam("name"))  # every run's start reads it


def get(conn: Connection, name: str):
    return conn.execute(_GET, {"name": name}).mappings().first()


def get_many(conn: Connection, names: list[str]) -> dict:
    rows = conn.execute(select(*_VIEW).select_from(_ACTIVE).where(blueprints.c.name.in_(names))).mappings()
    return {row["name"]: row for row in rows}


def add(conn: Connection, **values) -> None:
    conn.execute(insert(blueprints).values(**values))


def change(conn: Connection, name: str, **values) -> None:
    conn.execute(update(blueprints).where(blueprints.c.name == name).values(**values))


def remove(conn: Connection, name: str) -> bool:
    """Delete a blueprint, its definitions and its runs' history in one transaction."""
    conn.execute(delete(runs).where(runs.c.blueprint_name == name))
    conn.execute(delete(definitions).where(definitions.c.blueprint_name == name))
    return conn.execute(delete(blueprints).where(blueprints.c.name == name)).rowcount > 0


def page_names(conn: Connection, after: str | None, limit: int) -> list:
    """Blueprint (name, tags) rows in name order after a keyset position."""
    query = select(blueprints.c.name, blueprints.c.tags).order_by(blueprints.c.name).limit(limit)
    if after is not None:
        query = query.where(blueprints.c.name > after)
    return list(conn.execute(query))


_DEFINITION = select(definitions).where(
    definitions.c.blueprint_name == bindparam("blueprint"), definitions.c.digest == bindparam("digest")
)


def definition(conn: Connection, name: str, digest: str):
    return conn.execute(_DEFINITION, {"blueprint": name, "digest": digest}).mappings().first()


def add_definition(conn: Connection, name: str, digest: str, **values) -> None:
    if definition(conn, name, digest) is None:
        conn.execute(insert(definitions).values(blueprint_name=name, digest=digest, **values))


def _unused_definitions():
    name = bindparam("blueprint")
    active = select(blueprints.c.definition).where(blueprints.c.name == name).scalar_subquery()
    in_use = select(runs.c.definition).where(
        runs.c.blueprint_name == name, one_of(runs.c.state, OPEN_STATES), runs.c.definition.is_not(None)
    )
    return delete(definitions).where(
        definitions.c.blueprint_name == name,
        or_(active.is_(None), definitions.c.digest != active),
        definitions.c.digest.not_in(in_use),
    )


_PRUNE = _unused_definitions()  # run at every run's end: built once


def prune_definitions(conn: Connection, name: str) -> None:
    """Forget the definitions that neither the blueprint nor any open run of it uses."""
    conn.execute(_PRUNE, {"blueprint": name})


def check_waiting(now):
    """A blueprint whose archive waits to be checked (now: a time or a bound parameter)."""
    return and_(one_of(blueprints.c.status, CHECK_STATES), free(blueprints, now))


def claim_check(conn: Connection, worker: str, now: float, lease_s: float, skip_locked: bool):
    """Take the blueprint waiting longest in CREATING or UPDATING (unclaimed, or its lease
    ran out) to fetch and check its archive; None if there is none."""
    query = select(*blueprints.c).where(check_waiting(now)).order_by(blueprints.c.last_modified_on).limit(1)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    if row is not None:
        change(conn, row["name"], claimed_by=worker, lease_until=now + lease_s)
    return row


def finish_check(conn: Connection, name: str, worker: str, **values) -> bool:
    """Record a check's outcome, only while this worker still holds the blueprint."""
    query = update(blueprints).where(blueprints.c.name == name, blueprints.c.claimed_by == worker)
    return conn.execute(query.values(claimed_by=None, lease_until=None, **storable_messages(values))).rowcount > 0
