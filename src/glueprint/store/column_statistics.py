"""SQL for column statistics: one row per column of a table (values_key TABLE) or of a
partition (values_key its values' digest, as store/partitions.py computes it)."""

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from .schema import column_statistics as t

TABLE = ""  # the values_key of a table's own statistics: no partition has it


def _where(database: str, table: str):
    return (t.c.database_name == database, t.c.table_name == table)


def get_many(conn: Connection, database: str, table: str, key: str, columns: list[str]) -> dict[str, dict]:
    """The statistics documents these columns have, by column name."""
    query = select(t.c.column_name, t.c.doc).where(*_where(database, table), t.c.values_key == key, t.c.column_name.in_(columns))
    return {column: orjson.loads(doc) for column, doc in conn.execute(query)}


def put(conn: Connection, database: str, table: str, key: str, docs: dict[str, dict]) -> None:
    """Store these columns' statistics, replacing what they had."""
    if not docs:
        return
    conn.execute(delete(t).where(*_where(database, table), t.c.values_key == key, t.c.column_name.in_(list(docs))))
    rows = [
        dict(database_name=database, table_name=table, values_key=key, column_name=column, doc=orjson.dumps(doc).decode())
        for column, doc in docs.items()
    ]
    conn.execute(insert(t), rows)


def remove(conn: Connection, database: str, table: str, key: str, column: str) -> None:
    conn.execute(delete(t).where(*_where(database, table), t.c.values_key == key, t.c.column_name == column))


def remove_columns(conn: Connection, database: str, table: str, columns: list[str]) -> None:
    """These columns' statistics, of the table and of each of its partitions."""
    if columns:
        conn.execute(delete(t).where(*_where(database, table), t.c.column_name.in_(columns)))


def remove_partitions(conn: Connection, database: str, table: str, keys: list[str]) -> None:
    if keys:
        conn.execute(delete(t).where(*_where(database, table), t.c.values_key.in_(keys)))


def rename_partition(conn: Connection, database: str, table: str, old_key: str, new_key: str) -> None:
    conn.execute(update(t).where(*_where(database, table), t.c.values_key == old_key).values(values_key=new_key))


def remove_table(conn: Connection, database: str, table: str) -> None:
    conn.execute(delete(t).where(*_where(database, table)))


def remove_database(conn: Connection, database: str) -> None:
    conn.execute(delete(t).where(t.c.database_name == database))


def _column_types(table_doc: dict) -> dict[str, str]:
    columns = (table_doc.get("StorageDescriptor") or {}).get("Columns") or []
    return {c["Name"].lower(): (c.get("Type") or "").strip().lower() for c in columns}


def remove_changed_columns(conn: Connection, database: str, table: str, before: dict, after: dict) -> None:
    """When a table's definition changes (UpdateTable, a crawl), the statistics of the columns
    it dropped or gave another type: they no longer describe a column of the table."""
    old, new = _column_types(before), _column_types(after)
    remove_columns(conn, database, table, [name for name, kind in old.items() if new.get(name) != kind])
