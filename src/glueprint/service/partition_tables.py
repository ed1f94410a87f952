"""What every partition operation needs: the table a request names, and partition documents.

Like Glue, the catalog keeps database and table names in lower case.
"""

from sqlalchemy import Connection

from ..domain.context import ServiceContext
from ..protocol import errors
from ..protocol.model import shape
from ..store import entities

NOT_FOUND = "Cannot find partition."
ALREADY_EXISTS = "Partition already exists."
# The members of PartitionInput a partition keeps as given (Values is checked against the table).
_KEPT = [name for name in shape("PartitionInput").members if name != "Values"]


def names(p: dict) -> tuple[str, str]:
    return p["DatabaseName"].lower(), p["TableName"].lower()


def table_of(conn: Connection, database: str, table: str, lock: bool = False) -> dict:
    """The table's document; EntityNotFoundException for a missing database or table. lock
    (for writes) holds the table's row, so a DeleteTable or DeleteDatabase running meanwhile
    either waits for this transaction (and then deletes what it wrote) or finishes first."""
    if not entities.exists(conn, "database", database):
        raise errors.EntityNotFoundException(f"Database {database} not found.")
    doc = entities.get(conn, "table", table, scope=database, lock=lock)
    if doc is None:
        raise errors.EntityNotFoundException(f"Table {table} not found.")  # AWS's text
    return doc


def partition_keys(table: dict) -> list[dict]:
    return table.get("PartitionKeys") or []


def base_type(column_type: str) -> str:
    """A column type without its parameters, in lower case: "VARCHAR(10)" is "varchar"."""
    return column_type.strip().lower().split("(", 1)[0].strip()


def values_problem(table: dict, values: list[str]) -> str | None:
    """Why these values cannot name a partition of the table, or None."""
    keys = partition_keys(table)
    if not keys:
        return f"Table {table['Name']} has no partition keys."
    if len(values) != len(keys):
        return "The number of partition keys do not match the number of partition values"
    return None


def document(ctx: ServiceContext, p: dict, given: dict, values: list[str], created: float) -> dict:
    """A partition as GetPartition returns it: what PartitionInput gave (a partition given no
    StorageDescriptor has none: it inherits nothing from its table), and where it belongs."""
    database, table = names(p)
    doc = {
        "Values": values,
        "DatabaseName": database,
        "TableName": table,
        "CreationTime": created,
        "CatalogId": p.get("CatalogId") or ctx.account_id,
    }
    doc.update((name, given[name]) for name in _KEPT if name in given)
    return doc


def entry_error(values: list[str], code: str, message: str, field: str = "PartitionValues") -> dict:
    """One failed entry of a batch call, as AWS lists it in Errors."""
    return {field: values, "ErrorDetail": {"ErrorCode": code, "ErrorMessage": message}}
