"""awsglue.blueprint behaves as AWS's layout library does, name for name: what a blueprint's
own unit test of its layout (``workflow.to_json()``) gets here is what it gets there."""

import pytest

from awsglue.blueprint.base_resource import BaseResource, ensure_type
from awsglue.blueprint.crawler import (
    CatalogTarget,
    Crawler,
    DeleteBehavior,
    DynamoDBTarget,
    JDBCTarget,
    S3Target,
    SchemaChangePolicy,
    Targets,
    UpdateBehavior,
)
from awsglue.blueprint.job import Command, CommandName, ExecutionProperty, Job, WorkerType
from awsglue.blueprint.workflow import Entities, Workflow

COMMAND = {"Name": "glueetl", "ScriptLocation": "s3://b/s.py"}
S3 = {"S3Targets": [{"Path": "s3://b/p/"}]}


def test_star_import_of_workflow_exposes_what_layouts_use():
    namespace = {}
    exec("from awsglue.blueprint.workflow import *", namespace)
    assert {"Workflow", "Entities", "Job", "Crawler", "BaseResource", "ensure_type"} <= set(namespace)


def test_enums_carry_the_api_values_and_answer_has_value():
    assert [c.value for c in CommandName] == ["glueetl", "pythonshell", "gluestreaming"]
    assert [w.value for w in WorkerType] == ["Standard", "G.1X", "G.2X"]
    assert [u.value for u in UpdateBehavior] == ["LOG", "UPDATE_IN_DATABASE"]
    assert [d.value for d in DeleteBehavior] == ["LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"]
    assert CommandName.has_value("pythonshell") and not CommandName.has_value("spark")
    assert WorkerType.has_value("G.1X") and not WorkerType.has_value("G.4X")


def test_ensure_type_returns_the_value_or_raises_the_librarys_text():
    assert ensure_type("K", None, dict) is None and ensure_type("K", {"a": 1}, dict) == {"a": 1}
    with pytest.raises(TypeError) as err:
        ensure_type("Connections", ["foo"], dict)
    assert str(err.value) == "Value ['foo'] for key Connections should be of type <class 'dict'>!"


def test_an_int_is_not_a_float_but_a_bool_is_an_int():
    with pytest.raises(TypeError, match=r"^Value 1 for key MaxCapacity should be of type <class 'float'>!$"):
        Job(Name="j", MaxCapacity=1)
    assert Job(Name="j", MaxCapacity=1.0).MaxCapacity == 1.0
    assert Job(Name="j", MaxRetries=True).MaxRetries is True


def test_falsy_values_are_dropped_unchecked_and_unknown_keywords_ignored():
    job = Job(Name="j", Role="r", Command=COMMAND, MaxRetries=0, LogUri="", Tags={}, Connections=None, Color="blue")
    assert job.to_json() == {"Name": "j", "Role": "r", "Command": COMMAND}
    assert Job(Name="j", MaxCapacity=0).to_json() == {"Name": "j"}  # 0 is dropped before any type check
    with pytest.raises(AttributeError):
        job.LogUri  # noqa: B018  (a dropped field is not an attribute, as in AWS's library)


def test_job_reads_its_description_from_the_lower_case_keyword_only():
    assert Job(Name="j", description="d").to_json() == {"Name": "j", "Description": "d"}
    assert Job(Name="j", Description="ignored").to_json() == {"Name": "j"}


def test_validate_returns_true_or_names_the_missing_fields():
    assert Job(Name="j", Role="r", Command=COMMAND).validate() is True
    with pytest.raises(TypeError) as err:
        Job(Name="j", Role="").validate()
    assert str(err.value) == "Required Fields for Job were missing: ['Role', 'Command']"
    with pytest.raises(TypeError, match=r"^Required Fields for Crawler were missing: \['Role', 'Targets'\]$"):
        Crawler(Name="c").validate()


