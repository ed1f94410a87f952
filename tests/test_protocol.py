"""The AWS JSON 1.1 wire: targets, content types, bodies, errors and request ids."""

import os
import uuid

import pytest

from glueprint.protocol.dispatch import MAX_BODY_BYTES, new_request_id

from conftest import create_blueprint
from servers import HTTP, call_raw


def post(server, body=b"{}", **headers):
    return call_raw(server.url, "ListBlueprints", body, **headers)


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["X-Amzn-ErrorType"] == code
    assert response.headers["x-amzn-RequestId"]
    body = response.json()
    assert body["__type"] == code
    assert body["Message"]
    return body["Message"]


def test_success_carries_request_id_and_json_content_type(server):
    response = post(server)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-amz-json-1.1")
    assert response.headers["x-amzn-RequestId"]
    assert "Blueprints" in response.json()


def test_request_ids_are_distinct_version_4_uuids(server):
    ids = [post(server).headers["x-amzn-RequestId"] for _ in range(20)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


def test_a_forked_process_draws_request_ids_of_its_own():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write_end, new_request_id().encode())
        os._exit(0)
    os.close(write_end)
    child = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    parent = new_request_id()
    assert uuid.UUID(child).version == 4
    assert child[:24] != parent[:24]  # the shared, random part


def test_malformed_json_is_a_serialization_error(server):
    assert "not valid JSON" in assert_error(post(server, b"{not json"), 400, "SerializationException")


def test_json_that_is_not_an_object_is_a_serialization_error(server):
    assert_error(post(server, b"[1, 2]"), 400, "SerializationException")


def test_missing_target_is_unknown_operation(server):
    assert "X-Amz-Target" in assert_error(post(server, **{"X-Amz-Target": None}), 400, "UnknownOperationException")


@pytest.mark.parametrize("target", ["AWSGlue.NoSuchThing", "DynamoDB_20120810.ListTables", "garbage"])
def test_unknown_target_is_unknown_operation(server, target):
    assert target in assert_error(post(server, **{"X-Amz-Target": target}), 400, "UnknownOperationException")


def test_unimplemented_glue_operation_is_named_in_the_error(server):
    message = assert_error(post(server, **{"X-Amz-Target": "AWSGlue.CreateDevEndpoint"}), 400, "UnknownOperationException")
    assert "CreateDevEndpoint" in message and "not implement" in message


def test_wrong_content_type_is_rejected_clearly(server):
    message = assert_error(post(server, **{"Content-Type": "text/plain"}), 400, "SerializationException")
    assert "application/x-amz-json-1.1" in message


def test_oversized_body_is_rejected_without_reading_it_all(server):
    body = b'{"Tags": {"k": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}}'
    assert_error(post(server, body), 413, "RequestEntityTooLargeException")


def test_empty_body_means_no_parameters(server):
    assert post(server, b"").status_code == 200


def test_get_on_root_describes_the_service(server):
    response = HTTP.get(server.url + "/")
    assert response.status_code == 200
    assert response.json()["service"] == "glueprint"


def test_timestamps_are_epoch_seconds_on_the_wire(server, glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("crawl_chain"))
    response = post(server, f'{{"Name": "{name}"}}'.encode(), **{"X-Amz-Target": "AWSGlue.GetBlueprint"})
    created = response.json()["Blueprint"]["CreatedOn"]
    assert isinstance(created, float) and created > 1.7e9
