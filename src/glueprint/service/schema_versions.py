"""Schema Registry: schema versions (storage and registration: schema_common.py)."""

from itertools import takewhile

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from . import schema_common as common
from . import schema_definitions as definitions
from .registry import operation


@operation("RegisterSchemaVersion")
def register_schema_version(ctx: ServiceContext, p: dict) -> dict:
    """The same definition again (in its canonical form) answers the version that has it."""
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.write() as conn:
        schema = common.require_schema(conn, key, lock=True)
        version = common.register(ctx, conn, schema, p["SchemaDefinition"])
        store.replace(conn, "schema", key[1], schema, scope=key[0])
    return {k: version[k] for k in ("SchemaVersionId", "VersionNumber", "Status")}


def _view(schema: dict, version: dict) -> dict:
    return {
        "SchemaVersionId": version["SchemaVersionId"],
        "SchemaDefinition": version["SchemaDefinition"],
        "DataFormat": schema["DataFormat"],
        "SchemaArn": schema["SchemaArn"],
        "VersionNumber": version["VersionNumber"],
        "Status": version["Status"],
        "CreatedTime": version["CreatedTime"],
    }


@operation("GetSchemaVersion", read_only=True)
def get_schema_version(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        schema, version = common.find_version(ctx, conn, p)
    return _view(schema, version)


@operation("ListSchemaVersions", read_only=True)
def list_schema_versions(ctx: ServiceContext, p: dict) -> dict:
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.read() as conn:
        schema = common.require_schema(conn, key)
    scope = common.versions_scope(schema)
    docs, token = common.page(
        ctx,
        "ListSchemaVersions",
        p,
        {"RegistryName": key[0], "SchemaName": key[1]},
        lambda conn, after, n: store.page(conn, "schema_version", after[0] if after else None, n, scope=scope),
        key=lambda v: (common.version_name(v["VersionNumber"]),),
        types=(str,),
    )
    fields = ("SchemaVersionId", "VersionNumber", "Status", "CreatedTime")
    return {"Schemas": [{"SchemaArn": schema["SchemaArn"], **{k: v[k] for k in fields}} for v in docs], "NextToken": token}


# Not read_only: a definition of up to 170 000 characters is parsed, which is no work for the event loop.
@operation("GetSchemaByDefinition")
def get_schema_by_definition(ctx: ServiceContext, p: dict) -> dict:
    """Definitions are compared in their canonical form: other spacing or key order still matches."""
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.read() as conn:
        schema = common.require_schema(conn, key)
        common.checked(schema["DataFormat"], p["SchemaDefinition"])
        known = store.get(
            conn, "schema_def", common.definition_key(schema, p["SchemaDefinition"]), scope=common.versions_scope(schema)
        )
        if known is None:
            raise common.version_missing(f"No version of schema {key[1]} has this definition.")
        version = common.get_version(conn, schema, known["VersionNumber"])
    view = _view(schema, version)
    return {k: view[k] for k in ("SchemaVersionId", "SchemaArn", "DataFormat", "Status", "CreatedTime")}


def _range(versions: str) -> range:
    """Versions is one number or one range "first-last" (its pattern, checked by the model)."""
    first, _, last = versions.partition("-")
    start, end = int(first), int(last or first)
    if start > end:
        raise errors.InvalidInputException(f"Versions {versions}: the range's first number is greater than its last.")
    return range(start, end + 1)


@operation("DeleteSchemaVersions")
def delete_schema_versions(ctx: ServiceContext, p: dict) -> dict:
    """Versions in the range that do not exist are listed in SchemaVersionErrors; the others go.
    A range with the checkpoint or version 1 deletes nothing (API reference: the first version
    goes only with its schema; the checkpoint must be moved first)."""
    numbers = _range(p["Versions"])
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.write() as conn:
        schema = common.require_schema(conn, key, lock=True)
        if 1 in numbers:
            raise errors.InvalidInputException("Version 1 of a schema is deleted only with the schema (DeleteSchema).")
        if schema.get("SchemaCheckpoint") in numbers:
            raise errors.InvalidInputException(
                f"Versions {p['Versions']} include the checkpoint, version {schema['SchemaCheckpoint']}: move it first (UpdateSchema)."
            )
        found = list(takewhile(lambda v: v["VersionNumber"] in numbers, common.versions(conn, schema, first=numbers.start)))
        common.remove_versions(conn, schema, found)
        if schema.get("LatestSchemaVersion") in numbers:
            # Version 1, at least, is left.
            schema["LatestSchemaVersion"] = max(
                v["VersionNumber"] for v in common.versions(conn, schema) if v["Status"] == "AVAILABLE"
            )
        schema["UpdatedTime"] = common.timestamp(ctx.clock())
        store.replace(conn, "schema", key[1], schema, scope=key[0])
    present = {v["VersionNumber"] for v in found}
    missing = (n for n in numbers if n not in present)
    error = {"ErrorCode": "EntityNotFoundException", "ErrorMessage": "Schema version is not found."}
    return {"SchemaVersionErrors": [{"VersionNumber": n, "ErrorDetails": error} for n in missing]}


@operation("CheckSchemaVersionValidity")
def check_schema_version_validity(ctx: ServiceContext, p: dict) -> dict:
    why = definitions.problem(p["DataFormat"], p["SchemaDefinition"])
    return {"Valid": True} if why is None else {"Valid": False, "Error": why}
