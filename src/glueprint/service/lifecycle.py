"""Creating and changing jobs, crawlers, triggers and workflows from the API (their tags: tags.py).

They share one store with what blueprint runs create, and get the same defaults
(defaults.py). Re-creating a job or trigger with the same request is idempotent, as on AWS;
with a different one it is IdempotentParameterMismatchException.
"""

from glueprint.domain import crawl_config, crawler_references, defaults, rules, schedule_rows
from glueprint.domain.context import ServiceContext
from glueprint.domain.entity_texts import LABELS, not_found
from glueprint.orchestration.conductor import Conductor
from glueprint.protocol import errors
from glueprint.service.registry import operation
from glueprint.store import bookmarks as bookmark_store
from glueprint.store import crawler_schedules as crawler_schedule_store
from glueprint.store import entities as store
from glueprint.store import workflow_runs as run_store


def _require(conn, kind: str, name: str) -> dict:
    doc = store.get(conn, kind, name)
    if doc is None:
        raise errors.EntityNotFoundException(not_found(kind, name))
    return doc


def _idempotent(conn, kind: str, name: str, request: dict) -> bool:
    """True when the same create was already done; raises when the name holds something else."""
    existing = store.get(conn, kind, name)
    if existing is None:
        return False
    if existing.get("_request") == request:
        return True
    if kind == "trigger":
        raise errors.IdempotentParameterMismatchException(
            f"Trigger with name '{name}' already submitted with different configuration"
        )
    raise errors.IdempotentParameterMismatchException(
        f"{LABELS[kind]} with name {name} already submitted with different configuration"
    )


def _check_schedule(schedule: str | None) -> None:
    _refuse(rules.any_schedule_problem(schedule))


def _refuse(problem: str | None) -> None:
    if problem:
        raise errors.InvalidInputException(problem)


def _check_references(conn, crawler: dict) -> None:
    if problem := crawler_references.refusal(conn, crawler):
        raise errors.InvalidInputException(problem)


def _check_crawler(crawler: dict) -> None:
    try:
        crawl_config.check(crawler)
    except crawl_config.InvalidCrawler as exc:
        raise errors.InvalidInputException(str(exc)) from None


@operation("CreateJob")
def create_job(ctx: ServiceContext, p: dict) -> dict:
    _refuse(rules.create_problem("job", p))
    now = ctx.clock()
    with ctx.db.write() as conn:
        if not _idempotent(conn, "job", p["Name"], p):
            store.add(conn, "job", p["Name"], {**defaults.job_doc(p, now), "_request": p}, now)
    return {"Name": p["Name"]}


@operation("UpdateJob")
def update_job(ctx: ServiceContext, p: dict) -> dict:
    """JobUpdate replaces the whole definition; what it leaves out takes its default again."""
    _refuse(rules.job_problem(p["JobUpdate"]))
    now = ctx.clock()
    with ctx.db.write() as conn:
        existing = _require(conn, "job", p["JobName"])
        doc = defaults.job_doc({"Name": p["JobName"], **p["JobUpdate"]}, now)
        doc.update(CreatedOn=existing["CreatedOn"], Tags=existing.get("Tags"))
        store.replace(conn, "job", p["JobName"], doc)
    return {"JobName": p["JobName"]}


@operation("CreateCrawler")
def create_crawler(ctx: ServiceContext, p: dict) -> dict:
    _refuse(rules.create_problem("crawler", p))
    now = ctx.clock()
    with ctx.db.write() as conn:
        if store.exists(conn, "crawler", p["Name"]):
            raise errors.AlreadyExistsException(f"{p['Name']} already exists")
        _check_references(conn, p)
        doc = defaults.crawler_doc(p, now)
        store.add(conn, "crawler", p["Name"], doc, now)
        schedule_rows.sync_crawler(conn, doc, now)
    return {}


@operation("UpdateCrawler")
def update_crawler(ctx: ServiceContext, p: dict) -> dict:
    _check_schedule(p.get("Schedule"))
    _refuse(rules.crawler_problem(p))
    now = ctx.clock()
    with ctx.db.write() as conn:
        existing = _require(conn, "crawler", p["Name"])
        if existing.get("State", "READY") != "READY":
            raise errors.CrawlerRunningException(f"Crawler with name {p['Name']} has already started")
        changes = {k: v for k, v in p.items() if k != "Schedule"}
        doc = {**existing, **changes, "LastUpdated": now, "Version": existing.get("Version", 1) + 1}
        if "Schedule" in p:
            doc["Schedule"] = {"ScheduleExpression": p["Schedule"], "State": "SCHEDULED"} if p["Schedule"] else None
        _check_crawler(doc)
        _check_references(conn, p)  # what the request names: the fields it changes
        store.replace(conn, "crawler", p["Name"], doc)
        schedule_rows.sync_crawler(conn, doc, now)
    return {}


def _check_trigger(conn, p: dict) -> None:
    _refuse(rules.create_problem("trigger", p))
    conditions = (p.get("Predicate") or {}).get("Conditions") or []
    for ref in (p.get("Actions") or []) + conditions:
        for key, entity in (("JobName", "job"), ("CrawlerName", "crawler")):
            if ref.get(key) and not store.exists(conn, entity, ref[key]):
                raise errors.EntityNotFoundException(not_found(entity, ref[key]))


