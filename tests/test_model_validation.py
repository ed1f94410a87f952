"""Every limit of every implemented operation, from the model: rejected, named, and harmless."""

import re

import pytest
from botocore.exceptions import ClientError

from glueprint.service.registry import implemented

from conftest import snapshot
from model_cases import cases
from servers import call_raw

CASES = [case for op in implemented() for case in cases(op)]


def test_cases_cover_every_implemented_operation_with_limits():
    covered = {case.id.split("-")[0] for case in CASES}
    assert covered == {op for op in implemented() if cases(op)}
    assert len(CASES) > 100


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_validation_exception_naming_member_and_constraint_and_changes_nothing(quiet, case):
    # Sent as raw JSON: an SDK would reshape some wrong types before they left the client.
    server = quiet
    before = snapshot(server)
    op = case.id.split("-")[0]
    response = call_raw(server.url, op, case.params)
    body = response.json()
    assert response.status_code == 400
    assert body["__type"] == "ValidationException", body
    assert re.match(r"\d+ validation errors? detected: ", body["Message"]), body["Message"]
    assert f"at '{case.member}' failed to satisfy constraint: Member must" in body["Message"]
    assert case.constraint in body["Message"]
    assert snapshot(server) == before


def test_all_violations_are_reported_together(raw_glue):
    with pytest.raises(ClientError) as err:
        raw_glue.create_blueprint(Name="bad name!", BlueprintLocation="http://x", Description="")
    message = err.value.response["Error"]["Message"]
    assert message.startswith("3 validation errors detected")
    for member in ("name", "blueprintLocation", "description"):
        assert f"at '{member}'" in message
