"""What Glue refuses in job, trigger and crawler definitions beyond the model's shapes, and
what it fills in on a job, as AWS does (on both backends)."""

import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, snapshot

SPARK = {"Name": "glueetl", "ScriptLocation": "s3://scripts/etl.py"}
SHELL = {"Name": "pythonshell", "ScriptLocation": "s3://scripts/shell.py"}


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def refused(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"Command": SPARK, "MaxCapacity": 10.0, "WorkerType": "G.1X", "NumberOfWorkers": 2}, "do not set Max Capacity"),
        (
            {"Command": SHELL, "WorkerType": "G.1X", "NumberOfWorkers": 2},
            "Worker Type is not supported for Job Command pythonshell",
        ),
        ({"Command": SPARK, "WorkerType": "G.1X"}, "set both Worker Type and Number of Workers"),
        ({"Command": SPARK, "NumberOfWorkers": 2}, "set both Worker Type and Number of Workers"),
        ({"Command": SPARK, "Timeout": 10081}, "10080"),
        ({"Command": {"Name": "spark", "ScriptLocation": "s3://s/x.py"}}, "glueetl, pythonshell, gluestreaming, glueray"),
        ({"Command": SPARK, "AllocatedCapacity": 10, "MaxCapacity": 10.0}, "only Allocated Capacity or Max Capacity"),
    ],
    ids=[
        "max-capacity-with-worker-type",
        "worker-type-on-pythonshell",
        "worker-type-alone",
        "workers-alone",
        "timeout-over-7-days",
        "unknown-command",
        "allocated-with-max-capacity",
    ],
)
def test_create_job_refuses_what_glue_refuses_and_changes_nothing(server, glue, extra, message):
    before = snapshot(server)
    error = refused(glue.create_job, Name=unique("job"), Role=ROLE, **extra)
    assert error["Code"] == "InvalidInputException" and message in error["Message"], error
    assert snapshot(server) == before


def test_update_job_applies_the_same_rules_to_its_job_update(glue):
    job = unique("job")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK)
    update = {"Role": ROLE, "Command": SPARK, "WorkerType": "G.1X", "NumberOfWorkers": 2, "MaxCapacity": 2.0}
    assert refused(glue.update_job, JobName=job, JobUpdate=update)["Code"] == "InvalidInputException"
    assert "WorkerType" not in glue.get_job(JobName=job)["Job"]


def test_get_job_shows_capacity_as_aws_fills_it(glue):
    fleet, spark, shell = unique("fleet"), unique("spark"), unique("shell")
    glue.create_job(Name=fleet, Role=ROLE, Command=SPARK, WorkerType="G.2X", NumberOfWorkers=5)
    glue.create_job(Name=spark, Role=ROLE, Command=SPARK)
    glue.create_job(Name=shell, Role=ROLE, Command=SHELL)
    jobs = {name: glue.get_job(JobName=name)["Job"] for name in (fleet, spark, shell)}
    assert (jobs[fleet]["MaxCapacity"], jobs[fleet]["AllocatedCapacity"]) == (10.0, 10)  # 5 workers of 2 DPUs
    assert (jobs[spark]["MaxCapacity"], jobs[spark]["AllocatedCapacity"]) == (10.0, 10)  # the documented default
    assert (jobs[shell]["MaxCapacity"], jobs[shell]["AllocatedCapacity"]) == (0.0625, 0)


def test_python_shell_jobs_run_on_their_own_glue_version_with_the_2880_minute_timeout(glue):
    old, new = unique("shell36"), unique("shell39")
    glue.create_job(Name=old, Role=ROLE, Command=SHELL)
    glue.create_job(Name=new, Role=ROLE, Command={**SHELL, "PythonVersion": "3.9"})
    assert {k: glue.get_job(JobName=old)["Job"][k] for k in ("GlueVersion", "Timeout")} == {"GlueVersion": "1.0", "Timeout": 2880}
    assert {k: glue.get_job(JobName=new)["Job"][k] for k in ("GlueVersion", "Timeout")} == {"GlueVersion": "3.0", "Timeout": 2880}


def test_streaming_jobs_get_no_default_timeout(glue):
    job = unique("stream")
    glue.create_job(Name=job, Role=ROLE, Command={"Name": "gluestreaming", "ScriptLocation": "s3://s/stream.py"})
    assert "Timeout" not in glue.get_job(JobName=job)["Job"]


