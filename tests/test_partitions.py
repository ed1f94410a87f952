"""Data Catalog partitions and partition indexes, through boto3, as AWS's API reference shapes them."""

import datetime
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import insert

from glueprint.store import entities
from glueprint.store import partitions as partition_store
from glueprint.store.db import Database
from glueprint.store.schema import partitions as partitions_table

from conftest import all_pages, error_of, migrate_to, snapshot
from servers import glue_client

KEYS = [{"Name": "year", "Type": "int"}, {"Name": "region", "Type": "string"}]
DESCRIPTOR = {
    "Location": "s3://lake/sales/year=2024/region=eu/",
    "Columns": [{"Name": "amount", "Type": "double"}],
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
}


@pytest.fixture(scope="module")
def glue(quiet):
    return glue_client(quiet.url)


@pytest.fixture(scope="module")
def raw_glue(quiet):
    return glue_client(quiet.url, validate=False)


@pytest.fixture
def table(glue, name):
    """A database and a table partitioned by year (int) and region (string); names as given, in
    upper case: the catalog keeps them in lower case."""
    glue.create_database(DatabaseInput={"Name": name.upper()})
    glue.create_table(DatabaseName=name, TableInput={"Name": "Sales", "PartitionKeys": KEYS})
    return {"DatabaseName": name.upper(), "TableName": "SALES"}


def partition(year: str, region: str, **more) -> dict:
    return {"Values": [year, region], **more}


def test_a_created_partition_reads_back_as_aws_returns_it(glue, table, name):
    before = datetime.datetime.now(datetime.UTC)
    given = partition("2024", "eu", StorageDescriptor=DESCRIPTOR, Parameters={"k": "v"})
    glue.create_partition(**table, PartitionInput=given)
    got = glue.get_partition(**table, PartitionValues=["2024", "eu"])["Partition"]
    created = got.pop("CreationTime")
    assert before - datetime.timedelta(seconds=5) < created < before + datetime.timedelta(seconds=5)
    assert got == {
        "Values": ["2024", "eu"],
        "DatabaseName": name,
        "TableName": "sales",
        "StorageDescriptor": DESCRIPTOR,
        "Parameters": {"k": "v"},
        "CatalogId": "123456789012",
    }


