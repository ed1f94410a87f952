"""Many processes on one PostgreSQL: two API servers, three workers, every run executed once."""

import json

import pytest

from conftest import ROLE, Databases, all_pages, all_runs_finished, create_blueprint
from servers import glue_client, glueprint_server, glueprint_worker
from test_runs import layout_archive

RUNS = 300
# Each execution leaves a table named after its run's token, so executions can be counted.
COUNTING_LAYOUT = """
import uuid
import boto3
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job

def generate_layout(user_params, system_params):
    glue = boto3.Session(region_name=system_params["region"]).client("glue")
    token = user_params["Token"]
    glue.create_table(DatabaseName="executions", TableInput={"Name": f"{token}_{uuid.uuid4().hex}"})
    job = Job(Name=token + "_job", Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"})
    return Workflow(Name=token, Entities=Entities(Jobs=[job]))
"""


@pytest.fixture(scope="module")
def postgres(tmp_session):
    dbs = Databases("postgresql", tmp_session)
    yield dbs
    dbs.drop_all()


def test_two_apis_and_three_workers_execute_every_run_exactly_once(postgres, s3, upload, tmp_session):
    db_url = postgres.new()
    apis = [glueprint_server(db_url, tmp_session, "--workers", "0", "--s3-endpoint-url", s3.url).start() for _ in range(2)]
    workers = [
        glueprint_worker(db_url, tmp_session, apis[i % 2].url, "--threads", "2", "--s3-endpoint-url", s3.url).start()
        for i in range(3)
    ]
    try:
        clients = [glue_client(api.url) for api in apis]
        create_blueprint(
            clients[0], Name="counting", BlueprintLocation=upload(layout_archive(COUNTING_LAYOUT, {"Token": {"type": "String"}}))
        )
        clients[1].create_database(DatabaseInput={"Name": "executions"})
        started = {}
        for i in range(RUNS):
            token = f"run{i:03d}"
            params = json.dumps({"Token": token})
            started[token] = clients[i % 2].start_blueprint_run(BlueprintName="counting", RoleArn=ROLE, Parameters=params)[
                "RunId"
            ]

        all_runs_finished(clients[0], "counting", timeout=600)  # generous: CI runs six suites on two cores
        views = [all_pages(c.get_blueprint_runs, "BlueprintRuns", BlueprintName="counting") for c in clients]
        assert views[0] == views[1]
        assert sorted(r["RunId"] for r in views[0]) == sorted(started.values())
        assert [r for r in views[0] if r["State"] != "SUCCEEDED"] == []

        tables = clients[1].get_paginator("get_tables").paginate(DatabaseName="executions").build_full_result()["TableList"]
        executions = {}
        for table in tables:
            token = table["Name"].split("_")[0]
            executions[token] = executions.get(token, 0) + 1
        assert executions == {token: 1 for token in started}
        assert {r["WorkflowName"] for r in views[0]} == set(started)
    finally:
        for process in workers + apis:
            process.stop()
