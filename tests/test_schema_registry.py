"""The Schema Registry over boto3 on both backends (API reference: "Schema registry"; developer
guide: "AWS Glue Schema registry", "Schema versioning and compatibility")."""

import json
import uuid

import pytest

from conftest import all_pages, error_of


def new_name(prefix: str = "sr") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def record(*fields) -> str:
    """An Avro record schema named r with these fields (name, type[, default])."""
    given = [{"name": f[0], "type": f[1], **({"default": f[2]} if len(f) > 2 else {})} for f in fields]
    return json.dumps({"type": "record", "name": "r", "fields": given})


V1 = record(("id", "long"))


def schema_in(glue, registry=None, compatibility="BACKWARD", definition=V1, data_format="AVRO") -> dict:
    registry = registry or glue.create_registry(RegistryName=new_name("reg"))["RegistryName"]
    name = new_name("schema")
    return glue.create_schema(
        RegistryId={"RegistryName": registry},
        SchemaName=name,
        DataFormat=data_format,
        Compatibility=compatibility,
        SchemaDefinition=definition,
    )


def sid(created: dict) -> dict:
    return {"RegistryName": created["RegistryName"], "SchemaName": created["SchemaName"]}


def test_a_registry_is_created_read_updated_and_listed_with_its_arn(glue, server):
    name = new_name("reg")
    created = glue.create_registry(RegistryName=name, Description="first", Tags={"team": "data"})
    assert created["RegistryArn"] == f"arn:aws:glue:us-east-1:123456789012:registry/{name}"
    assert created["Tags"] == {"team": "data"} and created["Description"] == "first"
    got = glue.get_registry(RegistryId={"RegistryArn": created["RegistryArn"]})
    assert got["RegistryName"] == name and got["Status"] == "AVAILABLE" and got["CreatedTime"].endswith("Z")
    glue.update_registry(RegistryId={"RegistryName": name}, Description="second")
    assert glue.get_registry(RegistryId={"RegistryName": name})["Description"] == "second"
    listed = all_pages(glue.list_registries, "Registries", MaxResults=1)
    assert [r["Description"] for r in listed if r["RegistryName"] == name] == ["second"]
    assert glue.get_tags(ResourceArn=created["RegistryArn"])["Tags"] == {"team": "data"}


def test_a_taken_registry_name_is_already_exists_and_a_missing_one_not_found(glue):
    name = new_name("reg")
    glue.create_registry(RegistryName=name)
    assert error_of(glue.create_registry, RegistryName=name)["Code"] == "AlreadyExistsException"
    for call in (glue.get_registry, glue.delete_registry):
        assert error_of(call, RegistryId={"RegistryName": new_name()})["Code"] == "EntityNotFoundException"
    error = error_of(
        glue.get_registry, RegistryId={"RegistryName": name, "RegistryArn": f"arn:aws:glue:us-east-1:1:registry/{name}"}
    )
    assert error["Code"] == "InvalidInputException"


def test_create_schema_with_a_definition_makes_version_one_the_checkpoint(glue):
    created = schema_in(glue)
    assert created["SchemaVersionStatus"] == "AVAILABLE" and created["LatestSchemaVersion"] == 1
    assert created["SchemaCheckpoint"] == 1 and created["NextSchemaVersion"] == 2
    assert created["SchemaArn"].endswith(f":schema/{created['RegistryName']}/{created['SchemaName']}")
    version = glue.get_schema_version(SchemaVersionId=created["SchemaVersionId"])
    assert version["SchemaDefinition"] == V1 and version["VersionNumber"] == 1 and version["DataFormat"] == "AVRO"
    latest = glue.get_schema_version(SchemaId=sid(created), SchemaVersionNumber={"LatestVersion": True})
    assert latest["SchemaVersionId"] == created["SchemaVersionId"]
    schema = glue.get_schema(SchemaId={"SchemaArn": created["SchemaArn"]})
    assert schema["Compatibility"] == "BACKWARD" and schema["SchemaStatus"] == "AVAILABLE" and "Tags" not in schema


