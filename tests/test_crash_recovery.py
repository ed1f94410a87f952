"""kill -9 with runs in flight: nothing acknowledged is lost and no run stays RUNNING."""

import json
import time

from botocore.exceptions import ClientError
from sqlalchemy import update

from glueprint.store.db import Database
from glueprint.store.schema import blueprints
from glueprint.waiting import wait_for_blueprint

from conftest import ROLE, all_pages, all_runs_finished, create_blueprint
from servers import glue_client, glueprint_worker, stop_all
from test_runs import layout_archive

IN_FLIGHT = 100
SLOW_LAYOUT = """
import time
import boto3
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job

def generate_layout(user_params, system_params):
    name = user_params["WorkflowName"]
    if name.startswith("held"):  # says it is executing, then executes long enough for the test to kill it
        boto3.client("glue").create_database(DatabaseInput={"Name": name})
        time.sleep(8)
    time.sleep(0.1)
    jobs = [Job(Name=f"{name}_{i}", Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"}) for i in range(3)]
    return Workflow(Name=name, Entities=Entities(Jobs=jobs))
"""


def exists(call, **kwargs) -> bool:
    try:
        call(**kwargs)
        return True
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "EntityNotFoundException"
        return False


def test_killed_server_loses_nothing_and_leaves_no_run_running(start_server, upload):
    server = start_server("--lease-seconds", "2", "--workers", "2")
    glue = glue_client(server.url)
    create_blueprint(
        glue, Name="slow", BlueprintLocation=upload(layout_archive(SLOW_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    acknowledged = {}
    for i in range(IN_FLIGHT):
        name = "held005" if i == 5 else f"crash{i:03d}"
        params = json.dumps({"WorkflowName": name})
        acknowledged[glue.start_blueprint_run(BlueprintName="slow", RoleArn=ROLE, Parameters=params)["RunId"]] = name
    # Kill once runs have finished and a held run is executing (for 8 s): it must end FAILED, rolled back.
    while not any(
        r["State"] == "SUCCEEDED" for r in glue.get_blueprint_runs(BlueprintName="slow", MaxResults=1000)["BlueprintRuns"]
    ) or not (held := [d["Name"] for d in glue.get_databases()["DatabaseList"] if d["Name"].startswith("held")]):
        time.sleep(0.05)
    server.kill()

    server.start()
    glue = glue_client(server.url)
    runs = all_runs_finished(glue, "slow", timeout=300)
    assert glue.get_blueprint(Name="slow")["Blueprint"]["Status"] == "ACTIVE"
    assert {r["RunId"] for r in runs} == set(acknowledged)
    stuck = [r for r in runs if r["State"] not in ("SUCCEEDED", "FAILED")]
    assert stuck == []
    failed = [r for r in runs if r["State"] == "FAILED"]
    assert set(held) <= {acknowledged[r["RunId"]] for r in failed}
    assert len(failed) <= 2  # the runs the two worker threads were executing when killed
    for run in failed:
        assert "was lost before the run finished" in run["ErrorMessage"]
        workflow = acknowledged[run["RunId"]]
        assert not exists(glue.get_workflow, Name=workflow)
        assert [n for n in all_pages(glue.list_jobs, "JobNames") if n.startswith(f"{workflow}_")] == []
    for run in runs:
        if run["State"] == "SUCCEEDED":
            assert run["WorkflowName"] == acknowledged[run["RunId"]]


def test_killed_worker_process_is_replaced_and_its_runs_end_cleanly(start_server, upload, s3, tmp_session):
    api = start_server("--workers", "0", "--lease-seconds", "2")
    glue = glue_client(api.url)
    glue.create_blueprint(
        Name="slow", BlueprintLocation=upload(layout_archive(SLOW_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    worker = glueprint_worker(api.db_url, tmp_session, api.url, "--lease-seconds", "2", "--s3-endpoint-url", s3.url).start()
    wait_for_blueprint(glue, "slow")
    acknowledged = {
        glue.start_blueprint_run(BlueprintName="slow", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": f"w{i:02d}"}))[
            "RunId"
        ]: f"w{i:02d}"
        for i in range(30)
    }
    while not any(r["State"] == "SUCCEEDED" for r in glue.get_blueprint_runs(BlueprintName="slow")["BlueprintRuns"]):
        time.sleep(0.05)
    worker.kill()
    replacement = glueprint_worker(api.db_url, tmp_session, api.url, "--lease-seconds", "2", "--s3-endpoint-url", s3.url).start()
    try:
        runs = all_runs_finished(glue, "slow", timeout=300)
    finally:
        replacement.stop()
    assert {r["RunId"] for r in runs} == set(acknowledged)
    assert [r for r in runs if r["State"] not in ("SUCCEEDED", "FAILED")] == []
    for run in runs:
        if run["State"] == "FAILED":
            assert "was lost before the run finished" in run["ErrorMessage"]
            assert not exists(glue.get_workflow, Name=acknowledged[run["RunId"]])
        else:
            assert exists(glue.get_workflow, Name=acknowledged[run["RunId"]])


def test_sigterm_lets_runs_in_progress_finish(start_server, upload):
    server = start_server("--workers", "1")
    glue = glue_client(server.url)
    create_blueprint(
        glue, Name="drain", BlueprintLocation=upload(layout_archive(SLOW_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    # a held run: it sleeps 8 s (longer than any fixed grace period) once it says it executes
    run_id = glue.start_blueprint_run(
        BlueprintName="drain", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": "held_drained"})
    )["RunId"]
    deadline = time.monotonic() + 60
    while not exists(glue.get_database, Name="held_drained"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stop_all([server], timeout=120)  # SIGTERM, then kill -9 only if the drain hangs
    assert server.proc.returncode == 0
    server.start()
    run = glue_client(server.url).get_blueprint_run(BlueprintName="drain", RunId=run_id)["BlueprintRun"]
    assert run["State"] == "SUCCEEDED", run


def test_a_blueprint_check_whose_worker_was_lost_is_taken_up_again(start_server, upload, s3, tmp_session, example):
    api = start_server("--workers", "0", "--lease-seconds", "2")
    glue = glue_client(api.url)
    glue.create_blueprint(Name="orphan", BlueprintLocation=example("crawl_chain"))
    # A worker claimed the check and died: its lease runs out, then another worker checks it.
    lease_until = time.time() + 3
    db = Database(api.db_url)
    with db.write() as conn:
        conn.execute(update(blueprints).where(blueprints.c.name == "orphan").values(claimed_by="lost", lease_until=lease_until))
    db.dispose()
    worker = glueprint_worker(api.db_url, tmp_session, api.url, "--lease-seconds", "2", "--s3-endpoint-url", s3.url).start()
    try:
        assert wait_for_blueprint(glue, "orphan", timeout=120)["Status"] == "ACTIVE"
        assert time.time() >= lease_until  # not before the lost worker's lease ran out
    finally:
        worker.stop()
