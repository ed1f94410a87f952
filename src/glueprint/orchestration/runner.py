"""What a worker does with a job run or crawl it claimed: start it, execute it (a pythonshell
or Spark job script in the sandbox, a crawl of S3), let a simulated one end when due, or end
one whose worker was lost.
"""

import contextlib
import json
import logging
import threading

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.exc import SQLAlchemyError

from glueprint.domain import run_credentials
from glueprint.domain.context import ServiceContext
from glueprint.etl import jdbc
from glueprint.etl.connect_client import run_settings
from glueprint.layouts.archive import ArchiveError
from glueprint.orchestration import crawl, python_shell, run_logs, spark_jobs
from glueprint.orchestration.conductor import Conductor, job_id, timed_out
from glueprint.orchestration.python_modules import ModulesUnavailable, PythonModules
from glueprint.protocol.model import member_limits
from glueprint.sandbox.collect import Stopped
from glueprint.store import entities as entity_store
from glueprint.store import workflow_runs as store

log = logging.getLogger("glueprint.orchestration")


def lost_worker_message(worker: str) -> str:
    return f"The worker executing this run ({worker}) was lost before the run finished."


# How a script's run ends when it was stopped, by why (Stopped.reason). A run whose job or
# workflow was deleted is gone with it: nothing is left to record.
STOPPED_BECAUSE = {
    "asked": ("STOPPED", None),
    "shutdown": ("ERROR", "glueprint was stopped while this run was running; its script was ended."),
}


def script_argv(doc: dict) -> list[str]:
    """Glue's command line for a job script: its arguments as ``--name value`` pairs, then
    the names and ids of the job, its run and its workflow run."""
    wire = doc["wire"]
    argv = []
    for key, value in (wire.get("Arguments") or {}).items():
        argv += [key if key.startswith("--") else f"--{key}", value]
    argv += ["--JOB_NAME", doc["name"], "--JOB_ID", job_id(doc["name"]), "--JOB_RUN_ID", doc["run_id"]]
    if doc.get("workflow_run_id"):
        argv += ["--WORKFLOW_NAME", doc["workflow_name"], "--WORKFLOW_RUN_ID", doc["workflow_run_id"]]
    return argv