def conditional(name: str, conditions: list[dict], **extra) -> dict:
    return {"Name": name, "Type": "CONDITIONAL", "Predicate": {"Conditions": conditions, **extra}, "Actions": [{"JobName": name}]}


@pytest.mark.parametrize(
    "condition, message",
    [
        ({"JobName": "{job}", "State": "SUCCEEDED"}, "Logical operator cannot be null or empty"),
        (
            {"JobName": "{job}", "LogicalOperator": "EQUALS"},
            "State cannot be null or empty, choose from one of the following job state: [SUCCEEDED, STOPPED, FAILED, TIMEOUT]",
        ),
        (
            {"CrawlerName": "{crawler}", "LogicalOperator": "EQUALS", "State": "SUCCEEDED"},
            "State cannot be null or empty, choose from one of the following crawler state: [SUCCEEDED, FAILED, CANCELLED]",
        ),
        ({"JobName": "{job}", "LogicalOperator": "EQUALS", "State": "RUNNING"}, "choose from one of the following job state"),
        (
            {"CrawlerName": "{crawler}", "LogicalOperator": "EQUALS", "CrawlState": "RUNNING"},
            "choose from one of the following crawler state",
        ),
    ],
    ids=[
        "no-logical-operator",
        "job-without-state",
        "crawler-without-crawl-state",
        "job-state-not-listenable",
        "crawl-state-not-listenable",
    ],
)
def test_trigger_conditions_need_an_operator_and_a_state_a_trigger_can_listen_for(server, glue, condition, message):
    job, crawler = unique("job"), unique("crawler")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK)
    glue.create_crawler(Name=crawler, Role=ROLE, Targets={"S3Targets": [{"Path": "s3://lake/a/"}]})
    filled = {k: v.format(job=job, crawler=crawler) for k, v in condition.items()}
    before = snapshot(server)
    error = refused(glue.create_trigger, **{**conditional(job, [filled]), "Name": unique("t")})
    assert error["Code"] == "InvalidInputException" and message in error["Message"], error
    assert snapshot(server) == before


def test_a_trigger_with_two_conditions_needs_its_logical(glue):
    job = unique("job")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK)
    conditions = [{"JobName": job, "LogicalOperator": "EQUALS", "State": s} for s in ("FAILED", "TIMEOUT")]
    assert (
        refused(glue.create_trigger, **conditional(unique("t"), conditions) | {"Actions": [{"JobName": job}]})["Code"]
        == "InvalidInputException"
    )
    glue.create_trigger(**conditional(unique("t"), conditions, Logical="ANY") | {"Actions": [{"JobName": job}]})


def test_trigger_actions_hold_at_most_two_crawlers(glue):
    crawlers = [unique("crawler") for _ in range(3)]
    for crawler in crawlers:
        glue.create_crawler(Name=crawler, Role=ROLE, Targets={"S3Targets": [{"Path": "s3://lake/a/"}]})
    actions = [{"CrawlerName": c} for c in crawlers]
    error = refused(glue.create_trigger, Name=unique("t"), Type="ON_DEMAND", Actions=actions)
    assert error["Code"] == "InvalidInputException" and error["Message"] == "Actions cannot contain more than two crawlers"
    glue.create_trigger(Name=unique("t"), Type="ON_DEMAND", Actions=actions[:2])


def test_start_on_creation_is_not_supported_for_on_demand_triggers(glue):
    job = unique("job")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK)
    error = refused(glue.create_trigger, Name=unique("t"), Type="ON_DEMAND", StartOnCreation=True, Actions=[{"JobName": job}])
    assert error["Code"] == "InvalidInputException"


def test_a_crawler_table_prefix_is_at_most_64_characters(glue):
    targets = {"S3Targets": [{"Path": "s3://lake/a/"}]}
    error = refused(glue.create_crawler, Name=unique("c"), Role=ROLE, Targets=targets, TablePrefix="p" * 65)
    assert error["Code"] == "InvalidInputException" and "64" in error["Message"]
    glue.create_crawler(Name=unique("c"), Role=ROLE, Targets=targets, TablePrefix="p" * 64)


