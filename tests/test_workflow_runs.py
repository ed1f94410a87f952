"""Workflow runs end to end over boto3, on both backends: triggers fire, jobs run, runs end."""

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, create_blueprint, start_and_wait, zip_files
from servers import HTTP, glue_client

RULES = (
    "--simulated-seconds",
    "0",
    "--outcome",
    "*fails*=FAILED:0:planned failure",
    "--outcome",
    "*slow*=SUCCEEDED:4",
    "--outcome",
    "*lingers*=SUCCEEDED:120",
)


@pytest.fixture(scope="module")
def orchestra(start_server):
    """A server whose Spark jobs end at once, '*fails*' nodes fail, '*slow*' ones take 4 s and
    '*lingers*' ones 120 s (a test that must act while a node runs, however loaded the machine)."""
    return start_server(*RULES)


@pytest.fixture(scope="module")
def g(orchestra):
    return glue_client(orchestra.url)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


# Waits for what surely comes are generous: the CI runs six suites side by side on two cores.
def wait_workflow_run(glue, workflow: str, run_id: str, timeout: float = 120.0, until=("COMPLETED", "STOPPED", "ERROR")) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = glue.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
        if run["Status"] in until or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def job_runs_by_start(run: dict) -> list[tuple[str, str, str | None]]:
    """(job, state, trigger) of every job run in a workflow run's graph, in the order they started."""
    found = []
    for node in run["Graph"]["Nodes"]:
        for job_run in (node.get("JobDetails") or {}).get("JobRuns", []):
            found.append((job_run["StartedOn"], job_run["Id"], node["Name"], job_run["JobRunState"], job_run.get("TriggerName")))
    return [(name, state, trigger) for _, _, name, state, trigger in sorted(found)]


def wait_graph(glue, workflow: str, run_id: str, until, timeout: float = 60.0) -> dict:
    """The workflow run once until(its job runs by start) holds: what the test needs to
    have happened, observed rather than assumed after a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not until(job_runs_by_start(run := glue.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"])):
        assert time.monotonic() < deadline, run
        time.sleep(0.05)
    return run


def runs_of(run: dict, node: str) -> list[str]:
    """The ids of a node's runs in a workflow run's graph."""
    details = next(n.get("JobDetails") or {} for n in run["Graph"]["Nodes"] if n["Name"] == node)
    return [job_run["Id"] for job_run in details.get("JobRuns", [])]


def make_job(glue, name: str, command: str = "glueetl", **extra) -> str:
    glue.create_job(Name=name, Role=ROLE, Command={"Name": command, "ScriptLocation": "s3://blueprints/none.py"}, **extra)
    return name


def on(job: str, state: str = "SUCCEEDED") -> dict:
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state}


def conditional(glue, name: str, workflow: str, conditions: list[dict], actions: list[str], logical: str = "AND") -> None:
    glue.create_trigger(
        Name=name,
        WorkflowName=workflow,
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Logical": logical, "Conditions": conditions},
        Actions=[{"JobName": a} for a in actions],
    )


def workflow_of(glue, jobs: dict[str, str], start: list[str], **job_options) -> str:
    """A workflow with the given jobs (name → command) and an ON_DEMAND trigger starting ``start``."""
    workflow = unique("wf")
    glue.create_workflow(Name=workflow)
    for job, command in jobs.items():
        make_job(glue, job, command, **job_options)
    glue.create_trigger(
        Name=f"{workflow}_start", WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": j} for j in start]
    )
    return workflow


DIAMOND_LAYOUT = """
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job

