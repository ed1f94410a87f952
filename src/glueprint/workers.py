"""Workers: threads that claim work through the database, do it, and keep their leases.

Work of every kind: blueprint checks and runs (this package), and scheduled triggers, job
runs and crawls (glueprint.orchestration), in every account and region (each scope has its
own database: service/scopes.py); a piece of work is done entirely in its own scope.

A claim is a lease: the worker renews it by heartbeat while the run executes. A run whose
lease ran out belongs to a worker that was lost (killed, crashed, machine gone); the next
worker to see it fails it cleanly and rolls back what it had created.

Job scripts may run for hours: they get capacity of their own (as many script threads as
workers), so a script never holds a worker that blueprint checks and runs, schedules and
crawls need. Runs waiting for a script thread stay STARTING. On stop, running scripts are
ended at once (their runs end in ERROR, saying so), scripts not started are given back,
and runs of other kinds may finish; what the stop waits for is logged.
"""

import contextlib
import logging
import os
import queue
import socket
import threading
import time
import uuid

from glueprint.config import Settings
from glueprint.domain.context import ServiceContext
from glueprint.etl.sessions import SparkServers, default_scratch
from glueprint.layouts.execute import Executor
from glueprint.layouts.registration import Registrar
from glueprint.orchestration import crawler_schedules, scheduler
from glueprint.orchestration.python_modules import PythonModules
from glueprint.orchestration.runner import NodeRunner
from glueprint.sandbox.host import Limits, Sandbox
from glueprint.store import runs as run_store
from glueprint.store import work
from glueprint.store import workflow_runs as node_store
from glueprint.store.db import StorageFull

log = logging.getLogger("glueprint.worker")

POLL_S = 0.5
SPARK_SERVER_MEMORY_MB = 2048  # the own Spark Connect server's driver heap


def out_of_space_message(exc: StorageFull) -> str:
    return f"The run could not be recorded: {exc.message}"


def lost_worker_message(previous: str) -> str:
    return (
        f"The worker executing this run ({previous}) was lost before the run finished; "
        "the entities it had created were rolled back."
    )


class Engines:
    """What does one scope's work: its blueprint checks and runs, job runs and crawls."""

    def __init__(self, ctx: ServiceContext, layouts, lease_s: float, modules: PythonModules, start_script, stopping, spark):
        self.ctx = ctx
        self.executor = Executor(ctx, layouts)
        self.registrar = Registrar(ctx, lease_s, layouts)
        self.nodes = NodeRunner(ctx, layouts, lease_s, modules, start_script=start_script, spark=spark)
        self.nodes.stopping = stopping  # one for the pool: a stop ends every scope's scripts


