"""Job bookmarks on both backends: job scripts save their job's bookmark at Job.commit()
through glueprint's private endpoint with their run's own credentials, and GetJobBookmark /
ResetJobBookmark answer as AWS's do."""

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from glueprint.etl import bookmarks
from glueprint.protocol import private

from conftest import ROLE
from servers import glue_client

# A job script that counts its runs in its bookmark, as a source's state would.
COUNTS = """
import json, sys, types
from awsglue.job import Job

context = types.SimpleNamespace()
job = Job(context)
job.init(sys.argv[sys.argv.index("--JOB_NAME") + 1], {})
seen = context.job_bookmarks.state("counter")
print(json.dumps(seen))
context.job_bookmarks.record("counter", {"runs": (seen or {}).get("runs", 0) + 1})
job.commit()
"""


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--simulated-seconds", "0")


@pytest.fixture(scope="module")
def glue(server):
    return glue_client(server.url)


def wait_job_run(glue, job: str, run_id: str) -> dict:
    deadline = time.monotonic() + 120
    while (run := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] in ("STARTING", "RUNNING", "STOPPING"):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    return run


@pytest.fixture
def counting_job(glue, upload):
    job = f"counts_{uuid.uuid4().hex[:8]}"
    script = upload(COUNTS.encode(), key=f"{uuid.uuid4().hex}/counts.py")
    glue.create_job(
        Name=job,
        Role=ROLE,
        Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"},
        DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"},
    )
    return job


def run(glue, job: str, **arguments) -> str:
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]
    finished = wait_job_run(glue, job, run_id)
    assert finished["JobRunState"] == "SUCCEEDED", finished.get("ErrorMessage")
    return run_id


def saved(glue, job: str, **request) -> dict:
    return json.loads(glue.get_job_bookmark(JobName=job, **request)["JobBookmarkEntry"]["JobBookmark"])


def error_code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_each_enabled_run_commits_the_bookmark_the_next_run_starts_from(glue, counting_job):
    with pytest.raises(ClientError, match=f"Continuation for job {counting_job} not found") as raised:
        glue.get_job_bookmark(JobName=counting_job)
    assert raised.value.response["Error"]["Code"] == "EntityNotFoundException"

    first = run(glue, counting_job)
    second = run(glue, counting_job)
    entry = glue.get_job_bookmark(JobName=counting_job)["JobBookmarkEntry"]
    assert {k: entry[k] for k in ("JobName", "Version", "Run", "RunId", "PreviousRunId")} == {
        "JobName": counting_job,
        "Version": 2,
        "Run": 2,
        "RunId": second,
        "PreviousRunId": first,
    }
    assert json.loads(entry["JobBookmark"]) == {"counter": {"runs": 2}}
    assert saved(glue, counting_job, RunId=first) == {"counter": {"runs": 1}}

    # Paused and disabled runs read (or not) but save nothing.
    run(glue, counting_job, **{"--job-bookmark-option": "job-bookmark-pause"})
    run(glue, counting_job, **{"--job-bookmark-option": "job-bookmark-disable"})
    assert glue.get_job_bookmark(JobName=counting_job)["JobBookmarkEntry"]["Version"] == 2


def test_reset_makes_the_next_run_start_over_and_a_run_id_rewinds_to_before_that_run(glue, counting_job):
    first, second = run(glue, counting_job), run(glue, counting_job)
    reset = glue.reset_job_bookmark(JobName=counting_job)["JobBookmarkEntry"]
    assert reset["Version"] == 3 and json.loads(reset["JobBookmark"]) == {}
    run(glue, counting_job)
    assert saved(glue, counting_job) == {"counter": {"runs": 1}}

    rewound = glue.reset_job_bookmark(JobName=counting_job, RunId=second)["JobBookmarkEntry"]
    assert json.loads(rewound["JobBookmark"]) == {"counter": {"runs": 1}}  # as run `first` left it
    assert saved(glue, counting_job, RunId=first) == {"counter": {"runs": 1}}


def test_bookmark_operations_name_what_is_missing(glue, counting_job):
    assert error_code(lambda: glue.get_job_bookmark(JobName="no_such_job")) == "EntityNotFoundException"
    assert error_code(lambda: glue.reset_job_bookmark(JobName="no_such_job")) == "EntityNotFoundException"
    assert error_code(lambda: glue.reset_job_bookmark(JobName=counting_job)) == "EntityNotFoundException"
    run(glue, counting_job)
    with pytest.raises(ClientError, match="run jr_unknown not found"):
        glue.get_job_bookmark(JobName=counting_job, RunId="jr_unknown")
    assert error_code(lambda: glue.reset_job_bookmark(JobName=counting_job, RunId="jr_unknown")) == "EntityNotFoundException"


def test_a_deleted_job_takes_its_bookmark_with_it(glue, upload, counting_job):
    run(glue, counting_job)
    command = glue.get_job(JobName=counting_job)["Job"]["Command"]
    glue.delete_job(JobName=counting_job)
    glue.create_job(Name=counting_job, Role=ROLE, Command=command)
    assert error_code(lambda: glue.get_job_bookmark(JobName=counting_job)) == "EntityNotFoundException"


def test_only_a_running_job_runs_own_key_may_save_a_bookmark(server, monkeypatch):
    assert bookmarks.PRIVATE_PATH == private.PRIVATE_PATH
    assert bookmarks.SAVE_TARGET == private.TARGET_PREFIX + "SaveJobBookmark"
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", server.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # The server's own test keys are not a run's: refused, as is a key of a run that is not running.
    for key in ("testing", "GPJOBjr_" + "0" * 64):
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        with pytest.raises(bookmarks.BookmarkError, match="UnrecognizedClientException"):
            bookmarks._save("{}")
