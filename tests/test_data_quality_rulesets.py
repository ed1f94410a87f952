"""Data quality rulesets over boto3 on both backends (API reference: CreateDataQualityRuleset,
GetDataQualityRuleset, UpdateDataQualityRuleset, DeleteDataQualityRuleset,
ListDataQualityRulesets; developer guide: "Data Quality Definition Language (DQDL) reference")."""

import time
import uuid

import pytest

from test_regions import client

from conftest import all_pages, error_of

REGION, ACCOUNT = "us-east-1", "123456789012"
TABLE = {"DatabaseName": "sales", "TableName": "orders"}


def new_name() -> str:
    return f"dq_{uuid.uuid4().hex[:10]}"


def arn(name: str) -> str:
    return f"arn:aws:glue:{REGION}:{ACCOUNT}:dataQualityRuleset/{name}"


def test_a_ruleset_is_kept_as_given_with_its_times(glue):
    name = new_name()
    text = 'Rules = [ IsComplete "order-id", IsUnique "order-id" ]'
    created = glue.create_data_quality_ruleset(
        Name=name, Description="orders", Ruleset=text, TargetTable=TABLE, DataQualitySecurityConfiguration="dq-kms"
    )
    assert created["Name"] == name
    got = glue.get_data_quality_ruleset(Name=name)
    assert (got["Name"], got["Description"], got["Ruleset"], got["TargetTable"]) == (name, "orders", text, TABLE)
    assert got["DataQualitySecurityConfiguration"] == "dq-kms"
    assert got["CreatedOn"] == got["LastModifiedOn"] and "RecommendationRunId" not in got


# Each from the DQDL reference's syntax: composite rules, expressions, dynamic rules, comments, sections.
VALID = [
    'Rules = [ (IsComplete "id") and (IsUnique "id") ]',
    'Rules = [ (RowCount > 0) or ((IsComplete "colA") and (IsUnique "colA")) ]',
    'Rules = [ Completeness "colA" between 0.4 and 0.8 ]',
    'Rules = [ ColumnValues "load_date" > (now() - 3 days), DataFreshness "d" <= 24 hours ]',
    'Rules = [ ColumnValues "c" not in [NULL, EMPTY], ColumnValues "e" matches "[a-z]+" with threshold > 0.9 ]',
    'Rules = [ RowCount > avg(last(10)) * 0.8, CustomSql "select count(*) from primary" between 10 and 20 ]',
    '# orders\nRules = [\n  IsComplete "c" where "d > 10"  # only recent rows\n]\nAnalyzers = [ RowCount, AllStatistics "c" ]',
    'Metadata = { "Version": "1.0" }\nDataSources = { "Default": "orders" }\nRules = [ ColumnCount = 5 ]',
]


@pytest.mark.parametrize("text", VALID)
def test_dqdl_as_the_reference_documents_it_is_accepted(glue, text):
    name = new_name()
    glue.create_data_quality_ruleset(Name=name, Ruleset=text)
    assert glue.get_data_quality_ruleset(Name=name)["Ruleset"] == text


INVALID = [
    'IsComplete "id"',  # no Rules list
    "rules = [ RowCount > 1 ]",  # the list is named Rules, capitalised
    "Rules = [ ]",  # one or more rules
    'Rules = [ IsComplet "id" ]',  # not a rule type
    "Rules = [ RowCount > ]",
    'Rules = [ IsComplete "a" IsUnique "b" ]',  # rules are comma-separated
    'Rules = [ (IsComplete "a") and (IsUnique "b") or (RowCount > 1) ]',  # one operator per level
    'Rules = [ IsComplete "a" ',
    'Rules = [ AllStatistics "c" ]',  # an analyzer only
    "Rules = [ " + "(" * 60 + "RowCount > 1" + ")" * 60 + " ]",
]


@pytest.mark.parametrize("text", INVALID)
def test_a_ruleset_that_is_not_dqdl_is_invalid_input_and_not_created(glue, text):
    name = new_name()
    error = error_of(glue.create_data_quality_ruleset, Name=name, Ruleset=text)
    assert error["Code"] == "InvalidInputException" and "DQDL" in error["Message"]
    assert error_of(glue.get_data_quality_ruleset, Name=name)["Code"] == "EntityNotFoundException"


