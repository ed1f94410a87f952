"""Schema Registry: metadata key-value pairs on a schema version, kept in the version's document.

A key may hold several values (QuerySchemaVersionMetadata shows the newest as MetadataValue and
the others as OtherMetadataValueList); a version holds at most 10 pairs (API reference,
PutSchemaVersionMetadata).
"""

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from . import schema_common as common
from .registry import operation

MAX_PAIRS = 10


def _pair(p: dict) -> tuple[str, str]:
    pair = p["MetadataKeyValue"]
    if pair.get("MetadataKey") is None or pair.get("MetadataValue") is None:
        raise errors.InvalidInputException("MetadataKeyValue takes both a MetadataKey and a MetadataValue.")
    return pair["MetadataKey"], pair["MetadataValue"]


def _answer(schema: dict, version: dict, key: str, value: str) -> dict:
    return {
        "SchemaArn": schema["SchemaArn"],
        "SchemaName": schema["SchemaName"],
        "RegistryName": schema["RegistryName"],
        "LatestVersion": schema.get("LatestSchemaVersion") == version["VersionNumber"],
        "VersionNumber": version["VersionNumber"],
        "SchemaVersionId": version["SchemaVersionId"],
        "MetadataKey": key,
        "MetadataValue": value,
    }


def _store(conn, schema: dict, version: dict) -> None:
    store.replace(
        conn, "schema_version", common.version_name(version["VersionNumber"]), version, scope=common.versions_scope(schema)
    )


@operation("PutSchemaVersionMetadata")
def put_schema_version_metadata(ctx: ServiceContext, p: dict) -> dict:
    key, value = _pair(p)
    with ctx.db.write() as conn:
        schema, version = common.find_version(ctx, conn, p, lock=True)
        pairs = version["Metadata"]
        if any(m["Key"] == key and m["Value"] == value for m in pairs):
            raise errors.AlreadyExistsException(f"Metadata {key}={value} already exists on this schema version.")
        if len(pairs) >= MAX_PAIRS:
            raise errors.ResourceNumberLimitExceededException(
                f"A schema version holds at most {MAX_PAIRS} metadata key-value pairs."
            )
        pairs.append({"Key": key, "Value": value, "CreatedTime": common.timestamp(ctx.clock())})
        _store(conn, schema, version)
    return _answer(schema, version, key, value)


@operation("RemoveSchemaVersionMetadata")
def remove_schema_version_metadata(ctx: ServiceContext, p: dict) -> dict:
    key, value = _pair(p)
    with ctx.db.write() as conn:
        schema, version = common.find_version(ctx, conn, p, lock=True)
        kept = [m for m in version["Metadata"] if (m["Key"], m["Value"]) != (key, value)]
        if len(kept) == len(version["Metadata"]):
            raise errors.EntityNotFoundException(f"Metadata {key}={value} is not found on this schema version.")
        version["Metadata"] = kept
        _store(conn, schema, version)
    return _answer(schema, version, key, value)


def _wanted(filters: list[dict]):
    """QuerySchemaVersionMetadata's MetadataList: pairs whose key (and value, where given) match any."""
    if not filters:
        return lambda m: True
    return lambda m: any(
        m["Key"] == f.get("MetadataKey", m["Key"]) and m["Value"] == f.get("MetadataValue", m["Value"]) for f in filters
    )


@operation("QuerySchemaVersionMetadata", read_only=True)
def query_schema_version_metadata(ctx: ServiceContext, p: dict) -> dict:
    """A page of keys in key order."""
    with ctx.db.read() as conn:
        _, version = common.find_version(ctx, conn, p)
    binding = {"SchemaVersionId": version["SchemaVersionId"], "MetadataList": p.get("MetadataList") or []}
    position = ctx.tokens.position("QuerySchemaVersionMetadata", binding, p.get("NextToken"))
    keep = _wanted(p.get("MetadataList") or [])
    by_key: dict[str, list[dict]] = {}
    for pair in version["Metadata"]:
        if keep(pair) and (position is None or pair["Key"] > position[0]):
            by_key.setdefault(pair["Key"], []).append(pair)
    keys = sorted(by_key)
    limit = p.get("MaxResults", common.DEFAULT_PAGE)
    token = ctx.tokens.issue("QuerySchemaVersionMetadata", binding, [keys[limit - 1]]) if len(keys) > limit else None
    info = {}
    for key in keys[:limit]:
        newest, *others = reversed(by_key[key])
        info[key] = {
            "MetadataValue": newest["Value"],
            "CreatedTime": newest["CreatedTime"],
            "OtherMetadataValueList": [{"MetadataValue": o["Value"], "CreatedTime": o["CreatedTime"]} for o in others],
        }
    return {"MetadataInfoMap": info, "SchemaVersionId": version["SchemaVersionId"], "NextToken": token}
