"""Resetting a server between test runs, as moto's reset does: ``glueprint reset``,
``POST /_glueprint/reset``, ``LocalServer.reset()`` and ``mock_glue.reset()``."""

import subprocess
import sys
import time

import boto3

from glueprint.testing import LocalServer, mock_glue

from conftest import ROLE, snapshot, zip_files
from servers import HTTP, glue_client, logs_client

BLUEPRINT = zip_files(
    {
        "bp/blueprint.cfg": '{"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": {}}',
        "bp/layout.py": "from awsglue.blueprint.workflow import Workflow, Entities\n"
        "def generate_layout(user_params, system_params):\n"
        "    return Workflow(Name='w', Entities=Entities(Jobs=[], Crawlers=[]))\n",
    }
)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glueprint", *args], capture_output=True, text=True, timeout=60)


def test_glueprint_reset_empties_every_table_and_the_server_goes_on(start_server, upload):
    server = start_server("--simulated-seconds", "0")
    glue, logs = glue_client(server.url), logs_client(server.url)
    glue.create_blueprint(Name="bp", BlueprintLocation=upload(BLUEPRINT))
    glue.create_database(DatabaseInput={"Name": "lake"})
    glue.create_job(Name="etl", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://blueprints/none.py"})
    run_id = glue.start_job_run(JobName="etl")["JobRunId"]
    while glue.get_job_run(JobName="etl", RunId=run_id)["JobRun"]["JobRunState"] != "SUCCEEDED":
        time.sleep(0.05)
    assert any(snapshot(server).values())

    result = cli("reset", "--endpoint-url", server.url)
    assert result.returncode == 0, result.stderr
    assert "reset" in result.stdout
    assert not any(snapshot(server).values())
    assert glue.list_blueprints()["Blueprints"] == [] and glue.get_databases()["DatabaseList"] == []
    assert logs.describe_log_groups()["logGroups"] == []
    glue.create_job(Name="etl", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://blueprints/none.py"})
    assert glue.get_job(JobName="etl")["Job"]["Name"] == "etl"


def test_reset_of_a_server_that_is_not_there_says_so():
    result = cli("reset", "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "cannot reach http://127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr


def test_the_pytest_plugins_server_resets(tmp_path):
    server = LocalServer(tmp_path).start()
    try:
        glue = server.client()
        glue.create_database(DatabaseInput={"Name": "lake"})
        server.reset()
        assert glue.get_databases()["DatabaseList"] == []
    finally:
        server.stop()


def test_the_in_process_mock_resets():
    with mock_glue() as mock:
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_database(DatabaseInput={"Name": "lake"})
        mock.reset()
        assert glue.get_databases()["DatabaseList"] == []


def test_reset_is_a_post(start_server):
    server = start_server("--workers", "0")
    assert HTTP.get(server.url + "/_glueprint/reset").status_code == 405
