"""From the plan a layout returned to the Glue entities a run creates.

The plan is ``Workflow.to_json(name_suffix)`` as AWS's layout library makes it: the workflow,
its crawlers and jobs (names already suffixed) and the triggers derived from their
dependencies. It comes from the sandbox, so it is untrusted data: each entity is read the
way the service reads it (leniently, see lenient.py) and checked against the model's
Create*Request shape before anything is written. Everything here is linear in the plan.
"""

import secrets
from dataclasses import dataclass

from glueprint.domain.schedule import schedule_problem
from glueprint.layouts.lenient import lenient
from glueprint.protocol.errors import ServiceError
from glueprint.protocol.model import shape as model_shape
from glueprint.protocol.validate import validate


def name_suffix() -> str:
    """The random suffix AWS appends to a run's job and crawler names: one per run."""
    return secrets.token_hex(4)


class PlanError(Exception):
    """The returned workflow cannot be created; the message is the run's ErrorMessage."""


@dataclass(frozen=True)
class Entity:
    kind: str  # workflow, job, crawler, trigger
    name: str
    request: dict  # the Create<Kind> request, as if a client had sent it


# AWS Glue's default account quotas: 1 000 jobs, 1 000 crawlers, 1 000 triggers. A plan
# beyond them could never be created on AWS; here it is refused before any work on it.
MAX_PER_KIND = 1000

KINDS = (  # plan key, entity kind, request shape; in creation order
    ("Workflow", "workflow", "CreateWorkflowRequest"),
    ("Crawlers", "crawler", "CreateCrawlerRequest"),
    ("Jobs", "job", "CreateJobRequest"),
    ("Triggers", "trigger", "CreateTriggerRequest"),
)


def _api_spelling(kind: str, data: dict) -> dict:
    """The layout library spells a crawler's JDBC targets JDBCTargets; the API, JdbcTargets."""
    targets = data.get("Targets")
    if kind == "crawler" and isinstance(targets, dict) and "JDBCTargets" in targets:
        targets = {("JdbcTargets" if k == "JDBCTargets" else k): v for k, v in targets.items()}
        return {**data, "Targets": targets}
    return data


def _read(kind: str, shape_name: str, data) -> dict:
    if not isinstance(data, dict):
        raise PlanError(f"The layout returned a {kind} that is not an object")
    shape = model_shape(shape_name)
    try:
        request = validate(shape, lenient(shape, _api_spelling(kind, data)))
    except ServiceError as exc:
        raise PlanError(f"{kind.capitalize()} {data.get('Name')!r} is not valid: {exc.message}") from None
    schedule = request.get("Schedule")
    if schedule is not None and (problem := schedule_problem(schedule)):
        raise PlanError(problem)
    return request


def _check_names(entities: list[Entity]) -> None:
    seen: dict[tuple[str, str], Entity] = {}
    for entity in entities:
        if (entity.kind, entity.name) in seen:
            raise PlanError(f"The workflow names the {entity.kind} {entity.name!r} more than once")
        seen[(entity.kind, entity.name)] = entity
    for entity in entities:
        if entity.kind != "trigger":
            continue
        conditions = (entity.request.get("Predicate") or {}).get("Conditions") or []
        for ref in entity.request["Actions"] + conditions:
            for key, kind in (("JobName", "job"), ("CrawlerName", "crawler")):
                if key in ref and (kind, ref[key]) not in seen:
                    raise PlanError(
                        f"Trigger {entity.name!r} refers to the {kind} {ref[key]!r}, which is not in the workflow's Entities"
                    )


def entities_of(plan) -> list[Entity]:
    """The entities to create, in creation order: the workflow, crawlers, jobs, then triggers."""
    if not isinstance(plan, dict) or not isinstance(plan.get("Workflow"), dict):
        raise PlanError("The layout did not return a workflow")
    entities = []
    for key, kind, shape_name in KINDS:
        items = [plan[key]] if kind == "workflow" else plan.get(key) or []
        if not isinstance(items, list):
            raise PlanError(f"The workflow's {key} are malformed")
        if len(items) > MAX_PER_KIND:
            raise PlanError(
                f"The workflow has {len(items)} {key.lower()}; a blueprint run may create at most {MAX_PER_KIND} "
                f"(AWS Glue's default quota of {key.lower()} per account)"
            )
        for item in items:
            request = _read(kind, shape_name, item)
            entities.append(Entity(kind, request["Name"], request))
    if not any(e.kind in ("job", "crawler") for e in entities):
        raise PlanError(f"Workflow {entities[0].name!r} has no jobs or crawlers")
    _check_names(entities)
    return entities
