"""Concurrency rules hold under concurrency: each is raced with 20 simultaneous calls or
endings, on both backends (PostgreSQL is where transactions really overlap)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from test_workflow_runs import RULES, make_job, on, unique, wait_workflow_run, workflow_of

from servers import glue_client

RACERS = 20


@pytest.fixture(scope="module")
def busy(start_server):
    """Four workers, so that job runs end at the same moment in different transactions."""
    return start_server(*RULES, "--workers", "4")


@pytest.fixture(scope="module")
def clients(busy):
    return [glue_client(busy.url) for _ in range(RACERS)]


def race(clients, call) -> list[str]:
    """Make ``call(client)`` from every client at once; each one's outcome: "ok" or its error code."""

    def one(client) -> str:
        try:
            call(client)
            return "ok"
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(one, clients))


def test_a_job_at_max_concurrent_runs_1_accepts_one_of_20_simultaneous_starts(clients):
    job = make_job(clients[0], unique("lingers"))  # every start below overlaps its run
    outcomes = race(clients, lambda glue: glue.start_job_run(JobName=job))
    assert sorted(outcomes) == ["ConcurrentRunsExceededException"] * (RACERS - 1) + ["ok"]
    assert len(clients[0].get_job_runs(JobName=job)["JobRuns"]) == 1


def test_a_workflow_at_max_concurrent_runs_1_accepts_one_of_20_simultaneous_starts(clients):
    slow = unique("lingers")
    workflow = workflow_of(clients[0], {slow: "glueetl"}, [slow])
    clients[0].update_workflow(Name=workflow, MaxConcurrentRuns=1)
    outcomes = race(clients, lambda glue: glue.start_workflow_run(Name=workflow))
    assert sorted(outcomes) == ["ConcurrentRunsExceededException"] * (RACERS - 1) + ["ok"]
    assert len(clients[0].get_workflow_runs(Name=workflow)["Runs"]) == 1


def wait_ended(glue, job: str, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        runs = glue.get_job_runs(JobName=job)["JobRuns"]
        if sum(r["JobRunState"] == "SUCCEEDED" for r in runs) >= count:
            return
        assert time.monotonic() < deadline, runs
        time.sleep(0.02)


def test_a_standalone_and_trigger_fires_once_when_its_two_jobs_end_together(clients):
    glue = clients[0]
    left, right, then = (make_job(glue, unique(n)) for n in ("left", "right", "then"))
    starter = unique("start")
    glue.create_trigger(Name=starter, Type="ON_DEMAND", Actions=[{"JobName": left}, {"JobName": right}])
    glue.create_trigger(
        Name=unique("both"),
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Logical": "AND", "Conditions": [on(left), on(right)]},
        Actions=[{"JobName": then}],
    )
    for round_ in range(1, RACERS + 1):  # both jobs end at once (0 s), in two workers' transactions
        glue.start_trigger(Name=starter)
        wait_ended(glue, left, round_)
        wait_ended(glue, right, round_)
        # the trigger is judged in the transactions that end its jobs: its run exists by now
        assert len(glue.get_job_runs(JobName=then)["JobRuns"]) == round_, f"round {round_}"


def test_a_workflow_and_trigger_fires_once_when_its_two_jobs_end_together(clients):
    glue = clients[0]
    left, right, then = unique("left"), unique("right"), unique("then")
    jobs = {left: "glueetl", right: "glueetl", then: "glueetl"}
    workflow = workflow_of(glue, jobs, [left, right], ExecutionProperty={"MaxConcurrentRuns": RACERS})
    glue.create_trigger(
        Name=unique("both"),
        WorkflowName=workflow,
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Logical": "AND", "Conditions": [on(left), on(right)]},
        Actions=[{"JobName": then}],
    )
    glue.update_workflow(Name=workflow, MaxConcurrentRuns=RACERS)
    assert race(clients, lambda c: c.start_workflow_run(Name=workflow)) == ["ok"] * RACERS
    for run in glue.get_workflow_runs(Name=workflow, MaxResults=RACERS)["Runs"]:
        done = wait_workflow_run(glue, workflow, run["WorkflowRunId"])
        assert done["Statistics"]["SucceededActions"] == 3, done["Statistics"]
