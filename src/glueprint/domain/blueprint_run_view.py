"""A blueprint run as GetBlueprintRun(s) show it: the API answers with it, and a run's
execution keeps it up to date."""

from glueprint.protocol.serialize import prerender

# Each member of a BlueprintRun and the runs column it shows.
_MEMBERS = {
    "BlueprintName": "blueprint_name",
    "RunId": "run_id",
    "WorkflowName": "workflow_name",
    "State": "state",
    "StartedOn": "started_on",
    "CompletedOn": "completed_on",
    "ErrorMessage": "error_message",
    "RollbackErrorMessage": "rollback_error_message",
    "Parameters": "parameters",
    "RoleArn": "role_arn",
}


def view(row) -> dict:
    return {member: row.get(column) for member, column in _MEMBERS.items()}


def rendered(row) -> bytes:
    """The run as GetBlueprintRun(s) show it, rendered once by the protocol layer and kept
    with the run (opaque here): a page of runs is then read, not built, on every request."""
    return prerender("BlueprintRun", view(row))
