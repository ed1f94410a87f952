"""Usage profiles over boto3 on both backends (API reference: CreateUsageProfile, GetUsageProfile,
UpdateUsageProfile, DeleteUsageProfile, ListUsageProfiles, ConfigurationObject; developer guide:
"Creating and managing usage profiles")."""

import time
import uuid

import pytest

from test_regions import client

from conftest import all_pages, error_of

WORKERS = {"numberOfWorkers": {"DefaultValue": "10", "MinValue": "1", "MaxValue": "20"}}
TYPES = {"workerType": {"DefaultValue": "G.1X", "AllowedValues": ["G.1X", "G.2X"]}}


def new_name() -> str:
    return f"up_{uuid.uuid4().hex[:10]}"


def test_a_profile_is_kept_as_given_with_its_times(glue):
    name = new_name()
    configuration = {"JobConfiguration": {**WORKERS, **TYPES}, "SessionConfiguration": {"idleTimeout": {"MaxValue": "60"}}}
    assert glue.create_usage_profile(Name=name, Description="small", Configuration=configuration)["Name"] == name
    got = glue.get_usage_profile(Name=name)
    assert (got["Name"], got["Description"], got["Configuration"]) == (name, "small", configuration)
    assert got["CreatedOn"] == got["LastModifiedOn"]


BAD = [
    ({}, "at least one"),
    ({"JobConfiguration": {}, "SessionConfiguration": {}}, "at least one"),
    ({"JobConfiguration": {"timeout": {}}}, "sets none"),
    ({"JobConfiguration": {"numberOfWorkers": {"MinValue": "10", "MaxValue": "2"}}}, "above MaxValue"),
    ({"JobConfiguration": {"numberOfWorkers": {"MinValue": "one"}}}, "not a number"),
    ({"JobConfiguration": {"numberOfWorkers": {"DefaultValue": "30", "MaxValue": "20"}}}, "outside"),
    ({"SessionConfiguration": {"workerType": {"DefaultValue": "G.8X", "AllowedValues": ["G.1X"]}}}, "AllowedValues"),
]


@pytest.mark.parametrize(("configuration", "said"), BAD)
def test_a_configuration_that_sets_nothing_or_contradicts_itself_is_invalid_input(glue, configuration, said):
    name = new_name()
    error = error_of(glue.create_usage_profile, Name=name, Configuration=configuration)
    assert error["Code"] == "InvalidInputException" and said in error["Message"]
    assert error_of(glue.get_usage_profile, Name=name)["Code"] == "EntityNotFoundException"


def test_a_taken_name_is_already_exists(glue):
    name = new_name()
    glue.create_usage_profile(Name=name, Configuration={"JobConfiguration": WORKERS})
    error = error_of(glue.create_usage_profile, Name=name, Configuration={"JobConfiguration": TYPES})
    assert error["Code"] == "AlreadyExistsException" and name in error["Message"]
    assert glue.get_usage_profile(Name=name)["Configuration"] == {"JobConfiguration": WORKERS}


def test_update_replaces_the_configuration_keeps_an_unsent_description_and_is_checked(glue):
    name = new_name()
    glue.create_usage_profile(Name=name, Description="kept", Configuration={"JobConfiguration": WORKERS})
    created = glue.get_usage_profile(Name=name)
    time.sleep(0.01)
    assert glue.update_usage_profile(Name=name, Configuration={"SessionConfiguration": TYPES})["Name"] == name
    got = glue.get_usage_profile(Name=name)
    assert got["Configuration"] == {"SessionConfiguration": TYPES} and got["Description"] == "kept"
    assert got["CreatedOn"] == created["CreatedOn"] and got["LastModifiedOn"] > created["LastModifiedOn"]
    error = error_of(glue.update_usage_profile, Name=name, Configuration={})
    assert error["Code"] == "InvalidInputException"
    assert glue.get_usage_profile(Name=name)["Configuration"] == {"SessionConfiguration": TYPES}


def test_a_missing_profile_is_entity_not_found_for_get_and_update_and_no_error_for_delete(glue):
    name = new_name()
    assert error_of(glue.get_usage_profile, Name=name)["Code"] == "EntityNotFoundException"
    error = error_of(glue.update_usage_profile, Name=name, Configuration={"JobConfiguration": WORKERS})
    assert error["Code"] == "EntityNotFoundException"
    glue.delete_usage_profile(Name=name)  # the model lists no EntityNotFoundException for it
    glue.create_usage_profile(Name=name, Configuration={"JobConfiguration": WORKERS})
    glue.delete_usage_profile(Name=name)
    assert error_of(glue.get_usage_profile, Name=name)["Code"] == "EntityNotFoundException"


def test_the_listing_pages_summaries_in_name_order(glue):
    prefix = new_name()
    for i in range(3):
        glue.create_usage_profile(Name=f"{prefix}_{i}", Description=str(i), Configuration={"JobConfiguration": WORKERS})
    first = glue.list_usage_profiles(MaxResults=2)
    assert len(first["Profiles"]) == 2 and first["NextToken"]
    listed = [p for p in all_pages(glue.list_usage_profiles, "Profiles", MaxResults=2) if p["Name"].startswith(prefix)]
    assert [(p["Name"], p["Description"]) for p in listed] == [(f"{prefix}_{i}", str(i)) for i in range(3)]
    assert all("Configuration" not in p and p["CreatedOn"] for p in listed)
    assert error_of(glue.list_usage_profiles, NextToken="not-a-token")["Code"] == "InvalidInputException"


def test_tags_given_at_creation_work_with_get_tags_and_untag_resource(glue):
    name = new_name()
    arn = f"arn:aws:glue:us-east-1:123456789012:usageProfile/{name}"
    glue.create_usage_profile(Name=name, Configuration={"JobConfiguration": WORKERS}, Tags={"team": "a", "cost": "b"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["cost"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "a"}


def test_each_region_keeps_its_own_profiles(server, glue):
    name = new_name()
    glue.create_usage_profile(Name=name, Configuration={"JobConfiguration": WORKERS})
    west = client(server, region="eu-west-1")
    assert error_of(west.get_usage_profile, Name=name)["Code"] == "EntityNotFoundException"
