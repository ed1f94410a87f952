"""Scheduled triggers fire on their AWS cron, driven by an injectable clock (mock_glue)."""

import json
import time
from datetime import UTC, datetime

import boto3

from glueprint.orchestration.scheduler import next_fire
from glueprint.packaging import EXAMPLES, zip_folder
from glueprint.testing import mock_glue
from glueprint.waiting import wait_for_blueprint

ROLE = "arn:aws:iam::123456789012:role/Test"
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_next_fire_follows_aws_cron_in_utc():
    assert next_fire("cron(0 12 * * ? *)", NOON - 60) == NOON
    assert next_fire("cron(0 12 * * ? *)", NOON) == NOON + 86400
    assert next_fire("cron(0/15 * ? * MON-FRI *)", NOON + 1) == NOON + 15 * 60


def wait_for(predicate, timeout: float = 60.0):  # generous: CI runs six suites on two cores
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return value


def test_a_scheduled_starting_trigger_starts_its_workflow_when_the_clock_reaches_the_schedule():
    clock = Clock(NOON - 30)
    with mock_glue(clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_workflow(Name="daily")
        glue.create_job(Name="load", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
        glue.create_trigger(
            Name="daily_noon",
            WorkflowName="daily",
            Type="SCHEDULED",
            Schedule="cron(0 12 * * ? *)",
            StartOnCreation=True,
            Actions=[{"JobName": "load"}],
        )
        time.sleep(1.2)  # the workers have looked, and it is not noon yet
        assert glue.get_workflow_runs(Name="daily")["Runs"] == []

        clock.now = NOON + 1
        runs = wait_for(lambda: glue.get_workflow_runs(Name="daily")["Runs"])
        assert len(runs) == 1 and runs[0]["StartedOn"].timestamp() == NOON + 1
        wait_for(lambda: glue.get_workflow_runs(Name="daily")["Runs"][0]["Status"] == "COMPLETED")
        assert glue.get_job_runs(JobName="load")["JobRuns"][0]["TriggerName"] == "daily_noon"

        glue.stop_trigger(Name="daily_noon")
        clock.now = NOON + 86400 + 1
        time.sleep(1.2)
        assert len(glue.get_workflow_runs(Name="daily")["Runs"]) == 1


def test_mock_glue_outcomes_say_how_runs_end():
    with mock_glue(outcomes={"load_*": "FAILED:0:disk full", "crawl_*": "CANCELLED"}):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_job(Name="load_sales", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
        run_id = glue.start_job_run(JobName="load_sales")["JobRunId"]
        run = wait_for(
            lambda: (r := glue.get_job_run(JobName="load_sales", RunId=run_id)["JobRun"])["JobRunState"] == "FAILED" and r
        )
        assert run["ErrorMessage"] == "disk full"
        glue.create_crawler(Name="crawl_raw", Role=ROLE, DatabaseName="raw", Targets={"S3Targets": [{"Path": "s3://b/p"}]})
        glue.start_crawler(Name="crawl_raw")
        crawler = wait_for(lambda: (c := glue.get_crawler(Name="crawl_raw")["Crawler"]).get("LastCrawl") and c)
        assert crawler["LastCrawl"]["Status"] == "CANCELLED" and crawler["State"] == "READY"


def test_a_simulated_run_longer_than_its_jobs_timeout_ends_in_timeout_when_the_clock_passes_it():
    clock = Clock(NOON)
    with mock_glue(outcomes={"hangs": "SUCCEEDED:86400"}, clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_job(Name="hangs", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"}, Timeout=1)
        run_id = glue.start_job_run(JobName="hangs")["JobRunId"]
        wait_for(lambda: glue.get_job_run(JobName="hangs", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING")
        clock.now = NOON + 61
        run = wait_for(lambda: (r := glue.get_job_run(JobName="hangs", RunId=run_id)["JobRun"])["JobRunState"] == "TIMEOUT" and r)
        assert run["ErrorMessage"] == "Job run timed out after 1 minutes" and run["ExecutionTime"] == 61


def test_a_scheduled_trigger_a_blueprint_run_creates_starts_its_workflow_on_schedule(tmp_path):
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "etl.zip").write_bytes(zip_folder(EXAMPLES / "etl_schedule"))  # cron(0 6 * * ? *)
    six = datetime(2026, 3, 3, 6, 0, tzinfo=UTC).timestamp()
    clock = Clock(six - 3600)
    with mock_glue(archive_root=str(tmp_path), clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_blueprint(Name="etl", BlueprintLocation="s3://bucket/etl.zip")
        assert wait_for_blueprint(glue, "etl")["Status"] == "ACTIVE"
        params = {"WorkflowName": "nightly", "JobRole": "etl-role", "ScriptBucket": "my-scripts"}
        run_id = glue.start_blueprint_run(BlueprintName="etl", RoleArn=ROLE, Parameters=json.dumps(params))["RunId"]
        wait_for(lambda: glue.get_blueprint_run(BlueprintName="etl", RunId=run_id)["BlueprintRun"]["State"] == "SUCCEEDED")
        time.sleep(1.2)  # the workers have looked, and it is not six yet
        assert glue.get_workflow_runs(Name="nightly")["Runs"] == []

        clock.now = six + 1
        runs = wait_for(lambda: glue.get_workflow_runs(Name="nightly")["Runs"])
        assert len(runs) == 1 and runs[0]["StartedOn"].timestamp() == six + 1


def test_a_schedule_after_its_last_time_is_done_and_the_workers_carry_on():
    last = datetime(2026, 12, 3, 7, 23, tzinfo=UTC).timestamp()
    clock = Clock(last - 30)
    with mock_glue(clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_workflow(Name="once")
        for job in ("load", "other"):
            glue.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
        glue.create_trigger(
            Name="once_only",
            WorkflowName="once",
            Type="SCHEDULED",
            Schedule="cron(23 7 3 12 ? 2026)",
            StartOnCreation=True,
            Actions=[{"JobName": "load"}],
        )
        clock.now = last + 1
        wait_for(lambda: glue.get_workflow_runs(Name="once")["Runs"])
        clock.now = last + 86400
        run_id = glue.start_job_run(JobName="other")["JobRunId"]
        wait_for(lambda: glue.get_job_run(JobName="other", RunId=run_id)["JobRun"]["JobRunState"] == "SUCCEEDED")
        assert len(glue.get_workflow_runs(Name="once")["Runs"]) == 1
        assert glue.get_trigger(Name="once_only")["Trigger"]["State"] == "ACTIVATED"
