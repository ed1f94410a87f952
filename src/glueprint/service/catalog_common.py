"""What the Data Catalog operations share: lookups, a table's document, removing a table.

Like Glue, the catalog keeps database and table names in lower case.
"""

import regex
from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..protocol.model import member_limits
from ..store import entities as store
from ..store import partitions as partition_store
from ..store import table_versions as version_store
from .paging import filtered_page


def catalog_id(ctx: ServiceContext, p: dict) -> str:
    return p.get("CatalogId") or ctx.account_id


def created_by(ctx: ServiceContext) -> str:
    # AWS records the calling principal's ARN; requests here carry no identity beyond a key.
    return f"arn:aws:iam::{ctx.account_id}:root"


def add_named(ctx: ServiceContext, kind: str, name: str, doc: dict, now: float, taken: Exception) -> None:
    """Store a new entity of a kind whose names are unique; raise taken when the name is taken,
    already or by another request meanwhile (the primary key refuses the second one)."""
    try:
        with ctx.db.write() as conn:
            if store.exists(conn, kind, name):
                raise taken
            store.add(conn, kind, name, doc, now)
    except IntegrityError:
        raise taken from None


def get_named(ctx: ServiceContext, kind: str, name: str, missing: Exception) -> dict:
    """A named entity's document; raise missing when there is none."""
    with ctx.db.read() as conn:
        doc = store.get(conn, kind, name)
    if doc is None:
        raise missing
    return doc


def page_limit(shape: str) -> int:
    return member_limits(shape, "MaxResults")["max"]


# Lake Formation's default for a new database while access is controlled by IAM alone.
_DEFAULT_PERMISSIONS = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]


def database_view(doc: dict) -> dict:
    """A stored database as GetDatabase shows it; fills what databases a crawl made may lack."""
    return {"CreateTableDefaultPermissions": _DEFAULT_PERMISSIONS, **doc}


def attributes(p: dict, fields: dict[str, str]):
    """AttributesToGet of GetTables and GetDatabases: which fields (wire names to members) a
    listing keeps; NAME must be among them. Returns a function narrowing one document."""
    wanted = p.get("AttributesToGet")
    if wanted is None:
        return lambda doc: doc
    if "NAME" not in wanted or not set(wanted) <= fields.keys():
        raise errors.InvalidInputException(f"AttributesToGet must include NAME, with any of {', '.join(sorted(fields))}.")
    members = [fields[a] for a in wanted]
    return lambda doc: {k: doc[k] for k in members if k in doc}


def require_database(conn, name: str, lock: bool = False) -> dict:
    doc = store.get(conn, "database", name, lock=lock)
    if doc is None:
        raise errors.EntityNotFoundException(f"Database {name} not found.")
    return doc


def table_missing(name: str) -> Exception:
    """AWS's text, as its table lookups (GetTable, GetPartitionIndexes...) word it."""
    return errors.EntityNotFoundException(f"Table {name} not found.")


def require_table(conn, database: str, name: str, lock: bool = False) -> dict:
    """The table's document; lock holds it against concurrent changes until the transaction ends."""
    require_database(conn, database)
    doc = store.get(conn, "table", name, scope=database, lock=lock)
    if doc is None:
        raise table_missing(name)
    return doc


def version_of(doc: dict) -> int:
    """A table's current version number (tables written before versions were kept are at 0)."""
    return int(doc.get("VersionId", "0"))


# What AWS fills in on a StorageDescriptor the request leaves them out of.
_STORAGE_DEFAULTS = {"Compressed": False, "NumberOfBuckets": 0, "SortColumns": [], "StoredAsSubDirectories": False}


def table_doc(given: dict, database: str, now: float, *, version: int, created: dict) -> dict:
    """A table as Glue keeps it, from a TableInput. created holds what an update keeps:
    CreateTime, CreatedBy, CatalogId."""
    doc = {"Retention": 0, "PartitionKeys": [], **given, "Name": given["Name"].lower(), "DatabaseName": database}
    if "StorageDescriptor" in given:
        doc["StorageDescriptor"] = {**_STORAGE_DEFAULTS, **given["StorageDescriptor"]}
    doc.update(created, UpdateTime=now, IsRegisteredWithLakeFormation=False, VersionId=str(version))
    return doc


def table_view(doc: dict) -> dict:
    """A stored table as GetTable shows it; fills what tables written by other parts (a crawl)
    may lack."""
    return {"Retention": 0, "IsRegisteredWithLakeFormation": False, "IsMultiDialectView": False, "VersionId": "0", **doc}


def remove_table(conn, database: str, name: str) -> bool:
    """Delete a table with its versions and partitions; False if there was none."""
    if not store.remove(conn, "table", name, scope=database):
        return False
    version_store.remove_table(conn, database, name)
    partition_store.remove_table(conn, database, name)
    return True


# A match that backtracks this long (a pattern like (a*)*b) ends the request instead of a thread.
_MATCH_SECONDS = 0.05


def name_filter(expression: str, member: str = "Expression"):
    """A test of names for GetTables' Expression or GetUserDefinedFunctions' Pattern (member
    says which, for the error), read as Hive's patterns are (AWS's catalog follows them):
    a regular expression matched against the whole name, ignoring case, where a * that does
    not follow a . ] ) or \\ stands for any run of characters (so "*" alone, or "sales*", work
    as globs while ".*" and "[0-9]*" keep their regular-expression meaning)."""
    try:
        pattern = regex.compile(regex.sub(r"(?<![.\])\\])\*", ".*", expression), regex.IGNORECASE)
    except regex.error as exc:
        raise errors.InvalidInputException(f"{member} {expression!r} is not a valid regular expression: {exc}.") from None

    def matches(name: str) -> bool:
        try:
            return pattern.fullmatch(name, timeout=_MATCH_SECONDS) is not None
        except TimeoutError:
            raise errors.InvalidInputException(f"{member} {expression!r} is too costly to match.") from None

    return matches


def name_page(ctx: ServiceContext, op: str, kind: str, scope_name: str, p: dict, keep, binding: dict):
    """A page of one kind's documents in name order, those keep accepts; NextToken bound to binding."""
    position = ctx.tokens.position(op, binding, p.get("NextToken"))
    with ctx.db.read() as conn:
        if kind == "table":
            require_database(conn, scope_name)
        docs, after = filtered_page(
            lambda start, n: store.page(conn, kind, start, n, scope=scope_name),
            key=lambda doc: doc["Name"],
            keep=keep,
            limit=p.get("MaxResults", page_limit(f"{op}Request")),
            after=position[0] if position else None,
        )
    return docs, ctx.tokens.issue(op, binding, [after]) if after is not None else None
