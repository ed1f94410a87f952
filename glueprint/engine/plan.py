"""From the plan a layout returned to the Glue entities a run creates.

The plan is untrusted data from the sandbox: it is checked again here, each entity against
the model's Create*Request shape, before anything is written. Triggers are derived from
the dependencies: one starting trigger, and a conditional trigger per dependent entity.
"""

from dataclasses import dataclass

from ..protocol.errors import ServiceError
from ..protocol.model import service_model
from ..protocol.validate import validate

JOB_STATES = ("SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT")
CRAWL_STATES = ("SUCCEEDED", "CANCELLED", "FAILED")


class PlanError(Exception):
    """The returned workflow cannot be created; the message is the run's ErrorMessage."""


@dataclass(frozen=True)
class Entity:
    kind: str  # workflow, job, crawler, trigger
    name: str
    request: dict  # the Create<Kind> request, as if a client had sent it


def _checked(kind: str, shape_name: str, data) -> dict:
    if not isinstance(data, dict):
        raise PlanError(f"The layout returned a {kind} that is not an object")
    try:
        return validate(service_model().shape_for(shape_name), data)
    except ServiceError as exc:
        raise PlanError(f"{kind} {data.get('Name')!r} is not valid: {exc.message}") from None


def _triggers(workflow: dict, entities: list[tuple[str, dict, list]]) -> list[dict]:
    name = workflow["Name"]
    roots, triggers = [], []
    for kind, entity, deps in entities:
        action = {"JobName": entity["Name"]} if kind == "job" else {"CrawlerName": entity["Name"]}
        if not deps:
            roots.append(action)
            continue
        conditions = []
        for dep in deps:
            if dep["Kind"] == "Job":
                conditions.append({"LogicalOperator": "EQUALS", "JobName": dep["Name"], "State": dep["State"]})
            else:
                conditions.append({"LogicalOperator": "EQUALS", "CrawlerName": dep["Name"], "CrawlState": dep["State"]})
        predicate = {"Conditions": conditions}
        if entity.get("_wait"):
            predicate["Logical"] = entity["_wait"]
        triggers.append(
            {
                "Name": f"{name}_{entity['Name']}_trigger",
                "WorkflowName": name,
                "Type": "CONDITIONAL",
                "StartOnCreation": True,
                "Actions": [action],
                "Predicate": predicate,
            }
        )
    start = {"Name": f"{name}_starting_trigger", "WorkflowName": name, "Actions": roots}
    if workflow.get("OnSchedule"):
        start.update(Type="SCHEDULED", Schedule=workflow["OnSchedule"], StartOnCreation=True)
    else:
        start["Type"] = "ON_DEMAND"
    return [start] + triggers


def _dependencies(kind: str, raw: dict, jobs: set[str], crawlers: set[str]) -> list[dict]:
    deps = raw.get("DependsOn") or []
    if not isinstance(deps, list):
        raise PlanError(f"{kind} {raw.get('Name')!r}: DependsOn is malformed")
    for dep in deps:
        if not isinstance(dep, dict) or dep.get("Kind") not in ("Job", "Crawler"):
            raise PlanError(f"{kind} {raw.get('Name')!r}: DependsOn is malformed")
        known, states = (jobs, JOB_STATES) if dep["Kind"] == "Job" else (crawlers, CRAWL_STATES)
        if dep.get("Name") not in known:
            raise PlanError(
                f"{kind} {raw.get('Name')!r} depends on {dep['Kind'].lower()} {dep.get('Name')!r}, "
                "which is not in the workflow's Entities"
            )
        if dep.get("State") not in states:
            raise PlanError(
                f"{kind} {raw.get('Name')!r}: the state to wait for on {dep['Name']!r} must be one of "
                f"{', '.join(states)}, got {dep.get('State')!r}"
            )
    return deps


def entities_of(plan) -> list[Entity]:
    """The entities to create, in creation order: jobs, crawlers, the workflow, then triggers."""
    if not isinstance(plan, dict) or not isinstance(plan.get("Workflow"), dict):
        raise PlanError("The layout did not return a workflow")
    head = plan["Workflow"]
    workflow = _checked("workflow", "CreateWorkflowRequest", {k: v for k, v in head.items() if k != "OnSchedule"})
    workflow["OnSchedule"] = head.get("OnSchedule")
    raw_jobs, raw_crawlers = plan.get("Jobs") or [], plan.get("Crawlers") or []
    if not isinstance(raw_jobs, list) or not isinstance(raw_crawlers, list):
        raise PlanError("The workflow's Entities are malformed")
    if not raw_jobs and not raw_crawlers:
        raise PlanError(f"Workflow {workflow['Name']!r} has no jobs or crawlers")
    job_names = [j.get("Name") for j in raw_jobs if isinstance(j, dict)]
    crawler_names = [c.get("Name") for c in raw_crawlers if isinstance(c, dict)]
    for label, names in (("job", job_names), ("crawler", crawler_names)):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise PlanError(f"The workflow names the {label} {repeated[0]!r} more than once")
    ordered = []
    for kind, items, shape in (("job", raw_jobs, "CreateJobRequest"), ("crawler", raw_crawlers, "CreateCrawlerRequest")):
        for raw in items:
            deps = _dependencies(kind, raw, set(job_names), set(crawler_names))
            wait = raw.get("WaitForDependencies")
            body = {k: v for k, v in raw.items() if k not in ("DependsOn", "WaitForDependencies")}
            checked = _checked(kind, shape, body)
            ordered.append((kind, {**checked, "_wait": wait}, deps))
    triggers = [_checked("trigger", "CreateTriggerRequest", t) for t in _triggers(workflow, ordered)]
    result = [Entity(kind, e["Name"], {k: v for k, v in e.items() if k != "_wait"}) for kind, e, _ in ordered]
    result.append(Entity("workflow", workflow["Name"], {k: v for k, v in workflow.items() if k != "OnSchedule"}))
    result.extend(Entity("trigger", t["Name"], t) for t in triggers)
    return result
