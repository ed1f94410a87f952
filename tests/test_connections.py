"""Data Catalog connections, from the Connection API reference: the ConnectionProperties each
ConnectionType requires (JDBC: all of HOST, PORT, JDBC_ENGINE or JDBC_CONNECTION_URL, and
USERNAME with PASSWORD or SECRET_ID; KAFKA: KAFKA_BOOTSTRAP_SERVERS; MONGODB: CONNECTION_URL
and credentials; NETWORK: PhysicalConnectionRequirements; SFTP unsupported), HidePassword,
GetConnections' Filter, and tags by arn:aws:glue:<region>:<account>:connection/<name>."""

import pytest

from conftest import all_pages, error_of, snapshot
from servers import glue_client

ARN = "arn:aws:glue:us-east-1:123456789012:connection"
JDBC = {"JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/shop", "USERNAME": "reader", "PASSWORD": "s3cret"}


def jdbc(name: str, **extra) -> dict:
    return {"Name": name, "ConnectionType": "JDBC", "ConnectionProperties": JDBC, **extra}


def test_a_jdbc_connection_is_kept_as_given(glue, name):
    status = glue.create_connection(ConnectionInput=jdbc(name, Description="shop", MatchCriteria=["a", "b"]))
    assert status["CreateConnectionStatus"] == "READY"
    connection = glue.get_connection(Name=name)["Connection"]
    assert connection["ConnectionType"] == "JDBC" and connection["ConnectionProperties"] == JDBC
    assert connection["Description"] == "shop" and connection["MatchCriteria"] == ["a", "b"]
    assert connection["Status"] == "READY" and connection["CreationTime"] == connection["LastUpdatedTime"]
    already = error_of(glue.create_connection, ConnectionInput=jdbc(name))
    assert already["Code"] == "AlreadyExistsException"


def test_hide_password_leaves_the_passwords_out(glue, name):
    glue.create_connection(ConnectionInput=jdbc(name, MatchCriteria=[name]))
    hidden = glue.get_connection(Name=name, HidePassword=True)["Connection"]["ConnectionProperties"]
    assert hidden == {k: v for k, v in JDBC.items() if k != "PASSWORD"}
    listed = glue.get_connections(Filter={"MatchCriteria": [name]}, HidePassword=True)["ConnectionList"]
    assert [c["ConnectionProperties"] for c in listed] == [hidden]
    assert glue.get_connection(Name=name)["Connection"]["ConnectionProperties"] == JDBC


@pytest.mark.parametrize(
    "kind, properties, extra",
    [
        ("JDBC", {"HOST": "db", "PORT": "5432", "JDBC_ENGINE": "postgres", "SECRET_ID": "s"}, {}),
        ("KAFKA", {"KAFKA_BOOTSTRAP_SERVERS": "b1:9092,b2:9092"}, {}),
        ("MONGODB", {"CONNECTION_URL": "mongodb://m:27017/x", "SECRET_ID": "s"}, {}),
        ("NETWORK", {}, {"PhysicalConnectionRequirements": {"SubnetId": "subnet-1", "AvailabilityZone": "us-east-1a"}}),
        (
            "MARKETPLACE",
            {"CONNECTOR_TYPE": "Spark", "CONNECTOR_URL": "u", "CONNECTOR_CLASS_NAME": "c", "CONNECTION_URL": "x"},
            {},
        ),
        ("CUSTOM", {"CONNECTOR_URL": "s3://c/c.jar"}, {}),
    ],
)
def test_each_type_with_its_required_properties_is_accepted(glue, name, kind, properties, extra):
    glue.create_connection(ConnectionInput={"Name": name, "ConnectionType": kind, "ConnectionProperties": properties, **extra})
    assert glue.get_connection(Name=name)["Connection"]["ConnectionType"] == kind


@pytest.mark.parametrize(
    "kind, properties, extra, named",
    [
        ("JDBC", {"USERNAME": "u", "PASSWORD": "p"}, {}, "JDBC_CONNECTION_URL"),
        ("JDBC", {"HOST": "db", "PORT": "5432", "USERNAME": "u", "PASSWORD": "p"}, {}, "JDBC_ENGINE"),
        ("JDBC", {"JDBC_CONNECTION_URL": "jdbc:x", "USERNAME": "u"}, {}, "SECRET_ID"),
        ("KAFKA", {}, {}, "KAFKA_BOOTSTRAP_SERVERS"),
        ("MONGODB", {"CONNECTION_URL": "mongodb://m"}, {}, "SECRET_ID"),
        ("NETWORK", {}, {}, "PhysicalConnectionRequirements"),
        (
            "MARKETPLACE",
            {"CONNECTOR_TYPE": "JDBC", "CONNECTOR_URL": "u", "CONNECTOR_CLASS_NAME": "c", "CONNECTION_URL": "x"},
            {},
            "SECRET_ID",
        ),
        ("SFTP", {"HOST": "h"}, {}, "SFTP"),
    ],
)
def test_a_type_without_its_required_properties_is_invalid_input(glue, name, kind, properties, extra, named):
    given = {"Name": name, "ConnectionType": kind, "ConnectionProperties": properties, **extra}
    error = error_of(glue.create_connection, ConnectionInput=given)
    assert error["Code"] == "InvalidInputException" and named in error["Message"]
    assert error_of(glue.get_connection, Name=name)["Code"] == "EntityNotFoundException"


