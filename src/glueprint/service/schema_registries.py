"""Schema Registry: registries and schemas (their versions: schema_versions.py; what they share
and how they are stored: schema_common.py).

Deleting answers Status DELETING as AWS does, but the registry or schema is gone at once: a
Get after it is EntityNotFoundException.
"""

import uuid

from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from . import schema_common as common
from .registry import operation

_REGISTRY_FIELDS = ("RegistryName", "RegistryArn", "Description", "Status", "CreatedTime", "UpdatedTime")
_SCHEMA_ITEM_FIELDS = ("RegistryName", "SchemaName", "SchemaArn", "Description", "SchemaStatus", "CreatedTime", "UpdatedTime")


def _only(doc: dict, fields: tuple[str, ...]) -> dict:
    return {k: doc[k] for k in fields if k in doc}


def _registry_exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Registry already exists. RegistryName: {name}")


def _new_registry(ctx: ServiceContext, conn, name: str, p: dict) -> dict:
    now = ctx.clock()
    doc = {"RegistryName": name, "RegistryArn": common.registry_arn(ctx, name), "Status": "AVAILABLE"}
    if p.get("Description") is not None:
        doc["Description"] = p["Description"]
    doc.update(CreatedTime=common.timestamp(now), UpdatedTime=common.timestamp(now), Tags=p.get("Tags") or {})
    store.add(conn, "registry", name, doc, now)
    return doc


@operation("CreateRegistry")
def create_registry(ctx: ServiceContext, p: dict) -> dict:
    name = p["RegistryName"]
    try:
        with ctx.db.write() as conn:
            if store.exists(conn, "registry", name):
                raise _registry_exists(name)
            doc = _new_registry(ctx, conn, name, p)
    except IntegrityError:  # another request took the name meanwhile
        raise _registry_exists(name) from None
    return _only(doc, ("RegistryArn", "RegistryName", "Description", "Tags"))


@operation("GetRegistry", read_only=True)
def get_registry(ctx: ServiceContext, p: dict) -> dict:
    name = common.registry_name(ctx, p["RegistryId"])
    with ctx.db.read() as conn:
        return _only(common.require_registry(conn, name), _REGISTRY_FIELDS)


@operation("ListRegistries", read_only=True)
def list_registries(ctx: ServiceContext, p: dict) -> dict:
    docs, token = common.page(
        ctx,
        "ListRegistries",
        p,
        {},
        lambda conn, after, n: store.page(conn, "registry", after[0] if after else None, n),
        key=lambda doc: (doc["RegistryName"],),
        types=(str,),
    )
    return {"Registries": [_only(d, _REGISTRY_FIELDS) for d in docs], "NextToken": token}


@operation("UpdateRegistry")
def update_registry(ctx: ServiceContext, p: dict) -> dict:
    name = common.registry_name(ctx, p["RegistryId"])
    with ctx.db.write() as conn:
        doc = common.require_registry(conn, name, lock=True)
        doc.update(Description=p["Description"], UpdatedTime=common.timestamp(ctx.clock()))
        store.replace(conn, "registry", name, doc)
    return _only(doc, ("RegistryName", "RegistryArn"))


@operation("DeleteRegistry")
def delete_registry(ctx: ServiceContext, p: dict) -> dict:
    """The registry goes with every schema in it and their versions."""
    name = common.registry_name(ctx, p["RegistryId"])
    with ctx.db.write() as conn:
        doc = common.require_registry(conn, name, lock=True)
        while schemas := store.page(conn, "schema", None, 100, scope=name):
            for schema in schemas:
                common.remove_schema(conn, schema)
        store.remove(conn, "registry", name)
    return {"RegistryName": name, "RegistryArn": doc["RegistryArn"], "Status": "DELETING"}


def _schema_exists(registry: str, name: str) -> Exception:
    return errors.AlreadyExistsException(f"Schema already exists. RegistryName: {registry}, SchemaName: {name}")


def _create_schema(ctx: ServiceContext, conn, p: dict) -> dict:
    if p.get("RegistryId") is not None:
        registry = common.require_registry(conn, common.registry_name(ctx, p["RegistryId"]), lock=True)
    else:  # AWS creates the default registry on first use (API reference, CreateSchema)
        registry = store.get(conn, "registry", common.DEFAULT_REGISTRY, lock=True)
        registry = registry or _new_registry(ctx, conn, common.DEFAULT_REGISTRY, {})
    registry_name, name = registry["RegistryName"], p["SchemaName"]
    if store.exists(conn, "schema", name, scope=registry_name):
        raise _schema_exists(registry_name, name)
    now = ctx.clock()
    schema = {
        "RegistryName": registry_name,
        "RegistryArn": registry["RegistryArn"],
        "SchemaName": name,
        "SchemaArn": common.schema_arn(ctx, registry_name, name),
        "DataFormat": p["DataFormat"],
        "Compatibility": p.get("Compatibility") or "BACKWARD",
        "NextSchemaVersion": 1,
        "SchemaStatus": "AVAILABLE",
        "CreatedTime": common.timestamp(now),
        "UpdatedTime": common.timestamp(now),
        "Tags": p.get("Tags") or {},
        "Key": uuid.uuid4().hex,
    }
    if p.get("Description") is not None:
        schema["Description"] = p["Description"]
    store.add(conn, "schema", name, schema, now, scope=registry_name)
    answer = dict(schema)
    if p.get("SchemaDefinition") is not None:
        version = common.register(ctx, conn, schema, p["SchemaDefinition"])
        store.replace(conn, "schema", name, schema, scope=registry_name)
        answer = {**schema, "SchemaVersionId": version["SchemaVersionId"], "SchemaVersionStatus": version["Status"]}
    return {k: v for k, v in answer.items() if k not in ("CreatedTime", "UpdatedTime", "Key")}