class NodeRunner:
    def __init__(
        self, ctx: ServiceContext, scripts, lease_s: float, modules: PythonModules | None = None, start_script=None, spark=None
    ):
        self.ctx = ctx
        self.spark = spark  # an etl.sessions.SparkServers, for Spark job runs
        self.lease_s = lease_s
        self.scripts = scripts  # a Sandbox, or InProcessLayouts for the pytest mock
        self.modules = modules or PythonModules(None)
        self.conductor = Conductor(ctx.outcomes)
        # Where a job run's script is run: start_script(node, work) calls work() in a thread
        # of its own capacity (the worker pool's), or here, at once, by default.
        self.start_script = start_script or (lambda node, work: work())
        self.stopping = threading.Event()  # set when the process stops: running scripts end

    def release(self, run_id: str, worker: str) -> None:
        """Give back a claimed run that was never started (its process is stopping)."""
        with self.ctx.db.write() as conn:
            store.release(conn, run_id, worker)

    def claim(self, worker: str) -> dict | None:
        with self.ctx.db.write() as conn:
            return store.claim_node_run(conn, worker, self.ctx.clock(), self.lease_s, skip_locked=not self.ctx.db.is_sqlite)

    def finish(self, node: dict, worker: str, state: str, message: str | None = None) -> None:
        """End a claimed run from outside its step (its worker could not record how it went)."""
        self._finish(node, worker, state, message)

    def _finish(self, node: dict, worker: str, state: str, message: str | None = None, **extra) -> None:
        with self.ctx.db.write() as conn:
            self.conductor.finish(conn, self.ctx.clock(), node, state, message, worker=worker, **extra)
        self.ctx.on_work_added()

    def step(self, node: dict, worker: str) -> None:
        state, previous, plan = node["_state"], node["_claimed_by"], node["plan"]
        kind = node["kind"]
        if state == "STOPPING":
            self._finish(node, worker, "STOPPED" if kind == "job" else "CANCELLED")
        elif state == "RUNNING" and previous not in (None, worker):
            self._finish(node, worker, "ERROR" if kind == "job" else "FAILED", lost_worker_message(previous))
        elif state == "RUNNING" and plan["mode"] == "simulate":
            self._finish(node, worker, plan["state"], plan.get("message"))
        elif plan["mode"] == "simulate":
            with self.ctx.db.write() as conn:
                started = self._set_running(node, conn, worker, due=self.ctx.clock() + plan["seconds"], keep_claim=False)
            if not started or plan["seconds"] == 0:
                self.ctx.on_work_added()
        elif kind == "job":
            self.start_script(node, lambda: self._execute(node, worker))
        else:
            self._execute(node, worker)

    def _execute(self, node: dict, worker: str) -> None:
        with self.ctx.db.write() as conn:
            started = self._set_running(node, conn, worker, due=self.ctx.clock(), keep_claim=True)
        if started:
            (self._run_script if node["kind"] == "job" else self._crawl)(node, worker)
        else:
            self.ctx.on_work_added()

    def _set_running(self, node: dict, conn, worker: str, due: float, keep_claim: bool) -> bool:
        """RUNNING: kept claimed while this worker executes it, or left for whoever finds it due."""
        now = self.ctx.clock()
        if node["kind"] == "job":
            node["wire"].update(JobRunState="RUNNING", LastModifiedOn=now)
        lease = now + self.lease_s if keep_claim else None  # renewed by the worker's heartbeat
        claimed_by = worker if keep_claim else None
        started = store.save_node_run(
            conn,
            node,
            "RUNNING",
            due,
            claimed_by=claimed_by,
            lease_until=lease,
            only_if_claimed_by=worker,
            only_if_state="STARTING",
        )
        if not started:  # stopped before it started: the next worker to look ends it
            store.release(conn, node["run_id"], worker)
        return started

    def _stopped(self, node: dict):
        """For a running script: why it must end now (a STOPPED_BECAUSE key), or None."""

        def why() -> str | None:
            if self.stopping.is_set():
                return "shutdown"
            with self.ctx.db.read() as conn:
                state = store.node_state(conn, node["run_id"])
            # A deleted job or workflow takes its runs with it (lifecycle.after_delete).
            return {"STOPPING": "asked", None: "deleted"}.get(state)

        return why

    def _run_script(self, node: dict, worker: str) -> None:
        with self.ctx.db.read() as conn:
            job = entity_store.get(conn, "job", node["name"])
        if job is None:
            self._finish(node, worker, "FAILED", f"Job {node['name']} was deleted while its run started")
            return
        arguments = node["wire"].get("Arguments") or {}
        location = arguments.get("--scriptLocation") or (job.get("Command") or {}).get("ScriptLocation", "")
        spark = node["plan"]["mode"] == "spark"
        try:
            script = self.ctx.archives.fetch_script(location)
            version = None if spark else python_shell.python_version(job.get("Command") or {})
            wanted = python_shell.additional_modules(arguments)
            modules = self.modules.folder_for(wanted, self.ctx.archives.fetch_script) if wanted else None
        except (ArchiveError, python_shell.UnsupportedPython, ModulesUnavailable) as exc:
            self._finish(node, worker, "FAILED", str(exc))
            return
        timeout_s = float(node["wire"].get("Timeout") or 2880) * 60
        name = location.rsplit("/", 1)[-1] or "script.py"
        argv = script_argv(node) + (spark_jobs.glue_arguments(arguments) if spark else [])
        try:
            with self._spark_session(node, job) as session:
                result = self.scripts.run_script(
                    script,
                    name,
                    argv,
                    timeout_s,
                    credentials=run_credentials.for_job_run(self.ctx, node["run_id"]),
                    should_stop=self._stopped(node),
                    python_version=version,
                    paths=(modules,) if modules else (),
                    on_lines=self._write_lines(node),
                    region=self.ctx.region,
                    **({"spark": session} if session else {}),
                )
        except TimeoutError:
            self._finish(node, worker, "TIMEOUT", timed_out(node["wire"].get("Timeout")))
            return
        except Stopped as exc:
            if exc.reason in STOPPED_BECAUSE:
                self._finish(node, worker, *STOPPED_BECAUSE[exc.reason])
            else:
                log.info("job run %s of %s was deleted while it ran; its script was ended", node["run_id"], node["name"])
            return
        except Exception as exc:  # the sandbox itself failed: the run errs, the worker goes on
            log.exception("job run %s could not be executed", node["run_id"])
            self._finish(node, worker, "ERROR", f"Internal error while running the job script: {type(exc).__name__}: {exc}")
            return
        streams = (result.stdout, result.stderr)
        if result.ok:
            self._finish(node, worker, "SUCCEEDED", output=result.output, streams=streams)
        else:
            self._finish(node, worker, "FAILED", result.error, output=result.output, streams=streams)

    @contextlib.contextmanager
    def _spark_session(self, node: dict, job: dict):
        """A Spark job run's own Spark Connect session (URL and settings), or None for a Python
        shell run. However the run ends, what the session still runs on the server is
        interrupted and the session released."""
        if node["plan"]["mode"] != "spark":
            yield None
            return
        wire = node["wire"]
        url = self.spark.new_session()
        try:
            settings = run_settings(wire.get("GlueVersion"), spark_jobs.dpus(wire))
            routes = self.spark.routes(self._database_addresses(job))
            if routes is not None:
                settings[jdbc.ROUTES_SETTING] = json.dumps(routes)
            yield url, settings
        finally:
            self.spark.end_session(url)

    def _database_addresses(self, job: dict) -> list[tuple[str, int]]:
        """The (host, port) of each JDBC connection attached to the job: on AWS a job reaches
        the network of its connections (Connections), as AWS's jdbc_to_s3 and s3_to_jdbc
        samples attach theirs."""
        names = (job.get("Connections") or {}).get("Connections") or []
        with self.ctx.db.read() as conn:
            connections = [entity_store.get(conn, "connection", name) for name in names]
        properties = [(c or {}).get("ConnectionProperties") or {} for c in connections]
        urls = [p.get("JDBC_CONNECTION_URL") or p.get("CONNECTION_URL") for p in properties]
        return sorted({address for url in urls if url and (address := jdbc.address_of(url))})

    def _write_lines(self, node: dict):
        """Store a running script's lines as they come, so its logs can be followed."""

        def write(lines: dict) -> None:
            try:
                with self.ctx.db.write() as conn:
                    run_logs.write_lines(conn, node, lines.get("stdout") or [], lines.get("stderr") or [], self.ctx.clock())
            except Exception:  # the run goes on; its lines are lost, not its outcome
                log.exception("lines of job run %s could not be stored", node["run_id"])

        return write

    def _crawl(self, node: dict, worker: str) -> None:
        """Read the targets, then write the catalog in one transaction; any failure ends the
        crawl FAILED with the reason (nothing is written), never leaves it RUNNING."""
        try:
            with self.ctx.db.read() as conn:
                crawler = entity_store.get(conn, "crawler", node["name"])
                context = crawl.prepare(conn, crawler) if crawler is not None else None
            if crawler is None:
                self._finish(node, worker, "FAILED", f"Crawler {node['name']} was deleted while it ran")
                return
            results = crawl.discover(self.ctx.archives.s3_client(), crawler, context)
            with self.ctx.db.write() as conn:
                now = self.ctx.clock()
                metrics = None
                if store.node_state(conn, node["run_id"]) == "RUNNING":  # a stopped crawl writes nothing
                    metrics = crawl.write(conn, crawler, context, results, now, self.ctx.account_id)
                self.conductor.finish(conn, now, node, "SUCCEEDED", worker=worker, metrics=metrics)
        except crawl.CrawlFailed as exc:
            self._finish(node, worker, "FAILED", _bounded(str(exc)))
            return
        except (ClientError, BotoCoreError) as exc:
            self._finish(node, worker, "FAILED", _bounded(f"Unable to read the crawler's S3 targets: {exc}"))
            return
        except SQLAlchemyError as exc:
            log.exception("crawl %s of %s could not be written", node["run_id"], node["name"])
            cause = getattr(exc, "orig", None) or exc
            self._finish(node, worker, "FAILED", _bounded(f"Unable to write the crawl to the Data Catalog: {cause}"))
            return
        except Exception as exc:  # a bug or an unforeseen file must end the crawl, not strand it
            log.exception("crawl %s of %s failed unexpectedly", node["run_id"], node["name"])
            self._finish(node, worker, "FAILED", _bounded(f"Internal error while crawling: {type(exc).__name__}: {exc}"))
            return
        self.ctx.on_work_added()


def _bounded(message: str) -> str:
    """An ErrorMessage within the model's limit (DescriptionString)."""
    limit = member_limits("LastCrawlInfo", "ErrorMessage")["max"]
    return message if len(message) <= limit else message[: limit - 3] + "..."
