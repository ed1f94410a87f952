"""``glueprint demo``: a server on a temporary database, the example blueprints registered
from archives it serves itself, a few runs with progress, and where to look next."""

import json
import logging
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import boto3
import uvicorn
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from . import examples
from .app import create_app
from .config import Settings
from .packaging import zip_folder
from .waiting import RUN_ENDED, wait_for_blueprint

ROLE = "arn:aws:iam::123456789012:role/GlueprintDemo"
# What each example is run with, and why a run is meant to fail (None: it is meant to succeed).
RUNS = [
    (
        "crawl_chain",
        {"WorkflowName": "demo_crawl", "IAMRole": ROLE, "S3Paths": ["s3://lake/raw/", "s3://lake/clean/", "s3://lake/gold/"]},
        None,
    ),
    ("etl_schedule", {"WorkflowName": "demo_etl", "JobRole": "GlueJobs", "ScriptBucket": "demo-scripts"}, None),
    (
        "catalog_bootstrap",
        {"WorkflowName": "demo_catalog", "Role": ROLE, "DatabaseName": "demo_lake", "DataLocation": "s3://lake/raw/"},
        None,
    ),
    (
        "etl_schedule",
        {"WorkflowName": "demo_etl_2", "JobRole": "GlueJobs", "ScriptBucket": "demo-scripts", "WorkerType": "G.8X"},
        "a WorkerType the blueprint does not allow, to show how a failed run looks",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def run_demo(port: int | None, keep_serving: bool, console: Console) -> list[dict]:
    """The tour. Whatever way it ends (done, Ctrl-C, SIGTERM, an error), it leaves nothing
    behind: the server is stopped (its sandbox with it) and the temporary folder removed."""
    if threading.current_thread() is threading.main_thread():  # SIGTERM ends it as Ctrl-C does
        saved_handler = signal.signal(signal.SIGTERM, _interrupt)
    else:
        saved_handler = None
    # The tour reports every run itself: the server's warnings (a run failed) would only
    # repeat the failure that is meant, out of place.
    server_log = logging.getLogger("glueprint")
    saved_level = server_log.level
    server_log.setLevel(logging.ERROR)
    try:
        return _run(port, keep_serving, console)
    finally:
        server_log.setLevel(saved_level)
        if saved_handler is not None:
            signal.signal(signal.SIGTERM, saved_handler)


def _run(port: int | None, keep_serving: bool, console: Console) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="glueprint-demo-"))
    # Everything the server makes in temporary space (its sandbox's folder too) goes inside
    # work, so removing work removes it all, however the server thread ends.
    saved_tempdir, tempfile.tempdir = tempfile.tempdir, str(work)
    archives = work / "archives" / "examples"
    archives.mkdir(parents=True)
    for name in examples.names():
        (archives / f"{name}.zip").write_bytes(zip_folder(examples.path(name)))
    port = port or _free_port()
    # Its own S3 serves the archives folder, on a port of its own.
    sockets = [socket.create_server(("127.0.0.1", p)) for p in (port, 0)]
    settings = Settings(
        db_url=f"sqlite:///{work / 'demo.db'}",
        port=port,
        s3_port=sockets[1].getsockname()[1],
        archive_root=str(work / "archives"),
        simulated_seconds=0.2,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        return _tour(settings.endpoint_url, work, thread, keep_serving, console)
    except KeyboardInterrupt:
        return []
    finally:
        server.should_exit = True
        thread.join(30)
        for sock in sockets:
            sock.close()
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(work, ignore_errors=True)


def _run_workflow(glue, workflow: str, console: Console) -> None:
    """Start one created workflow and follow it to its end: its triggers fire, its jobs run."""
    run_id = glue.start_workflow_run(Name=workflow)["RunId"]
    deadline = time.monotonic() + 60
    while (run := glue.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"])["Status"] == "RUNNING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    job_runs = sorted(
        (job_run["StartedOn"], node["Name"], job_run["JobRunState"])
        for node in run["Graph"]["Nodes"]
        for job_run in (node.get("JobDetails") or {}).get("JobRuns", [])
    )
    console.print(f"workflow run of {workflow}: {run['Status']}; jobs in order: " + ", ".join(f"{n} {s}" for _, n, s in job_runs))


def _tour(url: str, work: Path, thread: threading.Thread, keep_serving: bool, console: Console) -> list[dict]:
    console.print(f"glueprint serving the AWS Glue API at {url} (temporary database in {work})")
    glue = boto3.session.Session().client(
        "glue", endpoint_url=url, region_name="us-east-1", aws_access_key_id="demo", aws_secret_access_key="demo"
    )
    for name in examples.names():
        glue.create_blueprint(Name=name, BlueprintLocation=f"s3://examples/{name}.zip")
        console.print(f"registered blueprint {name}: {wait_for_blueprint(glue, name)['Status']}")

    started = [
        (name, glue.start_blueprint_run(BlueprintName=name, RoleArn=ROLE, Parameters=json.dumps(params))["RunId"])
        for name, params, _ in RUNS
    ]
    intended = {run_id: why for (_, run_id), (_, _, why) in zip(started, RUNS, strict=True)}
    results: dict[str, dict] = {}
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("running blueprints", total=len(started))
        while len(results) < len(started):
            for name, run_id in started:
                if run_id not in results:
                    run = glue.get_blueprint_run(BlueprintName=name, RunId=run_id)["BlueprintRun"]
                    if run["State"] in RUN_ENDED:
                        results[run_id] = run
                        progress.advance(task)
            time.sleep(0.05)

    table = Table(title="Blueprint runs")
    for column in ("blueprint", "run", "state", "workflow", "took"):
        table.add_column(column, no_wrap=True)
    for _, run_id in started:
        run = results[run_id]
        took = (run["CompletedOn"] - run["StartedOn"]).total_seconds() * 1000
        state = run["State"] + (" (meant to)" if intended[run_id] and run["State"] == "FAILED" else "")
        table.add_row(run["BlueprintName"], run_id[:8], state, run.get("WorkflowName", ""), f"{took:.0f} ms")
    console.print(table)
    for _, run_id in started:
        if results[run_id].get("ErrorMessage"):
            why = intended[run_id]
            heading = f"run {run_id[:8]} failed as meant to ({why})" if why else f"run {run_id[:8]} failed"
            console.print(f"{heading}: {results[run_id]['ErrorMessage']}", soft_wrap=True)
    graph = glue.get_workflow(Name="demo_etl", IncludeGraph=True)["Workflow"]["Graph"]
    console.print(f"workflow demo_etl: {len(graph['Nodes'])} nodes, {len(graph['Edges'])} edges")
    _run_workflow(glue, "demo_etl", console)
    console.print(f"dashboard: {url}/ui")
    if keep_serving:
        console.print("serving until Ctrl-C")
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            pass
    return list(results.values())
