"""The blueprint registry: CreateBlueprint, UpdateBlueprint, DeleteBlueprint, GetBlueprint,
ListBlueprints, BatchGetBlueprints."""

import hashlib

import orjson
from sqlalchemy.exc import IntegrityError

from ..engine.archive import ArchiveError, Definition, inspect
from ..protocol import errors
from ..protocol.model import member_limits
from ..store import blueprints as store
from .context import ServiceContext
from .paging import filtered_page, has_tags
from .registry import operation

LIST_PAGE_MAX = member_limits("ListBlueprintsRequest", "MaxResults")["max"]


def _load_definition(ctx: ServiceContext, location: str) -> tuple[Definition | None, str | None]:
    """The archive's definition, or the reason it cannot be used."""
    try:
        return inspect(ctx.archives.fetch(location)), None
    except ArchiveError as exc:
        return None, str(exc)


def _service_location(name: str, archive: bytes) -> str:
    # The copy lives in glueprint's store; the path names it by content.
    return f"glueprint://blueprints/{name}/{hashlib.sha256(archive).hexdigest()[:16]}.zip"


def _active_columns(name: str, definition: Definition) -> dict:
    return {
        "parameter_spec": definition.parameter_spec,
        "layout_generator": definition.layout_generator,
        "archive": definition.archive,
        "service_location": _service_location(name, definition.archive),
    }


@operation("CreateBlueprint")
def create_blueprint(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"]
    with ctx.db.read() as conn:
        if store.get(conn, name) is not None:
            raise errors.AlreadyExistsException(f"Blueprint {name} already exists.")
    definition, problem = _load_definition(ctx, p["BlueprintLocation"])
    now = ctx.clock()
    values = {
        "name": name,
        "description": p.get("Description"),
        "location": p["BlueprintLocation"],
        "status": "ACTIVE" if definition else "FAILED",
        "error_message": problem,
        "created_on": now,
        "last_modified_on": now,
        "tags": orjson.dumps(p.get("Tags") or {}).decode(),
    }
    if definition:
        values.update(_active_columns(name, definition))
    try:
        with ctx.db.write() as conn:
            store.add(conn, **values)
    except IntegrityError:
        raise errors.AlreadyExistsException(f"Blueprint {name} already exists.") from None
    return {"Name": name}


@operation("UpdateBlueprint")
def update_blueprint(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"]
    with ctx.db.read() as conn:
        current = store.get(conn, name)
    if current is None:
        raise errors.EntityNotFoundException(f"Blueprint {name} not found.")
    if current["status"] in ("CREATING", "UPDATING"):
        raise errors.IllegalBlueprintStateException(f"Blueprint {name} is {current['status']}; try again later.")
    definition, problem = _load_definition(ctx, p["BlueprintLocation"])
    values = {
        "location": p["BlueprintLocation"],
        "last_modified_on": ctx.clock(),
        "status": "ACTIVE" if definition else "FAILED",
        "error_message": problem,
    }
    if "Description" in p:
        values["description"] = p["Description"]
    if definition:
        values.update(_active_columns(name, definition), last_active=None)
    elif current["layout_generator"] is not None:
        # Runs keep using the last definition that worked; show it as LastActiveDefinition.
        values["last_active"] = (
            current["last_active"]
            or orjson.dumps(
                {
                    "Description": current["description"],
                    "LastModifiedOn": current["last_modified_on"],
                    "ParameterSpec": current["parameter_spec"],
                    "BlueprintLocation": current["location"],
                    "BlueprintServiceLocation": current["service_location"],
                }
            ).decode()
        )
    with ctx.db.write() as conn:
        if store.get(conn, name) is None:
            raise errors.EntityNotFoundException(f"Blueprint {name} not found.")
        store.change(conn, name, **values)
    return {"Name": name}


@operation("DeleteBlueprint")
def delete_blueprint(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        store.remove(conn, p["Name"])
    return {"Name": p["Name"]}


def _view(row, include_blueprint: bool, include_spec: bool) -> dict:
    view = {
        "Name": row["name"],
        "Description": row["description"],
        "CreatedOn": row["created_on"],
        "LastModifiedOn": row["last_modified_on"],
        "Status": row["status"],
        "ErrorMessage": row["error_message"],
    }
    if include_spec:
        view["ParameterSpec"] = row["parameter_spec"]
    if include_blueprint:
        view["BlueprintLocation"] = row["location"]
        view["BlueprintServiceLocation"] = row["service_location"]
    if row["last_active"]:
        view["LastActiveDefinition"] = orjson.loads(row["last_active"])
    return view


@operation("GetBlueprint", read_only=True)
def get_blueprint(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        row = store.get(conn, p["Name"])
    if row is None:
        raise errors.EntityNotFoundException(f"Blueprint {p['Name']} not found.")
    return {"Blueprint": _view(row, p.get("IncludeBlueprint", False), p.get("IncludeParameterSpec", False))}


@operation("BatchGetBlueprints", read_only=True)
def batch_get_blueprints(ctx: ServiceContext, p: dict) -> dict:
    names = list(dict.fromkeys(p["Names"]))
    with ctx.db.read() as conn:
        found = store.get_many(conn, names)
    include = p.get("IncludeBlueprint", False), p.get("IncludeParameterSpec", False)
    return {
        "Blueprints": [_view(found[n], *include) for n in names if n in found],
        "MissingBlueprints": [n for n in names if n not in found],
    }


@operation("ListBlueprints", read_only=True)
def list_blueprints(ctx: ServiceContext, p: dict) -> dict:
    wanted = p.get("Tags") or {}
    scope = {"Tags": wanted}
    position = ctx.tokens.position("ListBlueprints", scope, p.get("NextToken"))
    with ctx.db.read() as conn:
        rows, after = filtered_page(
            lambda start, n: store.page_names(conn, start, n),
            key=lambda row: row[0],
            keep=lambda row: has_tags(orjson.loads(row[1]), wanted),
            limit=p.get("MaxResults", LIST_PAGE_MAX),
            after=position[0] if position else None,
        )
    result = {"Blueprints": [name for name, _ in rows]}
    if after is not None:
        result["NextToken"] = ctx.tokens.issue("ListBlueprints", scope, [after])
    return result
