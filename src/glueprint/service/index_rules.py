"""What a partition index may be, for CreatePartitionIndex and CreateTable's PartitionIndexes.

An index names partition keys of its table, of the types AWS can index (string, char,
varchar, int, bigint, long, tinyint, smallint, date); a table has at most three. GetPartitions
needs none here (pages are keyset scans, and equalities are looked up by value for every
table: store/partitions.py), so an index is ACTIVE from the start.
"""

from sqlalchemy import Connection

from ..protocol import errors
from ..store import partitions as store
from .partition_tables import base_type, partition_keys

MAX_INDEXES = 3
_INDEXABLE = {"string", "char", "varchar", "int", "bigint", "long", "tinyint", "smallint", "date"}


def add(conn: Connection, database: str, table: str, table_doc: dict, index: dict) -> None:
    """Check a PartitionIndex against its table and the table's other indexes, and store it."""
    name = index["IndexName"]
    columns = {c["Name"].lower(): c for c in partition_keys(table_doc)}
    keys = [_key(columns, key) for key in index["Keys"]]
    existing = store.indexes(conn, database, table)
    if any(doc["IndexName"] == name for doc in existing):
        raise errors.AlreadyExistsException(f"Partition index {name} already exists on table {table}.")
    if len(existing) >= MAX_INDEXES:
        raise errors.ResourceNumberLimitExceededException(
            f"Table {table} already has {MAX_INDEXES} partition indexes, the most a table may have."
        )
    store.add_index(conn, database, table, {"IndexName": name, "Keys": keys, "IndexStatus": "ACTIVE"})


def _key(columns: dict, name: str) -> dict:
    column = columns.get(name.lower())
    if column is None:
        raise errors.InvalidInputException(f"Partition index key {name} is not a partition key of the table.")
    if base_type(column.get("Type") or "string") not in _INDEXABLE:
        raise errors.InvalidInputException(
            f"Partition index key {name} has type {column.get('Type')}: an index takes keys of types "
            "string, char, varchar, int, bigint, long, tinyint, smallint and date."
        )
    return {"Name": column["Name"], "Type": column.get("Type") or "string"}
