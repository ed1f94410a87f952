"""SQL for the blueprint registry."""

from sqlalchemy import Connection, delete, insert, select, update

from .schema import blueprints, runs


def get(conn: Connection, name: str, with_archive: bool = False):
    cols = list(blueprints.c) if with_archive else [c for c in blueprints.c if c.name != "archive"]
    return conn.execute(select(*cols).where(blueprints.c.name == name)).mappings().first()


def get_many(conn: Connection, names: list[str]) -> dict:
    cols = [c for c in blueprints.c if c.name != "archive"]
    rows = conn.execute(select(*cols).where(blueprints.c.name.in_(names))).mappings()
    return {row["name"]: row for row in rows}


def add(conn: Connection, **values) -> None:
    conn.execute(insert(blueprints).values(**values))


def change(conn: Connection, name: str, **values) -> None:
    conn.execute(update(blueprints).where(blueprints.c.name == name).values(**values))


def remove(conn: Connection, name: str) -> bool:
    """Delete a blueprint and its runs' history in one transaction."""
    conn.execute(delete(runs).where(runs.c.blueprint_name == name))
    return conn.execute(delete(blueprints).where(blueprints.c.name == name)).rowcount > 0


def page_names(conn: Connection, after: str | None, limit: int) -> list:
    """Blueprint (name, tags) rows in name order after a keyset position."""
    query = select(blueprints.c.name, blueprints.c.tags).order_by(blueprints.c.name).limit(limit)
    if after is not None:
        query = query.where(blueprints.c.name > after)
    return list(conn.execute(query))
