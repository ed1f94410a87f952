"""The Data Catalog's resource policy over boto3 on both backends (API reference:
PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy, GetResourcePolicies; developer
guide: "AWS Glue resource policies for access control"). A catalog has one policy, so each
test works in an account of its own."""

import json
import random
import time

import pytest

from conftest import error_of
from servers import _SESSION, _SESSION_LOCK


def policy(action: str = "glue:GetDatabase") -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def account() -> str:
    return "".join(random.choice("0123456789") for _ in range(12))


@pytest.fixture
def catalog(server, account):
    """A client in a fresh account of its own (a 12-digit access key is the account's id)."""
    with _SESSION_LOCK:
        return _SESSION.client(
            "glue", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=account, aws_secret_access_key="x"
        )


def test_a_put_policy_is_answered_with_its_hash_and_times(catalog):
    before = time.time()
    put = catalog.put_resource_policy(PolicyInJson=policy())
    shown = catalog.get_resource_policy()
    assert shown["PolicyInJson"] == policy() and shown["PolicyHash"] == put["PolicyHash"]
    assert shown["CreateTime"] == shown["UpdateTime"] and shown["CreateTime"].timestamp() >= before - 1


def test_a_catalog_without_a_policy_answers_policy_not_found(catalog):
    for call in (catalog.get_resource_policy, catalog.delete_resource_policy):
        error = error_of(call)
        assert error == {"Code": "EntityNotFoundException", "Message": "Policy not found"}
    assert catalog.get_resource_policies()["GetResourcePoliciesResponseList"] == []


def test_a_new_policy_replaces_the_old_keeping_its_creation_time(catalog):
    first = catalog.put_resource_policy(PolicyInJson=policy())["PolicyHash"]
    created = catalog.get_resource_policy()["CreateTime"]
    time.sleep(0.01)
    second = catalog.put_resource_policy(PolicyInJson=policy("glue:GetTable"), PolicyHashCondition=first)["PolicyHash"]
    shown = catalog.get_resource_policy()
    assert second != first and shown["PolicyHash"] == second and shown["PolicyInJson"] == policy("glue:GetTable")
    assert shown["CreateTime"] == created and shown["UpdateTime"] > created


def test_a_stale_hash_fails_the_condition_and_changes_nothing(catalog):
    first = catalog.put_resource_policy(PolicyInJson=policy())["PolicyHash"]
    second = catalog.put_resource_policy(PolicyInJson=policy("glue:GetTable"))["PolicyHash"]
    error = error_of(catalog.put_resource_policy, PolicyInJson=policy("glue:*"), PolicyHashCondition=first)
    assert error["Code"] == "ConditionCheckFailureException"
    assert error_of(catalog.delete_resource_policy, PolicyHashCondition=first)["Code"] == "ConditionCheckFailureException"
    assert catalog.get_resource_policy()["PolicyHash"] == second


def test_a_hash_condition_without_a_policy_fails(catalog):
    error = error_of(catalog.put_resource_policy, PolicyInJson=policy(), PolicyHashCondition="abc")
    assert error["Code"] == "ConditionCheckFailureException"
    assert error_of(catalog.get_resource_policy)["Code"] == "EntityNotFoundException"


def test_existence_conditions_create_only_or_update_only(catalog):
    error = error_of(catalog.put_resource_policy, PolicyInJson=policy(), PolicyExistsCondition="MUST_EXIST")
    assert error["Code"] == "ConditionCheckFailureException"
    assert error_of(catalog.get_resource_policy)["Code"] == "EntityNotFoundException"
    catalog.put_resource_policy(PolicyInJson=policy(), PolicyExistsCondition="NOT_EXIST")
    error = error_of(catalog.put_resource_policy, PolicyInJson=policy("glue:*"), PolicyExistsCondition="NOT_EXIST")
    assert error["Code"] == "ConditionCheckFailureException"
    catalog.put_resource_policy(PolicyInJson=policy("glue:GetTable"), PolicyExistsCondition="MUST_EXIST")
    catalog.put_resource_policy(PolicyInJson=policy("glue:*"), PolicyExistsCondition="NONE", EnableHybrid="TRUE")
    assert catalog.get_resource_policy()["PolicyInJson"] == policy("glue:*")


def test_a_policy_that_is_not_json_is_invalid_input(catalog):
    for text in ("{not json", '{"Version": "2012-10-17",}'):
        error = error_of(catalog.put_resource_policy, PolicyInJson=text)
        assert error["Code"] == "InvalidInputException" and "JSON" in error["Message"]
    assert error_of(catalog.get_resource_policy)["Code"] == "EntityNotFoundException"


def test_a_resource_arn_on_put_is_refused_as_aws_does(catalog, account):
    arn = f"arn:aws:glue:us-east-1:{account}:catalog"
    error = error_of(catalog.put_resource_policy, PolicyInJson=policy(), ResourceArn=arn)
    assert error == {"Code": "InvalidInputException", "Message": "Glue resource level policy is not currently supported"}
    assert error_of(catalog.get_resource_policy)["Code"] == "EntityNotFoundException"


def test_get_and_delete_by_arn_find_only_this_catalogs_policy(catalog, account):
    catalog.put_resource_policy(PolicyInJson=policy())
    own = f"arn:aws:glue:us-east-1:{account}:catalog"
    assert catalog.get_resource_policy(ResourceArn=own)["PolicyInJson"] == policy()
    for other in (f"arn:aws:glue:eu-west-1:{account}:catalog", f"arn:aws:glue:us-east-1:{account}:database/sales"):
        assert error_of(catalog.get_resource_policy, ResourceArn=other)["Code"] == "EntityNotFoundException"
        assert error_of(catalog.delete_resource_policy, ResourceArn=other)["Code"] == "EntityNotFoundException"
    catalog.delete_resource_policy(ResourceArn=own)
    assert error_of(catalog.get_resource_policy)["Code"] == "EntityNotFoundException"


def test_delete_with_the_current_hash_removes_the_policy(catalog):
    current = catalog.put_resource_policy(PolicyInJson=policy())["PolicyHash"]
    catalog.delete_resource_policy(PolicyHashCondition=current)
    assert error_of(catalog.get_resource_policy)["Code"] == "EntityNotFoundException"
    catalog.put_resource_policy(PolicyInJson=policy(), PolicyExistsCondition="NOT_EXIST")


def test_the_listing_holds_the_catalogs_policy_and_checks_a_token(catalog):
    catalog.put_resource_policy(PolicyInJson=policy())
    shown = catalog.get_resource_policy()
    listed = catalog.get_resource_policies(MaxResults=1)
    assert "NextToken" not in listed
    assert listed["GetResourcePoliciesResponseList"] == [
        {k: shown[k] for k in ("PolicyInJson", "PolicyHash", "CreateTime", "UpdateTime")}
    ]
    assert error_of(catalog.get_resource_policies, NextToken="forged")["Code"] == "InvalidInputException"


def test_each_account_has_its_own_policy(catalog, glue):
    catalog.put_resource_policy(PolicyInJson=policy("glue:GetPartitions"))
    try:
        theirs = glue.get_resource_policy()["PolicyInJson"]
    except glue.exceptions.EntityNotFoundException:
        theirs = None
    assert theirs != policy("glue:GetPartitions")
