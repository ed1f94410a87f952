"""Creating, changing, tagging and deleting jobs, crawlers, triggers and workflows from the API."""

import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE

COMMAND = {"Name": "glueetl", "ScriptLocation": "s3://scripts/etl.py"}


def code_of(call, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"]


def test_create_job_fills_defaults_is_idempotent_and_refuses_a_different_definition(glue):
    name = f"job_{uuid.uuid4().hex[:8]}"
    assert glue.create_job(Name=name, Role=ROLE, Command=COMMAND)["Name"] == name
    assert glue.create_job(Name=name, Role=ROLE, Command=COMMAND)["Name"] == name
    assert code_of(glue.create_job, Name=name, Role=ROLE, Command=COMMAND, MaxRetries=3) == "IdempotentParameterMismatchException"
    job = glue.get_job(JobName=name)["Job"]
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1} and job["MaxRetries"] == 0 and "GlueVersion" in job

    glue.update_job(JobName=name, JobUpdate={"Role": ROLE, "Command": COMMAND, "MaxRetries": 2})
    assert glue.get_job(JobName=name)["Job"]["MaxRetries"] == 2
    assert (
        code_of(glue.update_job, JobName="missing_job", JobUpdate={"Role": ROLE, "Command": COMMAND}) == "EntityNotFoundException"
    )
    glue.delete_job(JobName=name)
    assert code_of(glue.get_job, JobName=name) == "EntityNotFoundException"


def test_crawlers_are_created_once_and_updated_with_a_new_version(glue):
    name = f"crawler_{uuid.uuid4().hex[:8]}"
    glue.create_crawler(Name=name, Role=ROLE, DatabaseName="db", Targets={"S3Targets": [{"Path": "s3://b/p"}]})
    assert code_of(glue.create_crawler, Name=name, Role=ROLE, DatabaseName="db", Targets={}) == "AlreadyExistsException"
    glue.update_crawler(Name=name, TablePrefix="raw_")
    crawler = glue.get_crawler(Name=name)["Crawler"]
    assert crawler["TablePrefix"] == "raw_" and crawler["Version"] == 2 and crawler["State"] == "READY"
    assert code_of(glue.update_crawler, Name="missing_crawler", TablePrefix="x") == "EntityNotFoundException"


def test_triggers_start_stop_update_and_check_what_they_name(glue):
    job = f"job_{uuid.uuid4().hex[:8]}"
    glue.create_job(Name=job, Role=ROLE, Command=COMMAND)
    name = f"nightly_{uuid.uuid4().hex[:8]}"
    glue.create_trigger(Name=name, Type="SCHEDULED", Schedule="cron(0 2 * * ? *)", Actions=[{"JobName": job}])
    assert glue.get_trigger(Name=name)["Trigger"]["State"] == "CREATED"
    glue.start_trigger(Name=name)
    assert glue.get_trigger(Name=name)["Trigger"]["State"] == "ACTIVATED"
    glue.stop_trigger(Name=name)
    assert glue.get_trigger(Name=name)["Trigger"]["State"] == "DEACTIVATED"
    updated = glue.update_trigger(Name=name, TriggerUpdate={"Schedule": "cron(0 3 * * ? *)"})["Trigger"]
    assert updated["Schedule"] == "cron(0 3 * * ? *)" and updated["State"] == "DEACTIVATED"

    bad = code_of(glue.update_trigger, Name=name, TriggerUpdate={"Schedule": "cron(0 3 * * * *)"})
    assert bad == "InvalidInputException"
    missing = code_of(
        glue.create_trigger, Name=f"t_{uuid.uuid4().hex[:8]}", Type="ON_DEMAND", Actions=[{"JobName": "no_such_job"}]
    )
    assert missing == "EntityNotFoundException"
    assert (
        code_of(glue.create_trigger, Name=name, Type="ON_DEMAND", Actions=[{"JobName": job}])
        == "IdempotentParameterMismatchException"
    )


def test_a_workflow_has_one_starting_trigger(glue):
    workflow, job = f"wf_{uuid.uuid4().hex[:8]}", f"job_{uuid.uuid4().hex[:8]}"
    glue.create_workflow(Name=workflow, Description="first")
    assert code_of(glue.create_workflow, Name=workflow) == "AlreadyExistsException"
    glue.update_workflow(Name=workflow, Description="second", MaxConcurrentRuns=2)
    assert glue.get_workflow(Name=workflow)["Workflow"]["MaxConcurrentRuns"] == 2
    glue.create_job(Name=job, Role=ROLE, Command=COMMAND)
    glue.create_trigger(Name=f"{workflow}_a", WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": job}])
    second = code_of(
        glue.create_trigger, Name=f"{workflow}_b", WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": job}]
    )
    assert second == "InvalidInputException"
    no_workflow = code_of(
        glue.create_trigger, Name=f"{workflow}_c", WorkflowName="no_such_wf", Type="ON_DEMAND", Actions=[{"JobName": job}]
    )
    assert no_workflow == "EntityNotFoundException"


def test_tags_are_added_read_and_removed_by_arn(glue):
    job = f"job_{uuid.uuid4().hex[:8]}"
    glue.create_job(Name=job, Role=ROLE, Command=COMMAND, Tags={"team": "data"})
    arn = f"arn:aws:glue:us-east-1:123456789012:job/{job}"
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"env": "dev"})
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "data", "env": "dev"}
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["team"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"env": "dev"}
    assert glue.list_jobs(Tags={"env": "dev"})["JobNames"].count(job) == 1
    missing = code_of(glue.get_tags, ResourceArn="arn:aws:glue:us-east-1:123456789012:job/no_such_job")
    assert missing == "EntityNotFoundException"
    assert code_of(glue.get_tags, ResourceArn="arn:aws:s3:::bucket") == "ValidationException"  # the model's ARN pattern
