"""What the Schema Registry operations share: names from ids and ARNs, lookups, registering and
removing versions.

Entities (store/entities.py), each a JSON document:
- "registry": name = registry name;
- "schema": scope = registry name, name = schema name;
- "schema_version": scope = "<registry>/<schema>", name = version number zero-padded (so that
  name order is number order);
- "schema_vid": name = SchemaVersionId, where to find that version;
- "schema_def": scope as the versions', name = hash of a canonical definition, which
  version holds it.
Names cannot hold "/", so a scope names one schema.
"""

import datetime
import hashlib
import re
import uuid

from ..domain.context import ServiceContext
from ..protocol import errors
from ..protocol.model import member_limits
from ..store import entities as store
from . import schema_definitions as definitions

DEFAULT_REGISTRY = "default-registry"
# The List operations' page when MaxResults is not given (API reference).
DEFAULT_PAGE = 25
_NAME = re.compile(member_limits("CreateRegistryInput", "RegistryName")["pattern"])
_ARN = re.compile(r"arn:aws[^:]*:glue:([^:]*):([^:]*):(registry|schema)/(.+)")
# The highest version number the model allows.
MAX_VERSION = member_limits("RegisterSchemaVersionResponse", "VersionNumber")["max"]


def timestamp(seconds: float) -> str:
    """The registry's times are strings (CreatedTimestamp): ISO 8601 in UTC."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def registry_arn(ctx: ServiceContext, registry: str) -> str:
    return f"arn:aws:glue:{ctx.region}:{ctx.account_id}:registry/{registry}"


def schema_arn(ctx: ServiceContext, registry: str, schema: str) -> str:
    return f"arn:aws:glue:{ctx.region}:{ctx.account_id}:schema/{registry}/{schema}"


def registry_missing(registry: str) -> Exception:
    return errors.EntityNotFoundException(f"Registry is not found. RegistryName: {registry}")


def schema_missing(registry: str, schema: str) -> Exception:
    # "Schema is not found." is AWS's text (as quoted in streamthoughts/jikkou#592).
    return errors.EntityNotFoundException(f"Schema is not found. RegistryName: {registry}, SchemaName: {schema}")


def version_missing(what: str) -> Exception:
    return errors.EntityNotFoundException(f"Schema version is not found. {what}")


def _one_of(given: dict, members: tuple[str, str], shape: str) -> str:
    present = [m for m in members if given.get(m) is not None]
    if len(present) != 1:
        raise errors.InvalidInputException(f"{shape} takes exactly one of {' or '.join(members)}.")
    return present[0]


def _from_arn(ctx: ServiceContext, arn: str, kind: str) -> list[str] | None:
    """The names an ARN of this kind holds; None when it is of another account or region (it
    names nothing here)."""
    match = _ARN.fullmatch(arn)
    names = match.group(4).split("/") if match and match.group(3) == kind else []
    if len(names) != (1 if kind == "registry" else 2) or not all(_NAME.fullmatch(n) for n in names):
        raise errors.InvalidInputException(
            f"{arn} is not the ARN of a {kind} ({kind}/{'<registry>/<schema>' if kind == 'schema' else '<name>'})."
        )
    return names if (match.group(1), match.group(2)) == (ctx.region, ctx.account_id) else None


def registry_name(ctx: ServiceContext, registry_id: dict) -> str:
    """The registry a RegistryId names."""
    if _one_of(registry_id, ("RegistryName", "RegistryArn"), "RegistryId") == "RegistryName":
        return registry_id["RegistryName"]
    names = _from_arn(ctx, registry_id["RegistryArn"], "registry")
    if names is None:
        raise registry_missing(registry_id["RegistryArn"])
    return names[0]


def schema_key(ctx: ServiceContext, schema_id: dict) -> tuple[str, str]:
    """(registry, schema) a SchemaId names; a name without a registry is in the default registry."""
    if _one_of(schema_id, ("SchemaArn", "SchemaName"), "SchemaId") == "SchemaName":
        return schema_id.get("RegistryName") or DEFAULT_REGISTRY, schema_id["SchemaName"]
    if schema_id.get("RegistryName") is not None:
        raise errors.InvalidInputException("SchemaId takes a RegistryName only with a SchemaName, not with a SchemaArn.")
    names = _from_arn(ctx, schema_id["SchemaArn"], "schema")
    if names is None:
        raise errors.EntityNotFoundException(f"Schema is not found. SchemaArn: {schema_id['SchemaArn']}")
    return names[0], names[1]


def page(ctx: ServiceContext, op: str, p: dict, binding: dict, fetch, key, types: tuple) -> tuple[list[dict], str | None]:
    """A page of documents in keyset order; fetch(conn, after, n) reads them."""
    position = ctx.tokens.position(op, binding, p.get("NextToken"), types=types)
    limit = p.get("MaxResults", DEFAULT_PAGE)
    with ctx.db.read() as conn:
        docs = fetch(conn, tuple(position) if position else None, limit + 1)
    if len(docs) <= limit:
        return docs, None
    return docs[:limit], ctx.tokens.issue(op, binding, list(key(docs[limit - 1])))


def require_registry(conn, registry: str, lock: bool = False) -> dict:
    doc = store.get(conn, "registry", registry, lock=lock)
    if doc is None:
        raise registry_missing(registry)
    return doc


def require_schema(conn, key: tuple[str, str], lock: bool = False) -> dict:
    doc = store.get(conn, "schema", key[1], scope=key[0], lock=lock)
    if doc is None:
        raise schema_missing(*key)
    return doc


def versions_scope(schema: dict) -> str:
    return schema["Key"]


def schema_view(schema: dict) -> dict:
    """A stored schema as GetSchema shows it."""
    return {k: v for k, v in schema.items() if k not in ("Key", "Tags")}


def version_name(number: int) -> str:
    return f"{number:06d}"


def version_number(schema: dict, wanted: dict) -> int:
    """The number a SchemaVersionNumber names: LatestVersion true, or VersionNumber (LatestVersion
    false beside it says nothing)."""
    given = {k: v for k, v in wanted.items() if not (k == "LatestVersion" and v is False)}
    if _one_of(given, ("LatestVersion", "VersionNumber"), "SchemaVersionNumber") == "VersionNumber":
        return wanted["VersionNumber"]
    if "LatestSchemaVersion" not in schema:
        raise version_missing(f"SchemaName: {schema['SchemaName']} has no available version.")
    return schema["LatestSchemaVersion"]


def get_version(conn, schema: dict, number: int, lock: bool = False) -> dict:
    doc = store.get(conn, "schema_version", version_name(number), scope=versions_scope(schema), lock=lock)
    if doc is None:
        raise version_missing(f"SchemaName: {schema['SchemaName']}, VersionNumber: {number}")
    return doc


def find_version(ctx: ServiceContext, conn, p: dict, lock: bool = False) -> tuple[dict, dict]:
    """(schema, version) a request names by SchemaVersionId, or by SchemaId and SchemaVersionNumber."""
    if p.get("SchemaVersionId") is not None:
        if p.get("SchemaId") is not None or p.get("SchemaVersionNumber") is not None:
            raise errors.InvalidInputException("Give either SchemaVersionId or SchemaId with SchemaVersionNumber, not both.")
        where = store.get(conn, "schema_vid", p["SchemaVersionId"])
        if where is None:
            raise version_missing(f"SchemaVersionId: {p['SchemaVersionId']}")
        schema = require_schema(conn, (where["RegistryName"], where["SchemaName"]), lock=lock)
        return schema, get_version(conn, schema, where["VersionNumber"], lock=lock)
    if p.get("SchemaId") is None or p.get("SchemaVersionNumber") is None:
        raise errors.InvalidInputException("Give either SchemaVersionId or SchemaId with SchemaVersionNumber.")
    schema = require_schema(conn, schema_key(ctx, p["SchemaId"]), lock=lock)
    return schema, get_version(conn, schema, version_number(schema, p["SchemaVersionNumber"]), lock=lock)


def versions(conn, schema: dict, first: int = 1, batch: int = 500):
    """The schema's versions from number first on, in number order, read in batches."""
    after = version_name(first - 1)
    while True:
        docs = store.page(conn, "schema_version", after, batch, scope=versions_scope(schema))
        yield from docs
        if len(docs) < batch:
            return
        after = version_name(docs[-1]["VersionNumber"])