def test_schedules_fire_at_most_every_5_minutes(glue):
    job = unique("job")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK)
    for fast in ("cron(* * * * ? *)", "cron(0/4 * * * ? *)", "cron(0,58 * * * ? *)"):
        error = refused(glue.create_trigger, Name=unique("t"), Type="SCHEDULED", Schedule=fast, Actions=[{"JobName": job}])
        assert error["Code"] == "InvalidInputException" and "every 5 minutes" in error["Message"], fast
    glue.create_trigger(Name=unique("t"), Type="SCHEDULED", Schedule="cron(0/5 * * * ? *)", Actions=[{"JobName": job}])
    targets = {"S3Targets": [{"Path": "s3://lake/a/"}]}
    assert refused(glue.create_crawler, Name=unique("c"), Role=ROLE, Targets=targets, Schedule="cron(* * * * ? *)")


def test_start_job_run_refuses_what_glue_refuses_in_its_options(server, glue):
    spark, shell = unique("spark"), unique("shell")
    glue.create_job(Name=spark, Role=ROLE, Command=SPARK)
    glue.create_job(Name=shell, Role=ROLE, Command=SHELL)
    before = snapshot(server)
    for job, options in (
        (shell, {"WorkerType": "G.1X", "NumberOfWorkers": 2}),
        (spark, {"MaxCapacity": 2.0, "WorkerType": "G.1X", "NumberOfWorkers": 2}),
        (spark, {"AllocatedCapacity": 2, "WorkerType": "G.1X", "NumberOfWorkers": 2}),
        (spark, {"AllocatedCapacity": 2, "MaxCapacity": 5.0}),
        (spark, {"Timeout": 10081}),
    ):
        assert refused(glue.start_job_run, JobName=job, **options)["Code"] == "InvalidInputException", options
    assert snapshot(server) == before


STREAMING = {"Name": "gluestreaming", "ScriptLocation": "s3://scripts/stream.py"}
RAY = {"Name": "glueray", "ScriptLocation": "s3://scripts/ray.py"}


@pytest.mark.parametrize(
    "job, message",
    [
        (
            {"Command": SPARK, "WorkerType": "G.1X", "NumberOfWorkers": 1},
            "To use Worker Type G.1X, minimum allowed value of Number of Workers is 2.",
        ),
        (
            {"Command": SPARK, "WorkerType": "G.1X", "NumberOfWorkers": 300},
            "To use Worker Type G.1X, maximum allowed value of Number of Workers is 299.",
        ),
        (
            {"Command": SPARK, "WorkerType": "G.2X", "NumberOfWorkers": 150},
            "To use Worker Type G.2X, maximum allowed value of Number of Workers is 149.",
        ),
        (
            {"Command": STREAMING, "GlueVersion": "4.0", "WorkerType": "G.025X", "NumberOfWorkers": 300},
            "To use Worker Type G.025X, maximum allowed value of Number of Workers is 299.",
        ),
        ({"Command": SPARK, "WorkerType": "G.025X", "NumberOfWorkers": 2}, "G.025X is not supported for Job Command glueetl"),
        (
            {"Command": STREAMING, "GlueVersion": "2.0", "WorkerType": "G.025X", "NumberOfWorkers": 2},
            "G.025X is only supported for Glue version 3.0 or later",
        ),
        (
            {"Command": SPARK, "GlueVersion": "2.0", "WorkerType": "G.8X", "NumberOfWorkers": 2},
            "G.8X is only supported for Glue version 3.0 or later",
        ),
        ({"Command": RAY}, "Worker type cannot be null and only [Z.2X] worker types are supported for glueray jobs."),
        (
            {"Command": RAY, "WorkerType": "G.1X", "NumberOfWorkers": 2},
            "Worker type cannot be null and only [Z.2X] worker types are supported for glueray jobs.",
        ),
        ({"Command": SPARK, "WorkerType": "Z.2X", "NumberOfWorkers": 2}, "Z.2X is not supported for Job Command glueetl"),
    ],
    ids=[
        "g1x-one-worker",
        "g1x-300-workers",
        "g2x-150-workers",
        "g025x-300-workers",
        "g025x-on-spark-etl",
        "g025x-before-glue-3",
        "g8x-before-glue-3",
        "ray-without-worker-type",
        "ray-on-g1x",
        "z2x-on-spark-etl",
    ],
)
def test_number_of_workers_and_worker_type_follow_aws_limits_per_worker_type(server, glue, job, message):
    before = snapshot(server)
    error = refused(glue.create_job, Name=unique("job"), Role=ROLE, **job)
    assert error["Code"] == "InvalidInputException" and message in error["Message"], error
    assert snapshot(server) == before
    existing = unique("job")
    glue.create_job(Name=existing, Role=ROLE, Command=SPARK)
    error = refused(glue.update_job, JobName=existing, JobUpdate={"Role": ROLE, **job})
    assert error["Code"] == "InvalidInputException" and message in error["Message"], error