def test_the_refusal_says_where_the_ruleset_goes_wrong(glue):
    error = error_of(glue.create_data_quality_ruleset, Name=new_name(), Ruleset='Rules = [\n  RowCount > 1,\n  Foo "x"\n]')
    assert "Foo is not a DQDL rule type (line 3)" in error["Message"]


def test_a_taken_name_is_already_exists_unless_the_client_token_is_the_creators(glue):
    name, token = new_name(), uuid.uuid4().hex
    glue.create_data_quality_ruleset(Name=name, Ruleset="Rules = [ RowCount > 1 ]", ClientToken=token)
    retry = glue.create_data_quality_ruleset(Name=name, Ruleset="Rules = [ RowCount > 1 ]", ClientToken=token)
    assert retry["Name"] == name
    error = error_of(glue.create_data_quality_ruleset, Name=name, Ruleset="Rules = [ RowCount > 2 ]")
    assert error["Code"] == "AlreadyExistsException" and name in error["Message"]
    other = error_of(glue.create_data_quality_ruleset, Name=name, Ruleset="Rules = [ RowCount > 2 ]", ClientToken="other")
    assert other["Code"] == "AlreadyExistsException"
    assert glue.get_data_quality_ruleset(Name=name)["Ruleset"] == "Rules = [ RowCount > 1 ]"


def test_update_replaces_what_it_is_given_and_answers_the_ruleset_as_it_now_is(glue):
    name = new_name()
    glue.create_data_quality_ruleset(Name=name, Description="first", Ruleset="Rules = [ RowCount > 1 ]", TargetTable=TABLE)
    created = glue.get_data_quality_ruleset(Name=name)
    time.sleep(0.01)
    answer = glue.update_data_quality_ruleset(Name=name, Ruleset='Rules = [ IsComplete "a" ]')
    assert (answer["Name"], answer["Description"], answer["Ruleset"]) == (name, "first", 'Rules = [ IsComplete "a" ]')
    answer = glue.update_data_quality_ruleset(Name=name, Description="second")
    assert (answer["Description"], answer["Ruleset"]) == ("second", 'Rules = [ IsComplete "a" ]')
    got = glue.get_data_quality_ruleset(Name=name)
    assert got["TargetTable"] == TABLE and got["CreatedOn"] == created["CreatedOn"]
    assert got["LastModifiedOn"] > created["LastModifiedOn"]


def test_an_update_to_invalid_dqdl_is_refused_and_changes_nothing(glue):
    name = new_name()
    glue.create_data_quality_ruleset(Name=name, Description="kept", Ruleset="Rules = [ RowCount > 1 ]")
    error = error_of(glue.update_data_quality_ruleset, Name=name, Description="lost", Ruleset="Rules = [ RowCount ]]")
    assert error["Code"] == "InvalidInputException"
    got = glue.get_data_quality_ruleset(Name=name)
    assert (got["Description"], got["Ruleset"]) == ("kept", "Rules = [ RowCount > 1 ]")


def test_a_missing_ruleset_is_entity_not_found_for_get_update_and_delete(glue):
    name = new_name()
    for call, extra in (
        (glue.get_data_quality_ruleset, {}),
        (glue.update_data_quality_ruleset, {"Description": "x"}),
        (glue.delete_data_quality_ruleset, {}),
    ):
        error = error_of(call, Name=name, **extra)
        assert error["Code"] == "EntityNotFoundException" and name in error["Message"]
    glue.create_data_quality_ruleset(Name=name, Ruleset="Rules = [ RowCount > 1 ]")
    glue.delete_data_quality_ruleset(Name=name)
    assert error_of(glue.get_data_quality_ruleset, Name=name)["Code"] == "EntityNotFoundException"


