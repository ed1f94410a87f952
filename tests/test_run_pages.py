"""GetBlueprintRuns paging: every run exactly once, newest first, with tokens that last."""

import json

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.pool import NullPool

from glueprint.packaging import zip_folder
from glueprint.store.schema import blueprints, runs

from conftest import EXAMPLES, ROLE, error_of, migrate_to
from servers import glue_client

RUNS = 1050  # more than the largest page (1000): every page size takes several pages


@pytest.fixture(scope="module")
def recorded(start_server, upload, activate):
    """An API-only server (no workers) holding RUNS recorded runs of one blueprint."""
    server = start_server("--workers", "0")
    glue = glue_client(server.url)
    for name in ("paged", "other"):
        glue.create_blueprint(Name=name, BlueprintLocation=upload(zip_folder(EXAMPLES / "crawl_chain")))
    assert [bp["Status"] for bp in activate(server, glue, "paged", "other")] == ["ACTIVE", "ACTIVE"]
    ids = [
        glue.start_blueprint_run(BlueprintName="paged", RoleArn=ROLE, Parameters=json.dumps({"i": i}))["RunId"]
        for i in range(RUNS)
    ]
    return server, glue, ids[::-1]


def all_pages(glue, max_results: int, **extra) -> tuple[list[str], int]:
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"BlueprintName": "paged", "MaxResults": max_results, **extra}
        page = glue.get_blueprint_runs(**kwargs, **({"NextToken": token} if token else {}))
        assert len(page["BlueprintRuns"]) <= max_results
        seen += [r["RunId"] for r in page["BlueprintRuns"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            return seen, pages


@pytest.mark.parametrize("max_results", [1, 7, 1000])
def test_every_run_is_returned_exactly_once_newest_first(recorded, max_results):
    _, glue, newest_first = recorded
    seen, pages = all_pages(glue, max_results)
    assert seen == newest_first
    assert pages == -(-RUNS // max_results)


def test_default_page_is_one_hundred_runs(recorded):
    _, glue, newest_first = recorded
    page = glue.get_blueprint_runs(BlueprintName="paged")
    assert [r["RunId"] for r in page["BlueprintRuns"]] == newest_first[:100]
    assert page["NextToken"]


def test_runs_record_parameters_and_role_while_still_running(recorded):
    _, glue, newest_first = recorded
    run = glue.get_blueprint_runs(BlueprintName="paged", MaxResults=1)["BlueprintRuns"][0]
    assert run["RunId"] == newest_first[0] and run["State"] == "RUNNING"
    assert json.loads(run["Parameters"]) == {"i": RUNS - 1} and run["RoleArn"] == ROLE
    assert "CompletedOn" not in run


def test_forged_or_foreign_tokens_are_invalid_input(recorded):
    _, glue, _ = recorded
    token = glue.get_blueprint_runs(BlueprintName="paged", MaxResults=5)["NextToken"]
    body, mac = token.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    for bad in (forged, "garbage", token + "x", "a.b.c"):
        err = error_of(glue.get_blueprint_runs, BlueprintName="paged", NextToken=bad)
        assert err["Code"] == "InvalidInputException", bad
    err = error_of(glue.get_blueprint_runs, BlueprintName="other", NextToken=token)
    assert err["Code"] == "InvalidInputException" and "different request" in err["Message"]
    list_token = glue.list_blueprints(MaxResults=1)["NextToken"]
    assert error_of(glue.get_blueprint_runs, BlueprintName="paged", NextToken=list_token)["Code"] == "InvalidInputException"


def test_tokens_survive_a_restart(recorded):
    server, glue, newest_first = recorded
    first = glue.get_blueprint_runs(BlueprintName="paged", MaxResults=50)
    server.restart()
    glue = glue_client(server.url)
    second = glue.get_blueprint_runs(BlueprintName="paged", MaxResults=50, NextToken=first["NextToken"])
    assert [r["RunId"] for r in second["BlueprintRuns"]] == newest_first[50:100]


def test_tokens_work_on_another_server_sharing_the_database(recorded, start_server):
    server, glue, newest_first = recorded
    token = glue.get_blueprint_runs(BlueprintName="paged", MaxResults=10)["NextToken"]
    twin = glue_client(start_server("--workers", "0", db_url=server.db_url).url)
    page = twin.get_blueprint_runs(BlueprintName="paged", MaxResults=10, NextToken=token)
    assert [r["RunId"] for r in page["BlueprintRuns"]] == newest_first[10:20]


def test_runs_recorded_before_views_were_kept_get_theirs_when_the_database_is_migrated(databases, start_server):
    # A database an earlier release left behind at revision 0008, holding runs recorded
    # before revision 0006 kept views: the migration renders theirs, so pages show them.
    url = databases.new(migrated=False)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        migrate_to(conn, "0008")
        conn.execute(
            insert(blueprints).values(
                name="old", location="s3://b/old.zip", status="ACTIVE", created_on=1.7e9, last_modified_on=1.7e9, tags="{}"
            )
        )
        common = {"blueprint_name": "old", "role_arn": ROLE, "view": None}
        for run in (
            {
                "run_id": "r1",
                "state": "SUCCEEDED",
                "started_on": 1.7e9 + 1,
                "completed_on": 1.7e9 + 2,
                "workflow_name": "wf1",
                "parameters": '{"i": "é 😀"}',  # not ASCII: pages are joined as bytes
            },
            {
                "run_id": "r2",
                "state": "FAILED",
                "started_on": 1.7e9 + 3,
                "completed_on": 1.7e9 + 4,
                "error_message": "boom",
                "rollback_error_message": "stuck",
            },
            {"run_id": "r3", "state": "RUNNING", "started_on": 1.7e9 + 5},
        ):
            conn.execute(insert(runs).values(**common, **run))
    engine.dispose()
    glue = glue_client(start_server("--workers", "0", db_url=url).url)

    first = glue.get_blueprint_runs(BlueprintName="old", MaxResults=2)
    rest = glue.get_blueprint_runs(BlueprintName="old", MaxResults=2, NextToken=first["NextToken"])
    shown = first["BlueprintRuns"] + rest["BlueprintRuns"]
    assert "NextToken" not in rest
    assert [(r["RunId"], r["State"], r["StartedOn"].timestamp()) for r in shown] == [
        ("r3", "RUNNING", 1.7e9 + 5),
        ("r2", "FAILED", 1.7e9 + 3),
        ("r1", "SUCCEEDED", 1.7e9 + 1),
    ]
    assert shown[1]["ErrorMessage"] == "boom" and shown[1]["RollbackErrorMessage"] == "stuck"
    assert shown[2]["WorkflowName"] == "wf1" and shown[2]["Parameters"] == '{"i": "é 😀"}' and shown[2]["RoleArn"] == ROLE
    assert "CompletedOn" not in shown[0] and shown[2]["CompletedOn"].timestamp() == 1.7e9 + 2
    for run in shown:
        assert glue.get_blueprint_run(BlueprintName="old", RunId=run["RunId"])["BlueprintRun"] == run