def test_worker_types_within_their_limits_are_accepted(glue):
    for job in (
        {"Command": SPARK, "WorkerType": "G.1X", "NumberOfWorkers": 2},
        {"Command": SPARK, "WorkerType": "G.1X", "NumberOfWorkers": 299},
        {"Command": SPARK, "WorkerType": "G.2X", "NumberOfWorkers": 149},
        {"Command": SPARK, "GlueVersion": "3.0", "WorkerType": "G.8X", "NumberOfWorkers": 2},
        {"Command": STREAMING, "GlueVersion": "3.0", "WorkerType": "G.025X", "NumberOfWorkers": 299},
        {"Command": RAY, "GlueVersion": "4.0", "WorkerType": "Z.2X", "NumberOfWorkers": 5},
    ):
        glue.create_job(Name=unique("job"), Role=ROLE, **job)


def test_start_job_run_applies_the_worker_limits_to_the_capacity_the_run_would_use(server, glue):
    job = unique("job")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK, WorkerType="G.2X", NumberOfWorkers=10)
    before = snapshot(server)
    for options, message in (
        ({"NumberOfWorkers": 1}, "minimum allowed value of Number of Workers is 2"),
        ({"NumberOfWorkers": 150}, "To use Worker Type G.2X, maximum allowed value of Number of Workers is 149."),
        ({"WorkerType": "G.1X", "NumberOfWorkers": 300}, "To use Worker Type G.1X, maximum allowed value"),
        ({"WorkerType": "Z.2X"}, "Z.2X is not supported for Job Command glueetl"),
    ):
        error = refused(glue.start_job_run, JobName=job, **options)
        assert error["Code"] == "InvalidInputException" and message in error["Message"], (options, error)
    assert snapshot(server) == before


def test_a_job_run_shows_the_capacity_its_own_workers_give_it(glue):
    fleet, dpus = unique("fleet"), unique("dpus")
    several = {"ExecutionProperty": {"MaxConcurrentRuns": 5}}
    glue.create_job(Name=fleet, Role=ROLE, Command=SPARK, WorkerType="G.1X", NumberOfWorkers=10, **several)
    glue.create_job(Name=dpus, Role=ROLE, Command=SPARK, GlueVersion="1.0", MaxCapacity=10.0, **several)
    overrides = {
        (fleet, "G.2X", 4): (8.0, 8),  # 4 workers of 2 DPUs
        (fleet, None, 3): (3.0, 3),  # the job's G.1X, 3 of them
        (dpus, "G.1X", 5): (5.0, 5),
    }
    for (job, worker_type, workers), (max_capacity, allocated) in overrides.items():
        options = {"NumberOfWorkers": workers, **({"WorkerType": worker_type} if worker_type else {})}
        run_id = glue.start_job_run(JobName=job, **options)["JobRunId"]
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        shown = (run["WorkerType"], run["NumberOfWorkers"], run["MaxCapacity"], run["AllocatedCapacity"])
        assert shown == (worker_type or "G.1X", workers, max_capacity, allocated), run
    run_id = glue.start_job_run(JobName=dpus, MaxCapacity=4.0)["JobRunId"]
    run = glue.get_job_run(JobName=dpus, RunId=run_id)["JobRun"]
    assert (run["MaxCapacity"], run["AllocatedCapacity"]) == (4.0, 4) and "WorkerType" not in run


def test_a_job_run_gets_the_dpus_its_deprecated_allocated_capacity_asks_for(glue):
    """StartJobRun's AllocatedCapacity (deprecated for MaxCapacity) is the DPUs allocated to the run."""
    job = unique("dpus")
    glue.create_job(Name=job, Role=ROLE, Command=SPARK, GlueVersion="1.0", ExecutionProperty={"MaxConcurrentRuns": 2})
    run_id = glue.start_job_run(JobName=job, AllocatedCapacity=5)["JobRunId"]
    run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
    assert (run["MaxCapacity"], run["AllocatedCapacity"]) == (5.0, 5) and "WorkerType" not in run
    error = refused(glue.start_job_run, JobName=job, AllocatedCapacity=2, MaxCapacity=5.0)
    assert error == {"Code": "InvalidInputException", "Message": "Please set only Allocated Capacity or Max Capacity."}