def test_a_schema_without_a_registry_goes_to_the_default_registry_made_on_first_use(glue):
    name = new_name("schema")
    created = glue.create_schema(SchemaName=name, DataFormat="JSON", SchemaDefinition='{"type": "object"}')
    assert created["RegistryName"] == "default-registry"
    assert glue.get_registry(RegistryId={"RegistryName": "default-registry"})["Status"] == "AVAILABLE"
    assert glue.get_schema(SchemaId={"SchemaName": name})["DataFormat"] == "JSON"
    everywhere = all_pages(glue.list_schemas, "Schemas", MaxResults=2)
    assert any(s["SchemaName"] == name and s["RegistryName"] == "default-registry" for s in everywhere)


def test_an_invalid_definition_creates_nothing_and_check_validity_says_why(glue):
    registry = glue.create_registry(RegistryName=new_name("reg"))["RegistryName"]
    bad = {
        "AVRO": '{"type": "record", "name": "r", "fields": [{"name": "a", "type": "nope"}]}',
        "JSON": '{"type": "strin"}',
        "PROTOBUF": 'syntax = "proto3"; message A { Missing m = 1; }',
    }
    good = {
        "AVRO": V1,
        "JSON": '{"type": "object", "properties": {"a": {"type": "string"}}}',
        "PROTOBUF": 'syntax = "proto3";\nmessage A { string a = 1; map<string, B> m = 2; message B { int32 x = 1; } }',
    }
    for data_format, definition in bad.items():
        checked = glue.check_schema_version_validity(DataFormat=data_format, SchemaDefinition=definition)
        assert checked["Valid"] is False and data_format in checked["Error"]
        name = new_name("schema")
        error = error_of(
            glue.create_schema,
            RegistryId={"RegistryName": registry},
            SchemaName=name,
            DataFormat=data_format,
            SchemaDefinition=definition,
        )
        assert error["Code"] == "InvalidInputException"
        assert (
            error_of(glue.get_schema, SchemaId={"SchemaName": name, "RegistryName": registry})["Code"]
            == "EntityNotFoundException"
        )
    for data_format, definition in good.items():
        assert glue.check_schema_version_validity(DataFormat=data_format, SchemaDefinition=definition)["Valid"] is True


def test_the_same_definition_again_answers_the_existing_version(glue):
    created = schema_in(glue)
    respaced = json.dumps(json.loads(V1), indent=4)
    again = glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=respaced)
    assert again["SchemaVersionId"] == created["SchemaVersionId"] and again["VersionNumber"] == 1
    found = glue.get_schema_by_definition(SchemaId=sid(created), SchemaDefinition=respaced)
    assert found["SchemaVersionId"] == created["SchemaVersionId"] and found["Status"] == "AVAILABLE"
    error = error_of(glue.get_schema_by_definition, SchemaId=sid(created), SchemaDefinition=record(("other", "int")))
    assert error["Code"] == "EntityNotFoundException"


@pytest.mark.parametrize(
    ("compatibility", "compatible", "breaking"),
    [
        # BACKWARD: the new version reads the old one's data: a new field needs a default.
        ("BACKWARD", record(("id", "long"), ("n", "int", 0)), record(("id", "long"), ("n", "int"))),
        # FORWARD: the old version reads the new one's data: a new field without a default is fine,
        # a changed type is not.
        ("FORWARD", record(("id", "long"), ("n", "int")), record(("id", "string"))),
        ("FULL", record(("id", "long"), ("n", "int", 0)), record(("id", "long"), ("n", "int"))),
    ],
)
def test_a_version_that_breaks_compatibility_is_kept_as_failure_and_latest_stays(glue, compatibility, compatible, breaking):
    created = schema_in(glue, compatibility=compatibility)
    failed = glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=breaking)
    assert failed["Status"] == "FAILURE" and failed["VersionNumber"] == 2
    assert glue.get_schema_version(SchemaVersionId=failed["SchemaVersionId"])["Status"] == "FAILURE"
    schema = glue.get_schema(SchemaId=sid(created))
    assert schema["LatestSchemaVersion"] == 1 and schema["NextSchemaVersion"] == 3
    accepted = glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=compatible)
    assert accepted["Status"] == "AVAILABLE" and accepted["VersionNumber"] == 3
    assert glue.get_schema(SchemaId=sid(created))["LatestSchemaVersion"] == 3


