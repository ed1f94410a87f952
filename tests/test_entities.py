"""The Glue operations for what runs create: workflows, jobs, crawlers, triggers, catalog."""

from types import SimpleNamespace

import pytest

from conftest import ROLE, create_blueprint, error_of, run_suffix, start_and_wait


@pytest.fixture
def made(glue, example, name):
    """A catalog_bootstrap run: workflow, crawler, job, two triggers, a database."""
    create_blueprint(glue, Name=name, BlueprintLocation=example("catalog_bootstrap"))
    params = {"WorkflowName": name, "Role": ROLE, "DatabaseName": name, "DataLocation": "s3://lake/raw/"}
    run = start_and_wait(glue, name, params)
    assert run["State"] == "SUCCEEDED", run
    suffix = run_suffix(glue, name)
    return SimpleNamespace(name=name, report=f"{name}_report_{suffix}", crawler=f"{name}_crawler_{suffix}")


def test_batch_gets_split_found_and_missing(glue, made):
    name = made.name
    workflows = glue.batch_get_workflows(Names=[name, "nope"], IncludeGraph=True)
    assert [w["Name"] for w in workflows["Workflows"]] == [name] and workflows["MissingWorkflows"] == ["nope"]
    assert len(workflows["Workflows"][0]["Graph"]["Nodes"]) == 4
    jobs = glue.batch_get_jobs(JobNames=[made.report, "nope"])
    assert jobs["Jobs"][0]["Command"]["Name"] == "pythonshell" and jobs["JobsNotFound"] == ["nope"]
    crawlers = glue.batch_get_crawlers(CrawlerNames=[made.crawler, "nope"])
    assert crawlers["Crawlers"][0]["SchemaChangePolicy"]["UpdateBehavior"] == "UPDATE_IN_DATABASE"
    assert crawlers["CrawlersNotFound"] == ["nope"]
    triggers = glue.batch_get_triggers(TriggerNames=[f"{name}_starting_trigger", "nope"])
    assert triggers["Triggers"][0]["Actions"] == [{"CrawlerName": made.crawler}]
    assert triggers["TriggersNotFound"] == ["nope"]


def test_get_of_missing_entities_is_entity_not_found(glue):
    for call, kwargs in (
        (glue.get_workflow, {"Name": "nope"}),
        (glue.get_job, {"JobName": "nope"}),
        (glue.get_crawler, {"Name": "nope"}),
        (glue.get_trigger, {"Name": "nope"}),
        (glue.get_database, {"Name": "nope"}),
    ):
        assert error_of(call, **kwargs)["Code"] == "EntityNotFoundException"


def test_get_all_pages_return_full_documents(glue, made):
    seen, token = [], None
    while True:
        page = glue.get_jobs(MaxResults=3, **({"NextToken": token} if token else {}))
        assert len(page["Jobs"]) <= 3
        seen += page["Jobs"]
        token = page.get("NextToken")
        if not token:
            break
    names = [j["Name"] for j in seen]
    assert names == sorted(set(names)) and made.report in names


def test_list_triggers_filters_by_dependent_job(glue, made):
    names = glue.list_triggers(DependentJobName=made.report)["TriggerNames"]
    assert names == [f"{made.name}_{made.report}_trigger"]


def test_deletes_follow_aws_rules_for_missing_names(glue, made):
    name = made.name
    assert glue.delete_job(JobName=made.report)["JobName"] == made.report
    assert glue.delete_job(JobName=made.report)["JobName"] == made.report
    glue.delete_crawler(Name=made.crawler)
    assert error_of(glue.delete_crawler, Name=made.crawler)["Code"] == "EntityNotFoundException"
    assert glue.delete_trigger(Name=f"{name}_starting_trigger")["Name"] == f"{name}_starting_trigger"
    assert glue.delete_trigger(Name=f"{name}_starting_trigger")["Name"] == f"{name}_starting_trigger"
    assert glue.delete_workflow(Name=name)["Name"] == name
    assert error_of(glue.get_workflow, Name=name)["Code"] == "EntityNotFoundException"


def test_catalog_databases_and_tables(glue, name):
    glue.create_database(DatabaseInput={"Name": name.upper(), "Description": "d", "LocationUri": "s3://x/"})
    assert error_of(glue.create_database, DatabaseInput={"Name": name})["Code"] == "AlreadyExistsException"
    database = glue.get_database(Name=name)["Database"]
    assert database["Name"] == name and database["LocationUri"] == "s3://x/" and database["CatalogId"]
    table = {"Name": "Events", "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}], "Location": "s3://x/e/"}}
    glue.create_table(DatabaseName=name, TableInput=table)
    assert error_of(glue.create_table, DatabaseName=name, TableInput=table)["Code"] == "AlreadyExistsException"
    assert error_of(glue.create_table, DatabaseName=name + "x", TableInput=table)["Code"] == "EntityNotFoundException"
    got = glue.get_table(DatabaseName=name, Name="EVENTS")["Table"]
    assert got["Name"] == "events" and got["DatabaseName"] == name
    assert got["StorageDescriptor"]["Columns"] == [{"Name": "id", "Type": "bigint"}]
    glue.create_table(DatabaseName=name, TableInput={"Name": "clicks"})
    assert [t["Name"] for t in glue.get_tables(DatabaseName=name)["TableList"]] == ["clicks", "events"]
    glue.delete_table(DatabaseName=name, Name="clicks")
    assert error_of(glue.delete_table, DatabaseName=name, Name="clicks")["Code"] == "EntityNotFoundException"
    databases = glue.get_paginator("get_databases").paginate().build_full_result()["DatabaseList"]
    assert name in [d["Name"] for d in databases]
    glue.delete_database(Name=name)
    assert error_of(glue.get_tables, DatabaseName=name)["Code"] == "EntityNotFoundException"
    glue.create_database(DatabaseInput={"Name": name})
    assert glue.get_tables(DatabaseName=name)["TableList"] == []
