"""CloudWatch Logs over boto3's logs client, on both backends: what job runs and crawls write,
in AWS's groups and streams, read back by GetLogEvents, FilterLogEvents, DescribeLogStreams
and DescribeLogGroups on the Glue endpoint."""

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from glueprint.sandbox.collect import LOG_BYTES

from conftest import ROLE
from servers import glue_client, logs_client

RULES = ("--simulated-seconds", "0", "--outcome", "*fails*=FAILED:0:disk full")

TALKATIVE = """
import sys
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["greeting"])
for i in range(5):
    print(f"{args['greeting']} {i}")
print("careful: the input is small", file=sys.stderr)
"""

NEEDS_AN_ARGUMENT = """
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--output_path", required=True)
parser.parse_known_args()
"""

RAISES = """
def load():
    raise ValueError("the input folder is empty")

load()
"""


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(*RULES)


@pytest.fixture(scope="module")
def glue(server):
    return glue_client(server.url)


@pytest.fixture(scope="module")
def logs(server):
    return logs_client(server.url)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def run_script(glue, upload, source: str, **arguments) -> dict:
    """A pythonshell job of this script, run once to its end; its JobRun."""
    job = unique("shell")
    script = upload(source.encode(), key=f"{uuid.uuid4().hex}/script.py")
    glue.create_job(Name=job, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"})
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]
    return wait_job_run(glue, job, run_id)


def wait_job_run(glue, job: str, run_id: str) -> dict:
    deadline = time.monotonic() + 120
    while (run := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] in ("STARTING", "RUNNING", "STOPPING"):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    return run


def messages(logs, group: str, stream: str) -> list[str]:
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    return [e["message"] for e in events]


@pytest.fixture(scope="module")
def talkative_run(glue, upload) -> dict:
    return run_script(glue, upload, TALKATIVE, **{"--greeting": "hello"})


def test_a_python_shell_runs_output_and_errors_are_in_its_streams(talkative_run, logs):
    run = talkative_run
    assert run["JobRunState"] == "SUCCEEDED", run
    assert run["LogGroupName"] == "/aws-glue/python-jobs"
    assert messages(logs, "/aws-glue/python-jobs/output", run["Id"]) == [f"hello {i}" for i in range(5)]
    assert messages(logs, "/aws-glue/python-jobs/error", run["Id"]) == ["careful: the input is small"]
    event = logs.get_log_events(logGroupName="/aws-glue/python-jobs/output", logStreamName=run["Id"])["events"][0]
    started = run["StartedOn"].timestamp() * 1000
    assert started - 1000 <= event["timestamp"] <= event["ingestionTime"] <= run["CompletedOn"].timestamp() * 1000 + 1000


def test_get_log_events_pages_forward_and_back_and_repeats_its_token_at_the_end(talkative_run, logs):
    where = {"logGroupName": "/aws-glue/python-jobs/output", "logStreamName": talkative_run["Id"]}
    newest = logs.get_log_events(**where, limit=2)  # from the end, as AWS reads by default
    assert [e["message"] for e in newest["events"]] == ["hello 3", "hello 4"]
    older = logs.get_log_events(**where, limit=2, nextToken=newest["nextBackwardToken"])
    assert [e["message"] for e in older["events"]] == ["hello 1", "hello 2"]

    seen, token = [], None
    while True:
        page = logs.get_log_events(**where, limit=2, startFromHead=True, **({"nextToken": token} if token else {}))
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert seen == [f"hello {i}" for i in range(5)]


def test_filter_log_events_finds_a_runs_lines_by_pattern_across_pages(talkative_run, logs):
    group = "/aws-glue/python-jobs/output"
    paginator = logs.get_paginator("filter_log_events")
    since = int(talkative_run["StartedOn"].timestamp() * 1000) - 1000
    pages = paginator.paginate(  # as `aws logs tail` asks
        logGroupName=group,
        logStreamNames=[talkative_run["Id"]],
        filterPattern="hello -3",
        startTime=since,
        interleaved=True,
        limit=2,
    )
    events = [e for page in pages for e in page["events"]]
    assert [e["message"] for e in events] == ["hello 0", "hello 1", "hello 2", "hello 4"]
    assert {e["logStreamName"] for e in events} == {talkative_run["Id"]}
    assert len({e["eventId"] for e in events}) == 4
    found = logs.filter_log_events(logGroupName=group, logStreamNamePrefix=talkative_run["Id"][:20], filterPattern='"hello 4"')
    assert [e["message"] for e in found["events"]] == ["hello 4"]