def test_the_all_modes_check_every_version_since_the_checkpoint_and_the_others_only_the_latest(glue):
    v2 = record(("id", "long"), ("n", "int", 0))
    v3 = record(("id", "long"), ("m", "int", 0))  # drops n ...
    v4 = record(("id", "long"), ("n", "string", ""))  # ... v4 reads v3's data, not v2's (n changed type)
    for mode, status in (("BACKWARD", "AVAILABLE"), ("BACKWARD_ALL", "FAILURE")):
        created = schema_in(glue, compatibility=mode)
        for definition in (v2, v3):
            assert glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=definition)["Status"] == "AVAILABLE"
        assert glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=v4)["Status"] == status
    # Moving the checkpoint past v2 leaves it out of the _ALL check.
    created = schema_in(glue, compatibility="BACKWARD_ALL")
    for definition in (v2, v3):
        glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=definition)
    glue.update_schema(SchemaId=sid(created), SchemaVersionNumber={"VersionNumber": 3})
    assert glue.get_schema(SchemaId=sid(created))["SchemaCheckpoint"] == 3
    assert glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=v4)["Status"] == "AVAILABLE"


def test_none_takes_anything_and_disabled_takes_no_second_version(glue):
    created = schema_in(glue, compatibility="NONE")
    assert glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=record(("x", "string")))["Status"] == "AVAILABLE"
    disabled = schema_in(glue, compatibility="DISABLED")
    error = error_of(glue.register_schema_version, SchemaId=sid(disabled), SchemaDefinition=record(("x", "string")))
    assert error["Code"] == "InvalidInputException" and "DISABLED" in error["Message"]
    assert glue.get_schema(SchemaId=sid(disabled))["NextSchemaVersion"] == 2


def test_update_schema_needs_a_checkpoint_with_a_compatibility(glue):
    created = schema_in(glue)
    error = error_of(glue.update_schema, SchemaId=sid(created), Compatibility="NONE")
    assert error["Code"] == "InvalidInputException"
    glue.update_schema(SchemaId=sid(created), Compatibility="FULL", SchemaVersionNumber={"LatestVersion": True}, Description="d")
    schema = glue.get_schema(SchemaId=sid(created))
    assert (schema["Compatibility"], schema["Description"], schema["SchemaCheckpoint"]) == ("FULL", "d", 1)
    error = error_of(glue.update_schema, SchemaId=sid(created), SchemaVersionNumber={"VersionNumber": 9})
    assert error["Code"] == "EntityNotFoundException"


def test_delete_schema_versions_takes_a_range_refuses_the_checkpoint_and_lists_missing_ones(glue):
    created = schema_in(glue, compatibility="NONE")
    ids = [
        glue.register_schema_version(SchemaId=sid(created), SchemaDefinition=record((f"f{i}", "int")))["SchemaVersionId"]
        for i in range(2, 6)
    ]  # versions 2..5
    for versions in ("1", "1-3"):
        assert error_of(glue.delete_schema_versions, SchemaId=sid(created), Versions=versions)["Code"] == "InvalidInputException"
    glue.update_schema(SchemaId=sid(created), SchemaVersionNumber={"VersionNumber": 3})
    assert error_of(glue.delete_schema_versions, SchemaId=sid(created), Versions="2-4")["Code"] == "InvalidInputException"
    answer = glue.delete_schema_versions(SchemaId=sid(created), Versions="4-7")
    assert [e["VersionNumber"] for e in answer["SchemaVersionErrors"]] == [6, 7]
    assert error_of(glue.get_schema_version, SchemaVersionId=ids[2])["Code"] == "EntityNotFoundException"
    listed = all_pages(glue.list_schema_versions, "Schemas", SchemaId=sid(created), MaxResults=1)
    assert [v["VersionNumber"] for v in listed] == [1, 2, 3]
    assert glue.get_schema(SchemaId=sid(created))["LatestSchemaVersion"] == 3


