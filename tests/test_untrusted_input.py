"""Input that would reach past the protocol layer is refused on both backends, never a 500:
NUL characters by the model check (ValidationException), NextTokens forged with the real
key by the service (InvalidInputException)."""

import pytest

from glueprint.domain.tokens import Tokens
from glueprint.store.db import Database

from conftest import ROLE
from servers import call_raw


@pytest.mark.parametrize(
    "operation, body, member",
    [
        ("CreateBlueprint", {"Name": "nul", "BlueprintLocation": "s3://b/k.zip", "Description": "a\x00b"}, "description"),
        ("CreateBlueprint", {"Name": "nul", "BlueprintLocation": "s3://b/k\x00.zip"}, "blueprintLocation"),
        ("StartBlueprintRun", {"BlueprintName": "nul", "RoleArn": ROLE + "\x00"}, "roleArn"),
        ("CreateDatabase", {"DatabaseInput": {"Name": "d", "Parameters": {"k\x00": "v"}}}, "databaseInput.parameters.key"),
    ],
)
def test_nul_characters_are_a_validation_error_and_change_nothing(server, glue, operation, body, member):
    response = call_raw(server.url, operation, body)
    assert response.status_code == 400
    assert response.json()["__type"] == "ValidationException"
    assert f"at '{member}' failed to satisfy constraint: Member must not contain the NUL character" in response.json()["Message"]
    assert "nul" not in glue.list_blueprints()["Blueprints"]


def test_next_tokens_forged_with_the_real_key_are_invalid_input(server, glue, example):
    glue.create_blueprint(Name="forged", BlueprintLocation=example("crawl_chain"))
    db = Database(server.db_url)
    tokens = Tokens(db.token_key())  # as if the key had leaked
    db.dispose()
    for position in ([], ["not-a-number"], [1, 2], [True], [None]):
        token = tokens.issue("GetBlueprintRuns", {"BlueprintName": "forged"}, position)
        response = call_raw(server.url, "GetBlueprintRuns", {"BlueprintName": "forged", "NextToken": token})
        assert response.status_code == 400 and response.json()["__type"] == "InvalidInputException", position
    for position in ([], [7], [{"a": 1}]):
        token = tokens.issue("ListBlueprints", {"Tags": {}}, position)
        response = call_raw(server.url, "ListBlueprints", {"NextToken": token})
        assert response.status_code == 400 and response.json()["__type"] == "InvalidInputException", position