@pytest.mark.parametrize(
    "job, message",
    [
        (Job(Name="j", Role="r", Command={"Name": "spark", "ScriptLocation": "s3://x"}), "Value spark for key Name"),
        (Job(Name="j", Role="r", Command={"Name": "glueetl"}), "Required Fields for Command were missing: ['ScriptLocation']"),
        (Job(Name="j", Role="r", Command=COMMAND, WorkerType="G.4X"), "Value G.4X for key WorkerType"),
        (Job(Name="j", Role="r", Command=COMMAND, ExecutionProperty={"MaxConcurrentRuns": "2"}), "key MaxConcurrentRuns"),
    ],
)
def test_job_helpers_check_command_worker_type_and_execution_property(job, message):
    with pytest.raises(TypeError) as err:
        job.validate()
    assert message in str(err.value)


def test_helper_classes_validate_on_their_own():
    assert Command(Name="pythonshell", ScriptLocation="s3://b/k", PythonVersion="3").validate()
    assert ExecutionProperty(MaxConcurrentRuns=3).validate()
    assert S3Target(Path="s3://b/").validate() and DynamoDBTarget(Path="table").validate()
    assert JDBCTarget(ConnectionName="c", Path="db/%").validate() and CatalogTarget(DatabaseName="d", Tables=["t"]).validate()
    assert SchemaChangePolicy(UpdateBehavior="LOG", DeleteBehavior="DELETE_FROM_DATABASE").validate()
    with pytest.raises(TypeError, match="Value NOPE for key DeleteBehavior"):
        SchemaChangePolicy(DeleteBehavior="NOPE").validate()
    assert Targets(S3Targets=[{"Path": "s3://b/"}], DeltaTargets=[{"anything": 1}]).validate()
    with pytest.raises(TypeError, match=r"^Required Fields for JDBCTarget were missing: \['Path'\]$"):
        Crawler(Name="c", Role="r", Targets={"JDBCTargets": [{"ConnectionName": "c"}]}).validate()


def test_entities_without_jobs_fail_validation_as_on_aws():
    crawler = Crawler(Name="c", Role="r", Targets=S3)
    with pytest.raises(TypeError, match="'NoneType' object is not iterable"):
        Entities(Crawlers=[crawler]).validate()
    assert Entities(Jobs=[], Crawlers=[crawler]).validate() is True


def test_entities_compare_by_identity_so_equal_ones_can_both_be_dependencies():
    a, b = Job(Name="same", Role="r", Command=COMMAND), Job(Name="same", Role="r", Command=COMMAND)
    assert a != b and len({a: 1, b: 2}) == 2
    assert all(issubclass(cls, BaseResource) for cls in (Job, Crawler, Workflow, Command, Targets))


def test_workflow_to_json_suffixes_names_and_derives_triggers_as_the_library_does():
    raw = Crawler(Name="raw", Role="r", Targets={"JDBCTargets": [{"ConnectionName": "c", "Path": "db/%"}]})
    clean = Job(Name="clean", Role="r", Command=COMMAND, DependsOn={raw: "SUCCEEDED"})
    side = Job(Name="side", Role="r", Command=COMMAND, WaitForDependencies="AND")  # no DependsOn: it stays
    report = Crawler(
        Name="report", Role="r", Targets=S3, DependsOn={clean: "SUCCEEDED", raw: "FAILED"}, WaitForDependencies="ANY"
    )
    workflow = Workflow(Name="wf", Description="d", Entities=Entities(Jobs=[clean, side], Crawlers=[raw, report]))
    assert workflow.to_json("x1") == {
        "Workflow": {"Name": "wf", "Description": "d", "DefaultRunProperties": None, "Tags": None},
        "Crawlers": [
            {"Name": "raw_x1", "Role": "r", "Targets": {"JDBCTargets": [{"ConnectionName": "c", "Path": "db/%"}]}},
            {"Name": "report_x1", "Role": "r", "Targets": S3},
        ],
        "Jobs": [
            {"Name": "clean_x1", "Role": "r", "Command": COMMAND},
            {"Name": "side_x1", "Role": "r", "Command": COMMAND, "WaitForDependencies": "AND"},
        ],
        "Triggers": [
            {
                "WorkflowName": "wf",
                "Type": "CONDITIONAL",
                "Name": "wf_report_x1_trigger",
                "Predicate": {
                    "Conditions": [
                        {"LogicalOperator": "EQUALS", "JobName": "clean_x1", "State": "SUCCEEDED"},
                        {"LogicalOperator": "EQUALS", "CrawlerName": "raw_x1", "CrawlState": "FAILED"},
                    ],
                    "Logical": "ANY",
                },
                "StartOnCreation": True,
                "Actions": [{"CrawlerName": "report_x1"}],
            },
            {
                "WorkflowName": "wf",
                "Type": "CONDITIONAL",
                "Name": "wf_clean_x1_trigger",
                "Predicate": {"Conditions": [{"LogicalOperator": "EQUALS", "CrawlerName": "raw_x1", "CrawlState": "SUCCEEDED"}]},
                "StartOnCreation": True,
                "Actions": [{"JobName": "clean_x1"}],
            },
            {
                "WorkflowName": "wf",
                "Name": "wf_starting_trigger",
                "Actions": [{"CrawlerName": "raw_x1"}, {"JobName": "side_x1"}],
                "Type": "ON_DEMAND",
            },
        ],
    }
    assert clean.DependsOn == {raw: "SUCCEEDED"}  # to_json leaves the resources as they were


