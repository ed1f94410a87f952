"""Data Catalog partitions: create, read, update and delete, one at a time and in batches.

A missing database or table fails the whole call; in a batch, each entry that cannot be
done is listed in Errors (with its values and AWS's error code) and the others are done.
"""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import partitions as store
from .partition_tables import ALREADY_EXISTS, NOT_FOUND, document, entry_error, names, table_of, values_problem
from .registry import operation

# Requests here hold the table's row while they write, but a crawl writes partitions without
# it: a batch that meets one created meanwhile (PostgreSQL checks the unique index only at
# insert) runs once more, and then sees it.
_ATTEMPTS = 2
_CONCURRENT = "Partitions of this table changed during the call; retry it."


@operation("CreatePartition")
def create_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    given = p["PartitionInput"]
    values = given.get("Values") or []
    try:
        with ctx.db.write() as conn:
            problem = values_problem(table_of(conn, database, table, lock=True), values)
            if problem:
                raise errors.InvalidInputException(problem)
            if store.exists(conn, database, table, values):
                raise errors.AlreadyExistsException(ALREADY_EXISTS)
            store.add(conn, database, table, values, document(ctx, p, given, values, ctx.clock()))
    except IntegrityError:
        raise errors.AlreadyExistsException(ALREADY_EXISTS) from None
    return {}


@operation("BatchCreatePartition")
def batch_create_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    attempts = 0
    while True:
        try:
            with ctx.db.write() as conn:
                return {"Errors": _create_all(ctx, conn, p, database, table)}
        except IntegrityError:
            attempts += 1
            if attempts == _ATTEMPTS:
                raise errors.ConcurrentModificationException(_CONCURRENT) from None


def _create_all(ctx: ServiceContext, conn, p: dict, database: str, table: str) -> list[dict]:
    doc = table_of(conn, database, table, lock=True)
    entries = p["PartitionInputList"]
    taken = set(store.get_many(conn, database, table, [e.get("Values") or [] for e in entries]))
    failed, new, now = [], [], ctx.clock()
    for given in entries:
        values = given.get("Values") or []
        problem = values_problem(doc, values)
        if problem:
            failed.append(entry_error(values, "InvalidInputException", problem))
            continue
        key = store.values_key(values)
        if key in taken:  # stored already, or earlier in this same list
            failed.append(entry_error(values, "AlreadyExistsException", ALREADY_EXISTS))
            continue
        taken.add(key)
        new.append(document(ctx, p, given, values, now))
    store.add_many(conn, database, table, new)
    return failed


@operation("GetPartition", read_only=True)
def get_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    with ctx.db.read() as conn:
        table_of(conn, database, table)
        doc = store.get(conn, database, table, p["PartitionValues"])
    if doc is None:
        raise errors.EntityNotFoundException(NOT_FOUND)
    return {"Partition": doc}


@operation("BatchGetPartition", read_only=True)
def batch_get_partition(ctx: ServiceContext, p: dict) -> dict:
    """The partitions that exist, in the order asked, each once; AWS leaves missing ones out
    (they are not UnprocessedKeys, which lists what it had no time for)."""
    database, table = names(p)
    wanted = [entry["Values"] for entry in p["PartitionsToGet"]]
    with ctx.db.read() as conn:
        table_of(conn, database, table)
        found = store.get_many(conn, database, table, wanted)
    keys = dict.fromkeys(store.values_key(values) for values in wanted)
    return {"Partitions": [found[key] for key in keys if key in found], "UnprocessedKeys": []}


@operation("UpdatePartition")
def update_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    try:
        with ctx.db.write() as conn:
            doc = table_of(conn, database, table, lock=True)
            failure = _update(ctx, conn, p, doc, p["PartitionValueList"], p["PartitionInput"])
    except IntegrityError:
        raise errors.AlreadyExistsException(ALREADY_EXISTS) from None
    if failure:
        code, message = failure
        raise errors.error_class(code)(message)
    return {}


def _update(ctx: ServiceContext, conn, p: dict, doc: dict, values: list[str], given: dict):
    """Replace a partition of the table (doc) by PartitionInput, keeping its CreationTime; new
    Values rename it (as Athena's ALTER TABLE RENAME PARTITION does). The (code, message) of
    what failed, or None."""
    database, table = names(p)
    old = store.get(conn, database, table, values)
    if old is None:
        return "EntityNotFoundException", NOT_FOUND
    new_values = given.get("Values") or values
    if new_values != values:
        problem = values_problem(doc, new_values)
        if problem:
            return "InvalidInputException", problem
        if store.exists(conn, database, table, new_values):
            return "AlreadyExistsException", ALREADY_EXISTS
    store.replace(conn, database, table, values, document(ctx, p, given, new_values, old["CreationTime"]))
    return None


@operation("BatchUpdatePartition")
def batch_update_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    failed = []
    try:
        with ctx.db.write() as conn:
            doc = table_of(conn, database, table, lock=True)
            for entry in p["Entries"]:
                values = entry["PartitionValueList"]
                failure = _update(ctx, conn, p, doc, values, entry["PartitionInput"])
                if failure:
                    failed.append(entry_error(values, *failure, field="PartitionValueList"))
    except IntegrityError:  # renamed onto a partition another request created meanwhile
        raise errors.ConcurrentModificationException(_CONCURRENT) from None
    return {"Errors": failed}


@operation("DeletePartition")
def delete_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    with ctx.db.write() as conn:
        table_of(conn, database, table, lock=True)
        if not store.remove(conn, database, table, p["PartitionValues"]):
            raise errors.EntityNotFoundException(NOT_FOUND)
    return {}


@operation("BatchDeletePartition")
def batch_delete_partition(ctx: ServiceContext, p: dict) -> dict:
    database, table = names(p)
    failed = []
    with ctx.db.write() as conn:
        table_of(conn, database, table, lock=True)
        for entry in p["PartitionsToDelete"]:
            if not store.remove(conn, database, table, entry["Values"]):
                failed.append(entry_error(entry["Values"], "EntityNotFoundException", NOT_FOUND))
    return {"Errors": failed}