def test_property_keys_outside_the_model_are_refused(raw_glue, name):
    given = {"Name": name, "ConnectionType": "JDBC", "ConnectionProperties": {**JDBC, "NOT_A_KEY": "x"}}
    assert error_of(raw_glue.create_connection, ConnectionInput=given)["Code"] == "ValidationException"


def test_get_connections_filters_by_type_and_match_criteria_and_pages(glue, name):
    glue.create_connection(ConnectionInput=jdbc(name + "a", MatchCriteria=[name, "shop"]))
    glue.create_connection(ConnectionInput=jdbc(name + "b", MatchCriteria=[name]))
    kafka = {"KAFKA_BOOTSTRAP_SERVERS": "b:9092"}
    glue.create_connection(
        ConnectionInput={"Name": name + "c", "ConnectionType": "KAFKA", "ConnectionProperties": kafka, "MatchCriteria": [name]}
    )

    def names(**filter_) -> list[str]:
        found = all_pages(glue.get_connections, "ConnectionList", Filter={"MatchCriteria": [name], **filter_}, MaxResults=1)
        return [c["Name"] for c in found]

    assert names() == [name + "a", name + "b", name + "c"]
    assert names(ConnectionType="JDBC") == [name + "a", name + "b"]
    assert names(MatchCriteria=[name, "shop"]) == [name + "a"]
    first = glue.get_connections(Filter={"MatchCriteria": [name]}, MaxResults=1)
    other = error_of(glue.get_connections, Filter={"ConnectionType": "KAFKA"}, NextToken=first["NextToken"])
    assert other["Code"] == "InvalidInputException"


def test_update_connection_replaces_and_may_rename(glue, name):
    glue.create_connection(ConnectionInput=jdbc(name, Description="old"), Tags={"k": "v"})
    created = glue.get_connection(Name=name)["Connection"]
    glue.update_connection(Name=name, ConnectionInput=jdbc(name, MatchCriteria=["m"]))
    updated = glue.get_connection(Name=name)["Connection"]
    assert "Description" not in updated and updated["MatchCriteria"] == ["m"]
    assert updated["CreationTime"] == created["CreationTime"] and updated["LastUpdatedTime"] >= created["LastUpdatedTime"]
    invalid = error_of(glue.update_connection, Name=name, ConnectionInput={**jdbc(name), "ConnectionProperties": {}})
    assert invalid["Code"] == "InvalidInputException"
    glue.update_connection(Name=name, ConnectionInput=jdbc(name + "new"))
    assert error_of(glue.get_connection, Name=name)["Code"] == "EntityNotFoundException"
    assert glue.get_tags(ResourceArn=f"{ARN}/{name}new")["Tags"] == {"k": "v"}
    glue.create_connection(ConnectionInput=jdbc(name))
    taken = error_of(glue.update_connection, Name=name, ConnectionInput=jdbc(name + "new"))
    assert taken["Code"] == "AlreadyExistsException"
    missing = error_of(glue.update_connection, Name=name + "x", ConnectionInput=jdbc(name + "x"))
    assert missing["Code"] == "EntityNotFoundException"


def test_deleting_connections(glue, name):
    for suffix in ("a", "b"):
        glue.create_connection(ConnectionInput=jdbc(name + suffix))
    glue.delete_connection(ConnectionName=name + "a")
    assert error_of(glue.delete_connection, ConnectionName=name + "a")["Code"] == "EntityNotFoundException"
    result = glue.batch_delete_connection(ConnectionNameList=[name + "a", name + "b"])
    assert result["Succeeded"] == [name + "b"]
    assert result["Errors"][name + "a"]["ErrorCode"] == "EntityNotFoundException"
    assert error_of(glue.get_connection, Name=name + "b")["Code"] == "EntityNotFoundException"


def test_connection_tags_by_arn(glue, name):
    glue.create_connection(ConnectionInput=jdbc(name), Tags={"owner": "équipe"})
    arn = f"{ARN}/{name}"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"owner": "équipe"}
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"env": "dev"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["owner"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"env": "dev"}
    assert error_of(glue.get_tags, ResourceArn=f"{ARN}/{name}x")["Code"] == "EntityNotFoundException"


def test_non_ascii_names_and_values_round_trip(glue, name):
    connection = {**jdbc(name + "_verbindung_連接"), "Description": "Datenbank für Bestellungen ✓"}
    glue.create_connection(ConnectionInput=connection)
    got = glue.get_connection(Name=name + "_verbindung_連接")["Connection"]
    assert got["Description"] == "Datenbank für Bestellungen ✓"


def test_rejected_connection_requests_change_nothing(start_server):
    server = start_server("--workers", "0")
    glue = glue_client(server.url)
    glue.create_connection(ConnectionInput=jdbc("kept"))
    before = snapshot(server)
    for call, kwargs in [
        (glue.create_connection, {"ConnectionInput": jdbc("kept")}),
        (glue.create_connection, {"ConnectionInput": {**jdbc("new"), "ConnectionProperties": {"USERNAME": "u"}}}),
        (glue.update_connection, {"Name": "gone", "ConnectionInput": jdbc("gone")}),
        (glue.delete_connection, {"ConnectionName": "gone"}),
        (glue.tag_resource, {"ResourceArn": f"{ARN}/gone", "TagsToAdd": {"a": "b"}}),
    ]:
        error_of(call, **kwargs)
    assert snapshot(server) == before
