"""AWS keeps every region's resources apart, and every account's: a request is served in its
SigV4 credential scope's region and in its access key's account (a 12-digit key is the
account id itself, LocalStack's convention), and so are the runs it starts."""

import json
import time
import uuid

import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sqlalchemy import text

from glueprint.packaging import zip_folder
from glueprint.store.db import Database
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

from conftest import BUCKET, ROLE, migrate_to
from servers import _SESSION, _SESSION_LOCK, glueprint_worker, s3_client

OTHER_ACCOUNT = "111122223333"


def client(server, region: str = "us-east-1", key: str = "testing", service: str = "glue"):
    with _SESSION_LOCK:
        return _SESSION.client(
            service,
            endpoint_url=server.url,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"]


def shell_job(glue, name: str, script: str) -> None:
    glue.create_job(Name=name, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"})


def wait_job_run(glue, job: str, run_id: str) -> dict:
    deadline = time.monotonic() + 120
    while (run := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] in ("STARTING", "RUNNING"):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    return run


def test_same_named_job_workflow_and_table_in_two_regions_are_independent(server):
    east, west = client(server), client(server, "eu-west-1")
    job, workflow, database = unique("job"), unique("wf"), unique("db")
    for glue, where in ((east, "east"), (west, "west")):
        glue.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"}, Description=where)
        glue.create_workflow(Name=workflow, Description=where)
        glue.create_database(DatabaseInput={"Name": database})
        glue.create_table(DatabaseName=database, TableInput={"Name": "t", "Description": where})
    assert east.get_job(JobName=job)["Job"]["Description"] == "east"
    assert west.get_job(JobName=job)["Job"]["Description"] == "west"
    assert west.get_workflow(Name=workflow)["Workflow"]["Description"] == "west"
    assert west.get_table(DatabaseName=database, Name="t")["Table"]["Description"] == "west"
    east.delete_job(JobName=job)
    east.delete_database(Name=database)
    assert west.get_job(JobName=job)["Job"]["Description"] == "west"
    assert west.get_table(DatabaseName=database, Name="t")["Table"]["Description"] == "west"
    assert error_code(east.get_table, DatabaseName=database, Name="t") == "EntityNotFoundException"


def test_a_list_in_one_region_never_shows_another_regions_resources(server):
    east, west = client(server), client(server, "ap-southeast-2")
    job = unique("only_west")
    west.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
    for _ in range(2):  # the second answer may come from the response cache: never the other region's
        assert job in west.list_jobs(MaxResults=1000)["JobNames"]
        assert job not in east.list_jobs(MaxResults=1000)["JobNames"]
    assert error_code(east.get_job, JobName=job) == "EntityNotFoundException"


def test_a_twelve_digit_access_key_is_its_own_account(server):
    mine, theirs = client(server), client(server, key=OTHER_ACCOUNT)
    database = unique("acct")
    theirs.create_database(DatabaseInput={"Name": database})
    found = theirs.get_database(Name=database)["Database"]
    assert found["CatalogId"] == OTHER_ACCOUNT
    assert error_code(mine.get_database, Name=database) == "EntityNotFoundException"
    assert database not in [d["Name"] for d in mine.get_databases()["DatabaseList"]]


def test_a_next_token_from_one_region_is_rejected_in_another(server):
    east, west = client(server), client(server, "eu-west-1")
    prefix = unique("paged")
    for glue in (east, west):
        for i in range(2):
            glue.create_workflow(Name=f"{prefix}_{i}")
    token = east.list_workflows(MaxResults=1)["NextToken"]
    error = pytest.raises(ClientError, west.list_workflows, MaxResults=1, NextToken=token)
    assert error.value.response["Error"]["Code"] == "InvalidInputException"
    assert "NextToken" in error.value.response["Error"]["Message"]
    assert east.list_workflows(MaxResults=1, NextToken=token)["Workflows"]


def test_a_region_no_aws_partition_has_is_refused(server):
    assert error_code(client(server, "moon-base-1").list_jobs) == "InvalidSignatureException"


REGIONAL_LAYOUT = """
import boto3
from awsglue.blueprint.job import Job
from awsglue.blueprint.workflow import Entities, Workflow


def generate_layout(user_params, system_params):
    glue = boto3.client("glue")
    seen = f"seen_{system_params['region']}_{system_params['accountId']}_{glue.meta.region_name}"
    glue.create_database(DatabaseInput={"Name": seen.replace("-", "_")})
    job = Job(Name="regional", Role=user_params["Role"], Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[job]))
"""


@pytest.fixture(scope="module")
def regional_blueprint(tmp_path_factory, upload):
    folder = tmp_path_factory.mktemp("regional") / "regional"
    folder.mkdir()
    spec = {"WorkflowName": {"type": "String"}, "Role": {"type": "IAMRoleArn"}}
    (folder / "blueprint.cfg").write_text(
        json.dumps({"layoutGenerator": "regional.layout.generate_layout", "parameterSpec": spec})
    )
    (folder / "layout.py").write_text(REGIONAL_LAYOUT)
    return upload(zip_folder(folder))


def test_a_blueprint_run_in_eu_west_1_creates_its_entities_there_and_its_layout_sees_eu_west_1(server, regional_blueprint):
    east, west = client(server), client(server, "eu-west-1", OTHER_ACCOUNT)
    blueprint, workflow = unique("bp"), unique("wf")
    west.create_blueprint(Name=blueprint, BlueprintLocation=regional_blueprint)
    wait_for_blueprint(west, blueprint)
    assert error_code(east.get_blueprint, Name=blueprint) == "EntityNotFoundException"
    params = json.dumps({"WorkflowName": workflow, "Role": ROLE})
    run_id = west.start_blueprint_run(BlueprintName=blueprint, Parameters=params, RoleArn=ROLE)["RunId"]
    run = wait_for_blueprint_run(west, blueprint, run_id)
    assert run["State"] == "SUCCEEDED", run
    seen = f"seen_eu_west_1_{OTHER_ACCOUNT}_eu_west_1"
    assert west.get_database(Name=seen)["Database"]["CatalogId"] == OTHER_ACCOUNT
    assert west.get_workflow(Name=workflow)["Workflow"]["BlueprintDetails"]["RunId"] == run_id
    assert error_code(east.get_workflow, Name=workflow) == "EntityNotFoundException"
    assert error_code(east.get_database, Name=seen) == "EntityNotFoundException"
    assert error_code(client(server, "eu-west-1").get_workflow, Name=workflow) == "EntityNotFoundException"


CATALOGUING_SCRIPT = """
import os, sys, boto3
glue = boto3.client("glue")
name = sys.argv[sys.argv.index("--database") + 1]
glue.create_database(DatabaseInput={"Name": name, "Description": os.environ["AWS_REGION"]})
print("catalogued", name)
"""


def test_a_job_scripts_glue_calls_land_in_its_runs_region_and_account(server, upload):
    east, west = client(server), client(server, "eu-central-1", OTHER_ACCOUNT)
    job, database = unique("shell"), unique("from_script")
    shell_job(west, job, upload(CATALOGUING_SCRIPT.encode(), key=f"{uuid.uuid4().hex}/script.py"))
    run_id = west.start_job_run(JobName=job, Arguments={"--database": database})["JobRunId"]
    run = wait_job_run(west, job, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run
    assert west.get_database(Name=database)["Database"]["Description"] == "eu-central-1"
    assert error_code(east.get_database, Name=database) == "EntityNotFoundException"
    assert stream_names(client(server, "eu-central-1", OTHER_ACCOUNT, service="logs"), run_id) == [run_id]
    assert stream_names(client(server, service="logs"), run_id) == []


def stream_names(logs, prefix: str) -> list[str]:
    try:
        found = logs.describe_log_streams(logGroupName="/aws-glue/python-jobs/output", logStreamNamePrefix=prefix)
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [stream["logStreamName"] for stream in found["logStreams"]]


def test_an_upgraded_database_keeps_its_data_in_the_default_account_and_region(databases, start_server):
    url = databases.new(migrated=False)
    db = Database(url)
    with db.engine.begin() as conn:
        migrate_to(conn, "0012")
        doc = json.dumps({"Name": "legacy", "CreateTime": 1.0, "CatalogId": "123456789012", "Tags": {}})
        conn.execute(
            text("INSERT INTO entities (kind, scope, name, doc, created_on) VALUES ('database', '', 'legacy', :doc, 1.0)"),
            {"doc": doc},
        )
    db.dispose()
    server = start_server("--workers", "0", db_url=url)
    assert client(server).get_database(Name="legacy")["Database"]["Name"] == "legacy"
    assert error_code(client(server, "eu-west-1").get_database, Name="legacy") == "EntityNotFoundException"
    assert error_code(client(server, key=OTHER_ACCOUNT).get_database, Name="legacy") == "EntityNotFoundException"


def test_the_dashboard_shows_the_default_region_and_another_one_when_asked(server):
    workflow = unique("dash")
    client(server, "eu-north-1").create_workflow(Name=workflow)
    with httpx.Client(base_url=server.url) as browser:
        assert workflow not in browser.get("/ui/workflows").text
        shown = browser.get("/ui/workflows", params={"region": "eu-north-1"})
        assert workflow in shown.text and 'value="eu-north-1"' in shown.text
        assert workflow in browser.get("/ui/workflows").text  # the choice is kept while browsing on
        assert workflow not in browser.get("/ui/workflows", params={"region": "us-east-1"}).text
    never_used = httpx.get(server.url + "/ui/workflows", params={"account": "999999999999"})
    assert never_used.status_code == 404 and "Nothing was ever stored in account 999999999999" in never_used.text


def test_a_worker_process_of_its_own_does_the_work_of_every_region(start_server, s3, tmp_session, upload):
    server = start_server("--workers", "0")
    far = client(server, "sa-east-1", OTHER_ACCOUNT)
    job = unique("far")
    shell_job(far, job, upload(b"print('done far away')\n", key=f"{uuid.uuid4().hex}/script.py"))
    run_id = far.start_job_run(JobName=job)["JobRunId"]
    worker = glueprint_worker(server.db_url, tmp_session, server.url, "--s3-endpoint-url", s3.url).start()
    try:
        assert wait_job_run(far, job, run_id)["JobRunState"] == "SUCCEEDED"
    finally:
        worker.stop()


def test_a_crawl_in_a_region_writes_its_tables_in_that_region(server, s3):
    root = uuid.uuid4().hex
    s3_client(s3.url).put_object(Bucket=BUCKET, Key=f"{root}/sales/part-0.csv", Body=b"id,amount\n1,9.5\n2,3.25\n")
    east, west = client(server), client(server, "us-west-2", OTHER_ACCOUNT)
    crawler, database = unique("crawler"), unique("crawled")
    west.create_crawler(
        Name=crawler, Role=ROLE, DatabaseName=database, Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{root}/"}]}
    )
    west.start_crawler(Name=crawler)
    deadline = time.monotonic() + 120
    while (found := west.get_crawler(Name=crawler)["Crawler"])["State"] != "READY" or "LastCrawl" not in found:
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    assert found["LastCrawl"]["Status"] == "SUCCEEDED", found
    assert len(west.get_tables(DatabaseName=database)["TableList"]) == 1
    assert west.get_database(Name=database)["Database"]["CatalogId"] == OTHER_ACCOUNT
    assert error_code(east.get_tables, DatabaseName=database) == "EntityNotFoundException"
    assert error_code(east.get_crawler, Name=crawler) == "EntityNotFoundException"


def test_tags_by_arn_answer_only_in_the_arns_own_region_and_account(server):
    east, west = client(server), client(server, "eu-west-1")
    job = unique("tagged")
    west.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"}, Tags={"team": "west"})
    arn = f"arn:aws:glue:eu-west-1:123456789012:job/{job}"
    assert west.get_tags(ResourceArn=arn)["Tags"] == {"team": "west"}
    assert error_code(east.get_tags, ResourceArn=arn) == "EntityNotFoundException"
    assert error_code(east.tag_resource, ResourceArn=arn, TagsToAdd={"team": "east"}) == "EntityNotFoundException"
    assert error_code(client(server, "eu-west-1", OTHER_ACCOUNT).get_tags, ResourceArn=arn) == "EntityNotFoundException"
    assert west.get_tags(ResourceArn=arn)["Tags"] == {"team": "west"}
