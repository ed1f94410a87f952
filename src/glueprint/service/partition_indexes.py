"""Partition indexes: CreatePartitionIndex, GetPartitionIndexes, DeletePartitionIndex.

An index names partition keys of its table, of the types AWS can index (string, char,
varchar, int, bigint, long, tinyint, smallint, date); a table has at most three. GetPartitions
needs none here (every page is a keyset scan), so an index is ACTIVE from the start.
"""

from sqlalchemy.exc import IntegrityError

from ..protocol import errors
from ..store import partitions as store
from .context import ServiceContext
from .partition_tables import base_type, names, partition_keys, table_of
from .registry import operation

MAX_INDEXES = 3
_INDEXABLE = {"string", "char", "varchar", "int", "bigint", "long", "tinyint", "smallint", "date"}


@operation("CreatePartitionIndex")
def create_partition_index(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    index = p["PartitionIndex"]
    name = index["IndexName"]
    try:
        with ctx.db.write() as conn:
            columns = {c["Name"].lower(): c for c in partition_keys(table_of(conn, database, table, lock=True))}
            keys = [_key(columns, key) for key in index["Keys"]]
            existing = store.indexes(conn, database, table)
            if any(doc["IndexName"] == name for doc in existing):
                raise errors.AlreadyExistsException(f"Partition index {name} already exists on table {table}.")
            if len(existing) >= MAX_INDEXES:
                raise errors.ResourceNumberLimitExceededException(
                    f"Table {table} already has {MAX_INDEXES} partition indexes, the most a table may have."
                )
            store.add_index(conn, database, table, {"IndexName": name, "Keys": keys, "IndexStatus": "ACTIVE"})
    except IntegrityError:
        raise errors.AlreadyExistsException(f"Partition index {name} already exists on table {table}.") from None
    return {}


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


@operation("GetPartitionIndexes", read_only=True)
def get_partition_indexes(ctx: ServiceContext, p: dict) -> dict:
    """A table's indexes fit on one page (there are at most three), so there is never a NextToken."""
    database, table = names(p)
    ctx.tokens.position("GetPartitionIndexes", {"database": database, "table": table}, p.get("NextToken"))  # none is issued
    with ctx.db.read() as conn:
        table_of(conn, database, table)
        docs = store.indexes(conn, database, table)
    return {"PartitionIndexDescriptorList": docs}


@operation("DeletePartitionIndex")
def delete_partition_index(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    with ctx.db.write() as conn:
        table_of(conn, database, table, lock=True)
        if not store.remove_index(conn, database, table, p["IndexName"]):
            raise errors.EntityNotFoundException(f"Partition index {p['IndexName']} not found on table {table}.")
    return {}
