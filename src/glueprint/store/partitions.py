"""SQL for Data Catalog partitions: one row per partition, its document as JSON.

Every write keeps partition_lookup in step: per partition, each value's digest at its key's
position, and the digest of each leading run of two or more values at minus its length. A
filtered scan that requires key = 'v' (year = '2024' AND month = '01' ...) walks only the
partitions it names there, in creation order, so its pages cost the same at any table size.
"""

import hashlib
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, bindparam, delete, false, insert, not_, or_, select, update

from . import column_statistics
from .partition_filter import And, Compare, Compiler, Filter, In, Key
from .schema import partition_indexes, partition_lookup, partitions

# Keys whose equality is equality of the stored text (an int key's 7 also reads "+7", "007").
# Keys whose equal values are equal text (a timestamp's fraction may be written with more or fewer digits).
_TEXT_EQUAL = ("string", "date")


def values_key(values: list[str]) -> str:
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


def _digest(value) -> str:
    # 64 bits: two values of one key sharing a digest only cost a scan the rows of both.
    return hashlib.blake2b(orjson.dumps(value), digest_size=8).hexdigest()


def _lookups(values: list[str]) -> list[tuple[int, str]]:
    """(position, value_key) of each row partition_lookup keeps for a partition's values."""
    singles = [(position, _digest(value)) for position, value in enumerate(values)]
    return singles + [(-length, _digest(values[:length])) for length in range(2, len(values) + 1)]


def lookup_rows(database: str, table: str, seq: int, values: list[str]) -> list[dict]:
    return [
        dict(database_name=database, table_name=table, position=position, value_key=key, seq=seq)
        for position, key in _lookups(values)
    ]


_UNLOOK = delete(partition_lookup).where(
    partition_lookup.c.database_name == bindparam("database_name"),
    partition_lookup.c.table_name == bindparam("table_name"),
    partition_lookup.c.position == bindparam("position"),
    partition_lookup.c.value_key == bindparam("value_key"),
    partition_lookup.c.seq == bindparam("seq"),
)


def _unlook(conn: Connection, database: str, table: str, found: list[tuple[int, list[str]]]) -> None:
    """Remove the lookup rows of these partitions, (seq, values) each, in one statement."""
    rows = [row for seq, values in found for row in lookup_rows(database, table, seq, values)]
    if rows:
        conn.execute(_UNLOOK, rows)


def _seq(conn: Connection, database: str, table: str, values: list[str]) -> int | None:
    query = select(partitions.c.seq).where(*_where(database, table), partitions.c.values_key == values_key(values))
    return conn.execute(query).scalar()


def _where(database: str, table: str):
    return (partitions.c.database_name == database, partitions.c.table_name == table)


def get(conn: Connection, database: str, table: str, values: list[str]) -> dict | None:
    query = select(partitions.c.doc).where(*_where(database, table), partitions.c.values_key == values_key(values))
    doc = conn.execute(query).scalar()
    return orjson.loads(doc) if doc is not None else None


def exists(conn: Connection, database: str, table: str, values: list[str]) -> bool:
    return _seq(conn, database, table, values) is not None


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
    conn.execute(insert(partition_lookup), lookup_rows(database, table, _seq(conn, database, table, values), values))


def add_many(conn: Connection, database: str, table: str, docs: list[dict]) -> None:
    """New partitions (documents carrying their Values), in three statements."""
    if not docs:
        return
    rows = [_row(database, table, doc["Values"], doc) for doc in docs]
    conn.execute(insert(partitions), rows)
    query = select(partitions.c.seq, partitions.c.partition_values).where(
        *_where(database, table), partitions.c.values_key.in_([row["values_key"] for row in rows])
    )
    lookups = [row for seq, values in conn.execute(query) for row in lookup_rows(database, table, seq, orjson.loads(values))]
    conn.execute(insert(partition_lookup), lookups)


def replace(conn: Connection, database: str, table: str, values: list[str], doc: dict) -> bool:
    """Store a changed document (its values may change too); False if there is no such partition."""
    new_values = doc.get("Values", values)
    seq = _seq(conn, database, table, values)
    if seq is None:
        return False
    changed = dict(
        values_key=values_key(new_values), partition_values=orjson.dumps(new_values).decode(), doc=orjson.dumps(doc).decode()
    )
    conn.execute(update(partitions).where(partitions.c.seq == seq).values(**changed))
    if new_values != values:
        _unlook(conn, database, table, [(seq, values)])
        conn.execute(insert(partition_lookup), lookup_rows(database, table, seq, new_values))
        column_statistics.rename_partition(conn, database, table, values_key(values), values_key(new_values))
    return True


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
        query = select(partitions.c.seq, partitions.c.partition_values).where(
            *_where(database, table), partitions.c.values_key.in_(keys)
        )
        found = [(seq, orjson.loads(values)) for seq, values in conn.execute(query)]
        _unlook(conn, database, table, found)
        conn.execute(delete(partitions).where(partitions.c.seq.in_([seq for seq, _ in found])))
        column_statistics.remove_partitions(conn, database, table, [values_key(values) for _, values in found])


