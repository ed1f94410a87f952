"""Data Catalog databases: create, read, list, update, delete (with everything in them: tables,
their versions and partitions, user-defined functions)."""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from ..store import functions as function_store
from ..store import partitions as partition_store
from ..store import table_versions as version_store
from .catalog_common import attributes, catalog_id, database_view, name_page, require_database
from .registry import operation


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Database {name} already exists.")


@operation("CreateDatabase")
def create_database(ctx: ServiceContext, p: dict) -> dict:
    given = p["DatabaseInput"]
    name = given["Name"].lower()
    doc = {
        **given,
        "Name": name,
        "CreateTime": ctx.clock(),
        "CatalogId": catalog_id(ctx, p),
        "Tags": p.get("Tags") or {},
    }
    try:
        with ctx.db.write() as conn:
            if store.exists(conn, "database", name):
                raise _exists(name)
            store.add(conn, "database", name, doc, ctx.clock())
    except IntegrityError:
        raise _exists(name) from None
    return {}


@operation("GetDatabase", read_only=True)
def get_database(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        return {"Database": database_view(require_database(conn, p["Name"].lower()))}


@operation("GetDatabases", read_only=True)
def get_databases(ctx: ServiceContext, p: dict) -> dict:
    only = attributes(p, {"NAME": "Name", "TARGET_DATABASE": "TargetDatabase"})
    binding = {"scope": "", "AttributesToGet": p.get("AttributesToGet")}
    docs, token = name_page(ctx, "GetDatabases", "database", "", p, lambda doc: True, binding)
    return {"DatabaseList": [only(database_view(d)) for d in docs], "NextToken": token}


@operation("UpdateDatabase")
def update_database(ctx: ServiceContext, p: dict) -> dict:
    """DatabaseInput replaces the definition; what it leaves out is gone (as on AWS)."""
    name, given = p["Name"].lower(), p["DatabaseInput"]
    if given["Name"].lower() != name:
        raise errors.InvalidInputException(f"Database {name} cannot be renamed to {given['Name']}.")
    with ctx.db.write() as conn:
        existing = require_database(conn, name, lock=True)
        kept = {k: existing[k] for k in ("CreateTime", "CatalogId", "Tags") if k in existing}
        store.replace(conn, "database", name, {**given, "Name": name, **kept})
    return {}


@operation("DeleteDatabase")
def delete_database(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"].lower()
    with ctx.db.write() as conn:
        if not store.remove(conn, "database", name):
            raise errors.EntityNotFoundException(f"Database {name} not found.")
        store.remove_scope(conn, "table", name)
        version_store.remove_database(conn, name)
        partition_store.remove_database(conn, name)
        function_store.remove_database(conn, name)
    return {}
