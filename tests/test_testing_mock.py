"""glueprint.testing.mock_glue: in-process Glue for pytest, alone and beside moto's mock_aws.

The first test is the example the README shows; keep them the same.
"""

import io
import json
import time
import zipfile

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from glueprint.testing import mock_glue
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

LAYOUT = """
import boto3
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.crawler import Crawler

def generate_layout(user_params, system_params):
    boto3.client("s3", region_name=system_params["region"]).head_bucket(Bucket="lake")
    glue = boto3.client("glue", region_name=system_params["region"])
    glue.create_database(DatabaseInput={"Name": user_params["Database"]})
    crawler = Crawler(Name=user_params["Database"] + "_crawler", Role="r", DatabaseName=user_params["Database"],
                      Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]})
    return Workflow(Name=user_params["Database"] + "_flow", Entities=Entities(Jobs=[], Crawlers=[crawler]))
"""


def blueprint_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "lake/blueprint.cfg",
            json.dumps({"layoutGenerator": "lake.layout.generate_layout", "parameterSpec": {"Database": {"type": "String"}}}),
        )
        zf.writestr("lake/layout.py", LAYOUT)
    return buf.getvalue()


@mock_aws
@mock_glue()
def test_blueprint_from_mocked_s3_creates_its_workflow():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="lake")
    s3.put_object(Bucket="lake", Key="blueprints/lake.zip", Body=blueprint_zip())

    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_blueprint(Name="lake", BlueprintLocation="s3://lake/blueprints/lake.zip")
    assert wait_for_blueprint(glue, "lake")["Status"] == "ACTIVE"  # checked after the call, as on AWS
    run_id = glue.start_blueprint_run(
        BlueprintName="lake", RoleArn="arn:aws:iam::123456789012:role/Glue", Parameters=json.dumps({"Database": "sales"})
    )["RunId"]

    run = wait_for_blueprint_run(glue, "lake", run_id)
    assert run["State"] == "SUCCEEDED", run
    assert glue.get_workflow(Name="sales_flow")["Workflow"]["BlueprintDetails"]["RunId"] == run_id
    (crawler,) = [n for n in glue.list_crawlers()["CrawlerNames"] if n.startswith("sales_crawler_")]
    assert glue.get_crawler(Name=crawler)["Crawler"]["DatabaseName"] == "sales"
    assert glue.get_database(Name="sales")["Database"]["Name"] == "sales"


def test_context_manager_uses_an_archive_folder_and_starts_empty_each_time(tmp_path):
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "bp.zip").write_bytes(b"not a zip")
    with mock_glue(archive_root=str(tmp_path)):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_blueprint(Name="broken", BlueprintLocation="s3://bucket/bp.zip")
        assert wait_for_blueprint(glue, "broken")["Status"] == "FAILED"
    with mock_glue(archive_root=str(tmp_path)):
        assert boto3.client("glue", region_name="us-east-1").list_blueprints()["Blueprints"] == []


def test_errors_are_the_service_errors():
    with mock_glue():
        glue = boto3.client("glue", region_name="us-east-1")
        with pytest.raises(glue.exceptions.EntityNotFoundException):
            glue.get_blueprint(Name="missing")


def test_nothing_is_routed_after_the_mock_stops():
    with mock_glue():
        pass
    glue = boto3.client(
        "glue", region_name="us-east-1", endpoint_url="http://127.0.0.1:9", aws_access_key_id="k", aws_secret_access_key="s"
    )
    with pytest.raises(EndpointConnectionError):
        glue.list_blueprints()


def test_a_job_scripts_output_is_read_from_the_mocks_logs(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "hello.py").write_text("print('hello from the mock')\n")
    with mock_glue(archive_root=str(tmp_path)):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_job(Name="hello", Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://scripts/hello.py"})
        run_id = glue.start_job_run(JobName="hello")["JobRunId"]
        while glue.get_job_run(JobName="hello", RunId=run_id)["JobRun"]["JobRunState"] in ("STARTING", "RUNNING"):
            time.sleep(0.05)
        logs = boto3.client("logs", region_name="us-east-1")
        events = logs.get_log_events(logGroupName="/aws-glue/python-jobs/output", logStreamName=run_id)["events"]
        assert [e["message"] for e in events] == ["hello from the mock"]