def test_the_listing_pages_summaries_with_rule_counts_in_name_order(glue):
    prefix = new_name()
    texts = [
        "Rules = [ RowCount > 1 ]",
        'Rules = [ (IsComplete "a") and (IsUnique "a"), RowCount > 0 ]',
        'Rules = [ IsComplete "a", IsUnique "a", ColumnCount = 3 ]\nAnalyzers = [ RowCount ]',
    ]
    for i, text in enumerate(texts):
        glue.create_data_quality_ruleset(Name=f"{prefix}_{i}", Ruleset=text, TargetTable=TABLE)
    first = glue.list_data_quality_rulesets(MaxResults=2)
    assert len(first["Rulesets"]) == 2 and first["NextToken"]
    listed = [r for r in all_pages(glue.list_data_quality_rulesets, "Rulesets", MaxResults=2) if r["Name"].startswith(prefix)]
    assert [r["Name"] for r in listed] == [f"{prefix}_{i}" for i in range(3)]
    assert [r["RuleCount"] for r in listed] == [1, 2, 3]
    assert all(r["TargetTable"] == TABLE and "Ruleset" not in r for r in listed)
    other_request = error_of(glue.list_data_quality_rulesets, Filter={"Description": "x"}, NextToken=first["NextToken"])
    assert other_request["Code"] == "InvalidInputException"


def test_the_listing_filters_by_name_description_times_target_table_and_tags(glue):
    prefix = new_name()
    glue.create_data_quality_ruleset(
        Name=f"{prefix}_a", Description=prefix, Ruleset="Rules = [ RowCount > 1 ]", TargetTable=TABLE
    )
    between = time.time()
    time.sleep(0.05)
    other_table = {"DatabaseName": "sales", "TableName": "refunds"}
    glue.create_data_quality_ruleset(
        Name=f"{prefix}_b", Description=prefix, Ruleset="Rules = [ RowCount > 1 ]", TargetTable=other_table, Tags={"team": "x"}
    )

    def names(**request) -> list[str]:
        return [r["Name"] for r in all_pages(glue.list_data_quality_rulesets, "Rulesets", **request)]

    assert names(Filter={"Name": f"{prefix}_a"}) == [f"{prefix}_a"]
    assert names(Filter={"Description": prefix}) == [f"{prefix}_a", f"{prefix}_b"]
    assert names(Filter={"Description": prefix, "CreatedBefore": between}) == [f"{prefix}_a"]
    assert names(Filter={"Description": prefix, "CreatedAfter": between}) == [f"{prefix}_b"]
    assert names(Filter={"Description": prefix, "LastModifiedAfter": between}) == [f"{prefix}_b"]
    assert names(Filter={"Description": prefix, "TargetTable": TABLE}) == [f"{prefix}_a"]
    assert names(Filter={"Description": prefix, "TargetTable": {**TABLE, "CatalogId": ACCOUNT}}) == [f"{prefix}_a"]
    assert names(Filter={"Description": prefix, "TargetTable": {**TABLE, "CatalogId": "999999999999"}}) == []
    assert names(Filter={"Description": prefix}, Tags={"team": "x"}) == [f"{prefix}_b"]


def test_tags_given_at_creation_work_with_get_tags_and_tag_resource(glue):
    name = new_name()
    glue.create_data_quality_ruleset(Name=name, Ruleset="Rules = [ RowCount > 1 ]", Tags={"team": "data"})
    assert glue.get_tags(ResourceArn=arn(name))["Tags"] == {"team": "data"}
    glue.tag_resource(ResourceArn=arn(name), TagsToAdd={"stage": "prod"})
    glue.untag_resource(ResourceArn=arn(name), TagsToRemove=["team"])
    assert glue.get_tags(ResourceArn=arn(name))["Tags"] == {"stage": "prod"}
    assert error_of(glue.get_tags, ResourceArn=arn(new_name()))["Code"] == "EntityNotFoundException"


def test_each_region_keeps_its_own_rulesets(server, glue):
    name = new_name()
    glue.create_data_quality_ruleset(Name=name, Ruleset="Rules = [ RowCount > 1 ]")
    west = client(server, region="eu-west-1")
    assert error_of(west.get_data_quality_ruleset, Name=name)["Code"] == "EntityNotFoundException"
    west.create_data_quality_ruleset(Name=name, Ruleset='Rules = [ IsComplete "a" ]')
    assert glue.get_data_quality_ruleset(Name=name)["Ruleset"] == "Rules = [ RowCount > 1 ]"
