"""glueprint's pytest plugin as a user's suite meets it: its fixtures take the options that
say how job runs end (outcome rules, simulated seconds), from the command line, the ini file
or a test's mark."""

pytest_plugins = ["pytester"]

USER_TESTS = '''
import time

import pytest

ROLE = "arn:aws:iam::123456789012:role/Glue"


def run_jobs(glue):
    """Each job run, once it has ended: a load and a report, both Spark jobs."""
    runs = {}
    for job in ("load_sales", "report"):
        glue.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py"})
        run_id = glue.start_job_run(JobName=job)["JobRunId"]
        while (run := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] in ("STARTING", "RUNNING"):
            time.sleep(0.05)
        runs[job] = run
    return runs


def check(runs):
    assert runs["load_sales"]["JobRunState"] == "FAILED" and runs["load_sales"]["ErrorMessage"] == "disk full"
    report = runs["report"]
    assert report["JobRunState"] == "SUCCEEDED" and (report["CompletedOn"] - report["StartedOn"]).total_seconds() >= 2


def test_the_server_fixture(glueprint_server):
    check(run_jobs(glueprint_server.client()))


@pytest.mark.glueprint(outcomes={"load_*": "FAILED:0:disk full"}, simulated_seconds=2)
def test_the_in_process_fixture(mock_glue_client):
    check(run_jobs(mock_glue_client))
'''


def test_outcomes_and_simulated_seconds_from_the_command_line_and_a_mark(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--glueprint-outcome",
        "load_*=FAILED:0:disk full",
        "--glueprint-simulated-seconds",
        "2",
        "--glueprint-no-spark",
    )
    result.assert_outcomes(passed=2)


def test_outcomes_and_simulated_seconds_from_the_ini_file(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.makeini(
        "[pytest]\nglueprint_outcomes =\n    load_*=FAILED:0:disk full\nglueprint_simulated_seconds = 2\nglueprint_no_spark = true\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "server")
    result.assert_outcomes(passed=1, deselected=1)


def test_without_outcome_options_the_server_runs_jobs_as_glueprint_serve_does(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "server", "--glueprint-no-spark")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*'SUCCEEDED' == 'FAILED'*"])
