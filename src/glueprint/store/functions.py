"""SQL for Data Catalog user-defined functions, each kept as its JSON document."""

import orjson
from sqlalchemy import Connection, delete, insert, select, tuple_, update

from .schema import user_defined_functions as functions


def _key(database: str, name: str):
    return (functions.c.database_name == database, functions.c.function_name == name)


def get(conn: Connection, database: str, name: str, lock: bool = False) -> dict | None:
    query = select(functions.c.doc).where(*_key(database, name))
    doc = conn.execute(query.with_for_update() if lock else query).scalar()
    return orjson.loads(doc) if doc is not None else None


def add(conn: Connection, database: str, name: str, doc: dict) -> None:
    conn.execute(insert(functions).values(database_name=database, function_name=name, doc=orjson.dumps(doc).decode()))


def replace(conn: Connection, database: str, name: str, doc: dict) -> None:
    conn.execute(update(functions).where(*_key(database, name)).values(doc=orjson.dumps(doc).decode()))


def remove(conn: Connection, database: str, name: str) -> bool:
    return conn.execute(delete(functions).where(*_key(database, name))).rowcount > 0


def remove_database(conn: Connection, database: str) -> None:
    conn.execute(delete(functions).where(functions.c.database_name == database))


def page(conn: Connection, database: str | None, after: tuple[str, str] | None, limit: int) -> list[dict]:
    """Documents in (database, name) order after a keyset position; database None: all of them."""
    query = select(functions.c.doc)
    if database is not None:
        query = query.where(functions.c.database_name == database)
    if after is not None:
        query = query.where(tuple_(functions.c.database_name, functions.c.function_name) > tuple_(*after))
    order = (functions.c.database_name, functions.c.function_name)
    return [orjson.loads(doc) for (doc,) in conn.execute(query.order_by(*order).limit(limit))]
