"""The blueprint registry: CreateBlueprint, UpdateBlueprint, DeleteBlueprint, GetBlueprint,
ListBlueprints, BatchGetBlueprints.

As on AWS, CreateBlueprint and UpdateBlueprint only record the request: the blueprint is
CREATING or UPDATING until a worker has fetched and checked its archive (engine/registration.py),
then ACTIVE or FAILED.
"""

import orjson
from sqlalchemy.exc import IntegrityError

from glueprint.domain.context import ServiceContext
from glueprint.protocol import errors
from glueprint.protocol.model import member_limits
from glueprint.service.paging import filtered_page, has_tags
from glueprint.service.registry import operation
from glueprint.store import blueprints as store

LIST_PAGE_MAX = member_limits("ListBlueprintsRequest", "MaxResults")["max"]


def service_location(name: str, digest: str | None) -> str | None:
    # The copy lives in glueprint's store; the path names it by content.
    return f"glueprint://blueprints/{name}/{digest[:16]}.zip" if digest else None


@operation("CreateBlueprint")
def create_blueprint(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"]
    now = ctx.clock()
    try:
        with ctx.db.write() as conn:
            if store.get(conn, name) is not None:
                raise errors.AlreadyExistsException(f"Blueprint {name} already exists.")
            store.add(
                conn,
                name=name,
                description=p.get("Description"),
                location=p["BlueprintLocation"],
                status="CREATING",
                created_on=now,
                last_modified_on=now,
                tags=orjson.dumps(p.get("Tags") or {}).decode(),
            )
    except IntegrityError:
        raise errors.AlreadyExistsException(f"Blueprint {name} already exists.") from None
    ctx.on_work_added()
    return {"Name": name}


def _active_definition(row) -> str:
    """LastActiveDefinition: what runs keep using while a newer definition is not active."""
    return orjson.dumps(
        {
            "Description": row["description"],
            "LastModifiedOn": row["last_modified_on"],
            "ParameterSpec": row["parameter_spec"],
            "BlueprintLocation": row["location"],
            "BlueprintServiceLocation": service_location(row["name"], row["definition"]),
        }
    ).decode()


@operation("UpdateBlueprint")
def update_blueprint(ctx: ServiceContext, p: dict) -> dict:
    name = p["Name"]
    with ctx.db.write() as conn:
        current = store.get(conn, name)
        if current is None:
            raise errors.EntityNotFoundException(f"Blueprint {name} not found.")
        if current["status"] in store.CHECK_STATES:
            raise errors.IllegalBlueprintStateException(f"Blueprint {name} is {current['status']}; try again later.")
        values = {
            "location": p["BlueprintLocation"],
            "last_modified_on": ctx.clock(),
            "status": "UPDATING",
            "error_message": None,
        }
        if "Description" in p:
            values["description"] = p["Description"]
        if current["definition"] is not None and current["last_active"] is None:
            values["last_active"] = _active_definition(current)
        store.change(conn, name, **values)
    ctx.on_work_added()
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
        "BlueprintLocation": row["location"],
    }
    if include_spec:
        view["ParameterSpec"] = row["parameter_spec"]
    if include_blueprint:
        view["BlueprintServiceLocation"] = service_location(row["name"], row["definition"])
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


@operation("ListBlueprints", read_only=True, grows=lambda p: bool(p.get("Tags")))
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