def test_a_partition_given_no_storage_descriptor_inherits_none_from_its_table(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    glue.create_table(DatabaseName=name, TableInput={"Name": "t", "PartitionKeys": KEYS, "StorageDescriptor": DESCRIPTOR})
    glue.create_partition(DatabaseName=name, TableName="t", PartitionInput=partition("2024", "eu"))
    got = glue.get_partition(DatabaseName=name, TableName="t", PartitionValues=["2024", "eu"])["Partition"]
    assert "StorageDescriptor" not in got and got["Values"] == ["2024", "eu"]


def test_values_with_quotes_and_non_ascii_are_kept_exactly(glue, table):
    values = ["2024", 'O\'Hara "Zürich" 東京 🎉']
    glue.create_partition(**table, PartitionInput={"Values": values})
    assert glue.get_partition(**table, PartitionValues=values)["Partition"]["Values"] == values
    assert [p["Values"] for p in glue.get_partitions(**table)["Partitions"]] == [values]


def test_create_partition_errors_change_nothing(quiet, glue, raw_glue, table, name):
    glue.create_partition(**table, PartitionInput=partition("2024", "eu"))
    before = snapshot(quiet)
    cases = [
        (dict(**table, PartitionInput=partition("2024", "eu")), "AlreadyExistsException", "Partition already exists."),
        (
            dict(**table, PartitionInput={"Values": ["2024"]}),
            "InvalidInputException",
            "The number of partition keys do not match the number of partition values",
        ),
        (dict(DatabaseName="nope", TableName="sales", PartitionInput=partition("1", "a")), "EntityNotFoundException", None),
        (dict(DatabaseName=name, TableName="nope", PartitionInput=partition("1", "a")), "EntityNotFoundException", None),
        (dict(**table, PartitionInput=partition("2024", "")), "ValidationException", None),  # ValueString min 1
    ]
    for request, code, message in cases:
        err = error_of(raw_glue.create_partition, **request)
        assert err["Code"] == code, (request, err)
        assert message is None or err["Message"] == message
    assert snapshot(quiet) == before


def test_a_table_without_partition_keys_takes_no_partitions(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    glue.create_table(DatabaseName=name, TableInput={"Name": "flat"})
    err = error_of(glue.create_partition, DatabaseName=name, TableName="flat", PartitionInput={"Values": ["x"]})
    assert err["Code"] == "InvalidInputException" and "no partition keys" in err["Message"]


def test_batch_create_lists_each_failed_entry_and_creates_the_rest(glue, table):
    glue.create_partition(**table, PartitionInput=partition("2020", "eu"))
    result = glue.batch_create_partition(
        **table,
        PartitionInputList=[
            partition("2021", "eu", Parameters={"n": "1"}),
            partition("2020", "eu"),  # exists
            partition("2022", "us"),
            partition("2022", "us"),  # twice in one request
            {"Values": ["2023"]},  # one value for two keys
        ],
    )
    assert result["Errors"] == [
        {
            "PartitionValues": ["2020", "eu"],
            "ErrorDetail": {"ErrorCode": "AlreadyExistsException", "ErrorMessage": "Partition already exists."},
        },
        {
            "PartitionValues": ["2022", "us"],
            "ErrorDetail": {"ErrorCode": "AlreadyExistsException", "ErrorMessage": "Partition already exists."},
        },
        {
            "PartitionValues": ["2023"],
            "ErrorDetail": {
                "ErrorCode": "InvalidInputException",
                "ErrorMessage": "The number of partition keys do not match the number of partition values",
            },
        },
    ]
    listed = [p["Values"] for p in all_pages(glue.get_partitions, "Partitions", **table)]
    assert listed == [["2020", "eu"], ["2021", "eu"], ["2022", "us"]]
    assert glue.batch_create_partition(**table, PartitionInputList=[partition("2030", "x")])["Errors"] == []


def test_batch_create_of_a_missing_table_fails_whole_and_over_100_entries_are_refused(raw_glue, name):
    err = error_of(raw_glue.batch_create_partition, DatabaseName=name, TableName="t", PartitionInputList=[partition("1", "a")])
    assert err["Code"] == "EntityNotFoundException"
    many = [partition(str(i), "a") for i in range(101)]
    err = error_of(raw_glue.batch_create_partition, DatabaseName=name, TableName="t", PartitionInputList=many)
    assert err["Code"] == "ValidationException" and "less than or equal to 100" in err["Message"]


def test_get_partition_of_a_missing_partition_is_entity_not_found(glue, table):
    err = error_of(glue.get_partition, **table, PartitionValues=["1999", "eu"])
    assert err == {"Code": "EntityNotFoundException", "Message": "Cannot find partition."}


def test_batch_get_returns_those_found_in_the_order_asked_and_leaves_out_missing_ones(glue, table):
    glue.batch_create_partition(**table, PartitionInputList=[partition(y, "eu") for y in ("2020", "2021", "2022")])
    asked = [["2022", "eu"], ["1999", "eu"], ["2020", "eu"], ["2022", "eu"]]
    result = glue.batch_get_partition(**table, PartitionsToGet=[{"Values": v} for v in asked])
    assert [p["Values"] for p in result["Partitions"]] == [["2022", "eu"], ["2020", "eu"]]
    assert result["UnprocessedKeys"] == []


def test_update_replaces_the_definition_keeps_creation_time_and_may_rename(glue, table):
    glue.create_partition(**table, PartitionInput=partition("2024", "eu", StorageDescriptor=DESCRIPTOR, Parameters={"a": "1"}))
    created = glue.get_partition(**table, PartitionValues=["2024", "eu"])["Partition"]["CreationTime"]
    moved = {**DESCRIPTOR, "Location": "s3://lake/moved/"}
    glue.update_partition(**table, PartitionValueList=["2024", "eu"], PartitionInput={"StorageDescriptor": moved})
    got = glue.get_partition(**table, PartitionValues=["2024", "eu"])["Partition"]
    assert got["StorageDescriptor"] == moved and "Parameters" not in got and got["CreationTime"] == created
    glue.update_partition(**table, PartitionValueList=["2024", "eu"], PartitionInput=partition("2025", "eu"))
    assert error_of(glue.get_partition, **table, PartitionValues=["2024", "eu"])["Code"] == "EntityNotFoundException"
    assert glue.get_partition(**table, PartitionValues=["2025", "eu"])["Partition"]["CreationTime"] == created


def test_update_errors(quiet, glue, table):
    glue.batch_create_partition(**table, PartitionInputList=[partition("2024", "eu"), partition("2025", "eu")])
    before = snapshot(quiet)
    cases = [
        (["1999", "eu"], {}, "EntityNotFoundException"),
        (["2024", "eu"], partition("2025", "eu"), "AlreadyExistsException"),
        (["2024", "eu"], {"Values": ["2026"]}, "InvalidInputException"),
    ]
    for values, given, code in cases:
        err = error_of(glue.update_partition, **table, PartitionValueList=values, PartitionInput=given)
        assert err["Code"] == code, (values, given, err)
    assert snapshot(quiet) == before


def test_batch_update_lists_each_failed_entry_and_updates_the_rest(glue, table):
    glue.batch_create_partition(**table, PartitionInputList=[partition("2024", "eu"), partition("2025", "eu")])
    result = glue.batch_update_partition(
        **table,
        Entries=[
            {"PartitionValueList": ["2024", "eu"], "PartitionInput": {"Parameters": {"done": "yes"}}},
            {"PartitionValueList": ["1999", "eu"], "PartitionInput": {}},
            {"PartitionValueList": ["2025", "eu"], "PartitionInput": partition("2024", "eu")},
        ],
    )
    assert result["Errors"] == [
        {
            "PartitionValueList": ["1999", "eu"],
            "ErrorDetail": {"ErrorCode": "EntityNotFoundException", "ErrorMessage": "Cannot find partition."},
        },
        {
            "PartitionValueList": ["2025", "eu"],
            "ErrorDetail": {"ErrorCode": "AlreadyExistsException", "ErrorMessage": "Partition already exists."},
        },
    ]
    assert glue.get_partition(**table, PartitionValues=["2024", "eu"])["Partition"]["Parameters"] == {"done": "yes"}


def test_a_filter_finds_partitions_by_their_current_values_after_renames_and_deletes(glue, table):
    glue.batch_create_partition(**table, PartitionInputList=[partition(y, r) for y in ("2020", "2021") for r in ("eu", "us")])
    glue.update_partition(**table, PartitionValueList=["2020", "eu"], PartitionInput=partition("2020", "asia"))
    glue.batch_update_partition(
        **table, Entries=[{"PartitionValueList": ["2021", "us"], "PartitionInput": partition("2021", "asia")}]
    )
    glue.delete_partition(**table, PartitionValues=["2021", "eu"])

    def found(expression: str) -> list[list[str]]:
        return [p["Values"] for p in all_pages(glue.get_partitions, "Partitions", **table, Expression=expression)]

    assert found("region = 'eu'") == []
    assert found("region = 'asia'") == [["2020", "asia"], ["2021", "asia"]]
    assert found("region = 'us' AND year > 0") == [["2020", "us"]]


def test_delete_and_batch_delete(glue, table):
    glue.batch_create_partition(**table, PartitionInputList=[partition(y, "eu") for y in ("2020", "2021", "2022")])
    glue.delete_partition(**table, PartitionValues=["2020", "eu"])
    err = error_of(glue.delete_partition, **table, PartitionValues=["2020", "eu"])
    assert err == {"Code": "EntityNotFoundException", "Message": "Cannot find partition."}
    result = glue.batch_delete_partition(**table, PartitionsToDelete=[{"Values": ["2021", "eu"]}, {"Values": ["2020", "eu"]}])
    assert result["Errors"] == [
        {
            "PartitionValues": ["2020", "eu"],
            "ErrorDetail": {"ErrorCode": "EntityNotFoundException", "ErrorMessage": "Cannot find partition."},
        }
    ]
    assert [p["Values"] for p in glue.get_partitions(**table)["Partitions"]] == [["2022", "eu"]]


def test_partition_indexes(quiet, glue, raw_glue, table):
    glue.create_partition_index(**table, PartitionIndex={"IndexName": "by_year", "Keys": ["year"]})
    glue.create_partition_index(**table, PartitionIndex={"IndexName": "by_both", "Keys": ["region", "year"]})
    listed = glue.get_partition_indexes(**table)
    assert listed["PartitionIndexDescriptorList"] == [
        {
            "IndexName": "by_both",
            "Keys": [{"Name": "region", "Type": "string"}, {"Name": "year", "Type": "int"}],
            "IndexStatus": "ACTIVE",
        },
        {"IndexName": "by_year", "Keys": [{"Name": "year", "Type": "int"}], "IndexStatus": "ACTIVE"},
    ]
    assert "NextToken" not in listed
    glue.create_partition_index(**table, PartitionIndex={"IndexName": "by_region", "Keys": ["region"]})
    before = snapshot(quiet)
    cases = [
        ({"IndexName": "by_year", "Keys": ["year"]}, "AlreadyExistsException"),
        ({"IndexName": "fourth", "Keys": ["year"]}, "ResourceNumberLimitExceededException"),
        ({"IndexName": "other", "Keys": ["amount"]}, "InvalidInputException"),
        ({"IndexName": "other", "Keys": []}, "ValidationException"),  # KeyList min 1
    ]
    for index, code in cases:
        assert error_of(raw_glue.create_partition_index, **table, PartitionIndex=index)["Code"] == code, index
    assert error_of(glue.delete_partition_index, **table, IndexName="nope")["Code"] == "EntityNotFoundException"
    assert error_of(glue.get_partition_indexes, **table, NextToken="forged")["Code"] == "InvalidInputException"
    assert snapshot(quiet) == before
    glue.delete_partition_index(**table, IndexName="by_year")
    names = [d["IndexName"] for d in glue.get_partition_indexes(**table)["PartitionIndexDescriptorList"]]
    assert names == ["by_both", "by_region"]


def test_an_index_takes_only_keys_of_types_aws_can_index(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    keys = [{"Name": "d", "Type": "date"}, {"Name": "b", "Type": "boolean"}]
    glue.create_table(DatabaseName=name, TableInput={"Name": "t", "PartitionKeys": keys})
    glue.create_partition_index(DatabaseName=name, TableName="t", PartitionIndex={"IndexName": "d", "Keys": ["d"]})
    err = error_of(
        glue.create_partition_index, DatabaseName=name, TableName="t", PartitionIndex={"IndexName": "b", "Keys": ["b"]}
    )
    assert err["Code"] == "InvalidInputException" and "boolean" in err["Message"]


def test_deleting_a_table_or_database_deletes_its_partitions_and_indexes(glue, table, name):
    glue.create_partition(**table, PartitionInput=partition("2024", "eu"))
    glue.create_partition_index(**table, PartitionIndex={"IndexName": "i", "Keys": ["year"]})
    glue.delete_table(DatabaseName=name, Name="sales")
    glue.create_table(DatabaseName=name, TableInput={"Name": "sales", "PartitionKeys": KEYS})
    assert glue.get_partitions(**table)["Partitions"] == []
    assert glue.get_partition_indexes(**table)["PartitionIndexDescriptorList"] == []
    glue.create_partition(**table, PartitionInput=partition("2024", "eu"))
    glue.delete_database(Name=name)
    glue.create_database(DatabaseInput={"Name": name})
    glue.create_table(DatabaseName=name, TableInput={"Name": "sales", "PartitionKeys": KEYS})
    assert glue.get_partitions(**table)["Partitions"] == []


def test_partitions_and_indexes_survive_a_restart(quiet, glue, table):
    glue.batch_create_partition(**table, PartitionInputList=[partition("2024", "eu", StorageDescriptor=DESCRIPTOR)])
    glue.create_partition_index(**table, PartitionIndex={"IndexName": "i", "Keys": ["year"]})
    before = glue.get_partitions(**table, Expression="year = 2024")["Partitions"]
    quiet.restart()
    assert glue.get_partitions(**table, Expression="year = 2024")["Partitions"] == before
    assert len(before) == 1 and before[0]["StorageDescriptor"] == DESCRIPTOR
    assert [d["IndexName"] for d in glue.get_partition_indexes(**table)["PartitionIndexDescriptorList"]] == ["i"]


def test_partitions_written_while_their_table_is_deleted_go_with_it(glue, name):
    """A BatchCreatePartition racing a DeleteTable either fails or has its partitions deleted:
    none are left for a new table of the same name."""
    glue.create_database(DatabaseInput={"Name": name})
    table = {"DatabaseName": name, "TableName": "t"}
    batch = [partition(str(i), "eu") for i in range(100)]
    for _ in range(5):
        glue.create_table(DatabaseName=name, TableInput={"Name": "t", "PartitionKeys": KEYS})
        with ThreadPoolExecutor(2) as pool:
            created = pool.submit(lambda: error_or_none(glue.batch_create_partition, **table, PartitionInputList=batch))
            pool.submit(glue.delete_table, DatabaseName=name, Name="t").result()
            assert created.result() in (None, "EntityNotFoundException")
        glue.create_table(DatabaseName=name, TableInput={"Name": "t", "PartitionKeys": KEYS})
        assert glue.get_partitions(**table)["Partitions"] == []
        glue.delete_table(DatabaseName=name, Name="t")


def error_or_none(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as err:
        return err.response["Error"]["Code"]
    return None


def test_every_operation_on_a_missing_database_or_table_is_entity_not_found(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    calls = [
        (glue.get_partition, {"PartitionValues": ["1", "a"]}),
        (glue.get_partitions, {"Expression": "year = 1"}),
        (glue.batch_get_partition, {"PartitionsToGet": [{"Values": ["1", "a"]}]}),
        (glue.update_partition, {"PartitionValueList": ["1", "a"], "PartitionInput": partition("1", "a")}),
        (glue.batch_update_partition, {"Entries": [{"PartitionValueList": ["1", "a"], "PartitionInput": {}}]}),
        (glue.delete_partition, {"PartitionValues": ["1", "a"]}),
        (glue.batch_delete_partition, {"PartitionsToDelete": [{"Values": ["1", "a"]}]}),
        (glue.create_partition_index, {"PartitionIndex": {"IndexName": "i", "Keys": ["year"]}}),
        (glue.get_partition_indexes, {}),
        (glue.delete_partition_index, {"IndexName": "i"}),
    ]
    for database, table, missing in ((name, "nope", "Table nope"), ("nope", "t", "Database nope")):
        for call, request in calls:
            err = error_of(call, DatabaseName=database, TableName=table, **request)
            assert err["Code"] == "EntityNotFoundException" and err["Message"].startswith(missing), (call, err)


def test_partitions_stored_before_migration_0013_are_found_by_filters_after_it(databases, start_server):
    """0013 fills the value lookup in for the partitions already stored."""
    url = databases.new(migrated=False)
    db = Database(url)
    now = time.time()
    with db.engine.begin() as conn:
        migrate_to(conn, "0012")
        entities.add(conn, "database", "old", {"Name": "old", "CreateTime": now}, now)
        entities.add(
            conn, "table", "t", {"Name": "t", "DatabaseName": "old", "PartitionKeys": KEYS, "CreateTime": now}, now, scope="old"
        )
        rows = [[str(year), region] for year in (2020, 2021) for region in ("eu", "us")]
        conn.execute(
            insert(partitions_table),
            [
                {
                    "database_name": "old",
                    "table_name": "t",
                    "values_key": partition_store.values_key(v),
                    "partition_values": json.dumps(v),
                    "doc": json.dumps({"Values": v, "DatabaseName": "old", "TableName": "t", "CreationTime": now}),
                }
                for v in rows
            ],
        )
    db.dispose()
    glue = glue_client(start_server("--workers", "0", db_url=url).url)
    found = glue.get_partitions(DatabaseName="old", TableName="t", Expression="year = 2021 AND region = 'eu'")["Partitions"]
    assert [p["Values"] for p in found] == [["2021", "eu"]]
    found = glue.get_partitions(DatabaseName="old", TableName="t", Expression="year = 2021 AND region = 'us'")["Partitions"]
    assert [p["Values"] for p in found] == [["2021", "us"]]


def test_create_table_with_partition_indexes_creates_them_and_a_bad_one_creates_no_table(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    indexed = {"Name": "indexed", "PartitionKeys": KEYS}
    glue.create_table(DatabaseName=name, TableInput=indexed, PartitionIndexes=[{"IndexName": "by_year", "Keys": ["year"]}])
    listed = glue.get_partition_indexes(DatabaseName=name, TableName="indexed")["PartitionIndexDescriptorList"]
    assert listed == [{"IndexName": "by_year", "Keys": [{"Name": "year", "Type": "int"}], "IndexStatus": "ACTIVE"}]
    bad = {"Name": "unindexed", "PartitionKeys": KEYS}
    err = error_of(glue.create_table, DatabaseName=name, TableInput=bad, PartitionIndexes=[{"IndexName": "x", "Keys": ["nope"]}])
    assert err["Code"] == "InvalidInputException"
    assert error_of(glue.get_table, DatabaseName=name, Name="unindexed")["Code"] == "EntityNotFoundException"