def test_a_missing_argument_fails_the_run_with_argparses_message(glue, logs, upload):
    run = run_script(glue, upload, NEEDS_AN_ARGUMENT)
    assert run["JobRunState"] == "FAILED"
    assert "the following arguments are required: --output_path" in run["ErrorMessage"]
    assert "SystemExit" not in run["ErrorMessage"]
    assert messages(logs, "/aws-glue/python-jobs/error", run["Id"])[-1] == run["ErrorMessage"]


def test_an_exceptions_traceback_is_in_the_error_stream(glue, logs, upload):
    run = run_script(glue, upload, RAISES)
    assert run["ErrorMessage"] == "ValueError: the input folder is empty"
    lines = messages(logs, "/aws-glue/python-jobs/error", run["Id"])
    assert lines[0] == "Traceback (most recent call last):"
    assert any("in load" in line for line in lines)
    assert lines[-1] == "ValueError: the input folder is empty"


def test_a_spark_runs_error_is_in_the_jobs_error_group(glue, logs):
    job = unique("etl_fails")
    glue.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://blueprints/none.py"})
    run = wait_job_run(glue, job, glue.start_job_run(JobName=job)["JobRunId"])
    assert (run["JobRunState"], run["LogGroupName"]) == ("FAILED", "/aws-glue/jobs")
    assert messages(logs, "/aws-glue/jobs/error", run["Id"]) == ["disk full"]


def test_a_crawl_writes_to_its_crawlers_stream_under_its_crawl_id(glue, logs):
    crawler = unique("crawler_fails")
    glue.create_crawler(Name=crawler, Role=ROLE, Targets={"S3Targets": [{"Path": "s3://blueprints/none/"}]})
    glue.start_crawler(Name=crawler)
    deadline = time.monotonic() + 120
    while "LastCrawl" not in (found := glue.get_crawler(Name=crawler)["Crawler"]) or found["State"] != "READY":
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    last = found["LastCrawl"]
    assert (last["LogGroup"], last["LogStream"]) == ("/aws-glue/crawlers", crawler)
    lines = messages(logs, last["LogGroup"], last["LogStream"])
    assert all(line.startswith(f"[{last['MessagePrefix']}] ") for line in lines)
    assert f"[{last['MessagePrefix']}] ERROR : disk full" in lines
    assert lines[-1].endswith("Crawler has finished running and is in state READY")


def test_describe_log_streams_and_groups_page_in_order(talkative_run, glue, logs, upload):
    second = run_script(glue, upload, TALKATIVE, **{"--greeting": "again"})
    group = "/aws-glue/python-jobs/output"
    newest = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True, limit=1)
    assert [s["logStreamName"] for s in newest["logStreams"]] == [second["Id"]]
    older = logs.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True, limit=1, nextToken=newest["nextToken"]
    )
    assert older["logStreams"][0]["lastEventTimestamp"] <= newest["logStreams"][0]["lastEventTimestamp"]
    by_name = logs.get_paginator("describe_log_streams").paginate(logGroupName=group, PaginationConfig={"PageSize": 2})
    names = [s["logStreamName"] for page in by_name for s in page["logStreams"]]
    assert names == sorted(names) and {talkative_run["Id"], second["Id"]} <= set(names)
    stream = next(s for s in older["logStreams"] + newest["logStreams"] if s["logStreamName"] == second["Id"])
    assert stream["firstEventTimestamp"] <= stream["lastEventTimestamp"]
    assert stream["arn"].endswith(f":log-group:{group}:log-stream:{second['Id']}")

    groups = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/aws-glue/")["logGroups"]]
    assert {"/aws-glue/python-jobs/output", "/aws-glue/python-jobs/error", "/aws-glue/jobs/error"} <= set(groups)
    assert groups == sorted(groups)
    paged = logs.get_paginator("describe_log_groups").paginate(logGroupNamePattern="PYTHON", PaginationConfig={"PageSize": 1})
    assert [g["logGroupName"] for page in paged for g in page["logGroups"]] == [
        "/aws-glue/python-jobs/error",
        "/aws-glue/python-jobs/output",
    ]


