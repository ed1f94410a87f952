"""The rules of a workflow run, applied inside one transaction each: starting runs, firing
triggers, ending node runs (with retries), completing, stopping and resuming.

Every function here takes an open write connection; the caller commits. A node run ending
in a workflow run locks that workflow run's row first, so two nodes of one run ending at
once are judged one after the other and a trigger never fires twice (or never). Outside
workflow runs the same holds by locking the standalone trigger's row; a start locks its job's
or workflow's row, so MaxConcurrentRuns counts one start at a time (PostgreSQL; SQLite's write
transactions are serial).
"""

import hashlib
import secrets
import uuid

from sqlalchemy import Connection

from ..domain.entity_texts import not_found
from ..domain.outcomes import Outcome, Outcomes
from ..protocol import errors
from ..store import entities as entity_store
from ..store import run_triggers as snapshots
from ..store import workflow_runs as store
from . import predicates, run_logs

RETRIED_STATES = ("FAILED", "ERROR")
CAPACITY = ("AllocatedCapacity", "MaxCapacity", "WorkerType", "NumberOfWorkers", "ExecutionClass")


def run_triggers(conn: Connection, run: dict) -> list[dict]:
    """The triggers a workflow run follows: those of its start."""
    return snapshots.of_run(conn, run["RunId"])


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(32)


def _simulated(outcome: Outcome) -> dict:
    """The plan of a run that is not executed: how and when it ends."""
    return {"mode": "simulate", "state": outcome.state, "seconds": outcome.seconds, "message": outcome.message}


def timed_out(minutes) -> str:
    return f"Job run timed out after {minutes} minutes"


def job_id(name: str) -> str:
    """The JOB_ID a script receives: stable for a job name."""
    return "j_" + hashlib.sha256(name.encode()).hexdigest()


