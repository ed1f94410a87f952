"""SQL for Data Catalog partitions: one row per partition, its document as JSON."""

import hashlib
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, bindparam, delete, false, insert, not_, or_, select, update

from .partition_filter import Compiler, Filter, Key
from .schema import partition_indexes, partitions


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


def get_many(conn: Connection, database: str, table: str, values_list: list[list[str]]) -> dict[str, dict]:
    """The documents of those of these partitions that exist, by values_key, in one query."""
    keys = list({values_key(values) for values in values_list})
    query = select(partitions.c.values_key, partitions.c.doc).where(*_where(database, table), partitions.c.values_key.in_(keys))
    return {key: orjson.loads(doc) for key, doc in conn.execute(query)}


def _row(database: str, table: str, values: list[str], doc: dict) -> dict:
    return dict(
        database_name=database,
        table_name=table,
        values_key=values_key(values),
        partition_values=orjson.dumps(values).decode(),
        doc=orjson.dumps(doc).decode(),
    )


def add(conn: Connection, database: str, table: str, values: list[str], doc: dict) -> None:
    conn.execute(insert(partitions).values(**_row(database, table, values, doc)))


def add_many(conn: Connection, database: str, table: str, docs: list[dict]) -> None:
    """New partitions (documents carrying their Values), in one statement."""
    if docs:
        conn.execute(insert(partitions), [_row(database, table, doc["Values"], doc) for doc in docs])


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
    """A table's partitions and partition indexes."""
    conn.execute(delete(partitions).where(*_where(database, table)))
    conn.execute(delete(partition_indexes).where(*_index_where(database, table)))


def remove_database(conn: Connection, database: str) -> None:
    conn.execute(delete(partitions).where(partitions.c.database_name == database))
    conn.execute(delete(partition_indexes).where(partition_indexes.c.database_name == database))


def page(conn: Connection, database: str, table: str, after_seq: int | None, limit: int) -> list[tuple[int, dict]]:
    """(seq, document) of a table's partitions in creation order, after a keyset position."""
    query = select(partitions.c.seq, partitions.c.doc).where(*_where(database, table))
    if after_seq is not None:
        query = query.where(partitions.c.seq > after_seq)
    rows = conn.execute(query.order_by(partitions.c.seq).limit(limit))
    return [(seq, orjson.loads(doc)) for seq, doc in rows]


@dataclass
class Found:
    """A partition a filtered scan met: its keyset position and document, and for a stored value
    its key's type cannot read (which AWS fails the request on), that key and value."""

    seq: int
    doc: dict
    unreadable: tuple[Key, str] | None = None


def scan(
    conn: Connection,
    database: str,
    table: str,
    after_seq: int | None,
    limit: int,
    where: Filter | None = None,
    segment: tuple[int, int] | None = None,
) -> list[Found]:
    """Up to limit partitions in creation order after a keyset position that the filter matches
    (or that hold a value a key the filter reads cannot read as its type), in one of
    segment=(number, total) disjoint slices of the table."""
    query = select(partitions.c.seq, partitions.c.doc).where(*_where(database, table))
    if after_seq is not None:
        query = query.where(partitions.c.seq > after_seq)
    if segment is not None:
        number, total = segment
        query = query.where(partitions.c.seq % total == number)
    checks = []
    if where is not None:
        compiler = Compiler(conn.dialect.name)
        checks = compiler.checks(where)
        unreadable = or_(*(not_(readable) for _, readable in checks)) if checks else false()
        query = query.where(or_(compiler.condition(where), unreadable))
        for key, readable in checks:
            query = query.add_columns(readable, compiler.text(key))
    found = []
    for seq, doc, *flags in conn.execute(query.order_by(partitions.c.seq).limit(limit)):
        bad = next(
            ((key, flags[2 * i + 1]) for i, (key, _) in enumerate(checks) if flags[2 * i] is not None and not flags[2 * i]), None
        )
        found.append(Found(seq, orjson.loads(doc), bad))
    return found


def all_values(conn: Connection, database: str, table: str) -> list[list[str]]:
    query = select(partitions.c.partition_values).where(*_where(database, table)).order_by(partitions.c.seq)
    return [orjson.loads(v) for (v,) in conn.execute(query)]


def _index_where(database: str, table: str):
    return (partition_indexes.c.database_name == database, partition_indexes.c.table_name == table)


def indexes(conn: Connection, database: str, table: str) -> list[dict]:
    """A table's partition indexes (PartitionIndexDescriptor documents) in name order."""
    query = select(partition_indexes.c.doc).where(*_index_where(database, table)).order_by(partition_indexes.c.index_name)
    return [orjson.loads(doc) for (doc,) in conn.execute(query)]


def add_index(conn: Connection, database: str, table: str, doc: dict) -> None:
    row = dict(database_name=database, table_name=table, index_name=doc["IndexName"], doc=orjson.dumps(doc).decode())
    conn.execute(insert(partition_indexes).values(**row))


def remove_index(conn: Connection, database: str, table: str, name: str) -> bool:
    query = delete(partition_indexes).where(*_index_where(database, table), partition_indexes.c.index_name == name)
    return conn.execute(query).rowcount > 0
