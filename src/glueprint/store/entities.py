"""SQL for the Glue entities a run (or a layout's own calls) creates, each kept as a JSON document."""

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, tuple_, update

from .schema import entities, trigger_watches


def get(conn: Connection, kind: str, name: str, scope: str = "", lock: bool = False):
    """lock: hold the row until the transaction ends (PostgreSQL; a SQLite writer holds the
    whole database already), for a change that depends on what it read."""
    query = select(entities.c.doc).where(entities.c.kind == kind, entities.c.scope == scope, entities.c.name == name)
    doc = conn.execute(query.with_for_update() if lock else query).scalar()
    return orjson.loads(doc) if doc is not None else None


def get_many(conn: Connection, kind: str, names: list[str], scope: str = "") -> dict:
    query = select(entities.c.name, entities.c.doc).where(
        entities.c.kind == kind, entities.c.scope == scope, entities.c.name.in_(names)
    )
    return {name: orjson.loads(doc) for name, doc in conn.execute(query)}


def lock_many(conn: Connection, kind: str, names: list[str], scope: str = "") -> None:
    """Lock these entities' rows in name order (PostgreSQL): transactions that lock several
    rows always take them in one order, so two of them never wait for each other."""
    if names:
        query = select(entities.c.name).where(entities.c.kind == kind, entities.c.scope == scope, entities.c.name.in_(names))
        conn.execute(query.order_by(entities.c.name).with_for_update()).all()


def exists(conn: Connection, kind: str, name: str, scope: str = "") -> bool:
    query = select(entities.c.name).where(entities.c.kind == kind, entities.c.scope == scope, entities.c.name == name)
    return conn.execute(query).first() is not None


_TAKEN = select(entities.c.kind, entities.c.name).where(
    entities.c.kind.in_(bindparam("kinds", expanding=True)),
    entities.c.scope == "",
    entities.c.name.in_(bindparam("names", expanding=True)),  # the primary key's order
)


def taken(conn: Connection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, name) pairs of the unscoped kinds exist: one query for a run's entities."""
    kinds, names = sorted({kind for kind, _ in keys}), sorted({name for _, name in keys})
    return {tuple(row) for row in conn.execute(_TAKEN, {"kinds": kinds, "names": names})} & set(keys)


def watched_node(condition: dict) -> tuple[str, str] | None:
    """(node kind, name) a predicate condition watches: ("job", name) or ("crawl", name)."""
    if condition.get("JobName"):
        return "job", condition["JobName"]
    if condition.get("CrawlerName"):
        return "crawl", condition["CrawlerName"]
    return None


def watch_rows(name: str, doc: dict) -> list[dict]:
    """The trigger_watches rows of a trigger: one per node its conditional predicate watches."""
    if doc.get("Type") != "CONDITIONAL":
        return []
    nodes = dict.fromkeys(watched_node(c) for c in (doc.get("Predicate") or {}).get("Conditions") or [])
    workflow = doc.get("WorkflowName")
    return [dict(trigger_name=name, kind=k, node=n, workflow=workflow) for k, n in (n for n in nodes if n is not None)]


def _set_watches(conn: Connection, triggers: list[tuple[str, dict]], replacing: bool) -> None:
    if replacing:
        names = [name for name, _ in triggers]
        conn.execute(delete(trigger_watches).where(trigger_watches.c.trigger_name.in_(names)))
    rows = [row for name, doc in triggers for row in watch_rows(name, doc)]
    if rows:
        conn.execute(insert(trigger_watches), rows)


def watchers(conn: Connection, workflow: str | None, kind: str, node: str) -> list[dict]:
    """The conditional triggers of a workflow (None: outside any) that watch a node, by name."""
    where = trigger_watches.c.workflow == workflow if workflow is not None else trigger_watches.c.workflow.is_(None)
    names = select(trigger_watches.c.trigger_name).where(trigger_watches.c.kind == kind, trigger_watches.c.node == node, where)
    query = select(entities.c.doc).where(entities.c.kind == "trigger", entities.c.scope == "", entities.c.name.in_(names))
    return [orjson.loads(doc) for (doc,) in conn.execute(query.order_by(entities.c.name))]


def _row(kind: str, name: str, doc: dict, created_on: float, run_id: str | None, scope: str) -> dict:
    workflow = doc.get("WorkflowName") if kind == "trigger" else None
    return dict(
        kind=kind, scope=scope, name=name, doc=orjson.dumps(doc).decode(), run_id=run_id, created_on=created_on, workflow=workflow
    )