@operation("CreateTrigger")
def create_trigger(ctx: ServiceContext, p: dict) -> dict:
    now = ctx.clock()
    with ctx.db.write() as conn:
        if _idempotent(conn, "trigger", p["Name"], p):
            return {"Name": p["Name"]}
        _check_trigger(conn, p)
        workflow = p.get("WorkflowName")
        if workflow:
            _require(conn, "workflow", workflow)
            starting = [t for t in store.triggers_of(conn, workflow) if t.get("Type") != "CONDITIONAL"]
            if p["Type"] != "CONDITIONAL" and starting:
                raise errors.InvalidInputException(
                    f"Workflow {workflow} already has a starting trigger ({starting[0]['Name']}); a workflow has only one."
                )
        doc = {**defaults.trigger_doc(p), "_request": p}
        store.add(conn, "trigger", p["Name"], doc, now)
        schedule_rows.sync_triggers(conn, [doc], now)
    return {"Name": p["Name"]}


@operation("UpdateTrigger")
def update_trigger(ctx: ServiceContext, p: dict) -> dict:
    now = ctx.clock()
    with ctx.db.write() as conn:
        existing = _require(conn, "trigger", p["Name"])
        change = {k: v for k, v in p["TriggerUpdate"].items() if k != "Name"}
        doc = {**existing, **change}
        _check_trigger(conn, doc)
        store.replace(conn, "trigger", p["Name"], doc)
        schedule_rows.sync_triggers(conn, [doc], now)
    return {"Trigger": doc}


@operation("StartTrigger")
def start_trigger(ctx: ServiceContext, p: dict) -> dict:
    """ON_DEMAND: fire now (a workflow's starts a workflow run); otherwise: ACTIVATED."""
    now = ctx.clock()
    with ctx.db.write() as conn:
        doc = _require(conn, "trigger", p["Name"])
        conductor = Conductor(ctx.outcomes)
        if doc.get("Type") == "ON_DEMAND":
            if doc.get("WorkflowName"):
                conductor.start_workflow_run(conn, now, doc["WorkflowName"], None)
            else:
                conductor.fire(conn, now, doc, None)
        else:
            doc["State"] = "ACTIVATED"
            store.replace(conn, "trigger", p["Name"], doc)
            schedule_rows.sync_triggers(conn, [doc], now)
    ctx.on_work_added()
    return {"Name": p["Name"]}


@operation("StopTrigger")
def stop_trigger(ctx: ServiceContext, p: dict) -> dict:
    now = ctx.clock()
    with ctx.db.write() as conn:
        doc = _require(conn, "trigger", p["Name"])
        if doc.get("Type") == "ON_DEMAND":
            raise errors.InvalidInputException(f"Trigger {p['Name']} is ON_DEMAND: there is nothing to stop.")
        doc["State"] = "DEACTIVATED"
        store.replace(conn, "trigger", p["Name"], doc)
        schedule_rows.sync_triggers(conn, [doc], now)
    return {"Name": p["Name"]}


@operation("CreateWorkflow")
def create_workflow(ctx: ServiceContext, p: dict) -> dict:
    now = ctx.clock()
    with ctx.db.write() as conn:
        if store.exists(conn, "workflow", p["Name"]):
            raise errors.AlreadyExistsException(f"Workflow with name: {p['Name']} already exists.")
        store.add(conn, "workflow", p["Name"], defaults.workflow_doc(p, now), now)
    return {"Name": p["Name"]}


@operation("UpdateWorkflow")
def update_workflow(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        doc = _require(conn, "workflow", p["Name"])
        doc.update({k: v for k, v in p.items() if k != "Name"}, LastModifiedOn=ctx.clock())
        store.replace(conn, "workflow", p["Name"], doc)
    return {"Name": p["Name"]}


def before_delete(conn, kind: str, name: str) -> None:
    """A running crawler cannot be deleted, as on AWS."""
    if kind == "crawler" and (doc := store.get(conn, kind, name)) and doc.get("State", "READY") != "READY":
        raise errors.CrawlerRunningException(f"Crawler with name {name} is running and cannot be deleted")


def crawler_view(doc: dict, now: float) -> dict:
    """CrawlElapsedTime (milliseconds) grows while a crawl runs; 0 otherwise."""
    started = doc.get("_crawl_started")
    if started is None or doc.get("State") == "READY":
        return {**doc, "CrawlElapsedTime": 0}
    return {**doc, "CrawlElapsedTime": max(0, int((now - started) * 1000))}


def after_delete(conn, kind: str, name: str) -> None:
    """What goes with a deleted entity: a trigger's schedule, a job's or crawler's runs outside
    workflow runs (AWS keeps workflow runs' history, their statistics and graphs unchanged),
    a job's bookmark, a workflow's runs."""
    if kind == "trigger":
        run_store.drop_schedules(conn, [name])
    elif kind in ("job", "crawler"):
        run_store.remove_standalone_node_runs(conn, "job" if kind == "job" else "crawl", name)
        if kind == "crawler":
            crawler_schedule_store.drop(conn, name)
        else:
            bookmark_store.remove(conn, name)
    elif kind == "workflow":
        run_store.remove_workflow_runs(conn, name)
