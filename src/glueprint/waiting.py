"""Waiting as a Glue client must: for a blueprint to leave CREATING/UPDATING, for a run to end.

boto3 has no waiters for blueprints, so these poll, as a user of AWS would.
"""

import time

BLUEPRINT_BUSY = ("CREATING", "UPDATING")
RUN_ENDED = ("SUCCEEDED", "FAILED")


def wait_for_blueprint(glue, name: str, timeout: float = 60.0, interval: float = 0.02) -> dict:
    """The blueprint once it is ACTIVE or FAILED (GetBlueprint's Blueprint)."""
    deadline = time.monotonic() + timeout
    while True:
        blueprint = glue.get_blueprint(Name=name)["Blueprint"]
        if blueprint["Status"] not in BLUEPRINT_BUSY:
            return blueprint
        if time.monotonic() > deadline:
            raise TimeoutError(f"blueprint {name} still {blueprint['Status']} after {timeout:g}s")
        time.sleep(interval)


def wait_for_blueprint_run(glue, blueprint: str, run_id: str, timeout: float = 60.0, interval: float = 0.05) -> dict:
    """The run once it SUCCEEDED or FAILED (GetBlueprintRun's BlueprintRun)."""
    deadline = time.monotonic() + timeout
    while True:
        run = glue.get_blueprint_run(BlueprintName=blueprint, RunId=run_id)["BlueprintRun"]
        if run["State"] in RUN_ENDED:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} of blueprint {blueprint} still {run['State']} after {timeout:g}s")
        time.sleep(interval)
