"""Custom entity types over boto3 on both backends (API reference: CreateCustomEntityType,
GetCustomEntityType, BatchGetCustomEntityTypes, ListCustomEntityTypes, DeleteCustomEntityType;
developer guide: "Detecting and processing sensitive data")."""

import uuid

import pytest

from test_regions import client

from conftest import all_pages, error_of


def new_name() -> str:
    return f"ce_{uuid.uuid4().hex[:10]}"


def test_a_custom_entity_type_is_kept_as_given(glue):
    name = new_name()
    answer = glue.create_custom_entity_type(Name=name, RegexString=r"EMP-\d{6}", ContextWords=["employee", "staff id"])
    assert answer["Name"] == name
    got = glue.get_custom_entity_type(Name=name)
    assert (got["Name"], got["RegexString"], got["ContextWords"]) == (name, r"EMP-\d{6}", ["employee", "staff id"])


def test_without_context_words_none_are_shown(glue):
    name = new_name()
    glue.create_custom_entity_type(Name=name, RegexString="[A-Z]{3}")
    assert "ContextWords" not in glue.get_custom_entity_type(Name=name)


@pytest.mark.parametrize("pattern", ["[A-Z", "(abc", "a{2,1}", "*x", r"\p{NoSuchProperty}"])
def test_a_regex_string_that_is_not_a_regular_expression_is_invalid_input(glue, pattern):
    name = new_name()
    error = error_of(glue.create_custom_entity_type, Name=name, RegexString=pattern)
    assert error["Code"] == "InvalidInputException" and "RegexString" in error["Message"]
    assert error_of(glue.get_custom_entity_type, Name=name)["Code"] == "EntityNotFoundException"


def test_javas_possessive_and_atomic_forms_are_regular_expressions(glue):
    name = new_name()
    glue.create_custom_entity_type(Name=name, RegexString=r"(?>\d+)-[a-z]++")
    assert glue.get_custom_entity_type(Name=name)["RegexString"] == r"(?>\d+)-[a-z]++"


def test_a_taken_name_is_already_exists(glue):
    name = new_name()
    glue.create_custom_entity_type(Name=name, RegexString="a+")
    error = error_of(glue.create_custom_entity_type, Name=name, RegexString="b+")
    assert error["Code"] == "AlreadyExistsException" and name in error["Message"]
    assert glue.get_custom_entity_type(Name=name)["RegexString"] == "a+"


def test_batch_get_answers_those_found_and_names_those_not(glue):
    found = [new_name(), new_name()]
    for name in found:
        glue.create_custom_entity_type(Name=name, RegexString="x")
    missing = new_name()
    answer = glue.batch_get_custom_entity_types(Names=[found[1], missing, found[0], found[1]])
    assert [t["Name"] for t in answer["CustomEntityTypes"]] == [found[1], found[0]]
    assert answer["CustomEntityTypesNotFound"] == [missing]
    assert "CustomEntityTypesNotFound" not in glue.batch_get_custom_entity_types(Names=found)


def test_delete_answers_the_name_and_a_missing_one_is_entity_not_found(glue):
    name = new_name()
    assert error_of(glue.delete_custom_entity_type, Name=name)["Code"] == "EntityNotFoundException"
    assert error_of(glue.get_custom_entity_type, Name=name)["Code"] == "EntityNotFoundException"
    glue.create_custom_entity_type(Name=name, RegexString="x")
    assert glue.delete_custom_entity_type(Name=name)["Name"] == name
    assert error_of(glue.get_custom_entity_type, Name=name)["Code"] == "EntityNotFoundException"


def test_the_listing_pages_in_name_order_and_filters_by_tags(glue):
    prefix = new_name()
    for i in range(3):
        glue.create_custom_entity_type(Name=f"{prefix}_{i}", RegexString="x", Tags={"set": prefix} if i else {})
    first = glue.list_custom_entity_types(MaxResults=2)
    assert len(first["CustomEntityTypes"]) == 2 and first["NextToken"]
    listed = [t["Name"] for t in all_pages(glue.list_custom_entity_types, "CustomEntityTypes", MaxResults=2)]
    assert [n for n in listed if n.startswith(prefix)] == [f"{prefix}_{i}" for i in range(3)]
    tagged = all_pages(glue.list_custom_entity_types, "CustomEntityTypes", Tags={"set": prefix})
    assert [t["Name"] for t in tagged] == [f"{prefix}_1", f"{prefix}_2"]
    error = error_of(glue.list_custom_entity_types, Tags={"set": "other"}, NextToken=first["NextToken"])
    assert error["Code"] == "InvalidInputException"


def test_tags_given_at_creation_work_with_get_tags_and_tag_resource(glue):
    name = new_name()
    arn = f"arn:aws:glue:us-east-1:123456789012:customEntityType/{name}"
    glue.create_custom_entity_type(Name=name, RegexString="x", Tags={"team": "privacy"})
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "privacy"}
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"stage": "prod"})
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "privacy", "stage": "prod"}


def test_each_account_keeps_its_own_custom_entity_types(server, glue):
    name = new_name()
    glue.create_custom_entity_type(Name=name, RegexString="x")
    other = client(server, key="111122223333")
    assert error_of(other.get_custom_entity_type, Name=name)["Code"] == "EntityNotFoundException"
    other.create_custom_entity_type(Name=name, RegexString="y")
    assert glue.get_custom_entity_type(Name=name)["RegexString"] == "x"