def test_metadata_is_put_queried_by_key_and_removed(glue):
    created = schema_in(glue)
    version = {"SchemaVersionId": created["SchemaVersionId"]}
    put = glue.put_schema_version_metadata(**version, MetadataKeyValue={"MetadataKey": "owner", "MetadataValue": "a"})
    assert put["LatestVersion"] is True and put["VersionNumber"] == 1
    glue.put_schema_version_metadata(
        SchemaId=sid(created),
        SchemaVersionNumber={"VersionNumber": 1},
        MetadataKeyValue={"MetadataKey": "owner", "MetadataValue": "b"},
    )
    glue.put_schema_version_metadata(**version, MetadataKeyValue={"MetadataKey": "stage", "MetadataValue": "prod"})
    error = error_of(
        glue.put_schema_version_metadata, **version, MetadataKeyValue={"MetadataKey": "stage", "MetadataValue": "prod"}
    )
    assert error["Code"] == "AlreadyExistsException"
    everything = glue.query_schema_version_metadata(**version)["MetadataInfoMap"]
    assert everything["owner"]["MetadataValue"] == "b"
    assert [o["MetadataValue"] for o in everything["owner"]["OtherMetadataValueList"]] == ["a"]
    first = glue.query_schema_version_metadata(**version, MaxResults=1)
    assert list(first["MetadataInfoMap"]) == ["owner"]
    rest = glue.query_schema_version_metadata(**version, MaxResults=1, NextToken=first["NextToken"])
    assert list(rest["MetadataInfoMap"]) == ["stage"] and "NextToken" not in rest
    only = glue.query_schema_version_metadata(**version, MetadataList=[{"MetadataKey": "stage"}])["MetadataInfoMap"]
    assert list(only) == ["stage"]
    glue.remove_schema_version_metadata(**version, MetadataKeyValue={"MetadataKey": "stage", "MetadataValue": "prod"})
    error = error_of(
        glue.remove_schema_version_metadata, **version, MetadataKeyValue={"MetadataKey": "stage", "MetadataValue": "prod"}
    )
    assert error["Code"] == "EntityNotFoundException"


def test_a_version_holds_at_most_ten_metadata_pairs(glue):
    version = {"SchemaVersionId": schema_in(glue)["SchemaVersionId"]}
    for i in range(10):
        glue.put_schema_version_metadata(**version, MetadataKeyValue={"MetadataKey": f"k{i}", "MetadataValue": "v"})
    error = error_of(glue.put_schema_version_metadata, **version, MetadataKeyValue={"MetadataKey": "k10", "MetadataValue": "v"})
    assert error["Code"] == "ResourceNumberLimitExceededException"
    assert len(glue.query_schema_version_metadata(**version, MaxResults=50)["MetadataInfoMap"]) == 10


def test_schemas_take_tags_by_their_arn(glue):
    created = glue.create_schema(SchemaName=new_name("schema"), DataFormat="AVRO", Tags={"a": "1"})
    arn = created["SchemaArn"]
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"b": "2"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["a"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}


