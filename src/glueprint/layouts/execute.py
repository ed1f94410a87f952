"""Executing one claimed run: parameters, sandbox, entity creation, and rollback on failure."""

import logging
import threading
from collections import OrderedDict
from typing import NamedTuple

import orjson
from sqlalchemy.exc import IntegrityError

from glueprint.domain import crawler_references, defaults, rules, run_credentials, schedule_rows
from glueprint.domain.blueprint_run_view import rendered
from glueprint.domain.context import ServiceContext
from glueprint.domain.entity_texts import LABELS, already_exists
from glueprint.layouts import params
from glueprint.layouts.plan import Entity, PlanError, entities_of, name_suffix
from glueprint.sandbox.host import LayoutError
from glueprint.store import blueprints as blueprint_store
from glueprint.store import entities as entity_store
from glueprint.store import runs as run_store

log = logging.getLogger("glueprint.layouts")
KEPT_DEFINITIONS = 16  # archives of up to 1 MB each


class Definition(NamedTuple):
    archive: bytes
    layout_generator: str
    parameter_spec: str  # JSON: parsed for each run, which may change what it is given


class RunFailed(Exception):
    """The run cannot succeed; the message becomes its ErrorMessage."""


class EntityRefused(RunFailed):
    """An entity's Create operation refused it (a name taken, a definition Glue refuses); the
    entities created before it were rolled back."""

    def __init__(self, message: str, created: int):
        super().__init__(message)
        self.created = created


class RunGone(Exception):
    """The run is no longer this worker's to finish."""


def stored_doc(entity: Entity, run: dict, now: float) -> dict:
    """The document GetWorkflow/GetJob/GetCrawler/GetTrigger return for a created entity."""
    if entity.kind == "workflow":
        return defaults.workflow_doc(entity.request, now, {"BlueprintName": run["blueprint_name"], "RunId": run["run_id"]})
    if entity.kind == "job":
        return defaults.job_doc(entity.request, now)
    if entity.kind == "crawler":
        return defaults.crawler_doc(entity.request, now)
    return defaults.trigger_doc(entity.request)


def refuse_as_created(entities: list[Entity]) -> None:
    """Apply the rules CreateJob, CreateCrawler and CreateTrigger apply, in creation order: on
    AWS the first entity refused fails the run with that operation's error, after the ones
    before it were created (and are rolled back)."""
    for index, entity in enumerate(entities):
        if problem := rules.create_problem(entity.kind, entity.request):
            raise EntityRefused(problem, created=index)


def _refuse_missing_classifiers(conn, docs: list) -> None:
    """CreateCrawler's check that what a crawler names exists, for the crawlers a run creates."""
    for index, (kind, _, doc) in enumerate(docs):
        if kind == "crawler" and (problem := crawler_references.refusal(conn, doc)):
            raise EntityRefused(problem, created=index)


