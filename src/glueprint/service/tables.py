"""Data Catalog tables: create, read, list (with AWS's name expression), update keeping
versions, delete one or a batch."""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import column_statistics as statistics_store
from ..store import entities as store
from ..store import table_versions as version_store
from . import index_rules
from .catalog_common import (
    attributes,
    catalog_id,
    created_by,
    name_filter,
    name_page,
    remove_table,
    require_database,
    require_table,
    table_doc,
    table_missing,
    table_view,
    version_of,
)
from .open_table_format import iceberg_table
from .registry import operation

# AWS's text, naming neither the table nor its database.
TABLE_EXISTS = "Table already exists."


def _table_input(p: dict) -> dict:
    given = p.get("TableInput") or {}
    name = given.get("Name") or p.get("Name")
    if not name:
        raise errors.InvalidInputException("A table name is required: give TableInput.Name.")
    return {**given, "Name": name}


@operation("CreateTable")
def create_table(ctx: ServiceContext, p: dict) -> dict:
    database = p["DatabaseName"].lower()
    given = _table_input(p)
    if "OpenTableFormatInput" in p:
        given = iceberg_table(given, p["OpenTableFormatInput"])
    now = ctx.clock()
    created = {"CreateTime": now, "CreatedBy": created_by(ctx), "CatalogId": catalog_id(ctx, p)}
    doc = table_doc(given, database, now, version=0, created=created)
    try:
        with ctx.db.write() as conn:
            require_database(conn, database)
            if store.exists(conn, "table", doc["Name"], scope=database):
                raise errors.AlreadyExistsException(TABLE_EXISTS)
            store.add(conn, "table", doc["Name"], doc, now, scope=database)
            for index in p.get("PartitionIndexes") or []:
                index_rules.add(conn, database, doc["Name"], doc, index)
    except IntegrityError:
        raise errors.AlreadyExistsException(TABLE_EXISTS) from None
    return {}


@operation("GetTable", read_only=True)
def get_table(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        return {"Table": table_view(require_table(conn, p["DatabaseName"].lower(), p["Name"].lower()))}


_ATTRIBUTES = {"NAME": "Name", "TABLE_TYPE": "TableType"}


@operation("GetTables", read_only=True)
def get_tables(ctx: ServiceContext, p: dict) -> dict:
    database = p["DatabaseName"].lower()
    only = attributes(p, _ATTRIBUTES)
    expression = p.get("Expression")
    matches = name_filter(expression) if expression else None
    keep = (lambda doc: matches(doc["Name"])) if matches else (lambda doc: True)
    binding = {"scope": database, "Expression": expression, "AttributesToGet": p.get("AttributesToGet")}
    docs, token = name_page(ctx, "GetTables", "table", database, p, keep, binding)
    return {"TableList": [only(table_view(d)) for d in docs], "NextToken": token}


@operation("UpdateTable")
def update_table(ctx: ServiceContext, p: dict) -> dict:
    """TableInput replaces the definition and the table's VersionId goes up by one. The
    replaced definition is archived (GetTableVersions lists it) unless SkipArchive is set.
    Columns it drops or gives another type lose their statistics."""
    database = p["DatabaseName"].lower()
    if "TableInput" not in p:
        raise errors.InvalidInputException("TableInput is required: it is the table's new definition.")
    given = _table_input(p)
    name = given["Name"].lower()
    now = ctx.clock()
    with ctx.db.write() as conn:
        existing = require_table(conn, database, name, lock=True)
        current = version_of(existing)
        if "VersionId" in p and p["VersionId"] != str(current):
            raise errors.ConcurrentModificationException("Update table failed due to concurrent modifications.")
        kept = {k: existing[k] for k in ("CreateTime", "CreatedBy", "CatalogId") if k in existing}
        doc = table_doc(given, database, now, version=current + 1, created=kept)
        if not p.get("SkipArchive", False):
            version_store.add(conn, database, name, current, table_view(existing))
        store.replace(conn, "table", name, doc, scope=database)
        statistics_store.remove_changed_columns(conn, database, name, existing, doc)
    return {}


@operation("DeleteTable")
def delete_table(ctx: ServiceContext, p: dict) -> dict:
    database, name = p["DatabaseName"].lower(), p["Name"].lower()
    with ctx.db.write() as conn:
        require_database(conn, database)
        if not remove_table(conn, database, name):
            raise table_missing(name)
    return {}


@operation("BatchDeleteTable")
def batch_delete_table(ctx: ServiceContext, p: dict) -> dict:
    database = p["DatabaseName"].lower()
    errors_ = []
    with ctx.db.write() as conn:
        require_database(conn, database)
        names = list(dict.fromkeys(n.lower() for n in p["TablesToDelete"]))
        store.lock_many(conn, "table", sorted(names), scope=database)  # in the order a crawl locks them: no deadlock
        for name in names:
            if not remove_table(conn, database, name):
                missing = table_missing(name)
                detail = {"ErrorCode": missing.code, "ErrorMessage": missing.message}
                errors_.append({"TableName": name, "ErrorDetail": detail})
    return {"Errors": errors_}
