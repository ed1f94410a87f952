"""Data Catalog connections: create, read (HidePassword), list (Filter), update, delete.

Each is an entity of kind "connection" whose document keeps ConnectionProperties under
AWS's key names, so crawls and jobs read it with store.entities.get(conn, "connection", name).
"""

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from .catalog_common import name_page
from .registry import operation

# The ConnectionProperties each type needs, from the ConnectionInput.ConnectionType reference:
# every group must be met by one of its alternatives (each a set of keys all present).
_REQUIRED = {
    "JDBC": [
        [{"HOST", "PORT", "JDBC_ENGINE"}, {"JDBC_CONNECTION_URL"}],
        [{"USERNAME", "PASSWORD"}, {"SECRET_ID"}],
    ],
    "KAFKA": [[{"KAFKA_BOOTSTRAP_SERVERS"}]],
    "MONGODB": [[{"CONNECTION_URL"}], [{"USERNAME", "PASSWORD"}, {"SECRET_ID"}]],
    "MARKETPLACE": [[{"CONNECTOR_TYPE", "CONNECTOR_URL", "CONNECTOR_CLASS_NAME", "CONNECTION_URL"}]],
}
_CREDENTIALS = [[{"USERNAME", "PASSWORD"}, {"SECRET_ID"}]]


def _describe(alternatives: list[set[str]]) -> str:
    return " or ".join("(" + ", ".join(sorted(keys)) + ")" if len(keys) > 1 else next(iter(keys)) for keys in alternatives)


def _check(given: dict) -> None:
    kind, properties = given["ConnectionType"], given.get("ConnectionProperties") or {}
    if kind == "SFTP":
        raise errors.InvalidInputException("Connection type SFTP is not supported.")
    groups = list(_REQUIRED.get(kind, []))
    if kind == "MARKETPLACE" and properties.get("CONNECTOR_TYPE") == "JDBC":
        groups += _CREDENTIALS
    if kind == "NETWORK" and not given.get("PhysicalConnectionRequirements"):
        raise errors.InvalidInputException("A NETWORK connection needs PhysicalConnectionRequirements.")
    for alternatives in groups:
        if not any(keys <= properties.keys() for keys in alternatives):
            raise errors.InvalidInputException(f"A {kind} connection needs the ConnectionProperties {_describe(alternatives)}.")


def _doc(given: dict, now: float, created: float, tags: dict) -> dict:
    return {**given, "CreationTime": created, "LastUpdatedTime": now, "Status": "READY", "Tags": tags}


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Connection {name} already exists.")


def _missing(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Connection {name} not found.")


@operation("CreateConnection")
def create_connection(ctx: ServiceContext, p: dict) -> dict:
    given = p["ConnectionInput"]
    _check(given)
    name, now = given["Name"], ctx.clock()
    try:
        with ctx.db.write() as conn:
            if store.exists(conn, "connection", name):
                raise _exists(name)
            store.add(conn, "connection", name, _doc(given, now, now, p.get("Tags") or {}), now)
    except IntegrityError:
        raise _exists(name) from None
    return {"CreateConnectionStatus": "READY"}


def _shown(doc: dict, hide_password: bool) -> dict:
    if not hide_password:
        return doc
    properties = {k: v for k, v in (doc.get("ConnectionProperties") or {}).items() if not k.endswith("PASSWORD")}
    return {**doc, "ConnectionProperties": properties}


@operation("GetConnection", read_only=True)
def get_connection(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        doc = store.get(conn, "connection", p["Name"])
    if doc is None:
        raise _missing(p["Name"])
    return {"Connection": _shown(doc, p.get("HidePassword", False))}


def _keep(wanted: dict):
    """GetConnections' Filter: the type, the schema version, and every MatchCriteria string."""
    criteria = set(wanted.get("MatchCriteria") or [])

    def keep(doc: dict) -> bool:
        if wanted.get("ConnectionType") not in (None, doc["ConnectionType"]):
            return False
        if wanted.get("ConnectionSchemaVersion") not in (None, doc.get("ConnectionSchemaVersion", 1)):
            return False
        return criteria <= set(doc.get("MatchCriteria") or [])

    return keep


@operation("GetConnections", read_only=True)
def get_connections(ctx: ServiceContext, p: dict) -> dict:
    wanted = p.get("Filter") or {}
    docs, token = name_page(ctx, "GetConnections", "connection", "", p, _keep(wanted), {"Filter": wanted})
    return {"ConnectionList": [_shown(d, p.get("HidePassword", False)) for d in docs], "NextToken": token}


@operation("UpdateConnection")
def update_connection(ctx: ServiceContext, p: dict) -> dict:
    """ConnectionInput replaces the definition; a different Name renames the connection."""
    given, name = p["ConnectionInput"], p["Name"]
    _check(given)
    try:
        with ctx.db.write() as conn:
            existing = store.get(conn, "connection", name, lock=True)
            if existing is None:
                raise _missing(name)
            doc = _doc(given, ctx.clock(), existing["CreationTime"], existing.get("Tags") or {})
            if given["Name"] == name:
                store.replace(conn, "connection", name, doc)
            elif store.exists(conn, "connection", given["Name"]):
                raise _exists(given["Name"])
            else:
                store.remove(conn, "connection", name)
                store.add(conn, "connection", given["Name"], doc, existing["CreationTime"])
    except IntegrityError:  # another request took the new name meanwhile
        raise _exists(given["Name"]) from None
    return {}


@operation("DeleteConnection")
def delete_connection(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        if not store.remove(conn, "connection", p["ConnectionName"]):
            raise _missing(p["ConnectionName"])
    return {}


@operation("BatchDeleteConnection")
def batch_delete_connection(ctx: ServiceContext, p: dict) -> dict:
    succeeded, failed = [], {}
    with ctx.db.write() as conn:
        for name in dict.fromkeys(p["ConnectionNameList"]):
            if store.remove(conn, "connection", name):
                succeeded.append(name)
            else:
                missing = _missing(name)
                failed[name] = {"ErrorCode": missing.code, "ErrorMessage": missing.message}
    return {"Succeeded": succeeded, "Errors": failed}
