"""A table's versions: the current definition and those UpdateTable archived.

VersionId is the string of an integer: "0" on create, one more on each UpdateTable.
GetTableVersions lists the current version first, then the archived ones newest first. The
current version cannot be deleted (DeleteTable is how it goes).
"""

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import table_versions as version_store
from .catalog_common import page_limit, require_table, table_view, version_of
from .registry import operation

_LARGEST = 2**63 - 1  # what the versions' column holds


def _number(version_id: str) -> int:
    if not version_id.isascii() or not version_id.isdigit() or int(version_id) > _LARGEST:
        raise errors.InvalidInputException(f"VersionId {version_id} is not a version number.")
    return int(version_id)


def _names(p: dict) -> tuple[str, str]:
    return p["DatabaseName"].lower(), p["TableName"].lower()


def _version_missing(database: str, table: str, version_id: str) -> Exception:
    return errors.EntityNotFoundException(f"Version {version_id} of table {table} in database {database} not found.")


@operation("GetTableVersion", read_only=True)
def get_table_version(ctx: ServiceContext, p: dict) -> dict:
    """One version; without VersionId, the current one."""
    database, table = _names(p)
    with ctx.db.read() as conn:
        current = table_view(require_table(conn, database, table))
        wanted = _number(p["VersionId"]) if "VersionId" in p else version_of(current)
        doc = current if wanted == version_of(current) else version_store.get(conn, database, table, wanted)
    if doc is None:
        raise _version_missing(database, table, p["VersionId"])
    return {"TableVersion": {"Table": doc, "VersionId": doc["VersionId"]}}


@operation("GetTableVersions", read_only=True)
def get_table_versions(ctx: ServiceContext, p: dict) -> dict:
    database, table = _names(p)
    binding = {"database": database, "table": table}
    position = ctx.tokens.position("GetTableVersions", binding, p.get("NextToken"), types=(int,))
    below = position[0] if position else None
    limit = p.get("MaxResults", page_limit("GetTableVersionsRequest"))
    with ctx.db.read() as conn:
        current = table_view(require_table(conn, database, table))
        page = [current] if below is None else []
        page += [doc for _, doc in version_store.page(conn, database, table, below, limit + 1 - len(page))]
    more = len(page) > limit
    page = page[:limit]
    token = ctx.tokens.issue("GetTableVersions", binding, [version_of(page[-1])]) if more else None
    return {"TableVersions": [{"Table": doc, "VersionId": doc["VersionId"]} for doc in page], "NextToken": token}


def _delete(conn, database: str, table: str, version_ids: list[str]) -> list[dict]:
    """Delete archived versions; a TableVersionError for each one that cannot be."""
    current = version_of(require_table(conn, database, table, lock=True))
    failed, wanted = [], {}
    for version_id in dict.fromkeys(version_ids):
        try:
            number = _number(version_id)
            if number == current:
                raise errors.InvalidInputException(
                    f"Version {version_id} is the current version of table {table}: delete the table instead."
                )
            wanted[number] = version_id
        except errors.ServiceError as exc:
            failed.append((version_id, exc))
    deleted = version_store.remove(conn, database, table, list(wanted))
    failed += [(v, _version_missing(database, table, v)) for n, v in wanted.items() if n not in deleted]
    return [
        {"TableName": table, "VersionId": v, "ErrorDetail": {"ErrorCode": exc.code, "ErrorMessage": exc.message}}
        for v, exc in failed
    ]


@operation("DeleteTableVersion")
def delete_table_version(ctx: ServiceContext, p: dict) -> dict:
    database, table = _names(p)
    with ctx.db.write() as conn:
        failed = _delete(conn, database, table, [p["VersionId"]])
    if failed:
        raise errors.error_class(failed[0]["ErrorDetail"]["ErrorCode"])(failed[0]["ErrorDetail"]["ErrorMessage"])
    return {}


@operation("BatchDeleteTableVersion")
def batch_delete_table_version(ctx: ServiceContext, p: dict) -> dict:
    database, table = _names(p)
    with ctx.db.write() as conn:
        return {"Errors": _delete(conn, database, table, p["VersionIds"])}
