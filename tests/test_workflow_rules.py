"""The rules of triggers, workflow runs and job runs that a suite written against AWS relies
on, each named for the AWS rule it checks (on both backends)."""

import re
import time

import pytest
from botocore.exceptions import ClientError

from test_workflow_runs import RULES, conditional, make_job, on, unique, wait_workflow_run, workflow_of

from servers import call_raw, glue_client


@pytest.fixture(scope="module")
def orchestra(start_server):
    return start_server(*RULES)


@pytest.fixture(scope="module")
def g(orchestra):
    return glue_client(orchestra.url)


def wait_job_runs(glue, job: str, count: int, timeout: float = 120.0) -> list[dict]:
    """The job's runs once ``count`` of them have ended."""
    deadline = time.monotonic() + timeout
    while True:
        runs = glue.get_job_runs(JobName=job)["JobRuns"]
        ended = [r for r in runs if r["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING")]
        if len(ended) >= count or time.monotonic() > deadline:
            return runs
        time.sleep(0.05)


def standalone_chain(glue) -> tuple[str, str]:
    """Two jobs outside any workflow, the second started by an activated trigger watching the first."""
    first, then = make_job(glue, unique("first")), make_job(glue, unique("then"))
    glue.create_trigger(
        Name=unique("t"),
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Conditions": [on(first)]},
        Actions=[{"JobName": then}],
    )
    return first, then


def test_standalone_conditional_trigger_ignores_a_job_started_by_start_job_run(g):
    # AWS: dependent jobs or crawlers start only if the one that completed was started by a trigger.
    first, then = standalone_chain(g)
    g.start_job_run(JobName=first)
    assert wait_job_runs(g, first, 1)[0]["JobRunState"] == "SUCCEEDED"
    # a trigger fires in the transaction that ends the run it watches: had it fired, its run would be here
    assert g.get_job_runs(JobName=then)["JobRuns"] == []


def test_standalone_conditional_trigger_fires_after_a_job_a_trigger_started(g):
    first, then = standalone_chain(g)
    starter = unique("start")
    g.create_trigger(Name=starter, Type="ON_DEMAND", Actions=[{"JobName": first}])
    g.start_trigger(Name=starter)
    [run] = wait_job_runs(g, then, 1)
    assert run["JobRunState"] == "SUCCEEDED"


def test_a_workflow_run_follows_the_triggers_of_its_start(g):
    # AWS: changes to triggers after a run starts do not affect that run.
    slow, planned, other = unique("slow"), unique("planned"), unique("other")
    workflow = workflow_of(g, {slow: "glueetl", planned: "glueetl", other: "glueetl"}, [slow])
    trigger = unique("t")
    conditional(g, trigger, workflow, [on(slow)], [planned])
    run_id = g.start_workflow_run(Name=workflow)["RunId"]
    g.update_trigger(Name=trigger, TriggerUpdate={"Actions": [{"JobName": other}]})
    done = wait_workflow_run(g, workflow, run_id)
    assert done["Status"] == "COMPLETED" and done["Statistics"]["SucceededActions"] == 2
    assert g.get_job_runs(JobName=planned)["JobRuns"] and not g.get_job_runs(JobName=other)["JobRuns"]
    names = {n["Name"] for n in done["Graph"]["Nodes"]}
    assert planned in names and other not in names


def test_resume_accepts_only_a_completed_run(g):
    slow = unique("lingers")  # still running when stopped, however loaded the machine
    workflow = workflow_of(g, {slow: "glueetl"}, [slow])
    run_id = g.start_workflow_run(Name=workflow)["RunId"]
    g.stop_workflow_run(Name=workflow, RunId=run_id)
    stopped = wait_workflow_run(g, workflow, run_id)
    assert stopped["Status"] == "STOPPED"
    node = next(n["UniqueId"] for n in stopped["Graph"]["Nodes"] if n["Name"] == slow)
    with pytest.raises(ClientError) as err:
        g.resume_workflow_run(Name=workflow, RunId=run_id, NodeIds=[node])
    assert err.value.response["Error"]["Code"] == "IllegalWorkflowStateException"


def test_resume_restarts_the_upstream_node_first_and_answers_only_what_restarted(g):
    first, middle, last = unique("first_fails"), unique("middle"), unique("last")
    workflow = workflow_of(g, {first: "glueetl", middle: "glueetl", last: "glueetl"}, [first])
    conditional(g, unique("t1"), workflow, [on(first, "FAILED")], [middle])
    conditional(g, unique("t2"), workflow, [on(middle)], [last])
    original = wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])
    ids = {n["Name"]: n["UniqueId"] for n in original["Graph"]["Nodes"]}
    resumed = g.resume_workflow_run(Name=workflow, RunId=original["WorkflowRunId"], NodeIds=[ids[middle], ids[first]])
    assert resumed["NodeIds"] == [ids[first]]  # middle is downstream of first: its trigger starts it again
    done = wait_workflow_run(g, workflow, resumed["RunId"])
    ordered = sorted(
        (r["StartedOn"], n["Name"]) for n in done["Graph"]["Nodes"] for r in (n.get("JobDetails") or {}).get("JobRuns", [])
    )
    assert [name for _, name in ordered] == [first, middle, last]