class WorkerPool:
    def __init__(self, ctx: ServiceContext, settings: Settings, layouts=None):
        self.ctx = ctx
        self.threads = settings.workers
        self.lease_s = settings.lease_seconds
        # On stop, runs in progress may finish: at most a layout's timeout plus entity writes.
        self.drain_s = settings.run_timeout + 10
        self.modules = PythonModules(settings.wheelhouse)
        self.modules.prepare()
        if layouts is None:
            urls = {"glue": settings.endpoint_url, "s3": settings.s3_url}
            if settings.dynamodb_endpoint_url:
                urls["dynamodb"] = settings.dynamodb_endpoint_url
            limits = Limits(timeout_s=settings.run_timeout, memory_mb=settings.run_memory_mb)
            shown = (str(self.modules.installed_root),) if self.modules.installed_root else ()
            layouts = Sandbox(urls, ctx.region, limits, unsafe=settings.unsafe_sandbox, shown=shown)
        self.layouts = layouts
        self.stopping = threading.Event()  # set when the process stops: running scripts end
        self._engines: dict[tuple[str, str], Engines] = {}  # by (account, region)
        self._engines_lock = threading.Lock()
        self._next_scope = 0  # where the next look for work starts, so every scope gets its turn
        self._scripts: queue.SimpleQueue = queue.SimpleQueue()  # (engines, node, work), or None: stop
        # Spark job runs' server, one for every scope: glueprint's own (started on first use) or --spark-remote.
        self.spark = SparkServers(
            settings.spark_remote,
            settings.s3_root,
            default_scratch(),
            cores=os.cpu_count() or 2,
            memory_mb=SPARK_SERVER_MEMORY_MB,
        )
        self._script_threads: list[threading.Thread] = []
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._stop = threading.Event()
        self._stop_heartbeat = threading.Event()
        # run id -> what it is (for the stop's message) and the context of its scope (for the heartbeat)
        self._active: dict[str, tuple[str, ServiceContext]] = {}
        self._active_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._heartbeat_thread: threading.Thread | None = None

    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, name=f"glueprint-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
            t = threading.Thread(target=self._run_scripts, name=f"glueprint-script-{i}", daemon=True)
            t.start()
            self._script_threads.append(t)
        self._heartbeat_thread = threading.Thread(target=self._heartbeat, name="glueprint-heartbeat", daemon=True)
        self._heartbeat_thread.start()

    def stop(self) -> None:
        """Claim nothing more, end running scripts, let runs of other kinds finish (keeping
        their leases), then stop; at most drain_s."""
        self._stop.set()
        self.stopping.set()
        with self._wake:
            self._wake.notify_all()
        for _ in self._script_threads:
            self._scripts.put(None)
        with self._active_lock:
            waiting = sorted(what for what, _ in self._active.values())
        if waiting:
            log.warning("stopping: waiting for %s", "; ".join(waiting))
        deadline = time.monotonic() + self.drain_s
        for t in self._threads + self._script_threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(queue.Empty):
            while True:  # handed over by a worker after the script threads had ended
                if (item := self._scripts.get_nowait()) is not None:
                    engines, node, _ = item
                    engines.nodes.release(node["run_id"], self.identity)
        with self._active_lock:
            left = sorted(what for what, _ in self._active.values())
        if left:
            log.warning("stopped without waiting longer for %s", "; ".join(left))
        self._stop_heartbeat.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(timeout=5)
        self.layouts.stop()
        self.spark.stop()

    def wake(self) -> None:
        with self._wake:
            self._pending_wakes += 1
            self._wake.notify()

    def _wait_for_work(self) -> None:
        with self._wake:
            # _stop is checked under the lock stop() notifies with, so a stop is never missed.
            if self._pending_wakes == 0 and not self._stop.is_set():
                self._wake.wait(timeout=POLL_S)
            self._pending_wakes = max(0, self._pending_wakes - 1)

    def engines(self, ctx: ServiceContext) -> Engines:
        """The engines of ctx's scope, made the first time it has work."""
        scope = (ctx.account_id, ctx.region)
        found = self._engines.get(scope)
        if found is None:
            with self._engines_lock:
                found = self._engines.get(scope)
                if found is None:
                    found = Engines(
                        ctx, self.layouts, self.lease_s, self.modules, self._script_starter(ctx), self.stopping, self.spark
                    )
                    self._engines = {**self._engines, scope: found}
        return found

    def _scopes(self) -> list[ServiceContext]:
        return self.ctx.scopes.known() if self.ctx.scopes is not None else [self.ctx]

    def run_once(self) -> bool:
        """Do one piece of work, in the first scope from this turn's on that has some; False
        when no scope had any."""
        scopes = self._scopes()
        start, self._next_scope = self._next_scope % len(scopes), self._next_scope + 1
        return any(self._run_once_in(self.engines(ctx)) for ctx in scopes[start:] + scopes[:start])

    def _claim(self, ctx: ServiceContext):
        with ctx.db.write(durable=False) as conn:  # a claim undone by a power failure is taken again
            return run_store.claim(conn, self.identity, ctx.clock(), self.lease_s, skip_locked=not ctx.db.is_sqlite)

    def _run_once_in(self, engines: Engines) -> bool:
        """Do one piece of one scope's work; False when there was nothing to do. Short work
        goes first (blueprint checks, due schedules), then job runs and crawls, then blueprint runs."""
        ctx, nodes, executor = engines.ctx, engines.nodes, engines.executor
        waiting = work.waiting(ctx.db, ctx.clock())  # one read, no lock, when idle
        if waiting.checks and engines.registrar.check_once(self.identity):
            return True
        if waiting.schedules and (
            scheduler.fire_one(ctx, nodes.conductor) or scheduler.fire_one(ctx, nodes.conductor, crawler_schedules.fire_due)
        ):
            return True
        node = nodes.claim(self.identity) if waiting.nodes else None
        if node is not None:
            with self._holding(ctx, node["run_id"], f"{node['kind']} {node['name']} run {node['run_id']}"):
                try:
                    nodes.step(node, self.identity)
                except StorageFull as exc:
                    self._end_out_of_space(nodes, node, exc)
            return True
        run = self._claim(ctx) if waiting.runs else None
        if run is None:
            return False
        with self._holding(ctx, run["run_id"], f"blueprint {run['blueprint_name']} run {run['run_id']}"):
            previous = run["claimed_by"]
            try:
                if previous is not None or run["state"] == "ROLLING_BACK":
                    executor.fail(run, self.identity, run["error_message"] or lost_worker_message(previous))
                else:
                    executor.execute(run, self.identity)
            except StorageFull as exc:
                message = out_of_space_message(exc)
                self._once_written(lambda: executor.fail(run, self.identity, message))
        return True

    def _end_out_of_space(self, nodes: NodeRunner, node: dict, exc: StorageFull) -> None:
        ended, message = ("ERROR" if node["kind"] == "job" else "FAILED"), out_of_space_message(exc)
        self._once_written(lambda: nodes.finish(node, self.identity, ended, message))

    def _once_written(self, record) -> None:
        """Record how a run ended as soon as the database has room again, holding its claim
        meanwhile: left to its lease, it would end as if its worker had been lost."""
        while True:
            try:
                record()
                return
            except StorageFull:
                if self._stop.wait(1.0):
                    return

    @contextlib.contextmanager
    def _holding(self, ctx: ServiceContext, run_id: str, what: str):
        """While a claimed run is worked on, the heartbeat renews its lease (in its scope's database)."""
        held = (what, ctx)
        with self._active_lock:
            self._active[run_id] = held
        try:
            yield
        finally:
            with self._active_lock:
                if self._active.get(run_id) is held:  # not when a script thread took it over
                    del self._active[run_id]

    def _script_starter(self, ctx: ServiceContext):
        def start_script(node: dict, work) -> None:
            """Hand a claimed job run to the script threads; its lease is kept until it ends."""
            with self._active_lock:
                self._active[node["run_id"]] = (f"job {node['name']} run {node['run_id']}", ctx)
            self._scripts.put((self.engines(ctx), node, work))

        return start_script

    def _run_scripts(self) -> None:
        while (item := self._scripts.get()) is not None:
            engines, node, work = item
            try:
                if self._stop.is_set():
                    engines.nodes.release(node["run_id"], self.identity)  # never started: another process may
                else:
                    work()
            except StorageFull as exc:  # the script ended, and the database had no room to say how
                self._end_out_of_space(engines.nodes, node, exc)
            except Exception:
                log.exception("job run %s could not be executed", node["run_id"])
            finally:
                with self._active_lock:
                    self._active.pop(node["run_id"], None)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.run_once():
                    self._wait_for_work()
            except StorageFull:  # said once a minute by the store; nothing to add per loop
                self._stop.wait(POLL_S)
            except Exception:
                log.exception("worker loop error; retrying")
                self._stop.wait(POLL_S)

    def _heartbeat(self) -> None:
        while not self._stop_heartbeat.wait(self.lease_s / 3):
            by_scope: dict[int, tuple[ServiceContext, list[str]]] = {}
            with self._active_lock:
                for run_id, (_, ctx) in self._active.items():
                    by_scope.setdefault(id(ctx), (ctx, []))[1].append(run_id)
            for ctx, active in by_scope.values():
                try:
                    with ctx.db.write(durable=False) as conn:
                        run_store.heartbeat(conn, self.identity, active, ctx.clock() + self.lease_s)
                        node_store.heartbeat(conn, self.identity, active, ctx.clock() + self.lease_s)
                except StorageFull:
                    pass  # said by the store; the claims are renewed once there is room
                except Exception:
                    log.exception("heartbeat failed")
