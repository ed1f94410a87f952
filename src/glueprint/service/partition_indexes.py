"""Partition indexes: CreatePartitionIndex, GetPartitionIndexes, DeletePartitionIndex (what an
index may be: index_rules.py)."""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import partitions as store
from . import index_rules
from .partition_tables import names, table_of
from .registry import operation


@operation("CreatePartitionIndex")
def create_partition_index(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    index = p["PartitionIndex"]
    try:
        with ctx.db.write() as conn:
            index_rules.add(conn, database, table, table_of(conn, database, table, lock=True), index)
    except IntegrityError:
        raise errors.AlreadyExistsException(f"Partition index {index['IndexName']} already exists on table {table}.") from None
    return {}


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
