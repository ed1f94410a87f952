"""Job scripts have capacity of their own and end when they must: sleeping scripts never keep
blueprints or other work waiting, deleting a job or its workflow ends its running script, and
a stop (SIGTERM, or Ctrl-C in a terminal) ends scripts at once while runs of other kinds
finish. The database plays no part: one SQLite server per test."""

import contextlib
import json
import os
import signal
import time
import uuid

import pytest

from conftest import ROLE, create_blueprint, start_and_wait
from servers import glue_client, glueprint_server
from test_runs import SIMPLE_LAYOUT, layout_archive

SLEEP_SCRIPT = b"import time\ntime.sleep(120)\n"
GOOD_SPEC = {"WorkflowName": {"type": "String"}}
ENDED = ("STOPPED", "SUCCEEDED", "FAILED", "ERROR", "TIMEOUT")


@pytest.fixture
def start(tmp_session, s3):
    started = []

    def start(*extra: str, db: str | None = None):
        db = db or f"sqlite:///{tmp_session}/scripts-{uuid.uuid4().hex[:8]}.db"
        server = glueprint_server(db, tmp_session, "--s3-endpoint-url", s3.url, "--run-timeout", "10", *extra)
        server.db = db
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


def sleeping_job(glue, upload, name: str) -> str:
    script = upload(SLEEP_SCRIPT, key=f"{uuid.uuid4().hex}/sleep.py")
    glue.create_job(Name=name, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script})
    return name


# Waits for what surely comes are generous: the CI runs six suites side by side on two cores.
def wait_job_run(glue, job: str, run_id: str, states, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while (run := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] not in states:
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    return run


def running_scripts(server) -> int:
    """Jailed processes running a run: the zygote's children whose working directory is an
    archive root (a jail waiting for its run is still at its root)."""
    running = 0
    for pid in [child for zygote in zygotes(server) for child in children(zygote)]:
        try:
            running += os.readlink(f"/proc/{pid}/cwd") == "/tmp/blueprint"
        except FileNotFoundError:
            pass  # ended meanwhile
    return running


def zygotes(server) -> list[int]:
    """The server's zygote, once a run has started it."""
    return [pid for pid in children(server.proc.pid) if b"sandbox.zygote" in open(f"/proc/{pid}/cmdline", "rb").read()]


def children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError):
            found += [int(child) for child in open(f"/proc/{pid}/task/{task}/children").read().split()]
    return found


def wait_scripts(server, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while (running := running_scripts(server)) != count:
        assert time.monotonic() < deadline, running
        time.sleep(0.1)


def test_sleeping_scripts_hold_no_worker_and_deleting_their_job_or_workflow_ends_them(start, upload, name):
    server = start("--workers", "2")
    glue = glue_client(server.url)
    first, second = sleeping_job(glue, upload, name + "a"), sleeping_job(glue, upload, name + "b")
    glue.create_workflow(Name=name)
    glue.create_trigger(Name=name + "start", WorkflowName=name, Type="ON_DEMAND", Actions=[{"JobName": second}])
    first_run = glue.start_job_run(JobName=first)["JobRunId"]
    glue.start_workflow_run(Name=name)
    wait_job_run(glue, first, first_run, ("RUNNING",))
    deadline = time.monotonic() + 120
    while not (runs := glue.get_job_runs(JobName=second)["JobRuns"]) or runs[0]["JobRunState"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)

    # Both workers are free for blueprints while two scripts sleep (before: CREATING until the scripts ended).
    blueprint = create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, GOOD_SPEC)))
    assert blueprint["Status"] == "ACTIVE"
    assert start_and_wait(glue, name, {"WorkflowName": name + "wf"})["State"] == "SUCCEEDED"
    assert [glue.get_job_runs(JobName=job)["JobRuns"][0]["JobRunState"] for job in (first, second)] == ["RUNNING"] * 2

    # A deleted job or workflow takes its runs with it; their scripts end (before: they slept on).
    wait_scripts(server, 2)
    glue.delete_job(JobName=first)
    wait_scripts(server, 1)
    glue.delete_workflow(Name=name)
    wait_scripts(server, 0)
    assert glue.get_job_runs(JobName=second)["JobRuns"] == []


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_ends_running_scripts_at_once_and_lets_a_layout_finish(start, upload, name, how):
    # SIGINT goes to the whole process group, as a terminal's Ctrl-C does.
    server = start()
    glue = glue_client(server.url)
    job = sleeping_job(glue, upload, name)
    # the layout says it runs (it makes a database of its workflow's name), then runs 3 s more
    slow_layout = SIMPLE_LAYOUT.replace(
        "def generate_layout(user_params, system_params):",
        "def generate_layout(user_params, system_params):\n"
        "    __import__('boto3').client('glue').create_database(DatabaseInput={'Name': user_params['WorkflowName']})\n"
        "    __import__('time').sleep(3)",
    )
    assert "sleep(3)" in slow_layout
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(slow_layout, GOOD_SPEC)))
    job_run = glue.start_job_run(JobName=job)["JobRunId"]
    wait_job_run(glue, job, job_run, ("RUNNING",))
    blueprint_run = glue.start_blueprint_run(BlueprintName=name, RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": name}))
    deadline = time.monotonic() + 60
    while name not in [d["Name"] for d in glue.get_databases()["DatabaseList"]]:  # the layout is running
        assert time.monotonic() < deadline
        time.sleep(0.05)
    began = time.monotonic()
    if how == signal.SIGINT:
        os.killpg(server.proc.pid, signal.SIGINT)
    else:
        server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=120) == 0
    took = time.monotonic() - began
    log = server.log.read_text()
    assert "KeyboardInterrupt" not in log and "Traceback" not in log, log
    assert "waiting for" in log and f"job {job} run {job_run}" in log, log

    server.start()
    ended = glue.get_job_run(JobName=job, RunId=job_run)["JobRun"]
    assert ended["JobRunState"] == "ERROR" and "glueprint was stopped while this run was running" in ended["ErrorMessage"]
    run = glue.get_blueprint_run(BlueprintName=name, RunId=blueprint_run["RunId"])["BlueprintRun"]
    assert run["State"] == "SUCCEEDED", (run.get("ErrorMessage"), log)  # before: FAILED, "The layout sandbox went away"
    # a script left running would hold the stop for the whole drain (run timeout + 10 s = 20 s)
    assert took < 18


def test_a_job_run_whose_sandbox_died_says_so_in_a_job_runs_words(start, upload, name):
    server = start()
    glue = glue_client(server.url)
    job = sleeping_job(glue, upload, name)
    job_run = glue.start_job_run(JobName=job)["JobRunId"]
    wait_job_run(glue, job, job_run, ("RUNNING",))
    wait_scripts(server, 1)
    (zygote,) = zygotes(server)
    os.kill(zygote, signal.SIGKILL)
    ended = wait_job_run(glue, job, job_run, ENDED)
    assert ended["JobRunState"] == "FAILED", ended
    assert ended["ErrorMessage"] == "The sandbox went away while running the job script", ended  # before: "...the layout"
