"""SQL for the archived versions of Data Catalog tables, each kept as its JSON document."""

import orjson
from sqlalchemy import Connection, delete, insert, select

from .schema import table_versions


def _where(database: str, table: str):
    return (table_versions.c.database_name == database, table_versions.c.table_name == table)


def add(conn: Connection, database: str, table: str, version: int, doc: dict) -> None:
    row = dict(database_name=database, table_name=table, version=version, doc=orjson.dumps(doc).decode())
    conn.execute(insert(table_versions).values(**row))


def get(conn: Connection, database: str, table: str, version: int) -> dict | None:
    query = select(table_versions.c.doc).where(*_where(database, table), table_versions.c.version == version)
    doc = conn.execute(query).scalar()
    return orjson.loads(doc) if doc is not None else None


def page(conn: Connection, database: str, table: str, before: int | None, limit: int) -> list[tuple[int, dict]]:
    """(version, document) newest first, below a keyset position."""
    query = select(table_versions.c.version, table_versions.c.doc).where(*_where(database, table))
    if before is not None:
        query = query.where(table_versions.c.version < before)
    rows = conn.execute(query.order_by(table_versions.c.version.desc()).limit(limit))
    return [(version, orjson.loads(doc)) for version, doc in rows]


def remove(conn: Connection, database: str, table: str, versions: list[int]) -> set[int]:
    """Delete these versions; the ones that existed."""
    if not versions:
        return set()
    found = select(table_versions.c.version).where(*_where(database, table), table_versions.c.version.in_(versions))
    existing = set(conn.execute(found).scalars())
    if existing:
        conn.execute(delete(table_versions).where(*_where(database, table), table_versions.c.version.in_(existing)))
    return existing


def remove_table(conn: Connection, database: str, table: str) -> None:
    conn.execute(delete(table_versions).where(*_where(database, table)))


def remove_database(conn: Connection, database: str) -> None:
    conn.execute(delete(table_versions).where(table_versions.c.database_name == database))