def test_deleting_a_registry_deletes_its_schemas_and_their_versions(glue):
    created = schema_in(glue)
    registry = {"RegistryName": created["RegistryName"]}
    assert glue.list_schemas(RegistryId=registry)["Schemas"][0]["SchemaName"] == created["SchemaName"]
    assert glue.delete_registry(RegistryId=registry)["Status"] == "DELETING"
    assert error_of(glue.get_schema, SchemaId=sid(created))["Code"] == "EntityNotFoundException"
    assert error_of(glue.get_schema_version, SchemaVersionId=created["SchemaVersionId"])["Code"] == "EntityNotFoundException"
    assert error_of(glue.list_schemas, RegistryId=registry)["Code"] == "EntityNotFoundException"
    # The name is free again, and a schema of the same name starts over at version 1.
    glue.create_registry(**registry)
    again = glue.create_schema(RegistryId=registry, SchemaName=created["SchemaName"], DataFormat="AVRO", SchemaDefinition=V1)
    assert again["LatestSchemaVersion"] == 1 and again["SchemaVersionId"] != created["SchemaVersionId"]


def test_delete_schema_answers_deleting_and_the_schema_is_gone(glue):
    created = schema_in(glue)
    assert glue.delete_schema(SchemaId={"SchemaArn": created["SchemaArn"]})["Status"] == "DELETING"
    assert error_of(glue.get_schema, SchemaId=sid(created))["Code"] == "EntityNotFoundException"
    assert error_of(glue.list_schema_versions, SchemaId=sid(created))["Code"] == "EntityNotFoundException"


def test_a_schema_version_is_named_by_an_id_or_by_a_schema_and_number_not_both(glue):
    created = schema_in(glue)
    both = {"SchemaVersionId": created["SchemaVersionId"], "SchemaId": sid(created), "SchemaVersionNumber": {"VersionNumber": 1}}
    for request in (both, {"SchemaId": sid(created)}, {}):
        assert error_of(glue.get_schema_version, **request)["Code"] == "InvalidInputException"
    error = error_of(
        glue.get_schema_version, SchemaId=sid(created), SchemaVersionNumber={"LatestVersion": True, "VersionNumber": 1}
    )
    assert error["Code"] == "InvalidInputException"
    for wanted in ({"LatestVersion": False}, {}):
        error = error_of(glue.get_schema_version, SchemaId=sid(created), SchemaVersionNumber=wanted)
        assert error["Code"] == "InvalidInputException"
    by_number = glue.get_schema_version(SchemaId=sid(created), SchemaVersionNumber={"LatestVersion": False, "VersionNumber": 1})
    assert by_number["SchemaVersionId"] == created["SchemaVersionId"]
    error = error_of(glue.get_schema_version, SchemaVersionId=str(uuid.uuid4()))
    assert error["Code"] == "EntityNotFoundException"


def test_an_arn_of_another_account_names_nothing_and_a_malformed_one_is_invalid(glue):
    created = schema_in(glue)
    other = created["SchemaArn"].replace("123456789012", "210987654321")
    assert error_of(glue.get_schema, SchemaId={"SchemaArn": other})["Code"] == "EntityNotFoundException"
    bad = created["RegistryArn"]  # a registry's ARN where a schema's belongs
    assert error_of(glue.get_schema, SchemaId={"SchemaArn": bad})["Code"] == "InvalidInputException"


@pytest.mark.parametrize("data_format", ["AVRO", "JSON", "PROTOBUF"])
def test_a_definition_nested_too_deeply_is_invalid_not_a_server_error(glue, data_format):
    deep = "[" * 50_000 + "]" * 50_000 if data_format != "PROTOBUF" else "message A { " * 10_000 + "}" * 10_000
    checked = glue.check_schema_version_validity(DataFormat=data_format, SchemaDefinition=deep)
    assert checked["Valid"] is False
    error = error_of(glue.create_schema, SchemaName=new_name("schema"), DataFormat=data_format, SchemaDefinition=deep)
    assert error["Code"] == "InvalidInputException"
