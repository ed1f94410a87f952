"""The awsglue.blueprint classes layout scripts build workflows with."""

import pytest

from awsglue.blueprint.base_resource import BaseResource
from awsglue.blueprint.crawler import Crawler
from awsglue.blueprint.job import Job
from awsglue.blueprint.workflow import Entities, Workflow

COMMAND = {"Name": "glueetl", "ScriptLocation": "s3://b/s.py"}


def test_star_import_of_workflow_exposes_job_and_crawler():
    namespace = {}
    exec("from awsglue.blueprint.workflow import *", namespace)
    assert {"Workflow", "Entities", "Job", "Crawler"} <= set(namespace)


def test_unknown_and_none_keywords_are_ignored():
    job = Job(Name="j", Role="r", Command=COMMAND, Color="blue", LogUri=None)
    assert job.to_json() == {"Name": "j", "Role": "r", "Command": COMMAND}
    assert job.LogUri is None


def test_wrong_type_raises_type_error_naming_the_key():
    with pytest.raises(TypeError, match="Job.MaxRetries must be int, got str"):
        Job(Name="j", MaxRetries="3")
    with pytest.raises(TypeError, match="Job.MaxRetries must be int, got bool"):
        Job(Name="j", MaxRetries=True)
    with pytest.raises(TypeError, match="WorkerType must be one of"):
        Job(Name="j", WorkerType="G.8X")


def test_lower_case_description_sets_description():
    assert Job(Name="j", description="d").Description == "d"


def test_validate_lists_missing_required_fields():
    with pytest.raises(TypeError, match="Crawler is missing required fields: Role, Targets"):
        Crawler(Name="c").validate()
    with pytest.raises(TypeError, match="Command.Name must be one of"):
        Job(Name="j", Role="r", Command={"Name": "spark", "ScriptLocation": "s3://x"}).validate()
    with pytest.raises(TypeError, match="S3Targets entry is missing Path"):
        Crawler(Name="c", Role="r", Targets={"S3Targets": [{}]}).validate()


def test_entities_are_hashable_by_identity_for_depends_on():
    a = Job(Name="same", Role="r", Command=COMMAND)
    b = Job(Name="same", Role="r", Command=COMMAND)
    assert a != b and len({a: 1, b: 2}) == 2
    c = Crawler(Name="c", Role="r", Targets={"S3Targets": [{"Path": "s3://x"}]}, DependsOn={a: "SUCCEEDED"})
    assert c.to_json()["DependsOn"] == {"same": "SUCCEEDED"}


def test_workflow_validates_its_entities():
    workflow = Workflow(Name="w", Entities=Entities(Jobs=[Job(Name="j")]))
    with pytest.raises(TypeError, match="Job is missing required fields"):
        workflow.validate()
    with pytest.raises(TypeError, match="Entities.Jobs must hold Job objects"):
        Workflow(Name="w", Entities=Entities(Jobs=["j"])).validate()


def test_every_resource_is_a_base_resource():
    assert all(issubclass(cls, BaseResource) for cls in (Job, Crawler, Workflow, Entities))
