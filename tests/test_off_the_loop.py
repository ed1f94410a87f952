"""Reads whose work grows with the data (a filter that scans, a graph) are served off the
event loop, so they never delay the requests behind them; bounded reads stay on it."""

import asyncio
import threading

import httpx
import orjson
import pytest

from glueprint.app import create_app
from glueprint.config import Settings
from glueprint.service import entities, graph

ROLE = "arn:aws:iam::123456789012:role/Loop"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(db_url=f"sqlite:///{tmp_path_factory.mktemp('loop')}/loop.db", workers=0))


def serve(app, calls: list[tuple[str, dict]]) -> list[httpx.Response]:
    async def main():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://glue") as client:
            headers = {"Content-Type": "application/x-amz-json-1.1"}
            return [
                await client.post("/", content=orjson.dumps(body), headers={**headers, "X-Amz-Target": f"AWSGlue.{op}"})
                for op, body in calls
            ]

    return asyncio.run(main())


def threads_of(monkeypatch, module, name: str) -> list[bool]:
    """Record, for each call of module.name, whether it ran on the test's (the loop's) thread."""
    seen, real = [], getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_a_list_filtered_by_tags_runs_off_the_loop_and_a_plain_one_on_it(app, monkeypatch):
    job = {"Name": "tagged", "Role": ROLE, "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/x.py"}, "Tags": {"team": "a"}}
    assert serve(app, [("CreateJob", job)])[0].status_code == 200
    on_loop = threads_of(monkeypatch, entities, "filtered_page")
    filtered, plain = serve(app, [("ListJobs", {"Tags": {"team": "a"}}), ("ListJobs", {})])
    assert filtered.json()["JobNames"] == ["tagged"] and plain.json()["JobNames"] == ["tagged"]
    assert on_loop == [False, True]


def test_a_workflow_with_its_graph_is_read_off_the_loop(app, monkeypatch):
    assert serve(app, [("CreateWorkflow", {"Name": "graphed"})])[0].status_code == 200
    on_loop = threads_of(monkeypatch, graph, "build")
    answers = serve(
        app,
        [
            ("GetWorkflow", {"Name": "graphed", "IncludeGraph": True}),
            ("BatchGetWorkflows", {"Names": ["graphed"], "IncludeGraph": True}),
        ],
    )
    assert [a.status_code for a in answers] == [200, 200]
    assert on_loop == [False, False]
