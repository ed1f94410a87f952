"""Cached GetBlueprintRuns pages never outlive a change, even one made by another process,
and the generation read that checks them is shared only where that stays true."""

import asyncio
import json
import time

from glueprint.protocol.dispatch import LoopPassGeneration

from conftest import ROLE
from servers import glue_client
from test_runs import SIMPLE_LAYOUT, layout_archive


def test_a_cached_page_follows_changes_made_through_another_server(start_server, upload, activate, name):
    api = start_server("--workers", "0")
    other_api = start_server("--workers", "0", db_url=api.db_url)
    reader, writer = glue_client(api.url), glue_client(other_api.url)
    writer.create_blueprint(
        Name=name, BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    activate(other_api, writer, name)
    assert reader.get_blueprint_runs(BlueprintName=name)["BlueprintRuns"] == []
    run_id = writer.start_blueprint_run(BlueprintName=name, RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": name}))["RunId"]
    page = reader.get_blueprint_runs(BlueprintName=name)["BlueprintRuns"]
    assert [(r["RunId"], r["State"]) for r in page] == [(run_id, "RUNNING")]

    other_api.stop()
    executor = start_server("--workers", "1", db_url=api.db_url)  # executes the waiting run
    deadline = time.monotonic() + 120  # a started server executes the run: generous, as CI is loaded
    while reader.get_blueprint_runs(BlueprintName=name)["BlueprintRuns"][0]["State"] == "RUNNING":
        assert time.monotonic() < deadline, "the reader kept answering a stale page"
        time.sleep(0.05)
    assert reader.get_blueprint_runs(BlueprintName=name)["BlueprintRuns"][0]["State"] == "SUCCEEDED"
    executor.stop()

    writer = glue_client(api.url)
    writer.delete_blueprint(Name=name)
    writer.create_blueprint(Name=name, BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT)))
    assert reader.get_blueprint_runs(BlueprintName=name)["BlueprintRuns"] == []


def test_requests_handled_in_one_loop_pass_share_one_generation_read_and_later_ones_read_again():
    reads = []

    def read():
        reads.append(None)
        return len(reads)

    generation = LoopPassGeneration(read)

    async def request():
        return generation()

    async def requests():
        together = await asyncio.gather(request(), request(), request())  # three tasks started in one pass
        later = await asyncio.gather(request(), request())
        inline = (generation(), generation())  # one task handling two requests in one step
        return together, later, inline

    together, later, inline = asyncio.run(requests())
    assert together == [1, 1, 1]
    assert later == [2, 2]
    assert inline == (3, 4)