def upsert(conn: Connection, database: str, table: str, values: list[str], doc: dict) -> bool:
    """Add or replace; True if the partition was new."""
    if replace(conn, database, table, values, doc):
        return False
    add(conn, database, table, values, doc)
    return True


def remove(conn: Connection, database: str, table: str, values: list[str]) -> bool:
    seq = _seq(conn, database, table, values)
    if seq is None:
        return False
    _unlook(conn, database, table, [(seq, values)])
    conn.execute(delete(partitions).where(partitions.c.seq == seq))
    column_statistics.remove_partitions(conn, database, table, [values_key(values)])
    return True


def remove_table(conn: Connection, database: str, table: str) -> None:
    """A table's partitions, partition indexes and column statistics (its own and its partitions')."""
    conn.execute(delete(partitions).where(*_where(database, table)))
    lk = partition_lookup.c
    conn.execute(delete(partition_lookup).where(lk.database_name == database, lk.table_name == table))
    conn.execute(delete(partition_indexes).where(*_index_where(database, table)))
    column_statistics.remove_table(conn, database, table)


def remove_database(conn: Connection, database: str) -> None:
    conn.execute(delete(partitions).where(partitions.c.database_name == database))
    conn.execute(delete(partition_lookup).where(partition_lookup.c.database_name == database))
    conn.execute(delete(partition_indexes).where(partition_indexes.c.database_name == database))
    column_statistics.remove_database(conn, database)


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
    segment=(number, total) disjoint slices of the table. A filter holding key = 'v' (for a key
    compared as text) walks only the partitions with that value."""
    lookup = _lookup(where)
    if lookup is None:
        seq = partitions.c.seq
        query = select(seq, partitions.c.doc).where(*_where(database, table))
    else:
        lk = partition_lookup.c
        seq = lk.seq
        query = (
            select(seq, partitions.c.doc)
            .select_from(partition_lookup.join(partitions, partitions.c.seq == lk.seq))
            .where(lk.database_name == database, lk.table_name == table)
            .where(lk.position == lookup[0], lk.value_key == lookup[1])
        )
    if after_seq is not None:
        query = query.where(seq > after_seq)
    if segment is not None:
        number, total = segment
        query = query.where(seq % total == number)
    checks = []
    if where is not None:
        compiler = Compiler(conn.dialect.name)
        checks = compiler.checks(where)
        unreadable = or_(*(not_(readable) for _, readable in checks)) if checks else false()
        query = query.where(or_(compiler.condition(where), unreadable))
        for key, readable in checks:
            query = query.add_columns(readable, compiler.text(key))
    found = []
    for position, doc, *flags in conn.execute(query.order_by(seq).limit(limit)):
        bad = next(
            ((key, flags[2 * i + 1]) for i, (key, _) in enumerate(checks) if flags[2 * i] is not None and not flags[2 * i]), None
        )
        found.append(Found(position, orjson.loads(doc), bad))
    return found


def _lookup(where: Filter | None) -> tuple[int, str] | None:
    """The partition_lookup (position, value_key) to walk for a filter: from the equalities it
    requires on keys compared as text, those on the leading keys together when there are two or
    more, else the one on the last key (partitions usually nest, so it tells the most apart)."""
    parts, stack = [], [where]
    while stack:  # the conjuncts, also of nested ANDs
        part = stack.pop()
        if isinstance(part, And):
            stack.extend(part.parts)
        else:
            parts.append(part)
    equal = {}
    for part in parts:
        if isinstance(part, Compare) and part.op == "=" and part.key.kind in _TEXT_EQUAL:
            equal.setdefault(part.key.position, part.value)
        elif isinstance(part, In) and len(set(part.values)) == 1 and part.key.kind in _TEXT_EQUAL:
            equal.setdefault(part.key.position, part.values[0])
    if not equal:
        return None
    leading = 0
    while leading in equal:
        leading += 1
    if leading >= 2:
        return -leading, _digest([equal[position] for position in range(leading)])
    last = max(equal)
    return last, _digest(equal[last])


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