class Executor:
    def __init__(self, ctx: ServiceContext, layouts):
        self.ctx = ctx
        self.layouts = layouts  # a Sandbox, or InProcessLayouts for the pytest mock
        self._definitions: OrderedDict[tuple[str, str], Definition] = OrderedDict()
        self._definitions_lock = threading.Lock()

    @staticmethod
    def _change(conn, run: dict, worker: str, **values) -> bool:
        """Change the run while this worker holds it; False if it no longer does."""
        changed = run_store.change_claimed(conn, run, worker, rendered, **values)
        if changed and values.get("state") in ("SUCCEEDED", "FAILED"):
            blueprint_store.prune_definitions(conn, run["blueprint_name"])  # this run no longer needs its own
        return changed

    def _set(self, run: dict, worker: str, **values) -> bool:
        with self.ctx.db.write() as conn:
            return self._change(conn, run, worker, **values)

    def _definition(self, name: str, digest: str) -> Definition | None:
        """A blueprint's definition, read once: (name, digest) names the same archive forever."""
        key = (name, digest)
        with self._definitions_lock:
            if (found := self._definitions.get(key)) is not None:
                self._definitions.move_to_end(key)
                return found
        with self.ctx.db.read() as conn:
            row = blueprint_store.definition(conn, name, digest)
        if row is None:
            return None
        found = Definition(row["archive"], row["layout_generator"], row["parameter_spec"])
        with self._definitions_lock:
            self._definitions[key] = found
            while len(self._definitions) > KEPT_DEFINITIONS:
                self._definitions.popitem(last=False)
        return found

    def _plan(self, run: dict) -> list[Entity]:
        blueprint = self._definition(run["blueprint_name"], run["definition"] or "")
        if blueprint is None:
            raise RunFailed(f"Blueprint {run['blueprint_name']} no longer has the definition this run was started with")
        try:
            user_params = params.resolve(orjson.loads(blueprint.parameter_spec), run["parameters"])
        except params.ParameterError as exc:
            raise RunFailed(f"Invalid blueprint parameters: {exc}") from None
        system_params = {"region": self.ctx.region, "accountId": self.ctx.account_id}
        try:
            plan = self.layouts.run_layout(
                blueprint.archive,
                blueprint.layout_generator,
                user_params,
                system_params,
                name_suffix(),
                credentials=run_credentials.for_run(self.ctx, run["run_id"]),
                region=self.ctx.region,
            )
            return entities_of(plan)
        except (LayoutError, PlanError) as exc:
            raise RunFailed(str(exc)) from None

    def _create_all(self, run: dict, worker: str, entities: list[Entity], retry: bool = True) -> None:
        """Create every entity and end the run SUCCEEDED, in one transaction: a crash, a name
        taken or a run taken over leaves nothing of the run behind."""
        now = self.ctx.clock()
        workflow = next(e.name for e in entities if e.kind == "workflow")
        docs = [(entity.kind, entity.name, stored_doc(entity, run, now)) for entity in entities]
        try:
            self._create(run, worker, docs, workflow, now)
        except IntegrityError:
            # A name taken fails the insert (the entities' key) and undoes the transaction;
            # only then is it worth finding which name.
            keys = [(kind, name) for kind, name, _ in docs]
            with self.ctx.db.read() as conn:
                taken = entity_store.taken(conn, keys)
            for index, (kind, name) in enumerate(keys):
                if (kind, name) in taken:  # AWS creates them in order: those before it are rolled back
                    raise EntityRefused(already_exists(kind, name), created=index) from None
            if not retry:
                raise
            self._create_all(run, worker, entities, retry=False)  # freed again meanwhile

    def _create(self, run: dict, worker: str, docs: list, workflow: str, now: float) -> None:
        """The one transaction of _create_all; IntegrityError when a name is taken."""
        with self.ctx.db.write() as conn:
            _refuse_missing_classifiers(conn, docs)
            entity_store.add_many(conn, docs, now, run["run_id"])
            schedule_rows.sync_triggers(conn, [doc for kind, _, doc in docs if kind == "trigger"], now)
            for doc in (doc for kind, _, doc in docs if kind == "crawler" and doc.get("Schedule")):
                schedule_rows.sync_crawler(conn, doc, now)
            done = dict(state="SUCCEEDED", workflow_name=workflow, completed_on=now, claimed_by=None, lease_until=None)
            if not self._change(conn, run, worker, **done):
                # The run was deleted (its blueprint went away) or taken over: undo it all.
                raise RunGone

    def rollback(self, run_id: str) -> str | None:
        """Delete what the run created; return what could not be deleted, if anything."""
        with self.ctx.db.read() as conn:
            created = entity_store.created_by_run(conn, run_id)
        problems = []
        for kind, scope, name in created:
            try:
                with self.ctx.db.write() as conn:
                    entity_store.remove(conn, kind, name, scope=scope)
            except Exception as exc:  # report and carry on: delete as much as possible
                problems.append(f"could not delete {LABELS.get(kind, kind)} {name}: {exc}")
        return "; ".join(problems) or None

    def fail(self, run: dict, worker: str, message: str, rolled_back: bool = False) -> None:
        """End a run FAILED, passing through ROLLING_BACK when it had created entities (as
        AWS does): rolled back already (rolled_back), or left by a worker that was lost."""
        log.warning(
            "run %s of blueprint %s failed: %s", run["run_id"], run["blueprint_name"], message.splitlines()[0] if message else ""
        )
        with self.ctx.db.read() as conn:
            created = entity_store.created_by_run(conn, run["run_id"])
        rollback_error = None
        if created or rolled_back:
            self._set(run, worker, state="ROLLING_BACK", error_message=message)
            rollback_error = self.rollback(run["run_id"]) if created else None
        self._set(
            run,
            worker,
            state="FAILED",
            error_message=message,
            rollback_error_message=rollback_error,
            completed_on=self.ctx.clock(),
            claimed_by=None,
            lease_until=None,
        )

    def execute(self, run: dict, worker: str) -> None:
        try:
            entities = self._plan(run)
            refuse_as_created(entities)
            self._create_all(run, worker, entities)
        except RunGone:
            pass
        except EntityRefused as exc:
            self.fail(run, worker, str(exc), rolled_back=exc.created > 0)
        except RunFailed as exc:
            self.fail(run, worker, str(exc))
        except Exception as exc:
            log.exception("run %s failed unexpectedly", run["run_id"])
            self.fail(run, worker, f"Internal error while executing the run: {type(exc).__name__}: {exc}")
