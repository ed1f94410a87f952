"""Data Catalog databases and tables as AWS keeps them: the fields it fills in, UpdateTable
keeping versions, GetTables' Expression, SearchTables, batch deletes, Iceberg tables, tags.

Written from the Glue API reference (Table, UpdateTable, GetTableVersions, SearchTables,
PropertyPredicate) and AWS CLI outputs quoted where AWS leaves a detail out: VersionId is
"0" on create and one more after each UpdateTable; a stale VersionId is
ConcurrentModificationException; GetTableVersions lists the current version first.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import select

from glueprint.store import partitions, schema
from glueprint.store.db import Database

from conftest import all_pages, error_of, snapshot
from servers import glue_client

ARN = "arn:aws:glue:us-east-1:123456789012"


def table_input(name: str, description: str = "", **extra) -> dict:
    storage = {"Columns": [{"Name": "id", "Type": "bigint"}], "Location": f"s3://lake/{name}/"}
    return {"Name": name, "Description": description, "StorageDescriptor": storage, **extra}


@pytest.fixture
def database(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    return name


def versions(glue, database: str, table: str) -> list[tuple[str, str]]:
    listed = all_pages(glue.get_table_versions, "TableVersions", DatabaseName=database, TableName=table)
    return [(v["VersionId"], v["Table"]["Description"]) for v in listed]


def test_a_created_table_has_the_fields_aws_fills_in(glue, database):
    before = time.time()
    glue.create_table(DatabaseName=database, TableInput=table_input("Events"))
    table = glue.get_table(DatabaseName=database, Name="events")["Table"]
    assert table["Name"] == "events" and table["DatabaseName"] == database
    assert table["VersionId"] == "0" and table["Retention"] == 0 and table["PartitionKeys"] == []
    assert table["IsRegisteredWithLakeFormation"] is False and table["IsMultiDialectView"] is False
    assert table["CatalogId"] == "123456789012" and table["CreatedBy"].startswith("arn:aws:iam::123456789012:")
    assert table["CreateTime"] == table["UpdateTime"] and table["CreateTime"].timestamp() >= before - 1
    storage = table["StorageDescriptor"]
    assert storage["Compressed"] is False and storage["NumberOfBuckets"] == 0
    assert storage["SortColumns"] == [] and storage["StoredAsSubDirectories"] is False
    assert storage["Location"] == "s3://lake/Events/"


def test_given_storage_values_are_kept_over_the_defaults(glue, database):
    given = table_input("t", StorageDescriptor={"NumberOfBuckets": -1, "Compressed": True})
    glue.create_table(DatabaseName=database, TableInput=given)
    storage = glue.get_table(DatabaseName=database, Name="t")["Table"]["StorageDescriptor"]
    assert storage["NumberOfBuckets"] == -1 and storage["Compressed"] is True


def test_create_table_takes_the_name_outside_table_input_too(glue, database):
    glue.create_table(DatabaseName=database, Name="Plain")
    assert glue.get_table(DatabaseName=database, Name="plain")["Table"]["VersionId"] == "0"
    assert error_of(glue.create_table, DatabaseName=database)["Code"] == "InvalidInputException"


def test_a_database_has_its_catalog_id_create_time_and_default_permissions(glue, name):
    glue.create_database(DatabaseInput={"Name": name, "Description": "d"})
    database = glue.get_database(Name=name)["Database"]
    assert database["CatalogId"] == "123456789012" and database["CreateTime"]
    assert database["CreateTableDefaultPermissions"] == [
        {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}
    ]


def test_get_databases_attributes_to_get(glue, name):
    target = {"CatalogId": "210987654321", "DatabaseName": "shared"}
    glue.create_database(DatabaseInput={"Name": name, "Description": "d", "TargetDatabase": target})
    glue.create_database(DatabaseInput={"Name": name + "b"})
    listed = all_pages(glue.get_databases, "DatabaseList", AttributesToGet=["NAME", "TARGET_DATABASE"])
    assert {"Name": name, "TargetDatabase": target} in listed and all(set(d) <= {"Name", "TargetDatabase"} for d in listed)
    names = glue.get_databases(AttributesToGet=["NAME"], MaxResults=1)
    assert set(names["DatabaseList"][0]) == {"Name"}
    other = error_of(glue.get_databases, NextToken=names["NextToken"])
    assert other["Code"] == "InvalidInputException"
    assert error_of(glue.get_databases, AttributesToGet=["TARGET_DATABASE"])["Code"] == "InvalidInputException"


def test_update_table_counts_versions_and_archives_the_replaced_definition(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "first"))
    created = glue.get_table(DatabaseName=database, Name="t")["Table"]
    glue.update_table(DatabaseName=database, TableInput=table_input("t", "second"))
    glue.update_table(DatabaseName=database, TableInput=table_input("t", "third"), VersionId="1")
    table = glue.get_table(DatabaseName=database, Name="t")["Table"]
    assert table["VersionId"] == "2" and table["Description"] == "third"
    assert table["CreateTime"] == created["CreateTime"] and table["UpdateTime"] >= created["UpdateTime"]
    assert versions(glue, database, "t") == [("2", "third"), ("1", "second"), ("0", "first")]
    old = glue.get_table_version(DatabaseName=database, TableName="t", VersionId="0")["TableVersion"]
    assert old["VersionId"] == "0" and old["Table"]["Description"] == "first" and old["Table"]["VersionId"] == "0"
    current = glue.get_table_version(DatabaseName=database, TableName="t")["TableVersion"]
    assert current["VersionId"] == "2"


def test_skip_archive_replaces_without_keeping_the_old_definition(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "first"))
    glue.update_table(DatabaseName=database, TableInput=table_input("t", "second"), SkipArchive=True)
    glue.update_table(DatabaseName=database, TableInput=table_input("t", "third"), SkipArchive=False)
    assert versions(glue, database, "t") == [("2", "third"), ("1", "second")]


def test_update_table_replaces_the_whole_definition(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "d", Parameters={"a": "1"}, Owner="me"))
    glue.update_table(DatabaseName=database, TableInput={"Name": "t", "Parameters": {"b": "2"}})
    table = glue.get_table(DatabaseName=database, Name="t")["Table"]
    assert table["Parameters"] == {"b": "2"} and "Owner" not in table and "StorageDescriptor" not in table


def test_a_stale_version_id_is_a_concurrent_modification_and_changes_nothing(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "first"))
    glue.update_table(DatabaseName=database, TableInput=table_input("t", "second"), VersionId="0")
    stale = error_of(glue.update_table, DatabaseName=database, TableInput=table_input("t", "third"), VersionId="0")
    assert stale["Code"] == "ConcurrentModificationException"
    assert versions(glue, database, "t") == [("1", "second"), ("0", "first")]


def test_concurrent_updates_of_one_version_let_exactly_one_through(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "v0"))

    def update(n: int) -> str:
        try:
            glue.update_table(
                DatabaseName=database, TableInput=table_input("t", f"by {n}"), VersionId="0", SkipArchive=n % 2 == 0
            )
            return "updated"
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(update, range(6)))
    assert outcomes == ["ConcurrentModificationException"] * 5 + ["updated"]
    assert glue.get_table(DatabaseName=database, Name="t")["Table"]["VersionId"] == "1"


def test_update_table_needs_a_table_input(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t"))
    assert error_of(glue.update_table, DatabaseName=database, Name="t")["Code"] == "InvalidInputException"


def test_a_second_create_table_of_a_name_is_already_exists_with_awss_text(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t"))
    expected = {"Code": "AlreadyExistsException", "Message": "Table already exists."}
    assert error_of(glue.create_table, DatabaseName=database, TableInput=table_input("T")) == expected


def test_update_table_of_what_does_not_exist_is_entity_not_found(glue, database):
    expected = {"Code": "EntityNotFoundException", "Message": "Table nope not found."}  # AWS's text
    assert error_of(glue.update_table, DatabaseName=database, TableInput={"Name": "nope"}) == expected
    assert error_of(glue.get_table, DatabaseName=database, Name="nope") == expected
    assert error_of(glue.get_partitions, DatabaseName=database, TableName="nope") == expected
    missing_db = error_of(glue.update_table, DatabaseName=database + "x", TableInput={"Name": "t"})
    assert missing_db["Code"] == "EntityNotFoundException"


def test_table_versions_page_newest_first(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "v0"))
    for n in range(1, 5):
        glue.update_table(DatabaseName=database, TableInput=table_input("t", f"v{n}"))
    first = glue.get_table_versions(DatabaseName=database, TableName="t", MaxResults=2)
    assert [v["VersionId"] for v in first["TableVersions"]] == ["4", "3"]
    second = glue.get_table_versions(DatabaseName=database, TableName="t", MaxResults=2, NextToken=first["NextToken"])
    assert [v["VersionId"] for v in second["TableVersions"]] == ["2", "1"]
    last = glue.get_table_versions(DatabaseName=database, TableName="t", MaxResults=2, NextToken=second["NextToken"])
    assert [v["VersionId"] for v in last["TableVersions"]] == ["0"] and "NextToken" not in last
    foreign = error_of(glue.get_table_versions, DatabaseName=database, TableName="u", NextToken=first["NextToken"])
    assert foreign["Code"] in ("InvalidInputException", "EntityNotFoundException")


def test_deleting_versions(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "v0"))
    for n in range(1, 4):
        glue.update_table(DatabaseName=database, TableInput=table_input("t", f"v{n}"))
    glue.delete_table_version(DatabaseName=database, TableName="t", VersionId="1")
    assert [v for v, _ in versions(glue, database, "t")] == ["3", "2", "0"]
    current = error_of(glue.delete_table_version, DatabaseName=database, TableName="t", VersionId="3")
    assert current["Code"] == "InvalidInputException"
    gone = error_of(glue.delete_table_version, DatabaseName=database, TableName="t", VersionId="1")
    assert gone["Code"] == "EntityNotFoundException"
    result = glue.batch_delete_table_version(DatabaseName=database, TableName="t", VersionIds=["0", "3", "7", "x"])
    failed = {e["VersionId"]: e["ErrorDetail"]["ErrorCode"] for e in result["Errors"]}
    assert failed == {"3": "InvalidInputException", "7": "EntityNotFoundException", "x": "InvalidInputException"}
    assert all(e["TableName"] == "t" for e in result["Errors"])
    assert [v for v, _ in versions(glue, database, "t")] == ["3", "2"]


def test_a_deleted_table_takes_its_versions_along(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "v0"))
    glue.update_table(DatabaseName=database, TableInput=table_input("t", "v1"))
    glue.delete_table(DatabaseName=database, Name="T")
    assert error_of(glue.get_table_versions, DatabaseName=database, TableName="t")["Code"] == "EntityNotFoundException"
    glue.create_table(DatabaseName=database, TableInput=table_input("t", "again"))
    assert versions(glue, database, "t") == [("0", "again")]
    assert glue.get_table_version(DatabaseName=database, TableName="t")["TableVersion"]["VersionId"] == "0"


def test_reading_versions_of_what_does_not_exist(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("t"))
    unknown = error_of(glue.get_table_version, DatabaseName=database, TableName="t", VersionId="9")
    assert unknown["Code"] == "EntityNotFoundException"
    for bad in ("one", "-1", "٣", str(2**63)):
        refused = error_of(glue.get_table_version, DatabaseName=database, TableName="t", VersionId=bad)
        assert refused["Code"] == "InvalidInputException"
    result = glue.batch_delete_table_version(DatabaseName=database, TableName="t", VersionIds=[str(2**64)])
    assert result["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"
    assert error_of(glue.get_table_versions, DatabaseName=database, TableName="u")["Code"] == "EntityNotFoundException"
    missing = error_of(glue.batch_delete_table_version, DatabaseName=database, TableName="u", VersionIds=["0"])
    assert missing["Code"] == "EntityNotFoundException"


def test_get_tables_expression_matches_whole_names_with_star_as_a_wildcard(glue, database):
    for table in ("sales_2023", "sales_2024", "returns", "presales"):
        glue.create_table(DatabaseName=database, TableInput={"Name": table})

    def names(expression: str) -> list[str]:
        return [t["Name"] for t in glue.get_tables(DatabaseName=database, Expression=expression)["TableList"]]

    assert names("*") == ["presales", "returns", "sales_2023", "sales_2024"]
    assert names("sales*") == ["sales_2023", "sales_2024"]
    assert names("*sales*") == ["presales", "sales_2023", "sales_2024"]
    assert names("sales") == [] and names("ales_2023") == []
    assert names("SALES_202[3]") == ["sales_2023"]
    assert names("sales_20(23|24)") == ["sales_2023", "sales_2024"]
    assert names("returns|presales") == ["presales", "returns"]
    assert names(".*s") == ["presales", "returns"]
    bad = error_of(glue.get_tables, DatabaseName=database, Expression="sales_(")
    assert bad["Code"] == "InvalidInputException"


def test_get_tables_pages_with_an_expression(glue, database):
    for n in range(7):
        glue.create_table(DatabaseName=database, TableInput={"Name": f"{'a' if n % 2 else 'b'}{n}"})
    found = all_pages(glue.get_tables, "TableList", DatabaseName=database, Expression="a*", MaxResults=2)
    assert [t["Name"] for t in found] == ["a1", "a3", "a5"]
    first = glue.get_tables(DatabaseName=database, Expression="a*", MaxResults=1)
    other = error_of(glue.get_tables, DatabaseName=database, Expression="b*", NextToken=first["NextToken"])
    assert other["Code"] == "InvalidInputException"


def test_get_tables_attributes_to_get(glue, database):
    glue.create_table(DatabaseName=database, TableInput={"Name": "v", "TableType": "VIRTUAL_VIEW"})
    names = glue.get_tables(DatabaseName=database, AttributesToGet=["NAME"])["TableList"]
    assert names == [{"Name": "v"}]
    typed = glue.get_tables(DatabaseName=database, AttributesToGet=["NAME", "TABLE_TYPE"])["TableList"]
    assert typed == [{"Name": "v", "TableType": "VIRTUAL_VIEW"}]
    assert error_of(glue.get_tables, DatabaseName=database, AttributesToGet=["TABLE_TYPE"])["Code"] == "InvalidInputException"


def test_batch_delete_table_reports_each_missing_table_and_drops_versions(glue, database):
    glue.create_table(DatabaseName=database, TableInput=table_input("a", "a0"))
    glue.update_table(DatabaseName=database, TableInput=table_input("a", "a1"))
    glue.create_table(DatabaseName=database, TableInput=table_input("b"))
    result = glue.batch_delete_table(DatabaseName=database, TablesToDelete=["A", "b", "nope"])
    assert [(e["TableName"], e["ErrorDetail"]["ErrorCode"]) for e in result["Errors"]] == [("nope", "EntityNotFoundException")]
    assert glue.get_tables(DatabaseName=database)["TableList"] == []
    glue.create_table(DatabaseName=database, TableInput=table_input("a", "again"))
    assert versions(glue, database, "a") == [("0", "again")]
    missing = error_of(glue.batch_delete_table, DatabaseName=database + "x", TablesToDelete=["a"])
    assert missing["Code"] == "EntityNotFoundException"


def test_update_database_replaces_its_definition(glue, name):
    glue.create_database(DatabaseInput={"Name": name, "Description": "old", "LocationUri": "s3://x/"})
    created = glue.get_database(Name=name)["Database"]
    glue.update_database(Name=name.upper(), DatabaseInput={"Name": name, "Description": "new", "Parameters": {"k": "v"}})
    database = glue.get_database(Name=name)["Database"]
    assert database["Description"] == "new" and database["Parameters"] == {"k": "v"} and "LocationUri" not in database
    assert database["CreateTime"] == created["CreateTime"] and database["CatalogId"] == created["CatalogId"]
    missing = error_of(glue.update_database, Name=name + "x", DatabaseInput={"Name": name + "x"})
    assert missing["Code"] == "EntityNotFoundException"
    renamed = error_of(glue.update_database, Name=name, DatabaseInput={"Name": name + "y"})
    assert renamed["Code"] == "InvalidInputException"


def test_deleting_a_database_deletes_its_tables_and_their_versions(glue, name):
    glue.create_database(DatabaseInput={"Name": name})
    glue.create_table(DatabaseName=name, TableInput=table_input("t", "v0"))
    glue.update_table(DatabaseName=name, TableInput=table_input("t", "v1"))
    glue.delete_database(Name=name)
    glue.create_database(DatabaseInput={"Name": name})
    assert glue.get_tables(DatabaseName=name)["TableList"] == []
    glue.create_table(DatabaseName=name, TableInput=table_input("t", "new"))
    assert versions(glue, name, "t") == [("0", "new")]


def test_an_iceberg_table_from_open_table_format_input(glue, database):
    iceberg = {
        "MetadataOperation": "CREATE",
        "CreateIcebergTableInput": {
            "Location": "s3://lake/ice/",
            "Schema": {"Fields": [{"Id": 1, "Name": "id", "Type": "long", "Required": True, "Doc": "key"}]},
            "Properties": {"write.format.default": "parquet"},
        },
    }
    glue.create_table(DatabaseName=database, TableInput={"Name": "ice"}, OpenTableFormatInput={"IcebergInput": iceberg})
    table = glue.get_table(DatabaseName=database, Name="ice")["Table"]
    assert table["TableType"] == "EXTERNAL_TABLE" and table["Parameters"]["table_type"] == "ICEBERG"
    assert table["Parameters"]["metadata_location"].startswith("s3://lake/ice/metadata/00000-")
    assert table["Parameters"]["metadata_location"].endswith(".metadata.json")
    assert table["Parameters"]["write.format.default"] == "parquet"
    column = table["StorageDescriptor"]["Columns"][0]
    assert (column["Name"], column["Type"], column["Comment"]) == ("id", "long", "key")
    assert column["Parameters"]["iceberg.field.id"] == "1" and column["Parameters"]["iceberg.field.optional"] == "false"
    no_location = {"IcebergInput": {"MetadataOperation": "CREATE"}}
    missing = error_of(glue.create_table, DatabaseName=database, TableInput={"Name": "ice2"}, OpenTableFormatInput=no_location)
    assert missing["Code"] == "InvalidInputException"


def test_search_tables_by_property_text_and_time_sorted_and_paged(glue, name):
    other = name + "o"
    for database in (name, other):
        glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(DatabaseName=name, TableInput=table_input("customer-link", "links", Parameters={"classification": "csv"}))
    glue.create_table(DatabaseName=name, TableInput=table_input("xx_link_yy", "more links"))
    glue.create_table(DatabaseName=name, TableInput=table_input("xxlinkyy", "no match"))
    glue.create_table(DatabaseName=other, TableInput=table_input("orders", "Bestellungen für Kunden"))
    mine = {"Key": "DatabaseName", "Value": name}

    def search(*filters, **kwargs) -> list[str]:
        found = all_pages(glue.search_tables, "TableList", Filters=[*filters], **kwargs)
        return [t["Name"] for t in found]

    assert search(mine, {"Key": "Name", "Value": "link"}) == ["customer-link", "xx_link_yy"]
    assert search(mine, {"Key": "classification", "Value": "csv"}) == ["customer-link"]
    assert search(mine, SearchText="links") == ["customer-link", "xx_link_yy"]
    assert search(mine, SearchText='"more links"') == ["xx_link_yy"]
    assert search({"Key": "DatabaseName", "Value": other}, SearchText="für") == ["orders"]
    descending = search(mine, SortCriteria=[{"FieldName": "Name", "Sort": "DESC"}], MaxResults=1)
    assert descending == ["xxlinkyy", "xx_link_yy", "customer-link"]
    created = glue.get_table(DatabaseName=name, Name="xxlinkyy")["Table"]["CreateTime"].timestamp()
    later = {"Key": "CreateTime", "Value": str(created + 3600), "Comparator": "GREATER_THAN"}
    earlier = {"Key": "CreateTime", "Value": str(created + 3600), "Comparator": "LESS_THAN"}
    assert search(mine, later) == [] and len(search(mine, earlier)) == 3
    bad_time = error_of(glue.search_tables, Filters=[{"Key": "UpdateTime", "Value": "yesterday"}])
    assert bad_time["Code"] == "InvalidInputException"


def test_database_tags_by_arn(glue, name):
    glue.create_database(DatabaseInput={"Name": name}, Tags={"team": "data", "stufe": "prüfung"})
    arn = f"{ARN}:database/{name}"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "data", "stufe": "prüfung"}
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"cost": "1"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["team"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"stufe": "prüfung", "cost": "1"}
    assert "Tags" not in glue.get_database(Name=name)["Database"]
    assert error_of(glue.get_tags, ResourceArn=f"{ARN}:database/{name}x")["Code"] == "EntityNotFoundException"
    assert error_of(glue.get_tags, ResourceArn=f"{ARN}:table/{name}/t")["Code"] == "InvalidInputException"


def test_non_ascii_names_and_values_round_trip(glue, name):
    database = name + "_données"
    glue.create_database(DatabaseInput={"Name": database, "Description": "Übersicht — 数据"})
    given = table_input("Straße_表", "größe", Parameters={"schlüssel": "wert ✓"})
    glue.create_table(DatabaseName=database, TableInput=given)
    glue.update_table(DatabaseName=database, TableInput={**given, "Description": "größer"})
    table = glue.get_table(DatabaseName=database, Name="straße_表")["Table"]
    assert table["Parameters"] == {"schlüssel": "wert ✓"} and table["Description"] == "größer"
    assert versions(glue, database, "straße_表") == [("1", "größer"), ("0", "größe")]
    assert [t["Name"] for t in glue.get_tables(DatabaseName=database, Expression="straße*")["TableList"]] == ["straße_表"]
    assert glue.get_database(Name=database)["Database"]["Description"] == "Übersicht — 数据"


def test_versions_survive_a_restart_and_rejected_requests_change_nothing(quiet):
    glue = glue_client(quiet.url)
    glue.create_database(DatabaseInput={"Name": "kept"})
    glue.create_table(DatabaseName="kept", TableInput=table_input("t", "v0"))
    glue.update_table(DatabaseName="kept", TableInput=table_input("t", "v1"))
    before = snapshot(quiet)
    rejected = [
        (glue.update_table, {"DatabaseName": "kept", "TableInput": table_input("t", "v2"), "VersionId": "0"}),
        (glue.delete_table_version, {"DatabaseName": "kept", "TableName": "t", "VersionId": "1"}),
        (glue.update_database, {"Name": "kept", "DatabaseInput": {"Name": "other"}}),
        (glue.batch_delete_table, {"DatabaseName": "gone", "TablesToDelete": ["t"]}),
        (glue.create_table, {"DatabaseName": "kept", "TableInput": table_input("T")}),
    ]
    for call, kwargs in rejected:
        error_of(call, **kwargs)
    assert snapshot(quiet) == before
    quiet.restart()
    glue = glue_client(quiet.url)
    assert versions(glue, "kept", "t") == [("1", "v1"), ("0", "v0")]
    glue.update_table(DatabaseName="kept", TableInput=table_input("t", "v2"), VersionId="1")
    assert glue.get_table(DatabaseName="kept", Name="t")["Table"]["VersionId"] == "2"


def test_deleting_tables_and_databases_deletes_their_partitions(quiet):
    glue = glue_client(quiet.url)
    glue.create_database(DatabaseInput={"Name": "parted"})
    for table in ("a", "b", "c"):
        glue.create_table(
            DatabaseName="parted", TableInput={**table_input(table), "PartitionKeys": [{"Name": "y", "Type": "string"}]}
        )
    db = Database(quiet.db_url)
    with db.write() as conn:  # partitions as the partition operations store them
        for table in ("a", "b", "c"):
            partitions.add(conn, "parted", table, ["2024"], {"Values": ["2024"]})

    def left() -> list[str]:
        with db.read() as conn:
            query = select(schema.partitions.c.table_name).where(schema.partitions.c.database_name == "parted")
            return sorted(conn.execute(query).scalars())

    glue.delete_table(DatabaseName="parted", Name="a")
    assert left() == ["b", "c"]
    glue.batch_delete_table(DatabaseName="parted", TablesToDelete=["b"])
    assert left() == ["c"]
    glue.delete_database(Name="parted")
    assert left() == []
    db.dispose()