class Conductor:
    def __init__(self, outcomes: Outcomes):
        self.outcomes = outcomes

    # Starting node runs

    def start_job(
        self,
        conn: Connection,
        now: float,
        job_name: str,
        *,
        arguments: dict | None = None,
        timeout: int | None = None,
        trigger: str | None = None,
        workflow_run: dict | None = None,
        predecessors: list | None = None,
        attempt: int = 0,
        retry_of: dict | None = None,
        previous_run_id: str | None = None,
        from_api: bool = False,
        extra: dict | None = None,
    ) -> str:
        """Record a STARTING job run; its id. From the API, refusals raise; from a trigger,
        a job run that could not start is recorded FAILED with the reason, as AWS shows it."""
        job = entity_store.get(conn, "job", job_name, lock=True)  # its runs are counted one start at a time
        if job is None and (from_api or trigger is None):
            raise errors.EntityNotFoundException(f"Job {job_name} not found.")
        if job is None:  # a trigger naming a deleted job: AWS records the action in ERROR
            return self._missing_job(conn, now, job_name, trigger, workflow_run)
        # A retry after a failure is named after the first attempt, as AWS names it.
        run_id = f"{retry_of['run_id'].split('_attempt_')[0]}_attempt_{attempt}" if retry_of else new_id("jr_")
        limit = (job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns", 1)
        refused = None
        if retry_of is None and len(store.open_node_runs(conn, "job", job_name)) >= limit:
            if from_api:
                raise errors.ConcurrentRunsExceededException(f"Concurrent runs exceeded for {job_name}")
            refused = f"Concurrent runs exceeded for {job_name}"
        merged = {**(job.get("DefaultArguments") or {}), **(arguments or {}), **(job.get("NonOverridableArguments") or {})}
        wire = {
            "Id": run_id,
            "Attempt": attempt,
            "JobName": job_name,
            "JobMode": job.get("JobMode", "SCRIPT"),
            "StartedOn": now,
            "LastModifiedOn": now,
            "JobRunState": "STARTING",
            "Arguments": merged,
            "PredecessorRuns": predecessors or [],
            "ExecutionTime": 0,
            "Timeout": timeout or job.get("Timeout"),
            "GlueVersion": job.get("GlueVersion"),
            "LogGroupName": run_logs.log_group_name((job.get("Command") or {}).get("Name")),
            **{k: job[k] for k in CAPACITY if k in job},
            **(extra or {}),
        }
        if "MaxCapacity" in wire:  # the deprecated field, in whole DPUs, as AWS still shows it
            wire["AllocatedCapacity"] = int(wire["MaxCapacity"])
        if retry_of or previous_run_id:
            wire["PreviousRunId"] = retry_of["run_id"] if retry_of else previous_run_id
        if trigger:
            wire["TriggerName"] = trigger
        doc = _node_doc(
            "job",
            job_name,
            run_id,
            trigger,
            workflow_run,
            {k: v for k, v in wire.items() if v is not None},
            max_retries=job.get("MaxRetries", 0),
            plan=self._job_plan(job, wire["Timeout"]),
        )
        if refused:
            self._end(doc, "FAILED", now, refused)
            store.add_node_run(conn, "job", job_name, run_id, "FAILED", doc, None, doc["workflow_run_id"])
        else:
            store.add_node_run(conn, "job", job_name, run_id, "STARTING", doc, now, doc["workflow_run_id"])
        return run_id

    def _missing_job(self, conn: Connection, now: float, job_name: str, trigger: str, workflow_run: dict | None) -> str:
        run_id = new_id("jr_")
        message = f"Job {job_name} not found."
        wire = {"Id": run_id, "Attempt": 0, "JobName": job_name, "TriggerName": trigger, "StartedOn": now, "LastModifiedOn": now}
        doc = _node_doc("job", job_name, run_id, trigger, workflow_run, wire)
        self._end(doc, "ERROR", now, message)
        store.add_node_run(conn, "job", job_name, run_id, "ERROR", doc, None, doc["workflow_run_id"])
        return run_id

    def _job_plan(self, job: dict, timeout_minutes: int | None) -> dict:
        outcome = self.outcomes.for_name(job["Name"], "job")
        command = (job.get("Command") or {}).get("Name")
        if outcome is None and command == "pythonshell":
            return {"mode": "script"}
        if outcome is None and command == "glueetl" and self.outcomes.spark_runs:
            return {"mode": "spark"}
        outcome = outcome or self.outcomes.spark()
        if timeout_minutes and outcome.seconds > timeout_minutes * 60:  # a simulated run times out as a real one would
            outcome = Outcome("TIMEOUT", timeout_minutes * 60, timed_out(timeout_minutes))
        return _simulated(outcome)

    def start_crawl(
        self,
        conn: Connection,
        now: float,
        crawler_name: str,
        *,
        workflow_run: dict | None = None,
        from_api: bool = False,
        trigger: str | None = None,
    ) -> str | None:
        crawler = entity_store.get(conn, "crawler", crawler_name)
        if crawler is None:
            raise errors.EntityNotFoundException(f"Crawler with name {crawler_name} does not exist")
        if crawler.get("State", "READY") != "READY":
            if from_api:
                raise errors.CrawlerRunningException(f"Crawler with name {crawler_name} has already started")
            return None
        outcome = self.outcomes.for_name(crawler_name, "crawl")
        plan = {"mode": "crawl"} if outcome is None else _simulated(outcome)
        run_id = str(uuid.uuid4())  # a CrawlId is a UUID
        wire = {"CrawlId": run_id, "State": "RUNNING", "StartedOn": now}
        doc = _node_doc("crawl", crawler_name, run_id, trigger, workflow_run, wire, plan=plan)
        store.add_node_run(conn, "crawl", crawler_name, run_id, "STARTING", doc, now, doc["workflow_run_id"])
        crawler.update(State="RUNNING", CrawlElapsedTime=0, _crawl_started=now)  # GetCrawler counts from it
        entity_store.replace(conn, "crawler", crawler_name, crawler)
        return run_id

    # Triggers

    def fire(
        self, conn: Connection, now: float, trigger: dict, workflow_run: dict | None, predecessors: list | None = None
    ) -> None:
        """Start every action of a trigger, inside a workflow run or outside any."""
        actions = predicates.actions(trigger)
        entity_store.lock_many(conn, "job", sorted({name for kind, name, _ in actions if kind == "job"}))
        for kind, name, action in actions:
            try:
                if kind == "job":
                    self.start_job(
                        conn,
                        now,
                        name,
                        arguments=action.get("Arguments"),
                        timeout=action.get("Timeout"),
                        trigger=trigger["Name"],
                        workflow_run=workflow_run,
                        predecessors=predecessors,
                    )
                else:
                    self.start_crawl(conn, now, name, workflow_run=workflow_run, trigger=trigger["Name"])
            except errors.EntityNotFoundException as exc:  # a crawler deleted since the trigger named it
                if workflow_run is not None:
                    workflow_run["ErrorMessage"] = exc.message
        if workflow_run is not None:
            store.add_fired(conn, workflow_run["RunId"], [trigger["Name"]])

    # Workflow runs

    def start_workflow_run(
        self,
        conn: Connection,
        now: float,
        workflow_name: str,
        run_properties: dict | None,
        from_api: bool = True,
        batch_condition: dict | None = None,
    ) -> str:
        """Start a workflow run; batch_condition: the EVENT batch that started it (event_triggers.py)."""
        workflow = entity_store.get(conn, "workflow", workflow_name, lock=True)  # its open runs are counted one start at a time
        if workflow is None:
            raise errors.EntityNotFoundException(not_found("workflow", workflow_name))
        triggers = entity_store.triggers_of(conn, workflow_name)
        run = {
            "Name": workflow_name,
            "RunId": new_id("wr_"),
            "StartedOn": now,
            "WorkflowRunProperties": {**(workflow.get("DefaultRunProperties") or {}), **(run_properties or {})},
            "inherited": [],
            "status": "RUNNING",
            "completed_on": None,
        }
        if batch_condition:
            run["StartingEventBatchCondition"] = batch_condition
        limit = workflow.get("MaxConcurrentRuns")
        exceeded = limit is not None and store.open_workflow_runs(conn, workflow_name) >= limit
        if exceeded and from_api:
            raise errors.ConcurrentRunsExceededException(f"Concurrent runs exceeded for workflow: {workflow_name}.")
        if exceeded:  # a schedule found the workflow at its limit: AWS records the run in ERROR
            run.update(status="ERROR", completed_on=now, ErrorMessage=f"Concurrent runs exceeded for workflow: {workflow_name}.")
        else:
            starting = [t for t in triggers if t.get("Type") != "CONDITIONAL"]
            if starting:
                self.fire(conn, now, starting[0], run)
            self._complete_if_done(conn, now, run)
        store.add_workflow_run(conn, run)  # once, as it stands after its starting trigger fired
        snapshots.add(conn, run["RunId"], triggers)  # the graph this run follows, whatever changes after its start
        return run["RunId"]

    def _states(self, conn: Connection, run: dict) -> tuple[dict, dict]:
        """The state of each node's latest run in a workflow run (inherited ones included), and
        each node's latest run itself."""
        states = {(entry[0], entry[1]): entry[2] for entry in run.get("inherited") or []}
        latest = {}
        for node in store.node_runs_of_workflow_run(conn, run["RunId"]):
            key = (node["kind"], node["name"])
            latest[key] = node
            states[key] = node["_state"]
        return states, latest

    def _fire_ready(self, conn: Connection, now: float, run: dict, ended: tuple[str, str]) -> None:
        """Fire the triggers that watch the node that just ended and now hold: the work is in
        proportion to those triggers' conditions, not to the size of the workflow."""
        if run["status"] != "RUNNING":
            return
        watching = [t for t in snapshots.watching(conn, run["RunId"], *ended) if t.get("State") == "ACTIVATED"]
        fired = store.fired_among(conn, run, [t["Name"] for t in watching]) if watching else set()
        inherited = {(entry[0], entry[1]): entry[2] for entry in run.get("inherited") or []}
        for trigger in watching:
            if trigger["Name"] in fired:
                continue
            states, latest = {}, {}
            for node in dict.fromkeys(predicates.watched(c) for c in trigger["Predicate"]["Conditions"]):
                if node is None:
                    continue
                found = store.latest_in_workflow_run(conn, run["RunId"], *node)
                if found is not None:
                    states[node], latest[node] = found
                elif node in inherited:
                    states[node] = inherited[node]
            if not predicates.holds(trigger, states):
                continue
            predecessors = [  # the job runs whose conditions held
                {"JobName": node[1], "RunId": latest[node]}
                for c in trigger["Predicate"]["Conditions"]
                if (node := predicates.watched(c)) in latest and node[0] == "job" and predicates.condition_holds(c, states)
            ]
            self.fire(conn, now, trigger, run, predecessors)

    def _complete_if_done(self, conn: Connection, now: float, run: dict) -> None:
        if run["status"] not in ("RUNNING", "STOPPING"):
            return
        if store.has_open_nodes(conn, run["RunId"]):
            return
        run["status"] = "STOPPED" if run["status"] == "STOPPING" else "COMPLETED"
        run["completed_on"] = now

    def stop_workflow_run(self, conn: Connection, now: float, workflow_name: str, run_id: str) -> None:
        run = self._run_of(conn, workflow_name, run_id, lock=True)
        if run["status"] != "RUNNING":
            raise errors.IllegalWorkflowStateException(f"Workflow run {run_id} is not running: it is {run['status']}.")
        run["status"] = "STOPPING"
        for node in store.node_runs_of_workflow_run(conn, run_id):
            store.mark_stopping(conn, node["run_id"], now)
        self._complete_if_done(conn, now, run)
        store.save_workflow_run(conn, run)

    def _run_of(self, conn: Connection, workflow_name: str, run_id: str, lock: bool = False) -> dict:
        run = store.workflow_run(conn, run_id, lock=lock)
        if run is None or run["Name"] != workflow_name:
            raise errors.EntityNotFoundException(f"Workflow run {run_id} not found for workflow {workflow_name}.")
        return run

    def resume(
        self, conn: Connection, now: float, workflow_name: str, run_id: str, node_ids: list[str], ids_to_nodes: dict
    ) -> tuple[str, list[str]]:
        """Run the named nodes again under a new run id, and what follows them as the triggers of
        the original run fire. A named node downstream of another named one is not restarted
        itself: its upstream node runs first, as on AWS, and the answer names only the restarted."""
        original = self._run_of(conn, workflow_name, run_id)
        if original["status"] != "COMPLETED":  # AWS resumes only a COMPLETED run
            raise errors.IllegalWorkflowStateException(
                f"Workflow run {run_id} is {original['status']}: only a COMPLETED workflow run can be resumed."
            )
        states, _ = self._states(conn, original)
        wanted = []
        for node_id in node_ids:
            node = ids_to_nodes.get(node_id)
            if node is None or node not in states:
                raise errors.InvalidInputException(f"Node {node_id} did not run in workflow run {run_id}.")
            wanted.append(node)
        self._check_concurrency(conn, now, workflow_name)
        triggers = run_triggers(conn, original)
        reached, refired = _downstream(triggers, wanted)
        restarted = [node for node in dict.fromkeys(wanted) if node not in reached] or list(dict.fromkeys(wanted))
        copied = {key: ids for key, ids in _runs_by_node(conn, original).items() if key not in reached | set(restarted)}
        run = {
            "Name": workflow_name,
            "RunId": new_id("wr_"),
            "PreviousRunId": run_id,
            "StartedOn": now,
            "WorkflowRunProperties": original.get("WorkflowRunProperties") or {},
            # what is not run again keeps its state and shows its runs of the original run
            "inherited": [[kind, name, states[(kind, name)], ids] for (kind, name), ids in copied.items()],
            "status": "RUNNING",
            "completed_on": None,
        }
        for kind, name in restarted:
            trigger = _starting_trigger(triggers, (kind, name))
            if kind == "job":
                self.start_job(conn, now, name, trigger=trigger, workflow_run=run)
            else:
                self.start_crawl(conn, now, name, workflow_run=run, trigger=trigger)
        store.add_fired(conn, run["RunId"], [t for t in store.all_fired(conn, original) if t not in refired])
        store.add_workflow_run(conn, run)
        snapshots.add(conn, run["RunId"], triggers)  # the original's graph, not the workflow's current one
        return run["RunId"], [i for i in node_ids if ids_to_nodes.get(i) in set(restarted)]

    def _check_concurrency(self, conn: Connection, now: float, workflow_name: str) -> None:
        workflow = entity_store.get(conn, "workflow", workflow_name, lock=True)
        if workflow is None:
            raise errors.EntityNotFoundException(not_found("workflow", workflow_name))
        limit = workflow.get("MaxConcurrentRuns")
        if limit is not None and store.open_workflow_runs(conn, workflow_name) >= limit:
            raise errors.ConcurrentRunsExceededException(f"Concurrent runs exceeded for workflow: {workflow_name}.")

    # Ending node runs

    def _end(self, doc: dict, state: str, now: float, message: str | None) -> None:
        wire = doc["wire"]
        if doc["kind"] == "job":
            wire.update(JobRunState=state, LastModifiedOn=now, CompletedOn=now)
            wire["ExecutionTime"] = int(round(now - wire["StartedOn"]))
        else:
            wire.update(State=state, CompletedOn=now)
        if message:
            wire["ErrorMessage"] = message

    def finish(
        self,
        conn: Connection,
        now: float,
        node: dict,
        state: str,
        message: str | None = None,
        worker: str | None = None,
        metrics: dict | None = None,
        output: str | None = None,
        streams: tuple[list, list] | None = None,
    ) -> bool:
        """End a node run, then let its workflow run go on; False if it had already ended or
        was taken by another worker. streams: a job script's standard output and error, as
        timed lines, for its logs (run_logs.py)."""
        run = store.workflow_run(conn, node["workflow_run_id"], lock=True) if node.get("workflow_run_id") else None
        current = store.node_run(conn, node["run_id"])
        if current is None or current["_state"] not in store.OPEN_NODE_STATES:
            return False
        if worker is not None and current["_claimed_by"] not in (worker, None):
            return False
        doc = current  # its "_" keys are the store's; save_node_run leaves them out
        if current["_state"] == "STOPPING":  # a stop asked for while it ran wins over how it ended
            state, message = ("STOPPED" if doc["kind"] == "job" else "CANCELLED"), None
        self._end(doc, state, now, message)
        if output:
            doc["output"] = output
        if metrics:  # a crawl's changes: its Summary in ListCrawls
            doc["metrics"] = metrics
        store.save_node_run(conn, doc, state, None)
        if doc["kind"] == "crawl":
            run_logs.write_crawl(conn, doc, state, message, metrics, now)
        else:
            run_logs.write_job_run(conn, doc, message, streams, now)
        if doc["kind"] == "crawl":
            self._crawler_ready(conn, now, doc, state, message, metrics)
        elif state in RETRIED_STATES and doc["wire"]["Attempt"] < doc.get("max_retries", 0):
            wire = doc["wire"]
            self.start_job(
                conn,
                now,
                doc["name"],
                arguments=wire.get("Arguments"),
                timeout=wire.get("Timeout"),
                trigger=wire.get("TriggerName"),
                workflow_run=run,
                predecessors=wire.get("PredecessorRuns"),
                attempt=wire["Attempt"] + 1,
                retry_of=doc,
            )
        if run is not None:
            before = (run["status"], run["completed_on"], run.get("ErrorMessage"))
            self._fire_ready(conn, now, run, (doc["kind"], doc["name"]))
            self._complete_if_done(conn, now, run)
            if (run["status"], run["completed_on"], run.get("ErrorMessage")) != before:  # a node's end rarely changes its run
                store.save_workflow_run(conn, run)
        elif doc.get("trigger") or (doc["wire"].get("TriggerName") if doc["kind"] == "job" else None):
            # AWS: dependent jobs or crawlers start only if the one that completed was started by a trigger
            self._fire_standalone(conn, now, (doc["kind"], doc["name"]))
        return True

    def _crawler_ready(
        self, conn: Connection, now: float, doc: dict, state: str, message: str | None, metrics: dict | None
    ) -> None:
        crawler = entity_store.get(conn, "crawler", doc["name"])
        if crawler is None:
            return
        started = doc["wire"]["StartedOn"]
        crawler.update(State="READY", CrawlElapsedTime=0)
        crawler.pop("_crawl_started", None)
        crawler["LastCrawl"] = {
            "Status": state,
            "StartTime": started,
            "LogGroup": "/aws-glue/crawlers",
            "LogStream": doc["name"],
            "MessagePrefix": doc["run_id"],
            **({"ErrorMessage": message} if message else {}),
        }
        history = crawler.setdefault("_metrics", {"runtimes": []})
        history["runtimes"] = (history["runtimes"] + [now - started])[-20:]
        if metrics:
            history.update(metrics)
        entity_store.replace(conn, "crawler", doc["name"], crawler)

    def _fire_standalone(self, conn: Connection, now: float, node: tuple[str, str]) -> None:
        """A node run outside any workflow fires the conditional triggers outside workflows that watch it."""
        for listed in entity_store.watchers(conn, None, *node):
            # Locked, then read again: two watched runs ending at once are judged one after the
            # other, each seeing the other's end, so the trigger fires once, not twice or never.
            trigger = entity_store.get(conn, "trigger", listed["Name"], lock=True)
            if trigger is None or trigger.get("State") != "ACTIVATED" or not predicates.watches(trigger, node):
                continue
            states = {}
            for condition in trigger["Predicate"].get("Conditions") or []:
                watched = predicates.watched(condition)
                if watched and (last := store.latest_outside_workflows(conn, *watched)):
                    states[watched] = last["_state"]
            if predicates.holds(trigger, states):
                self.fire(conn, now, trigger, None)


def _downstream(triggers: list[dict], starts: list[tuple[str, str]]) -> tuple[set, set]:
    """The nodes conditional triggers start after the given ones (through any number of
    triggers), and those triggers' names."""
    reached, refired, frontier = set(), set(), list(dict.fromkeys(starts))
    while frontier:
        node = frontier.pop()
        for trigger in triggers:
            if trigger.get("Type") == "CONDITIONAL" and predicates.watches(trigger, node):
                refired.add(trigger["Name"])
                for kind, name, _ in predicates.actions(trigger):
                    if (kind, name) not in reached:
                        reached.add((kind, name))
                        frontier.append((kind, name))
    return reached, refired


def _starting_trigger(triggers: list[dict], node: tuple[str, str]) -> str | None:
    return next((t["Name"] for t in triggers if any(a[:2] == node for a in predicates.actions(t))), None)


def _runs_by_node(conn: Connection, run: dict) -> dict[tuple[str, str], list[str]]:
    """The ids of each node's runs in a workflow run, those it copied from an earlier run first."""
    found = {(entry[0], entry[1]): list(entry[3]) if len(entry) > 3 else [] for entry in run.get("inherited") or []}
    for node in store.node_runs_of_workflow_run(conn, run["RunId"]):
        found.setdefault((node["kind"], node["name"]), []).append(node["run_id"])
    return found


def _node_doc(kind: str, name: str, run_id: str, trigger: str | None, workflow_run: dict | None, wire: dict, **more) -> dict:
    """A job run's or crawl's stored document: what workers select on, and its wire view."""
    return {
        "kind": kind,
        "name": name,
        "run_id": run_id,
        "trigger": trigger,
        "workflow_run_id": workflow_run["RunId"] if workflow_run else None,
        "workflow_name": workflow_run["Name"] if workflow_run else None,
        **more,
        "wire": wire,
    }