@operation("CreateSchema")
def create_schema(ctx: ServiceContext, p: dict) -> dict:
    """A SchemaDefinition given becomes version 1 and the checkpoint; it is checked first, so a
    bad one creates nothing."""
    if p.get("SchemaDefinition") is not None:
        common.checked(p["DataFormat"], p["SchemaDefinition"])
    try:
        with ctx.db.write() as conn:
            return _create_schema(ctx, conn, p)
    except IntegrityError:  # another request took the name (or made the default registry) meanwhile
        raise errors.ConcurrentModificationException(f"Schema {p['SchemaName']} was being created by another request.") from None


@operation("GetSchema", read_only=True)
def get_schema(ctx: ServiceContext, p: dict) -> dict:
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.read() as conn:
        schema = common.require_schema(conn, key)
    return common.schema_view(schema)


@operation("ListSchemas", read_only=True)
def list_schemas(ctx: ServiceContext, p: dict) -> dict:
    """Without a RegistryId, the schemas of every registry (API reference)."""
    if p.get("RegistryId") is None:
        docs, token = common.page(
            ctx,
            "ListSchemas",
            p,
            {},
            lambda conn, after, n: store.page_across(conn, "schema", after, n),
            key=lambda d: (d["RegistryName"], d["SchemaName"]),
            types=(str, str),
        )
    else:
        registry = common.registry_name(ctx, p["RegistryId"])
        with ctx.db.read() as conn:
            common.require_registry(conn, registry)
        docs, token = common.page(
            ctx,
            "ListSchemas",
            p,
            {"RegistryName": registry},
            lambda conn, after, n: store.page(conn, "schema", after[0] if after else None, n, scope=registry),
            key=lambda d: (d["SchemaName"],),
            types=(str,),
        )
    return {"Schemas": [_only(d, _SCHEMA_ITEM_FIELDS) for d in docs], "NextToken": token}


@operation("UpdateSchema")
def update_schema(ctx: ServiceContext, p: dict) -> dict:
    """Compatibility needs a checkpoint (SchemaVersionNumber) with it; a checkpoint alone moves
    the checkpoint; Description alone changes the description. The checkpoint must be an
    available version. Existing versions are not checked against a new Compatibility (as AWS)."""
    if p.get("Compatibility") is not None and p.get("SchemaVersionNumber") is None:
        raise errors.InvalidInputException("UpdateSchema takes a SchemaVersionNumber (the checkpoint) with a Compatibility.")
    if p.get("SchemaVersionNumber") is None and p.get("Description") is None:
        raise errors.InvalidInputException("UpdateSchema takes a SchemaVersionNumber, a Compatibility or a Description.")
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.write() as conn:
        schema = common.require_schema(conn, key, lock=True)
        if p.get("SchemaVersionNumber") is not None:
            number = common.version_number(schema, p["SchemaVersionNumber"])
            if common.get_version(conn, schema, number)["Status"] != "AVAILABLE":
                raise errors.InvalidInputException(
                    f"Version {number} of schema {key[1]} is not AVAILABLE: it cannot be the checkpoint."
                )
            schema["SchemaCheckpoint"] = number
        if p.get("Compatibility") is not None:
            schema["Compatibility"] = p["Compatibility"]
        if p.get("Description") is not None:
            schema["Description"] = p["Description"]
        schema["UpdatedTime"] = common.timestamp(ctx.clock())
        store.replace(conn, "schema", key[1], schema, scope=key[0])
    return {"SchemaArn": schema["SchemaArn"], "SchemaName": key[1], "RegistryName": key[0]}


@operation("DeleteSchema")
def delete_schema(ctx: ServiceContext, p: dict) -> dict:
    key = common.schema_key(ctx, p["SchemaId"])
    with ctx.db.write() as conn:
        schema = common.require_schema(conn, key, lock=True)
        common.remove_schema(conn, schema)
    return {"SchemaArn": schema["SchemaArn"], "SchemaName": key[1], "Status": "DELETING"}