def definition_key(schema: dict, text: str) -> str:
    return hashlib.sha256(definitions.canonical(schema["DataFormat"], text).encode()).hexdigest()


def checked(data_format: str, text: str) -> None:
    why = definitions.problem(data_format, text)
    if why is not None:
        raise errors.InvalidInputException(why)


def _compared_with(conn, schema: dict) -> list[str]:
    """The definitions a new version is checked against: the latest available version, or with
    an _ALL mode every available version since the checkpoint."""
    if "LatestSchemaVersion" not in schema:
        return []
    if definitions.checks_all(schema["Compatibility"]):
        found = versions(conn, schema, first=schema.get("SchemaCheckpoint", 1))
        return [v["SchemaDefinition"] for v in found if v["Status"] == "AVAILABLE"]
    return [get_version(conn, schema, schema["LatestSchemaVersion"])["SchemaDefinition"]]


def register(ctx: ServiceContext, conn, schema: dict, text: str) -> dict:
    """Add a definition to a schema held locked, or find the version that has it already.
    A version that breaks the schema's compatibility is kept with Status FAILURE (as AWS does:
    it takes its number, and LatestSchemaVersion stays on the last available one). Returns the
    version; the caller stores the changed schema."""
    checked(schema["DataFormat"], text)
    scope, key = versions_scope(schema), definition_key(schema, text)
    known = store.get(conn, "schema_def", key, scope=scope)
    if known is not None:
        return get_version(conn, schema, known["VersionNumber"])
    if "LatestSchemaVersion" in schema and schema["Compatibility"] == "DISABLED":
        raise errors.InvalidInputException(
            f"Schema {schema['SchemaName']} has Compatibility DISABLED: it takes no versions after the first."
        )
    number = schema["NextSchemaVersion"]
    if number > MAX_VERSION:
        raise errors.ResourceNumberLimitExceededException(f"Schema {schema['SchemaName']} has reached {MAX_VERSION} versions.")
    broken = definitions.incompatible(schema["DataFormat"], schema["Compatibility"], text, _compared_with(conn, schema))
    now = ctx.clock()
    version = {
        "SchemaVersionId": str(uuid.uuid4()),
        "VersionNumber": number,
        "Status": "FAILURE" if broken else "AVAILABLE",
        "SchemaDefinition": text,
        "CreatedTime": timestamp(now),
        "Metadata": [],
    }
    store.add(conn, "schema_version", version_name(number), version, now, scope=scope)
    where = {"RegistryName": schema["RegistryName"], "SchemaName": schema["SchemaName"], "VersionNumber": number}
    store.add(conn, "schema_vid", version["SchemaVersionId"], where, now)
    store.add(conn, "schema_def", key, {"VersionNumber": number}, now, scope=scope)
    schema["NextSchemaVersion"] = number + 1
    if not broken:
        schema["LatestSchemaVersion"] = number
        schema.setdefault("SchemaCheckpoint", number)
    schema["UpdatedTime"] = timestamp(now)
    return version


def remove_versions(conn, schema: dict, removed: list[dict]) -> None:
    """Remove versions of a schema with their metadata and the indexes that find them."""
    scope = versions_scope(schema)
    store.remove_names(conn, "schema_version", [version_name(v["VersionNumber"]) for v in removed], scope=scope)
    store.remove_names(conn, "schema_vid", [v["SchemaVersionId"] for v in removed])
    keys = [definition_key(schema, v["SchemaDefinition"]) for v in removed]
    store.remove_names(conn, "schema_def", keys, scope=scope)


def remove_schema(conn, schema: dict) -> None:
    store.remove_names(conn, "schema_vid", [v["SchemaVersionId"] for v in versions(conn, schema)])
    store.remove_scope(conn, "schema_version", versions_scope(schema))
    store.remove_scope(conn, "schema_def", versions_scope(schema))
    store.remove(conn, "schema", schema["SchemaName"], scope=schema["RegistryName"])
