"""The Data Catalog calls layout scripts make: databases and tables.

Like Glue, the catalog keeps database and table names in lower case.
"""

from sqlalchemy.exc import IntegrityError

from ..protocol import errors
from ..store import entities as store
from ..store import partitions as partition_store
from .context import ServiceContext
from .paging import filtered_page
from .registry import operation


def _catalog_id(ctx: ServiceContext, p: dict) -> str:
    return p.get("CatalogId") or ctx.account_id


def _require_database(conn, name: str) -> None:
    if not store.exists(conn, "database", name):
        raise errors.EntityNotFoundException(f"Database {name} not found.")


def _page(ctx: ServiceContext, op: str, kind: str, scope_name: str, p: dict) -> tuple[list[dict], str | None]:
    scope = {"scope": scope_name}
    position = ctx.tokens.position(op, scope, p.get("NextToken"))
    with ctx.db.read() as conn:
        if kind == "table":
            _require_database(conn, scope_name)
        docs, after = filtered_page(
            lambda start, n: store.page(conn, kind, start, n, scope=scope_name),
            key=lambda doc: doc["Name"],
            keep=lambda doc: True,
            limit=p.get("MaxResults", 100),
            after=position[0] if position else None,
        )
    return docs, ctx.tokens.issue(op, scope, [after]) if after is not None else None


@operation("CreateDatabase")
def create_database(ctx: ServiceContext, p: dict) -> dict:
    given = p["DatabaseInput"]
    name = given["Name"].lower()
    doc = {**given, "Name": name, "CreateTime": ctx.clock(), "CatalogId": _catalog_id(ctx, p)}
    try:
        with ctx.db.write() as conn:
            if store.exists(conn, "database", name):
                raise errors.AlreadyExistsException(f"Database {name} already exists.")
            store.add(conn, "database", name, doc, ctx.clock())
    except IntegrityError:
        raise errors.AlreadyExistsException(f"Database {name} already exists.") from None
    return {}


@operation("GetDatabase", read_only=True)
def get_database(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"].lower()
    with ctx.db.read() as conn:
        doc = store.get(conn, "database", name)
    if doc is None:
        raise errors.EntityNotFoundException(f"Database {name} not found.")
    return {"Database": doc}


@operation("GetDatabases", read_only=True)
def get_databases(ctx: ServiceContext, p: dict) -> dict:
    docs, token = _page(ctx, "GetDatabases", "database", "", p)
    return {"DatabaseList": docs, "NextToken": token}


@operation("DeleteDatabase")
def delete_database(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"].lower()
    with ctx.db.write() as conn:
        if not store.remove(conn, "database", name):
            raise errors.EntityNotFoundException(f"Database {name} not found.")
        store.remove_scope(conn, "table", name)
        partition_store.remove_database(conn, name)
    return {}


@operation("CreateTable")
def create_table(ctx: ServiceContext, p: dict) -> dict:
    database = p["DatabaseName"].lower()
    given = p.get("TableInput") or {}
    name = (given.get("Name") or p.get("Name") or "").lower()
    if not name:
        raise errors.InvalidInputException("A table name is required: give TableInput.Name.")
    now = ctx.clock()
    doc = {
        **given,
        "Name": name,
        "DatabaseName": database,
        "CreateTime": now,
        "UpdateTime": now,
        "CatalogId": _catalog_id(ctx, p),
    }
    try:
        with ctx.db.write() as conn:
            _require_database(conn, database)
            if store.exists(conn, "table", name, scope=database):
                raise errors.AlreadyExistsException(f"Table {name} already exists in database {database}.")
            store.add(conn, "table", name, doc, now, scope=database)
    except IntegrityError:
        raise errors.AlreadyExistsException(f"Table {name} already exists in database {database}.") from None
    return {}


@operation("GetTable", read_only=True)
def get_table(ctx: ServiceContext, p: dict) -> dict:
    database, name = p["DatabaseName"].lower(), p["Name"].lower()
    with ctx.db.read() as conn:
        _require_database(conn, database)
        doc = store.get(conn, "table", name, scope=database)
    if doc is None:
        raise errors.EntityNotFoundException(f"Table {name} not found in database {database}.")
    return {"Table": doc}


@operation("GetTables", read_only=True)
def get_tables(ctx: ServiceContext, p: dict) -> dict:
    docs, token = _page(ctx, "GetTables", "table", p["DatabaseName"].lower(), p)
    return {"TableList": docs, "NextToken": token}


@operation("DeleteTable")
def delete_table(ctx: ServiceContext, p: dict) -> dict:
    database, name = p["DatabaseName"].lower(), p["Name"].lower()
    with ctx.db.write() as conn:
        _require_database(conn, database)
        if not store.remove(conn, "table", name, scope=database):
            raise errors.EntityNotFoundException(f"Table {name} not found in database {database}.")
        partition_store.remove_table(conn, database, name)
    return {}
