"""Column statistics of Data Catalog tables and partitions ("Optimizing query performance
using column statistics" in the AWS Glue developer guide): update, get and delete them, for a
table or for one of its partitions.

A missing database, table or partition fails the whole call. Update stores every entry it can
and lists the others in Errors (a column the table's StorageDescriptor does not have, figures
of a Type that does not suit the column's type); Get lists the columns that have no
statistics in Errors. Deleting statistics a column does not have succeeds, as on AWS.
Statistics are kept by column name in lower case, as the catalog keeps names.
"""

import base64

from ..domain.context import ServiceContext
from ..protocol import errors
from ..protocol.model import shape
from ..store import column_statistics as store
from ..store import partitions as partition_store
from .partition_tables import NOT_FOUND, base_type, names, table_of
from .registry import operation

# The column types (lower case, without parameters) each statistics Type describes.
_FITS = {
    "BOOLEAN": {"boolean"},
    "DATE": {"date"},
    "DECIMAL": {"decimal"},
    "DOUBLE": {"double", "float"},
    "LONG": {"tinyint", "smallint", "int", "integer", "bigint"},
    "STRING": {"string", "varchar", "char"},
    "BINARY": {"binary"},
}
# The member of ColumnStatisticsData holding each Type's figures: LONG's is LongColumnStatisticsData.
_FIGURES = {
    member.removesuffix("ColumnStatisticsData").upper(): member
    for member in shape("ColumnStatisticsData").members
    if member != "Type"
}
_DECIMAL_BOUNDS = ("MinimumValue", "MaximumValue")


def _key(conn, database: str, table: str, values: list[str] | None) -> str:
    """Where the statistics of the table (values None) or of its partition with these values are kept."""
    if values is None:
        return store.TABLE
    if not partition_store.exists(conn, database, table, values):
        raise errors.EntityNotFoundException(NOT_FOUND)
    return partition_store.values_key(values)


def _problem(table: dict, given: dict) -> str | None:
    """Why these statistics cannot describe a column of the table, or None."""
    name, data = given["ColumnName"], given["StatisticsData"]
    columns = {c["Name"].lower(): c.get("Type") or "" for c in (table.get("StorageDescriptor") or {}).get("Columns") or []}
    if name.lower() not in columns:
        if name.lower() in {k["Name"].lower() for k in table.get("PartitionKeys") or []}:
            return f"Column {name} is a partition key of table {table['Name']}: statistics describe its columns."
        return f"Column {name} does not exist in table {table['Name']}."
    kind, column_type = data["Type"], columns[name.lower()]
    if base_type(column_type) not in _FITS[kind]:
        return f"Statistics of type {kind} do not fit column {name} of type {column_type}."
    others = [member for member in data if member not in ("Type", _FIGURES[kind])]
    if others:
        return f"Statistics of type {kind} hold {_FIGURES[kind]}, not {', '.join(others)}."
    return None


def _decimal_bounds(given: dict, convert) -> dict:
    """given with the UnscaledValue of its decimal bounds converted (bytes on the wire, base64
    text in the store)."""
    figures = given["StatisticsData"].get("DecimalColumnStatisticsData")
    if not figures:
        return given
    changed = dict(figures)
    for bound in _DECIMAL_BOUNDS:
        if bound in figures:
            changed[bound] = {**figures[bound], "UnscaledValue": convert(figures[bound]["UnscaledValue"])}
    return {**given, "StatisticsData": {**given["StatisticsData"], "DecimalColumnStatisticsData": changed}}


def _stored(given: dict) -> dict:
    return _decimal_bounds(given, lambda value: base64.b64encode(value).decode("ascii"))


def _wire(doc: dict) -> dict:
    return _decimal_bounds(doc, base64.b64decode)


def _update(ctx: ServiceContext, p: dict, values: list[str] | None) -> dict:
    database, table = names(p)
    failed, kept = [], {}
    with ctx.db.write() as conn:
        doc = table_of(conn, database, table, lock=True)
        key = _key(conn, database, table, values)
        for given in p["ColumnStatisticsList"]:
            problem = _problem(doc, given)
            if problem:
                error = {"ErrorCode": "InvalidInputException", "ErrorMessage": problem}
                failed.append({"ColumnStatistics": given, "Error": error})
            else:
                kept[given["ColumnName"].lower()] = _stored(given)  # a column named twice keeps its last
        store.put(conn, database, table, key, kept)
    return {"Errors": failed}


def _get(ctx: ServiceContext, p: dict, values: list[str] | None) -> dict:
    database, table = names(p)
    wanted = list(dict.fromkeys(p["ColumnNames"]))
    with ctx.db.read() as conn:
        table_of(conn, database, table)
        key = _key(conn, database, table, values)
        found = store.get_many(conn, database, table, key, [name.lower() for name in wanted])
    listed, failed = [], []
    for name in wanted:
        doc = found.get(name.lower())
        if doc is not None:
            listed.append(_wire(doc))
        else:
            error = {"ErrorCode": "EntityNotFoundException", "ErrorMessage": f"Column statistics of column {name} not found."}
            failed.append({"ColumnName": name, "Error": error})
    return {"ColumnStatisticsList": listed, "Errors": failed}


def _delete(ctx: ServiceContext, p: dict, values: list[str] | None) -> dict:
    database, table = names(p)
    with ctx.db.write() as conn:
        table_of(conn, database, table, lock=True)
        store.remove(conn, database, table, _key(conn, database, table, values), p["ColumnName"].lower())
    return {}


@operation("UpdateColumnStatisticsForTable")
def update_column_statistics_for_table(ctx: ServiceContext, p: dict) -> dict:
    return _update(ctx, p, None)


@operation("GetColumnStatisticsForTable", read_only=True)
def get_column_statistics_for_table(ctx: ServiceContext, p: dict) -> dict:
    return _get(ctx, p, None)


@operation("DeleteColumnStatisticsForTable")
def delete_column_statistics_for_table(ctx: ServiceContext, p: dict) -> dict:
    return _delete(ctx, p, None)


@operation("UpdateColumnStatisticsForPartition")
def update_column_statistics_for_partition(ctx: ServiceContext, p: dict) -> dict:
    return _update(ctx, p, p["PartitionValues"])


@operation("GetColumnStatisticsForPartition", read_only=True)
def get_column_statistics_for_partition(ctx: ServiceContext, p: dict) -> dict:
    return _get(ctx, p, p["PartitionValues"])


@operation("DeleteColumnStatisticsForPartition")
def delete_column_statistics_for_partition(ctx: ServiceContext, p: dict) -> dict:
    return _delete(ctx, p, p["PartitionValues"])
