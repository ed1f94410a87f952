"""A failing run that had created entities passes through ROLLING_BACK before FAILED.

The transition lasts milliseconds, so the test records every state the engine writes to the
runs table (a listener on the mock's own database engine) instead of polling for it.
"""

import json

import boto3
from sqlalchemy import event

from glueprint.testing import mock_glue
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

from test_runs import SIMPLE_LAYOUT, layout_archive


def test_a_run_that_created_entities_rolls_back_before_failing(tmp_path):
    (tmp_path / "bucket").mkdir()
    spec = {"WorkflowName": {"type": "String"}, "Jobs": {"type": "String", "collection": True}}
    (tmp_path / "bucket" / "bp.zip").write_bytes(layout_archive(SIMPLE_LAYOUT, spec))
    with mock_glue(archive_root=str(tmp_path)) as mock:
        states = []

        @event.listens_for(mock.db.engine, "before_cursor_execute")
        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("UPDATE runs SET state="):
                states.append(parameters[0] if isinstance(parameters, tuple | list) else parameters.get("state"))

        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_blueprint(Name="bp", BlueprintLocation="s3://bucket/bp.zip")
        assert wait_for_blueprint(glue, "bp")["Status"] == "ACTIVE"

        def run(params: dict) -> dict:
            run_id = glue.start_blueprint_run(BlueprintName="bp", RoleArn="arn:aws:iam::1:role/r", Parameters=json.dumps(params))[
                "RunId"
            ]
            return wait_for_blueprint_run(glue, "bp", run_id, timeout=120)  # generous: CI runs six suites on two cores

        assert run({"WorkflowName": "w", "Jobs": ["first"]})["State"] == "SUCCEEDED"
        # DeleteWorkflow leaves the triggers: the next run of w creates its workflow and job,
        # then meets w_starting_trigger and rolls them back.
        glue.delete_workflow(Name="w")
        states.clear()
        failed = run({"WorkflowName": "w", "Jobs": ["second"]})
        assert failed["State"] == "FAILED" and "Trigger with name 'w_starting_trigger'" in failed["ErrorMessage"]
        assert states == ["ROLLING_BACK", "FAILED"]
        assert [n for n in glue.list_jobs()["JobNames"] if n.startswith("w_second_")] == []
        assert "w" not in glue.list_workflows()["Workflows"]

        states.clear()
        early = run({"WorkflowName": "v"})  # a missing parameter fails before anything exists
        assert early["State"] == "FAILED" and states == ["FAILED"]
