"""A node's end costs what it changes: the documents it reads do not grow with the workflow."""

import orjson
import pytest
from sqlalchemy import insert

from glueprint.orchestration.conductor import Conductor
from glueprint.orchestration.outcomes import Outcomes
from glueprint.store import entities as entity_store
from glueprint.store import workflow_runs as run_store
from glueprint.store.db import Database
from glueprint.store.schema import entities

from conftest import migrate_to

ROLE = "arn:aws:iam::123456789012:role/Scale"


class CountingJson:
    """orjson for the store modules, counting the documents they parse."""

    def __init__(self):
        self.parsed = 0
        self.dumps = orjson.dumps

    def loads(self, text):
        self.parsed += 1
        return orjson.loads(text)


def chain(conn, name: str, nodes: int) -> list[str]:
    jobs = [f"{name}_j{i}" for i in range(nodes)]
    entity_store.add(conn, "workflow", name, {"Name": name}, 0)
    for job in jobs:
        doc = {"Name": job, "Role": ROLE, "Command": {"Name": "glueetl"}, "ExecutionProperty": {"MaxConcurrentRuns": 5}}
        entity_store.add(conn, "job", job, doc, 0)
    start = {"Name": f"{name}_start", "WorkflowName": name, "Type": "ON_DEMAND", "State": "CREATED"}
    entity_store.add(conn, "trigger", start["Name"], {**start, "Actions": [{"JobName": jobs[0]}]}, 0)
    for i in range(1, nodes):
        condition = {"LogicalOperator": "EQUALS", "JobName": jobs[i - 1], "State": "SUCCEEDED"}
        trigger = {
            "Name": f"{name}_t{i}",
            "WorkflowName": name,
            "Type": "CONDITIONAL",
            "State": "ACTIVATED",
            "Predicate": {"Conditions": [condition]},
            "Actions": [{"JobName": jobs[i]}],
        }
        entity_store.add(conn, "trigger", trigger["Name"], trigger, 0)
    return jobs


def documents_read_by_each_end(db: Database, name: str, nodes: int, monkeypatch) -> list[int]:
    conductor = Conductor(Outcomes())
    with db.write() as conn:
        jobs = chain(conn, name, nodes)
        run_id = conductor.start_workflow_run(conn, 1.0, name, None)
    counts = []
    for job in jobs:
        with db.write() as conn:
            (node,) = [n for n in run_store.open_node_runs(conn, "job", job)]
            counter = CountingJson()
            with monkeypatch.context() as patch:
                patch.setattr(entity_store, "orjson", counter)
                patch.setattr(run_store, "orjson", counter)
                assert conductor.finish(conn, 2.0, node, "SUCCEEDED")
            counts.append(counter.parsed)
    with db.read() as conn:
        assert run_store.workflow_run(conn, run_id)["status"] == "COMPLETED"
    return counts


def test_a_nodes_end_reads_the_same_few_documents_in_a_chain_of_10_or_200(databases, monkeypatch):
    db = Database(databases.new())
    try:
        small = documents_read_by_each_end(db, "small", 10, monkeypatch)
        large = documents_read_by_each_end(db, "large", 200, monkeypatch)
    finally:
        db.dispose()
    assert max(large) == max(small) <= 6, (small, large)


@pytest.mark.parametrize("logical", ["AND", "ANY"])
def test_a_trigger_waiting_on_two_nodes_fires_once_when_its_predicate_holds(databases, logical):
    db = Database(databases.new())
    conductor = Conductor(Outcomes())
    try:
        with db.write() as conn:
            jobs = ["a", "b", "after"]
            entity_store.add(conn, "workflow", "w", {"Name": "w"}, 0)
            for job in jobs:
                entity_store.add(conn, "job", job, {"Name": job, "Role": ROLE, "Command": {"Name": "glueetl"}}, 0)
            start = {"Name": "s", "WorkflowName": "w", "Type": "ON_DEMAND", "Actions": [{"JobName": "a"}, {"JobName": "b"}]}
            entity_store.add(conn, "trigger", "s", start, 0)
            conditions = [{"LogicalOperator": "EQUALS", "JobName": j, "State": "SUCCEEDED"} for j in ("a", "b")]
            join = {
                "Name": "join",
                "WorkflowName": "w",
                "Type": "CONDITIONAL",
                "State": "ACTIVATED",
                "Predicate": {"Logical": logical, "Conditions": conditions},
                "Actions": [{"JobName": "after"}],
            }
            entity_store.add(conn, "trigger", "join", join, 0)
            conductor.start_workflow_run(conn, 1.0, "w", None)
        started_after = []
        for job in ("a", "b"):
            with db.write() as conn:
                (node,) = run_store.open_node_runs(conn, "job", job)
                conductor.finish(conn, 2.0, node, "SUCCEEDED")
                started_after.append(len(run_store.open_node_runs(conn, "job", "after")))
        assert started_after == ([0, 1] if logical == "AND" else [1, 1])
    finally:
        db.dispose()


def test_migrating_to_0013_indexes_the_triggers_already_stored(databases):
    db = Database(databases.new(migrated=False))
    try:
        with db.engine.begin() as conn:
            migrate_to(conn, "0012")
            condition = {"LogicalOperator": "EQUALS", "CrawlerName": "crawl", "CrawlState": "SUCCEEDED"}
            doc = {"Name": "after_crawl", "WorkflowName": "w", "Type": "CONDITIONAL", "Predicate": {"Conditions": [condition]}}
            conn.execute(
                insert(entities).values(
                    kind="trigger", scope="", name="after_crawl", doc=orjson.dumps(doc).decode(), created_on=0, workflow="w"
                )
            )
        db.migrate()
        with db.read() as conn:
            assert [t["Name"] for t in entity_store.watchers(conn, "w", "crawl", "crawl")] == ["after_crawl"]
            assert entity_store.watchers(conn, "w", "job", "crawl") == []
    finally:
        db.dispose()