def add(conn: Connection, kind: str, name: str, doc: dict, created_on: float, run_id: str | None = None, scope: str = "") -> None:
    conn.execute(insert(entities).values(**_row(kind, name, doc, created_on, run_id, scope)))
    if kind == "trigger" and not scope:
        _set_watches(conn, [(name, doc)], replacing=False)


_ADD = insert(entities)


def add_many(conn: Connection, created: list[tuple[str, str, dict]], created_on: float, run_id: str) -> None:
    """Unscoped entities (kind, name, doc) a run creates, in one statement."""
    conn.execute(_ADD, [_row(kind, name, doc, created_on, run_id, "") for kind, name, doc in created])
    _set_watches(conn, [(name, doc) for kind, name, doc in created if kind == "trigger"], replacing=False)


def remove(conn: Connection, kind: str, name: str, scope: str = "") -> bool:
    query = delete(entities).where(entities.c.kind == kind, entities.c.scope == scope, entities.c.name == name)
    if kind == "trigger" and not scope:
        conn.execute(delete(trigger_watches).where(trigger_watches.c.trigger_name == name))
    return conn.execute(query).rowcount > 0


def remove_scope(conn: Connection, kind: str, scope: str) -> None:
    conn.execute(delete(entities).where(entities.c.kind == kind, entities.c.scope == scope))


def page(conn: Connection, kind: str, after: str | None, limit: int, scope: str = "") -> list[dict]:
    """Documents in name order after a keyset position."""
    query = select(entities.c.doc).where(entities.c.kind == kind, entities.c.scope == scope)
    if after is not None:
        query = query.where(entities.c.name > after)
    return [orjson.loads(doc) for (doc,) in conn.execute(query.order_by(entities.c.name).limit(limit))]


def page_across(conn: Connection, kind: str, after: tuple[str, str] | None, limit: int) -> list[dict]:
    """Documents of a kind across every scope, in (scope, name) order after a keyset position."""
    query = select(entities.c.doc).where(entities.c.kind == kind)
    if after is not None:
        query = query.where(tuple_(entities.c.scope, entities.c.name) > tuple_(*after))
    rows = conn.execute(query.order_by(entities.c.scope, entities.c.name).limit(limit))
    return [orjson.loads(doc) for (doc,) in rows]


def remove_names(conn: Connection, kind: str, names: list[str], scope: str = "", batch: int = 500) -> None:
    """Remove these entities of one kind and scope, a batch of names per statement (SQLite
    bounds the number of parameters)."""
    for start in range(0, len(names), batch):
        chosen = names[start : start + batch]
        conn.execute(delete(entities).where(entities.c.kind == kind, entities.c.scope == scope, entities.c.name.in_(chosen)))


def created_by_run(conn: Connection, run_id: str) -> list[tuple[str, str, str]]:
    """(kind, scope, name) of every entity a run created, newest first, for rollback."""
    query = select(entities.c.kind, entities.c.scope, entities.c.name).where(entities.c.run_id == run_id)
    return [tuple(row) for row in conn.execute(query.order_by(entities.c.created_on.desc()))]


def triggers_of(conn: Connection, workflow: str) -> list[dict]:
    query = select(entities.c.doc).where(entities.c.kind == "trigger", entities.c.workflow == workflow)
    return [orjson.loads(doc) for (doc,) in conn.execute(query.order_by(entities.c.name))]


def replace(conn: Connection, kind: str, name: str, doc: dict, scope: str = "") -> bool:
    """Store a changed document for an existing entity; False if there is none."""
    workflow = doc.get("WorkflowName") if kind == "trigger" else None
    query = update(entities).where(entities.c.kind == kind, entities.c.scope == scope, entities.c.name == name)
    replaced = conn.execute(query.values(doc=orjson.dumps(doc).decode(), workflow=workflow)).rowcount > 0
    if replaced and kind == "trigger" and not scope:
        _set_watches(conn, [(name, doc)], replacing=True)
    return replaced


def every(conn: Connection, kind: str, batch: int = 500):
    """Every document of a kind across all scopes, in (scope, name) order, read in keyset batches."""
    after = None
    while True:
        query = select(entities.c.scope, entities.c.name, entities.c.doc).where(entities.c.kind == kind)
        if after is not None:
            query = query.where(tuple_(entities.c.scope, entities.c.name) > tuple_(*after))
        rows = conn.execute(query.order_by(entities.c.scope, entities.c.name).limit(batch)).all()
        yield from (orjson.loads(doc) for _, _, doc in rows)
        if len(rows) < batch:
            return
        after = rows[-1][:2]