def generate_layout(user_params, system_params):
    def job(name, **kw):
        return Job(Name=name, Command={"Name": "glueetl", "ScriptLocation": "s3://blueprints/etl.py"}, Role=user_params["Role"], **kw)
    extract = job("extract")
    clean = job("clean", DependsOn={extract: "SUCCEEDED"})
    enrich = job("enrich", DependsOn={extract: "SUCCEEDED"})
    load = job("load", DependsOn={clean: "SUCCEEDED", enrich: "SUCCEEDED"}, WaitForDependencies="AND")
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[extract, clean, enrich, load]))
"""
DIAMOND_CFG = {
    "layoutGenerator": "diamond.layout.generate_layout",
    "parameterSpec": {"WorkflowName": {"type": "String"}, "Role": {"type": "IAMRoleArn"}},
}


def test_a_blueprints_workflow_runs_to_completed_in_dependency_order(g, upload):
    location = upload(zip_files({"diamond/blueprint.cfg": json.dumps(DIAMOND_CFG), "diamond/layout.py": DIAMOND_LAYOUT}))
    blueprint, workflow = unique("diamond"), unique("diamond_wf")
    create_blueprint(g, Name=blueprint, BlueprintLocation=location)
    run = start_and_wait(g, blueprint, {"WorkflowName": workflow, "Role": ROLE})
    assert run["State"] == "SUCCEEDED", run

    run_id = g.start_workflow_run(Name=workflow)["RunId"]
    assert run_id.startswith("wr_") and len(run_id) == 3 + 64
    done = wait_workflow_run(g, workflow, run_id)

    assert done["Status"] == "COMPLETED"
    assert done["Statistics"]["TotalActions"] == 4 and done["Statistics"]["SucceededActions"] == 4
    order = [name.rsplit("_", 1)[0] for name, _, _ in job_runs_by_start(done)]
    assert order[0] == "extract" and set(order[1:3]) == {"clean", "enrich"} and order[3] == "load"
    triggers = {name.rsplit("_", 1)[0]: trigger for name, _, trigger in job_runs_by_start(done)}
    assert triggers["extract"] == f"{workflow}_starting_trigger"
    assert triggers["load"].startswith(f"{workflow}_load_")
    assert g.get_workflow(Name=workflow)["Workflow"]["LastRun"]["WorkflowRunId"] == run_id


def test_any_fires_on_the_first_condition_and_and_waits_for_all(g):
    a, b, slow = unique("a"), unique("b"), unique("slow")
    after_any, after_all = unique("any"), unique("all")
    workflow = workflow_of(
        g, {a: "glueetl", b: "glueetl", slow: "glueetl", after_any: "glueetl", after_all: "glueetl"}, [a, slow]
    )
    conditional(g, unique("t_any"), workflow, [on(a), on(slow)], [after_any], logical="ANY")
    conditional(g, unique("t_all"), workflow, [on(a), on(slow)], [after_all])
    run_id = g.start_workflow_run(Name=workflow)["RunId"]

    # ANY fires once a has ended, while slow (4 s) still runs; AND waits for slow too
    middle = wait_graph(g, workflow, run_id, lambda runs: after_any in {name for name, _, _ in runs})
    assert (slow, "RUNNING") in {(name, state) for name, state, _ in job_runs_by_start(middle)}
    assert after_all not in {name for name, _, _ in job_runs_by_start(middle)}

    done = wait_workflow_run(g, workflow, run_id)
    assert [name for name, _, _ in job_runs_by_start(done)][-1] == after_all
    any_run = next(r for n in done["Graph"]["Nodes"] if n["Name"] == after_any for r in n["JobDetails"]["JobRuns"])
    assert (
        g.get_job_run(JobName=after_any, RunId=any_run["Id"], PredecessorsIncluded=True)["JobRun"]["PredecessorRuns"][0][
            "JobName"
        ]
        == a
    )


def test_a_failing_job_stops_its_successors_and_the_run_still_completes(g):
    first, then = unique("first_fails"), unique("then")
    workflow = workflow_of(g, {first: "glueetl", then: "glueetl"}, [first])
    conditional(g, unique("t"), workflow, [on(first)], [then])
    done = wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])

    assert done["Status"] == "COMPLETED"
    assert job_runs_by_start(done) == [(first, "FAILED", f"{workflow}_start")]
    assert done["Statistics"]["FailedActions"] == 1 and done["Statistics"]["TotalActions"] == 1
    failed = g.get_job_runs(JobName=first)["JobRuns"][0]
    assert failed["ErrorMessage"] == "planned failure"


def test_a_trigger_on_failed_runs_the_cleanup_path(g):
    first, cleanup = unique("first_fails"), unique("cleanup")
    workflow = workflow_of(g, {first: "glueetl", cleanup: "glueetl"}, [first])
    conditional(g, unique("t"), workflow, [on(first, "FAILED")], [cleanup])
    done = wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])
    assert [(n, s) for n, s, _ in job_runs_by_start(done)] == [(first, "FAILED"), (cleanup, "SUCCEEDED")]


def test_run_properties_start_from_the_defaults_and_change_only_in_their_run(g):
    job = unique("slow")
    workflow = unique("wf")
    g.create_workflow(Name=workflow, DefaultRunProperties={"stage": "dev", "keep": "1"})
    make_job(g, job)
    g.create_trigger(Name=unique("start"), WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": job}])
    first = g.start_workflow_run(Name=workflow, RunProperties={"stage": "prod"})["RunId"]
    g.put_workflow_run_properties(Name=workflow, RunId=first, RunProperties={"rows": "10"})
    assert g.get_workflow_run_properties(Name=workflow, RunId=first)["RunProperties"] == {
        "stage": "prod",
        "keep": "1",
        "rows": "10",
    }
    second = g.start_workflow_run(Name=workflow)["RunId"]
    assert g.get_workflow_run_properties(Name=workflow, RunId=second)["RunProperties"] == {"stage": "dev", "keep": "1"}


def test_stop_ends_running_jobs_and_starts_nothing_more(g):
    slow, after = unique("lingers"), unique("after")
    workflow = workflow_of(g, {slow: "glueetl", after: "glueetl"}, [slow])
    conditional(g, unique("t"), workflow, [on(slow)], [after])
    run_id = g.start_workflow_run(Name=workflow)["RunId"]
    wait_graph(g, workflow, run_id, lambda runs: [(name, state) for name, state, _ in runs] == [(slow, "RUNNING")])
    g.stop_workflow_run(Name=workflow, RunId=run_id)
    done = wait_workflow_run(g, workflow, run_id, until=("STOPPED",))

    assert done["Status"] == "STOPPED"
    assert job_runs_by_start(done) == [(slow, "STOPPED", f"{workflow}_start")]
    assert done["Statistics"]["StoppedActions"] == 1
    with pytest.raises(ClientError) as error:
        g.stop_workflow_run(Name=workflow, RunId=run_id)
    assert error.value.response["Error"]["Code"] == "IllegalWorkflowStateException"


def test_resume_runs_the_named_node_and_what_follows_under_a_new_run_id(g):
    first, middle, last = unique("first"), unique("middle_fails"), unique("last")
    workflow = workflow_of(g, {first: "glueetl", middle: "glueetl", last: "glueetl"}, [first])
    conditional(g, unique("t1"), workflow, [on(first)], [middle])
    conditional(g, unique("t2"), workflow, [on(middle, "FAILED")], [last])
    original = wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])
    assert original["Statistics"]["TotalActions"] == 3

    node_id = next(n["UniqueId"] for n in original["Graph"]["Nodes"] if n["Name"] == middle)
    resumed = g.resume_workflow_run(Name=workflow, RunId=original["WorkflowRunId"], NodeIds=[node_id])
    assert resumed["NodeIds"] == [node_id] and resumed["RunId"] != original["WorkflowRunId"]
    done = wait_workflow_run(g, workflow, resumed["RunId"])

    assert done["PreviousRunId"] == original["WorkflowRunId"]
    # the copied node shows its run of the original run; the resumed run counts its own actions
    assert [(n, s) for n, s, _ in job_runs_by_start(done)] == [(first, "SUCCEEDED"), (middle, "FAILED"), (last, "SUCCEEDED")]
    assert runs_of(done, first) == runs_of(original, first) and done["Statistics"]["TotalActions"] == 2
    with pytest.raises(ClientError) as error:
        g.resume_workflow_run(Name=workflow, RunId=original["WorkflowRunId"], NodeIds=["not-a-node"])
    assert error.value.response["Error"]["Code"] == "InvalidInputException"


def test_workflow_max_concurrent_runs_refuses_one_more(g):
    slow = unique("lingers")
    workflow = unique("wf")
    g.create_workflow(Name=workflow, MaxConcurrentRuns=1)
    make_job(g, slow, ExecutionProperty={"MaxConcurrentRuns": 5})  # lingers: the first run still runs
    g.create_trigger(Name=unique("start"), WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": slow}])
    g.start_workflow_run(Name=workflow)
    with pytest.raises(ClientError) as error:
        g.start_workflow_run(Name=workflow)
    assert error.value.response["Error"]["Code"] == "ConcurrentRunsExceededException"
    assert error.value.response["Error"]["Message"] == f"Concurrent runs exceeded for workflow: {workflow}."


def test_job_runs_merge_arguments_respect_concurrency_and_retry(g):
    slow = make_job(g, unique("lingers"), DefaultArguments={"--a": "default", "--b": "default"})
    run_id = g.start_job_run(JobName=slow, Arguments={"--b": "given"})["JobRunId"]
    job_run = g.get_job_run(JobName=slow, RunId=run_id)["JobRun"]
    assert job_run["Arguments"] == {"--a": "default", "--b": "given"}
    assert job_run["JobRunState"] in ("STARTING", "RUNNING") and job_run["Attempt"] == 0
    with pytest.raises(ClientError) as error:
        g.start_job_run(JobName=slow)
    assert error.value.response["Error"]["Code"] == "ConcurrentRunsExceededException"

    flaky = make_job(g, unique("retried_fails"), MaxRetries=2)
    first = g.start_job_run(JobName=flaky)["JobRunId"]
    deadline = time.monotonic() + 90
    while len(runs := g.get_job_runs(JobName=flaky)["JobRuns"]) < 3 or runs[0]["JobRunState"] != "FAILED":
        assert time.monotonic() < deadline, runs
        time.sleep(0.1)
    assert [(r["Id"], r["Attempt"]) for r in runs] == [(f"{first}_attempt_2", 2), (f"{first}_attempt_1", 1), (first, 0)]
    assert runs[0]["PreviousRunId"] == f"{first}_attempt_1"


def test_batch_stop_stops_running_runs_and_reports_the_rest(g):
    slow = make_job(g, unique("lingers"))
    run_id = g.start_job_run(JobName=slow)["JobRunId"]
    answer = g.batch_stop_job_run(JobName=slow, JobRunIds=[run_id, "jr_missing"])
    assert answer["SuccessfulSubmissions"] == [{"JobName": slow, "JobRunId": run_id}]
    assert answer["Errors"][0]["JobRunId"] == "jr_missing"
    deadline = time.monotonic() + 60
    while (state := g.get_job_run(JobName=slow, RunId=run_id)["JobRun"]["JobRunState"]) != "STOPPED":
        assert time.monotonic() < deadline, state
        time.sleep(0.1)


def test_a_job_started_outside_its_workflow_fires_none_of_its_triggers(g):
    first, then = unique("first"), unique("then")
    workflow = workflow_of(g, {first: "glueetl", then: "glueetl"}, [first])
    conditional(g, unique("t"), workflow, [on(first)], [then])
    run_id = g.start_job_run(JobName=first)["JobRunId"]
    deadline = time.monotonic() + 60
    while g.get_job_run(JobName=first, RunId=run_id)["JobRun"]["JobRunState"] != "SUCCEEDED":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(0.5)
    assert g.get_job_runs(JobName=then)["JobRuns"] == []
    assert g.get_workflow_runs(Name=workflow)["Runs"] == []


SHELL_SCRIPT = """
import sys
import boto3
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "WORKFLOW_NAME", "WORKFLOW_RUN_ID", "database"])
glue = boto3.client("glue")
props = glue.get_workflow_run_properties(Name=args["WORKFLOW_NAME"], RunId=args["WORKFLOW_RUN_ID"])["RunProperties"]
glue.create_database(DatabaseInput={"Name": args["database"]})
glue.create_table(DatabaseName=args["database"], TableInput={"Name": props["table"], "Parameters": {"job": args["JOB_NAME"]}})
glue.put_workflow_run_properties(Name=args["WORKFLOW_NAME"], RunId=args["WORKFLOW_RUN_ID"], RunProperties={"written": "yes"})
print("wrote", props["table"])
"""
FAILING_SCRIPT = """
raise ValueError("the input folder is empty")
"""


def test_a_pythonshell_job_reads_its_arguments_and_writes_a_catalog_table(g, orchestra, upload):
    script = upload(SHELL_SCRIPT.encode(), key=f"{uuid.uuid4().hex}/write_table.py")
    job, database = unique("shell"), unique("db")
    workflow = unique("wf")
    g.create_workflow(Name=workflow, DefaultRunProperties={"table": "written_by_job"})
    g.create_job(
        Name=job,
        Role=ROLE,
        Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"},
        DefaultArguments={"--database": database},
    )
    g.create_trigger(Name=unique("start"), WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": job}])
    run_id = g.start_workflow_run(Name=workflow)["RunId"]
    done = wait_workflow_run(g, workflow, run_id)

    job_run = g.get_job_runs(JobName=job)["JobRuns"][0]
    assert job_run["JobRunState"] == "SUCCEEDED", job_run
    assert g.get_table(DatabaseName=database, Name="written_by_job")["Table"]["Parameters"] == {"job": job}
    assert g.get_workflow_run_properties(Name=workflow, RunId=run_id)["RunProperties"]["written"] == "yes"
    assert done["Status"] == "COMPLETED"
    assert "Output" not in job_run  # no Glue shape has it: only the dashboard shows a script's output
    page = HTTP.get(f"{orchestra.url}/ui/workflows/{workflow}/runs/{run_id}").text
    assert "wrote written_by_job" in page


def test_a_pythonshell_exception_fails_the_run_with_its_message(g, upload):
    script = upload(FAILING_SCRIPT.encode(), key=f"{uuid.uuid4().hex}/fail.py")
    job = unique("shell")
    g.create_job(Name=job, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script})
    run_id = g.start_job_run(JobName=job)["JobRunId"]
    deadline = time.monotonic() + 120
    while (run := g.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] not in ("FAILED", "SUCCEEDED", "ERROR"):
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: the input folder is empty"


def test_kill_9_mid_workflow_loses_nothing_and_strands_no_node(start_server, tmp_session):
    server = start_server(*RULES, "--lease-seconds", "2")
    glue = glue_client(server.url)
    slow, after = unique("slow"), unique("after")
    workflow = workflow_of(glue, {slow: "glueetl", after: "glueetl"}, [slow])
    conditional(glue, unique("t"), workflow, [on(slow)], [after])
    run_id = glue.start_workflow_run(Name=workflow)["RunId"]
    wait_graph(glue, workflow, run_id, lambda runs: [(name, state) for name, state, _ in runs] == [(slow, "RUNNING")])
    server.kill()  # while slow runs
    server.start()
    done = wait_workflow_run(glue, workflow, run_id)
    assert done["Status"] == "COMPLETED"
    assert [(n, s) for n, s, _ in job_runs_by_start(done)] == [(slow, "SUCCEEDED"), (after, "SUCCEEDED")]


def test_a_script_whose_server_was_killed_ends_in_error_and_its_workflow_run_goes_on(start_server, upload):
    server = start_server(*RULES, "--lease-seconds", "2")
    glue = glue_client(server.url)
    script = upload(b"import time\ntime.sleep(60)\n", key=f"{uuid.uuid4().hex}/sleep.py")
    job, after = unique("shell"), unique("after")
    workflow = unique("wf")
    glue.create_workflow(Name=workflow)
    glue.create_job(Name=job, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script})
    make_job(glue, after)
    glue.create_trigger(Name=unique("start"), WorkflowName=workflow, Type="ON_DEMAND", Actions=[{"JobName": job}])
    # ERROR is no state a trigger can listen for (AWS): FAILED does not hold, so nothing follows.
    conditional(glue, unique("t"), workflow, [on(job, "FAILED")], [after])
    run_id = glue.start_workflow_run(Name=workflow)["RunId"]
    deadline = time.monotonic() + 120
    while [r["JobRunState"] for r in glue.get_job_runs(JobName=job)["JobRuns"]] != ["RUNNING"]:  # none until its trigger fires
        assert time.monotonic() < deadline
        time.sleep(0.1)
    server.kill()
    server.start()
    done = wait_workflow_run(glue, workflow, run_id)

    assert done["Status"] == "COMPLETED"
    assert [(n, s) for n, s, _ in job_runs_by_start(done)] == [(job, "ERROR")]
    assert "was lost before the run finished" in glue.get_job_runs(JobName=job)["JobRuns"][0]["ErrorMessage"]
    assert done["Statistics"]["ErroredActions"] == 1


def test_serve_refuses_an_outcome_rule_it_cannot_read(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "glueprint", "serve", "--db", f"sqlite:///{tmp_path}/x.db", "--outcome", "load_*=MAYBE"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--outcome 'load_*=MAYBE': the state must be one of" in result.stderr


def test_dashboard_draws_a_workflow_run_coloured_by_state_and_refreshes_while_it_runs(g, orchestra):
    slow = unique("slow_job_with_a_rather_long_name_that_would_not_fit_on_two_lines")
    first, after = unique("first_fails"), unique("after")
    workflow = workflow_of(g, {first: "glueetl", slow: "glueetl", after: "glueetl"}, [first, slow])
    trigger = unique("trigger_waiting_for_the_slow_job_and_the_failing_one")
    conditional(g, trigger, workflow, [on(slow), on(first, "FAILED")], [after])
    run_id = g.start_workflow_run(Name=workflow)["RunId"]
    # the page is read once first has failed; slow (4 s) still runs then
    wait_graph(g, workflow, run_id, lambda runs: (first, "FAILED", f"{workflow}_start") in runs)
    running = HTTP.get(f"{orchestra.url}/ui/workflows/{workflow}/runs/{run_id}").text
    assert 'http-equiv="refresh"' in running
    assert f'data-name="{slow}" data-state="RUNNING"' in running
    assert f'data-name="{first}" data-state="FAILED"' in running
    assert f'data-name="{after}" data-state="NOT RUN"' in running
    assert "CONDITIONAL · AND" in running and ">SUCCEEDED</text>" in running and ">FAILED</text>" in running
    wait_workflow_run(g, workflow, run_id)
    done = HTTP.get(f"{orchestra.url}/ui/workflows/{workflow}/runs/{run_id}").text
    assert 'http-equiv="refresh"' not in done
    assert f'data-name="{after}" data-state="SUCCEEDED"' in done and f'data-name="{trigger}" data-state="FIRED"' in done
    listing = HTTP.get(f"{orchestra.url}/ui/workflows/{workflow}").text
    assert run_id[:11] in listing and "COMPLETED" in listing


def test_two_processes_sharing_the_database_start_each_node_once(start_server, tmp_session, s3):
    from servers import glueprint_worker

    # A server of its own: the second process shares that database only, so when it is
    # stopped it has no other test's work in progress to finish first.
    server = start_server(*RULES)
    g = glue_client(server.url)
    worker = glueprint_worker(server.db_url, tmp_session, server.url, "--s3-endpoint-url", s3.url, *RULES).start()
    try:
        first = unique("first")
        fan = [unique(f"fan{i}") for i in range(12)]
        jobs = {first: "glueetl", **dict.fromkeys(fan, "glueetl")}
        workflow = workflow_of(g, jobs, [first], ExecutionProperty={"MaxConcurrentRuns": 10})
        g.create_trigger(
            Name=unique("t"),
            WorkflowName=workflow,
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={"Conditions": [on(first)]},
            Actions=[{"JobName": j} for j in fan],
        )
        runs = [g.start_workflow_run(Name=workflow)["RunId"] for _ in range(3)]
        for run_id in runs:
            done = wait_workflow_run(g, workflow, run_id)
            assert done["Status"] == "COMPLETED" and done["Statistics"]["SucceededActions"] == 13
        for job in [first, *fan]:
            assert len(g.get_job_runs(JobName=job)["JobRuns"]) == 3
    finally:
        worker.stop()
        server.stop()
