"""A blueprint run creates its entities through CreateJob, CreateCrawler and CreateTrigger, so
what those refuse fails the run with the same message, and nothing of it remains (on both
backends). AWS's public sample layouts ask for nothing these rules refuse: they still run."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, start_and_wait
from test_runs import blueprint, entities_named  # noqa: F401  (blueprint is a fixture)

LAYOUT = """
import json
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job
from awsglue.blueprint.crawler import Crawler

def generate_layout(user_params, system_params):
    name, spec = user_params["WorkflowName"], json.loads(user_params["Spec"])
    crawler = Crawler(Name=f"{name}_crawl", Role="r", Targets={"S3Targets": [{"Path": "s3://lake/a/"}]}, **spec["crawler"])
    job = Job(Name=f"{name}_job", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"},
              DependsOn={crawler: "SUCCEEDED"}, **spec["job"])
    return Workflow(Name=name, Entities=Entities(Jobs=[job], Crawlers=[crawler]), OnSchedule=spec["schedule"])
"""
SPEC = {"WorkflowName": {"type": "String"}, "Spec": {"type": "String"}}
SPARK = {"Name": "glueetl", "ScriptLocation": "s3://b/s.py"}
TARGETS = {"S3Targets": [{"Path": "s3://lake/a/"}]}


def api_message(call, **kwargs) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    assert err.value.response["Error"]["Code"] == "InvalidInputException"
    return err.value.response["Error"]["Message"]


def create_job_message(glue, job: dict) -> str:
    return api_message(glue.create_job, Name=f"j_{uuid.uuid4().hex[:8]}", Role=ROLE, Command=SPARK, **job)


def create_crawler_message(glue, crawler: dict) -> str:
    return api_message(glue.create_crawler, Name=f"c_{uuid.uuid4().hex[:8]}", Role=ROLE, Targets=TARGETS, **crawler)


def create_trigger_message(glue, schedule: str) -> str:
    job = f"j_{uuid.uuid4().hex[:8]}"
    glue.create_job(Name=job, Role=ROLE, Command=SPARK)
    return api_message(
        glue.create_trigger, Name=f"t_{uuid.uuid4().hex[:8]}", Type="SCHEDULED", Schedule=schedule, Actions=[{"JobName": job}]
    )


CASES = {
    "max-capacity-with-worker-type": (
        {"job": {"MaxCapacity": 2.0, "WorkerType": "G.1X", "NumberOfWorkers": 2}},
        lambda glue: create_job_message(glue, {"MaxCapacity": 2.0, "WorkerType": "G.1X", "NumberOfWorkers": 2}),
    ),
    "timeout-over-7-days": ({"job": {"Timeout": 10081}}, lambda glue: create_job_message(glue, {"Timeout": 10081})),
    "too-few-workers": (
        {"job": {"WorkerType": "G.1X", "NumberOfWorkers": 1}},
        lambda glue: create_job_message(glue, {"WorkerType": "G.1X", "NumberOfWorkers": 1}),
    ),
    "table-prefix-over-64": (
        {"crawler": {"TablePrefix": "p" * 65}},
        lambda glue: create_crawler_message(glue, {"TablePrefix": "p" * 65}),
    ),
    "crawler-schedule-every-minute": (
        {"crawler": {"Schedule": "cron(* * * * ? *)"}},
        lambda glue: create_crawler_message(glue, {"Schedule": "cron(* * * * ? *)"}),
    ),
    "crawler-naming-no-classifier": (
        {"crawler": {"Classifiers": ["no_such_classifier"]}},
        lambda glue: create_crawler_message(glue, {"Classifiers": ["no_such_classifier"]}),
    ),
    "crawler-naming-no-security-configuration": (
        {"crawler": {"CrawlerSecurityConfiguration": "no_such_configuration"}},
        lambda glue: create_crawler_message(glue, {"CrawlerSecurityConfiguration": "no_such_configuration"}),
    ),
    "workflow-schedule-every-minute": (
        {"schedule": "cron(0/2 * * * ? *)"},
        lambda glue: create_trigger_message(glue, "cron(0/2 * * * ? *)"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_blueprint_run_fails_with_the_create_operations_error_and_leaves_nothing(glue, blueprint, name, case):  # noqa: F811
    layout_spec, api = CASES[case]
    registered = blueprint(LAYOUT, SPEC)
    spec = {"job": {}, "crawler": {}, "schedule": None, **layout_spec}
    run = start_and_wait(glue, registered, {"WorkflowName": name, "Spec": json.dumps(spec)})
    assert run["State"] == "FAILED", run
    assert run["ErrorMessage"] == api(glue)
    assert entities_named(glue, name) == {"workflows": [], "jobs": [], "crawlers": [], "triggers": []}


def test_a_blueprint_run_whose_entities_pass_the_rules_creates_them(glue, blueprint, name):  # noqa: F811
    spec = {
        "job": {"WorkerType": "G.2X", "NumberOfWorkers": 149, "Timeout": 10080},
        "crawler": {"TablePrefix": "p" * 64, "Schedule": "cron(0/5 * * * ? *)"},
        "schedule": "cron(15 0/1 * * ? *)",  # AWS's samples' "Hourly"
    }
    run = start_and_wait(glue, blueprint(LAYOUT, SPEC), {"WorkflowName": name, "Spec": json.dumps(spec)})
    assert run["State"] == "SUCCEEDED", run
    assert len(entities_named(glue, name)["jobs"]) == 1
