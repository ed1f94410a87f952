"""SQL for Data Catalog partitions: one row per partition, its document as JSON."""

import hashlib

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from .schema import partitions


def values_key(values: list[str]) -> str:
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


def _where(database: str, table: str):
    return (partitions.c.database_name == database, partitions.c.table_name == table)


def get(conn: Connection, database: str, table: str, values: list[str]) -> dict | None:
    query = select(partitions.c.doc).where(*_where(database, table), partitions.c.values_key == values_key(values))
    doc = conn.execute(query).scalar()
    return orjson.loads(doc) if doc is not None else None


def exists(conn: Connection, database: str, table: str, values: list[str]) -> bool:
    query = select(partitions.c.seq).where(*_where(database, table), partitions.c.values_key == values_key(values))
    return conn.execute(query).first() is not None


def add(conn: Connection, database: str, table: str, values: list[str], doc: dict) -> None:
    conn.execute(
        insert(partitions).values(
            database_name=database,
            table_name=table,
            values_key=values_key(values),
            partition_values=orjson.dumps(values).decode(),
            doc=orjson.dumps(doc).decode(),
        )
    )


def add_many(conn: Connection, database: str, table: str, docs: list[dict]) -> None:
    """Add partitions (each document carrying its Values) in one statement."""
    if docs:
        conn.execute(insert(partitions), [_row(database, table, doc["Values"], doc) for doc in docs])


def _row(database: str, table: str, values: list[str], doc: dict) -> dict:
    return dict(
        database_name=database,
        table_name=table,
        values_key=values_key(values),
        partition_values=orjson.dumps(values).decode(),
        doc=orjson.dumps(doc).decode(),
    )


def replace(conn: Connection, database: str, table: str, values: list[str], doc: dict) -> bool:
    """Store a changed document (its values may change too); False if there is no such partition."""
    new_values = doc.get("Values", values)
    query = update(partitions).where(*_where(database, table), partitions.c.values_key == values_key(values))
    changed = dict(
        values_key=values_key(new_values), partition_values=orjson.dumps(new_values).decode(), doc=orjson.dumps(doc).decode()
    )
    return conn.execute(query.values(**changed)).rowcount > 0


def replace_many(conn: Connection, database: str, table: str, docs: list[dict]) -> None:
    """Store changed documents of existing partitions (their Values unchanged), in one statement."""
    if docs:
        query = update(partitions).where(*_where(database, table), partitions.c.values_key == bindparam("key"))
        conn.execute(
            query.values(doc=bindparam("new_doc")),
            [{"key": values_key(d["Values"]), "new_doc": orjson.dumps(d).decode()} for d in docs],
        )


def remove_many(conn: Connection, database: str, table: str, values_list: list[list[str]]) -> None:
    if values_list:
        keys = [values_key(values) for values in values_list]
        conn.execute(delete(partitions).where(*_where(database, table), partitions.c.values_key.in_(keys)))


def upsert(conn: Connection, database: str, table: str, values: list[str], doc: dict) -> bool:
    """Add or replace; True if the partition was new."""
    if replace(conn, database, table, values, doc):
        return False
    add(conn, database, table, values, doc)
    return True


def remove(conn: Connection, database: str, table: str, values: list[str]) -> bool:
    query = delete(partitions).where(*_where(database, table), partitions.c.values_key == values_key(values))
    return conn.execute(query).rowcount > 0


def remove_table(conn: Connection, database: str, table: str) -> None:
    conn.execute(delete(partitions).where(*_where(database, table)))


def remove_database(conn: Connection, database: str) -> None:
    conn.execute(delete(partitions).where(partitions.c.database_name == database))


def page(conn: Connection, database: str, table: str, after_seq: int | None, limit: int) -> list[tuple[int, dict]]:
    """(seq, document) of a table's partitions in creation order, after a keyset position."""
    query = select(partitions.c.seq, partitions.c.doc).where(*_where(database, table))
    if after_seq is not None:
        query = query.where(partitions.c.seq > after_seq)
    rows = conn.execute(query.order_by(partitions.c.seq).limit(limit))
    return [(seq, orjson.loads(doc)) for seq, doc in rows]


def all_values(conn: Connection, database: str, table: str) -> list[list[str]]:
    query = select(partitions.c.partition_values).where(*_where(database, table)).order_by(partitions.c.seq)
    return [orjson.loads(v) for (v,) in conn.execute(query)]