def test_delete_job_keeps_finished_workflow_runs_statistics_and_graph(g):
    first, then = unique("first"), unique("then")
    workflow = workflow_of(g, {first: "glueetl", then: "glueetl"}, [first])
    conditional(g, unique("t"), workflow, [on(first)], [then])
    done = wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])
    g.delete_job(JobName=then)
    after = g.get_workflow_run(Name=workflow, RunId=done["WorkflowRunId"], IncludeGraph=True)["Run"]
    assert after["Statistics"] == done["Statistics"] and after["Graph"] == done["Graph"]


def test_a_trigger_naming_a_deleted_job_records_an_errored_action(g):
    first, gone = unique("first"), unique("gone")
    workflow = workflow_of(g, {first: "glueetl", gone: "glueetl"}, [first])
    conditional(g, unique("t"), workflow, [on(first)], [gone])
    g.delete_job(JobName=gone)
    done = wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])
    assert done["Status"] == "COMPLETED"
    assert done["Statistics"]["ErroredActions"] == 1 and done["Statistics"]["SucceededActions"] == 1


def test_graph_nodes_carry_aws_shaped_ids_and_no_details_before_they_run(g):
    first = unique("first")
    workflow = workflow_of(g, {first: "glueetl"}, [first])
    graph = g.get_workflow(Name=workflow, IncludeGraph=True)["Workflow"]["Graph"]
    assert all(re.fullmatch(r"wnode_[0-9a-f]{64}", n["UniqueId"]) for n in graph["Nodes"])
    job = next(n for n in graph["Nodes"] if n["Type"] == "JOB")
    assert "JobDetails" not in job


def test_job_runs_show_capacity_log_group_and_predecessors_with_millisecond_timestamps(orchestra, g):
    first, then = unique("first"), unique("then")
    workflow = workflow_of(g, {first: "glueetl", then: "glueetl"}, [first], WorkerType="G.1X", NumberOfWorkers=3)
    conditional(g, unique("t"), workflow, [on(first)], [then])
    wait_workflow_run(g, workflow, g.start_workflow_run(Name=workflow)["RunId"])
    run = g.get_job_runs(JobName=then)["JobRuns"][0]
    single = g.get_job_run(JobName=then, RunId=run["Id"])["JobRun"]
    assert single["PredecessorRuns"] == [{"JobName": first, "RunId": g.get_job_runs(JobName=first)["JobRuns"][0]["Id"]}]
    assert (single["MaxCapacity"], single["AllocatedCapacity"], single["LogGroupName"]) == (3.0, 3, "/aws-glue/jobs")
    body = call_raw(orchestra.url, "GetJobRun", {"JobName": then, "RunId": run["Id"]}).json()
    assert all(len(str(body["JobRun"][k]).partition(".")[2]) <= 3 for k in ("StartedOn", "CompletedOn"))


def test_a_missing_workflow_has_one_text_whichever_operation_looks(g):
    missing = unique("nowf")
    texts = set()
    for call, kwargs in (
        (g.get_workflow, {"Name": missing}),
        (g.start_workflow_run, {"Name": missing}),
        (g.get_workflow_runs, {"Name": missing}),
        (g.get_workflow_run, {"Name": missing, "RunId": "wr_x"}),
    ):
        with pytest.raises(ClientError) as err:
            call(**kwargs)
        assert err.value.response["Error"]["Code"] == "EntityNotFoundException"
        texts.add(err.value.response["Error"]["Message"])
    assert texts == {f"Workflow {missing} not found."}


def test_a_missing_crawler_is_named_in_aws_words(g):
    missing = unique("nocrawler")
    for call in (g.get_crawler, g.delete_crawler):
        with pytest.raises(ClientError) as err:
            call(Name=missing)
        assert err.value.response["Error"]["Message"] == f"Crawler entry with name {missing} does not exist"


def test_a_running_crawler_shows_the_time_its_crawl_has_taken(g):
    crawler = unique("lingers")  # its crawl takes 120 s
    g.create_crawler(Name=crawler, Role="arn:aws:iam::123456789012:role/R", Targets={"S3Targets": [{"Path": "s3://lake/a/"}]})
    g.start_crawler(Name=crawler)
    deadline = time.monotonic() + 60
    while (shown := g.get_crawler(Name=crawler)["Crawler"]).get("CrawlElapsedTime", 0) == 0:
        assert time.monotonic() < deadline, shown
        time.sleep(0.05)
    assert shown["State"] == "RUNNING" and 0 < shown["CrawlElapsedTime"] < 120_000


def test_get_crawler_metrics_pages_by_max_results(g):
    crawlers = sorted(unique("paged") for _ in range(3))
    for crawler in crawlers:
        g.create_crawler(Name=crawler, Role="arn:aws:iam::123456789012:role/R", Targets={"S3Targets": [{"Path": "s3://lake/a/"}]})
    seen, token = [], None
    while True:
        page = g.get_crawler_metrics(CrawlerNameList=crawlers, MaxResults=2, **({"NextToken": token} if token else {}))
        seen += [m["CrawlerName"] for m in page["CrawlerMetricsList"]]
        if not (token := page.get("NextToken")):
            break
    assert seen == crawlers
    first = g.get_crawler_metrics(MaxResults=1)
    assert len(first["CrawlerMetricsList"]) == 1 and first["NextToken"]
    following = g.get_crawler_metrics(MaxResults=1, NextToken=first["NextToken"])["CrawlerMetricsList"]
    assert following[0]["CrawlerName"] > first["CrawlerMetricsList"][0]["CrawlerName"]
