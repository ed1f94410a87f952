"""A node's end costs what it changes: the documents it reads do not grow with the workflow."""

import orjson
import pytest
from sqlalchemy import event, insert, select

from glueprint.domain.outcomes import Outcomes
from glueprint.orchestration.conductor import Conductor
from glueprint.store import entities as entity_store
from glueprint.store import run_triggers as snapshots
from glueprint.store import workflow_runs as run_store
from glueprint.store.db import Database
from glueprint.store.schema import entities, workflow_runs

from conftest import migrate_to

ROLE = "arn:aws:iam::123456789012:role/Scale"


class CountingJson:
    """orjson for the store modules, counting the documents they parse and their characters."""

    def __init__(self):
        self.parsed = self.characters = 0
        self.dumps = orjson.dumps

    def loads(self, text):
        self.parsed += 1
        self.characters += len(text)
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


def work_of_each_end(db: Database, name: str, nodes: int, monkeypatch) -> dict[str, int]:
    """The most documents, characters of documents and SQL statements one node's end took."""
    conductor = Conductor(Outcomes())
    with db.write() as conn:
        jobs = chain(conn, name, nodes)
        run_id = conductor.start_workflow_run(conn, 1.0, name, None)
    most = {"documents": 0, "characters": 0, "statements": 0}
    statements = []

    def count(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for job in jobs:
            with db.write() as conn:
                (node,) = [n for n in run_store.open_node_runs(conn, "job", job)]
                counter, before = CountingJson(), len(statements)
                with monkeypatch.context() as patch:
                    for module in (entity_store, run_store, snapshots):
                        patch.setattr(module, "orjson", counter)
                    assert conductor.finish(conn, 2.0, node, "SUCCEEDED")
                took = {"documents": counter.parsed, "characters": counter.characters, "statements": len(statements) - before}
                most = {key: max(most[key], took[key]) for key in most}
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    with db.read() as conn:
        assert run_store.workflow_run(conn, run_id)["status"] == "COMPLETED"
    return most


def test_a_nodes_end_reads_as_much_and_runs_as_many_statements_in_a_chain_of_10_as_of_200(databases, monkeypatch):
    db = Database(databases.new())
    try:
        small = work_of_each_end(db, "small", 10, monkeypatch)
        large = work_of_each_end(db, "large", 200, monkeypatch)
    finally:
        db.dispose()
    assert large["documents"] == small["documents"] <= 6, (small, large)
    assert large["statements"] == small["statements"], (small, large)
    # the names of a 200-node chain are longer by a digit or two, the documents no larger
    assert large["characters"] <= small["characters"] + 64, (small, large)


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


def test_migrating_to_0015_moves_each_runs_trigger_snapshot_out_of_its_document(databases):
    db = Database(databases.new(migrated=False))
    condition = {"LogicalOperator": "EQUALS", "JobName": "first", "State": "SUCCEEDED"}
    kept = {"Name": "kept", "WorkflowName": "w", "Type": "CONDITIONAL", "Predicate": {"Conditions": [condition]}}
    current = {"Name": "current", "WorkflowName": "w", "Type": "ON_DEMAND", "Actions": [{"JobName": "first"}]}
    try:
        with db.engine.begin() as conn:
            migrate_to(conn, "0014")
            conn.execute(
                insert(entities).values(
                    kind="trigger", scope="", name="current", doc=orjson.dumps(current).decode(), created_on=0, workflow="w"
                )
            )
            for run_id, doc in (("wr_kept", {"Name": "w", "triggers": [kept]}), ("wr_older", {"Name": "w"})):
                row = dict(run_id=run_id, workflow_name="w", status="COMPLETED", started_on=0, doc=orjson.dumps(doc).decode())
                conn.execute(insert(workflow_runs).values(**row))
        db.migrate()
        with db.read() as conn:
            # a run that kept its graph follows it; an older run, the workflow's triggers it followed
            assert snapshots.of_run(conn, "wr_kept") == [kept]
            assert snapshots.of_run(conn, "wr_older") == [current]
            assert [t["Name"] for t in snapshots.watching(conn, "wr_kept", "job", "first")] == ["kept"]
            docs = [orjson.loads(doc) for doc in conn.execute(select(workflow_runs.c.doc)).scalars()]
            assert all("triggers" not in doc for doc in docs)
    finally:
        db.dispose()


def test_removing_a_workflows_runs_removes_their_trigger_snapshots(databases):
    db = Database(databases.new())
    try:
        with db.write() as conn:
            jobs = chain(conn, "gone", 3)
            run_id = Conductor(Outcomes()).start_workflow_run(conn, 1.0, "gone", None)
            assert [t["Name"] for t in snapshots.watching(conn, run_id, "job", jobs[0])] == ["gone_t1"]
            run_store.remove_workflow_runs(conn, "gone")
            assert snapshots.of_run(conn, run_id) == []
            assert snapshots.watching(conn, run_id, "job", jobs[0]) == []
    finally:
        db.dispose()