def error_of(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_bad_requests_get_the_errors_cloudwatch_logs_answers(server, logs, talkative_run):
    raw = logs_client(server.url, validate=False)
    assert error_of(logs.get_log_events, logGroupName="/aws-glue/none", logStreamName="x") == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    assert error_of(logs.get_log_events, logGroupName="/aws-glue/python-jobs/output", logStreamName="jr_none")[0] == (
        "ResourceNotFoundException"
    )
    code, message = error_of(raw.get_log_events, logGroupName="/aws-glue/python-jobs/output", logStreamName="a:b", limit=0)
    assert code == "InvalidParameterException"
    assert message.startswith("2 validation errors detected: ") and "'logStreamName'" in message and "'limit'" in message
    code, message = error_of(raw.filter_log_events, logGroupName="/aws-glue/python-jobs/output", startTime=2**63)
    assert code == "InvalidParameterException" and "be a long from" in message
    assert error_of(
        logs.describe_log_streams, logGroupName="/aws-glue/python-jobs/output", orderBy="LastEventTime", logStreamNamePrefix="jr"
    )[0] == ("InvalidParameterException")
    assert error_of(logs.filter_log_events, logGroupName="/aws-glue/python-jobs/output", nextToken="forged")[0] == (
        "InvalidParameterException"
    )
    assert error_of(logs.filter_log_events, logGroupName="/aws-glue/python-jobs/output", filterPattern="{ $.level = 1 }")[0] == (
        "InvalidParameterException"
    )
    assert error_of(logs.describe_log_streams, logGroupName="/aws-glue/none")[0] == "ResourceNotFoundException"
    assert error_of(logs.put_retention_policy, logGroupName="/aws-glue/jobs/error", retentionInDays=1)[0] == (
        "UnknownOperationException"
    )


def test_logs_outlive_a_restart(start_server, upload):
    server = start_server(*RULES)
    run = run_script(glue_client(server.url), upload, TALKATIVE, **{"--greeting": "durable"})
    server.restart()
    assert messages(logs_client(server.url), "/aws-glue/python-jobs/output", run["Id"])[0] == "durable 0"


def test_a_real_crawl_logs_what_it_wrote_to_the_catalog(glue, logs, upload):
    folder = uuid.uuid4().hex
    upload(b"id,amount\n1,9.5\n", key=f"{folder}/sales/part-0.csv")
    crawler = unique("crawler")
    glue.create_crawler(
        Name=crawler, Role=ROLE, DatabaseName=unique("db"), Targets={"S3Targets": [{"Path": f"s3://blueprints/{folder}/"}]}
    )
    glue.start_crawler(Name=crawler)
    deadline = time.monotonic() + 120
    while "LastCrawl" not in (found := glue.get_crawler(Name=crawler)["Crawler"]) or found["State"] != "READY":
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    assert found["LastCrawl"]["Status"] == "SUCCEEDED", found["LastCrawl"]
    prefix = f"[{found['LastCrawl']['MessagePrefix']}]"
    assert messages(logs, "/aws-glue/crawlers", crawler) == [
        f"{prefix} BENCHMARK : Running Start Crawl for Crawler {crawler}",
        f"{prefix} INFO : 1 tables created, 0 tables updated, 0 tables deleted",
        f"{prefix} BENCHMARK : Finished writing to Catalog",
        f"{prefix} BENCHMARK : Crawler has finished running and is in state READY",
    ]


def test_a_running_scripts_lines_can_be_read_before_it_ends(glue, logs, upload):
    job = unique("shell")
    script = upload(b"import time\nprint('started', flush=True)\ntime.sleep(60)\n", key=f"{uuid.uuid4().hex}/slow.py")
    glue.create_job(Name=job, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script})
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    deadline = time.monotonic() + 120
    while True:
        try:
            if messages(logs, "/aws-glue/python-jobs/output", run_id) == ["started"]:
                break
        except logs.exceptions.ResourceNotFoundException:
            pass  # not written yet
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
    glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id])
    assert wait_job_run(glue, job, run_id)["JobRunState"] == "STOPPED"
    assert messages(logs, "/aws-glue/python-jobs/output", run_id) == ["started"]


def test_each_stream_keeps_its_first_mebibyte_and_says_how_much_it_left_out(glue, logs, upload):
    line, lines = "x" * 999, 1100  # 1000 bytes a line with its newline: 1.1 MB on standard output
    source = f"import sys\nfor _ in range({lines}):\n    print({line!r})\nprint('the error stream is its own', file=sys.stderr)\n"
    run = run_script(glue, upload, source)
    assert run["JobRunState"] == "SUCCEEDED", run
    kept = LOG_BYTES // (len(line) + 1)
    last = logs.get_log_events(logGroupName="/aws-glue/python-jobs/output", logStreamName=run["Id"], limit=1)["events"]
    left_out = (lines - kept) * (len(line) + 1)
    assert [e["message"] for e in last] == [f"[glueprint kept the first {LOG_BYTES} bytes: {left_out} more were left out]"]
    assert messages(logs, "/aws-glue/python-jobs/error", run["Id"]) == ["the error stream is its own"]
