"""EVENT triggers fire on events sent with EventBridge's PutEvents (an entry naming the
workflow's ARN in Resources), once their EventBatchingCondition is met: BatchSize events, or
BatchWindow seconds after the first (AWS developer guide: "Viewing the EventBridge events that
started a workflow"; API reference: EventBatchingCondition, StartingEventBatchCondition).
On both backends."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from test_workflow_runs import RULES, make_job, unique, wait_workflow_run

from conftest import start_and_wait
from servers import events_client, glue_client
from test_runs import blueprint  # noqa: F401  (a fixture)

ARN = "arn:aws:glue:us-east-1:123456789012:workflow/{}"


@pytest.fixture(scope="module")
def orchestra(start_server):
    return start_server(*RULES)


@pytest.fixture(scope="module")
def g(orchestra):
    return glue_client(orchestra.url)


@pytest.fixture(scope="module")
def events(orchestra):
    return events_client(orchestra.url)


def event_workflow(glue, batch: dict, activated: bool = True) -> str:
    workflow, job = unique("wf"), make_job(glue, unique("job"))
    glue.create_workflow(Name=workflow)
    glue.create_trigger(
        Name=f"{workflow}_start",
        WorkflowName=workflow,
        Type="EVENT",
        EventBatchingCondition=batch,
        StartOnCreation=activated,
        Actions=[{"JobName": job}],
    )
    return workflow


def send(events, workflow: str, count: int = 1) -> list[str]:
    entries = [{"Source": "test", "DetailType": "object created", "Detail": "{}", "Resources": [ARN.format(workflow)]}] * count
    answer = events.put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 0
    return [e["EventId"] for e in answer["Entries"]]


def runs_of(glue, workflow: str) -> list[dict]:
    return glue.get_workflow_runs(Name=workflow)["Runs"]


def test_an_event_trigger_starts_its_workflow_when_batch_size_events_arrived(g, events):
    workflow = event_workflow(g, {"BatchSize": 3, "BatchWindow": 900})
    first = send(events, workflow, 2)
    assert runs_of(g, workflow) == []  # two of three: the batch waits
    last = send(events, workflow)
    [run] = runs_of(g, workflow)
    assert run["StartingEventBatchCondition"] == {"BatchSize": 3}
    assert json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) == first + last
    done = wait_workflow_run(g, workflow, run["WorkflowRunId"])
    assert done["Status"] == "COMPLETED" and done["Statistics"]["SucceededActions"] == 1
    send(events, workflow, 2)
    assert len(runs_of(g, workflow)) == 1  # the next batch starts empty


def test_an_event_trigger_starts_its_workflow_when_the_batch_window_ends(g, events):
    workflow = event_workflow(g, {"BatchSize": 10, "BatchWindow": 1})
    sent_at = time.time()
    sent = send(events, workflow, 2)
    deadline = time.monotonic() + 60
    while not (runs := runs_of(g, workflow)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    [run] = runs
    assert run["StartingEventBatchCondition"] == {"BatchWindow": 1}
    assert json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) == sent
    assert run["StartedOn"].timestamp() >= sent_at + 1 - 0.01  # not before the window's end (milliseconds shown)


def test_an_event_trigger_takes_events_until_stop_trigger_deactivates_it(g, events):
    workflow = event_workflow(g, {"BatchSize": 1}, activated=False)  # as a blueprint's OnSchedule "EVENT" makes it
    send(events, workflow)
    assert len(runs_of(g, workflow)) == 1
    g.stop_trigger(Name=f"{workflow}_start")
    send(events, workflow)
    assert len(runs_of(g, workflow)) == 1
    g.start_trigger(Name=f"{workflow}_start")
    send(events, workflow)
    assert [run["StartingEventBatchCondition"] for run in runs_of(g, workflow)] == [{"BatchSize": 1}] * 2


def test_events_naming_no_workflow_are_answered_and_start_nothing(g, events):
    workflow = event_workflow(g, {"BatchSize": 1})
    answer = events.put_events(Entries=[{"Source": "test", "DetailType": "x", "Detail": "{}"}])
    assert answer["FailedEntryCount"] == 0 and len(answer["Entries"]) == 1
    assert runs_of(g, workflow) == []


def test_twenty_simultaneous_events_start_one_run_per_full_batch(orchestra, g):
    workflow = event_workflow(g, {"BatchSize": 5, "BatchWindow": 900})
    clients = [events_client(orchestra.url) for _ in range(20)]
    with ThreadPoolExecutor(len(clients)) as pool:
        sent = [event for ids in pool.map(lambda client: send(client, workflow), clients) for event in ids]
    runs = runs_of(g, workflow)
    batches = [json.loads(run["WorkflowRunProperties"]["aws:eventIds"]) for run in runs]
    assert sorted(len(batch) for batch in batches) == [5, 5, 5, 5]
    assert sorted(event for batch in batches for event in batch) == sorted(sent)


EVENT_LAYOUT = """
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job

def generate_layout(user_params, system_params):
    job = Job(Name="on_event", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"})
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[job]), OnSchedule="EVENT")
"""


def test_a_blueprint_workflow_on_schedule_event_starts_on_an_event(server, glue, blueprint, name):  # noqa: F811
    run = start_and_wait(glue, blueprint(EVENT_LAYOUT, {"WorkflowName": {"type": "String"}}), {"WorkflowName": name})
    assert run["State"] == "SUCCEEDED", run
    assert glue.get_trigger(Name=f"{name}_starting_trigger")["Trigger"]["Type"] == "EVENT"
    [event] = send(events_client(server.url), name)
    [started] = runs_of(glue, name)
    assert json.loads(started["WorkflowRunProperties"]["aws:eventIds"]) == [event]
