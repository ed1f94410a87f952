"""Data Catalog user-defined functions (Hive UDF definitions): create, read, list by name
pattern within one database or across all, update, delete. They go with their database
(DeleteDatabase removes them). Like database and table names, a function's name is kept in
lower case and found whatever its case (as AWS answers, reported in floci-io/floci#1202)."""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import functions as store
from .catalog_common import catalog_id, name_filter, page_limit, require_database
from .paging import filtered_page
from .registry import operation


def _missing(database: str, name: str) -> Exception:
    return errors.EntityNotFoundException(f"Function {name} not found in database {database}.")


def _exists(database: str, name: str) -> Exception:
    return errors.AlreadyExistsException(f"Function {name} already exists in database {database}.")


def _function_name(given: dict) -> str:
    if not given.get("FunctionName"):
        raise errors.InvalidInputException("FunctionInput.FunctionName is required.")
    return given["FunctionName"].lower()


def _require(conn, database: str, name: str, lock: bool = False) -> dict:
    require_database(conn, database)
    doc = store.get(conn, database, name, lock=lock)
    if doc is None:
        raise _missing(database, name)
    return doc


@operation("CreateUserDefinedFunction")
def create_user_defined_function(ctx: ServiceContext, p: dict) -> dict:
    database, given = p["DatabaseName"].lower(), p["FunctionInput"]
    name = _function_name(given)
    doc = {**given, "FunctionName": name, "DatabaseName": database, "CreateTime": ctx.clock(), "CatalogId": catalog_id(ctx, p)}
    try:
        with ctx.db.write() as conn:
            require_database(conn, database)
            if store.get(conn, database, name) is not None:
                raise _exists(database, name)
            store.add(conn, database, name, doc)
    except IntegrityError:  # created by another request since we looked
        raise _exists(database, name) from None
    return {}


@operation("GetUserDefinedFunction", read_only=True)
def get_user_defined_function(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        return {"UserDefinedFunction": _require(conn, p["DatabaseName"].lower(), p["FunctionName"].lower())}


def _scans(p: dict) -> bool:
    """A Pattern that does not match every name, or a FunctionType, may pass over many
    functions for a page: such a listing runs off the event loop."""
    return p.get("Pattern") not in ("*", ".*") or "FunctionType" in p


@operation("GetUserDefinedFunctions", read_only=True, grows=_scans)
def get_user_defined_functions(ctx: ServiceContext, p: dict) -> dict:
    """Without DatabaseName, the functions of every database (AWS: "functions from all the
    databases across the catalog"), in (database, name) order."""
    database = p["DatabaseName"].lower() if "DatabaseName" in p else None
    matches = name_filter(p["Pattern"], member="Pattern")
    wanted = p.get("FunctionType")

    def keep(doc: dict) -> bool:
        # A function created without a FunctionType is a regular (Hive) one.
        return matches(doc["FunctionName"]) and wanted in (None, doc.get("FunctionType", "REGULAR_FUNCTION"))

    binding = {"DatabaseName": database, "Pattern": p["Pattern"], "FunctionType": wanted}
    position = ctx.tokens.position("GetUserDefinedFunctions", binding, p.get("NextToken"), types=(str, str))
    with ctx.db.read() as conn:
        if database is not None:
            require_database(conn, database)
        docs, after = filtered_page(
            lambda start, n: store.page(conn, database, start, n),
            key=lambda doc: (doc["DatabaseName"], doc["FunctionName"]),
            keep=keep,
            limit=p.get("MaxResults", page_limit("GetUserDefinedFunctionsRequest")),
            after=tuple(position) if position else None,
        )
    token = ctx.tokens.issue("GetUserDefinedFunctions", binding, list(after)) if after is not None else None
    return {"UserDefinedFunctions": docs, "NextToken": token}


@operation("UpdateUserDefinedFunction")
def update_user_defined_function(ctx: ServiceContext, p: dict) -> dict:
    """FunctionInput replaces the definition; CreateTime and CatalogId stay. A function keeps
    its name: a FunctionInput naming another is refused."""
    database, name, given = p["DatabaseName"].lower(), p["FunctionName"].lower(), p["FunctionInput"]
    if given.get("FunctionName", name).lower() != name:
        raise errors.InvalidInputException(f"Function {name} cannot be renamed to {given['FunctionName']}.")
    with ctx.db.write() as conn:
        existing = _require(conn, database, name, lock=True)
        kept = {k: existing[k] for k in ("CreateTime", "CatalogId")}
        store.replace(conn, database, name, {**given, "FunctionName": name, "DatabaseName": database, **kept})
    return {}


@operation("DeleteUserDefinedFunction")
def delete_user_defined_function(ctx: ServiceContext, p: dict) -> dict:
    database, name = p["DatabaseName"].lower(), p["FunctionName"].lower()
    with ctx.db.write() as conn:
        require_database(conn, database)
        if not store.remove(conn, database, name):
            raise _missing(database, name)
    return {}
