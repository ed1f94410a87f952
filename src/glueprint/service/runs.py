"""Blueprint runs: StartBlueprintRun, GetBlueprintRun, GetBlueprintRuns.

Starting a run only records it; the engine's workers execute it in the background.
"""

import uuid

import orjson

from glueprint.domain.blueprint_run_view import rendered
from glueprint.domain.context import ServiceContext
from glueprint.protocol import errors
from glueprint.service.registry import operation
from glueprint.store import blueprints as blueprint_store
from glueprint.store import runs as store

DEFAULT_RUNS_PAGE = 100


def _check_parameters(text: str | None) -> None:
    if text is None:
        return
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise errors.InvalidInputException(f"Parameters is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise errors.InvalidInputException("Parameters must be a JSON object mapping parameter names to values.")


@operation("StartBlueprintRun")
def start_blueprint_run(ctx: ServiceContext, p: dict) -> dict:
    name = p["BlueprintName"]
    _check_parameters(p.get("Parameters"))
    run_id = str(uuid.uuid4())
    with ctx.db.write() as conn:
        blueprint = blueprint_store.get(conn, name)
        if blueprint is None:
            raise errors.EntityNotFoundException(f"Blueprint {name} not found.")
        if blueprint["definition"] is None:
            raise errors.IllegalBlueprintStateException(
                f"Blueprint {name} is {blueprint['status']} and has no active definition to run."
            )
        run = {
            "run_id": run_id,
            "blueprint_name": name,
            "state": "RUNNING",
            "parameters": p.get("Parameters"),
            "role_arn": p["RoleArn"],
            "started_on": ctx.clock(),
        }
        store.add(conn, **run, definition=blueprint["definition"], view=rendered(run))
    ctx.on_work_added()
    return {"RunId": run_id}


@operation("GetBlueprintRun", read_only=True)
def get_blueprint_run(ctx: ServiceContext, p: dict) -> dict:
    found = store.kept_view(ctx.db, p["BlueprintName"], p["RunId"])
    if found is None:
        raise errors.EntityNotFoundException(f"Blueprint run {p['RunId']} of blueprint {p['BlueprintName']} not found.")
    return {"BlueprintRun": orjson.Fragment(found)}  # as rendered when the run last changed


def runs_version(ctx: ServiceContext, p: dict):
    return store.version(ctx.db, p["BlueprintName"])


@operation("GetBlueprintRuns", read_only=True, version=runs_version)
def get_blueprint_runs(ctx: ServiceContext, p: dict) -> dict:
    name = p["BlueprintName"]
    limit = p.get("MaxResults", DEFAULT_RUNS_PAGE)
    scope = {"BlueprintName": name}
    position = ctx.tokens.position("GetBlueprintRuns", scope, p.get("NextToken"), types=(int,))
    found = store.page(ctx.db, name, position[0] if position else None, limit)
    if found is None:
        raise errors.EntityNotFoundException(f"Blueprint {name} not found.")
    # The page is the runs' kept views, joined by the store: no run is parsed or built again.
    # (Joining the brackets with the page, rather than adding them, copies the page once less.)
    runs, following = found
    result = {"BlueprintRuns": orjson.Fragment(runs.join((b"[", b"]")))}
    if following is not None:
        result["NextToken"] = ctx.tokens.issue("GetBlueprintRuns", scope, [following])
    return result