@pytest.mark.parametrize(
    "schedule, start",
    [
        (None, {"Type": "ON_DEMAND"}),
        ("ON_DEMAND", {"Type": "ON_DEMAND"}),
        ("EVENT", {"Type": "EVENT", "EventBatchingCondition": {"BatchSize": 1}}),
        ("cron(0 6 * * ? *)", {"Type": "SCHEDULED", "Schedule": "cron(0 6 * * ? *)", "StartOnCreation": True}),
    ],
)
def test_on_schedule_decides_the_starting_trigger(schedule, start):
    job = Job(Name="j", Role="r", Command=COMMAND)
    triggers = Workflow(Name="w", OnSchedule=schedule, Entities=Entities(Jobs=[job])).to_json()["Triggers"]
    assert triggers == [{"WorkflowName": "w", "Name": "w_starting_trigger", "Actions": [{"JobName": "j_"}], **start}]


def test_a_dependency_that_is_not_a_job_or_crawler_is_a_type_error():
    job = Job(Name="j", Role="r", Command=COMMAND, DependsOn={"other": "SUCCEEDED"})
    with pytest.raises(TypeError, match=r"^Dependencies must be of type Job or Crawler, but found <class 'str'> instead$"):
        Workflow(Name="w", Entities=Entities(Jobs=[job])).to_json("s")


def test_workflow_values_are_checked_but_kept():
    with pytest.raises(TypeError, match="Value 5 for key OnSchedule"):
        Workflow(Name="w", OnSchedule=5)
    assert Workflow(Name="w", Description="", Entities=Entities(Jobs=[])).Description == ""


def test_get_resolved_options_reads_an_unambiguous_prefix_of_an_option_as_that_option():
    """As AWS's own does (argparse's default abbreviations): a later ``--metadata`` is read as
    ``--metadata_location`` (reported against AWS's library in awslabs/aws-glue-libs PR 206;
    no Glue version documents another rule)."""
    from awsglue.utils import getResolvedOptions

    args = [
        "/tmp/run.py",
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--metadata_location",
        "example",
        "--metadata",
        "True",
    ]
    assert getResolvedOptions(args, ["metadata_location"]) == {"metadata_location": "True"}
    assert getResolvedOptions(["s.py", "--JOB_NAME", "j", "--day", "1"], ["JOB_NAME", "day"]) == {"JOB_NAME": "j", "day": "1"}


def test_get_resolved_options_reads_a_shorter_argument_as_the_option_it_begins_as_aws_samples_rely_on():
    """AWS's jdbc_to_s3 sample (GlueVersion 4.0) asks for ``redshift_iam_role_arn`` when its
    layout passed ``--redshift_iam_role``: only the abbreviation rule makes that resolve."""
    from awsglue.utils import getResolvedOptions

    args = ["s.py", "--TempDir", "s3://t/", "--redshift_iam_role", "arn:aws:iam::1:role/r", "--input_table", "t"]
    assert getResolvedOptions(args, ["TempDir", "input_table", "redshift_iam_role_arn"]) == {
        "TempDir": "s3://t/",
        "input_table": "t",
        "redshift_iam_role_arn": "arn:aws:iam::1:role/r",
    }
