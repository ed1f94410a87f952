"""Column statistics of Data Catalog tables and partitions, through boto3, as AWS's API
reference shapes them (UpdateColumnStatisticsForTable and its five siblings)."""

import datetime

import pytest

from conftest import error_of, snapshot
from servers import glue_client

UTC = datetime.UTC
COLUMNS = [
    {"Name": "flag", "Type": "boolean"},
    {"Name": "day", "Type": "date"},
    {"Name": "price", "Type": "decimal(10,2)"},
    {"Name": "ratio", "Type": "double"},
    {"Name": "count", "Type": "bigint"},
    {"Name": "label", "Type": "varchar(20)"},
    {"Name": "blob", "Type": "binary"},
    {"Name": "seen", "Type": "timestamp"},
]
KEYS = [{"Name": "year", "Type": "int"}]
ANALYZED = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)

# One entry of each statistics Type, each with every figure its data member has.
STATISTICS = {
    "flag": {"Type": "BOOLEAN", "BooleanColumnStatisticsData": {"NumberOfTrues": 5, "NumberOfFalses": 4, "NumberOfNulls": 1}},
    "day": {
        "Type": "DATE",
        "DateColumnStatisticsData": {
            "MinimumValue": datetime.datetime(1970, 1, 1, tzinfo=UTC),
            "MaximumValue": datetime.datetime(2099, 12, 31, tzinfo=UTC),
            "NumberOfNulls": 0,
            "NumberOfDistinctValues": 47482,
        },
    },
    "price": {
        "Type": "DECIMAL",
        "DecimalColumnStatisticsData": {
            # -12.34 and 99999999.99 as two's-complement big-endian unscaled values
            "MinimumValue": {"UnscaledValue": (-1234).to_bytes(2, "big", signed=True), "Scale": 2},
            "MaximumValue": {"UnscaledValue": (9999999999).to_bytes(5, "big", signed=True), "Scale": 2},
            "NumberOfNulls": 3,
            "NumberOfDistinctValues": 120,
        },
    },
    "ratio": {
        "Type": "DOUBLE",
        "DoubleColumnStatisticsData": {
            "MinimumValue": -1.5e-300,
            "MaximumValue": 1.7976931348623157e308,
            "NumberOfNulls": 0,
            "NumberOfDistinctValues": 9,
        },
    },
    "count": {
        "Type": "LONG",
        "LongColumnStatisticsData": {
            "MinimumValue": -9223372036854775808,
            "MaximumValue": 9223372036854775807,
            "NumberOfNulls": 2,
            "NumberOfDistinctValues": 1000000,
        },
    },
    "label": {
        "Type": "STRING",
        "StringColumnStatisticsData": {
            "MaximumLength": 20,
            "AverageLength": 7.25,
            "NumberOfNulls": 0,
            "NumberOfDistinctValues": 33,
        },
    },
    "blob": {"Type": "BINARY", "BinaryColumnStatisticsData": {"MaximumLength": 4096, "AverageLength": 1.5, "NumberOfNulls": 8}},
}


def entry(column: str, data: dict | None = None, column_type: str | None = None, analyzed=ANALYZED) -> dict:
    types = {c["Name"]: c["Type"] for c in COLUMNS}
    return {
        "ColumnName": column,
        "ColumnType": column_type or types.get(column, "string"),
        "AnalyzedTime": analyzed,
        "StatisticsData": data or STATISTICS[column],
    }


def long_stats(nulls: int) -> dict:
    return {"Type": "LONG", "LongColumnStatisticsData": {"NumberOfNulls": nulls, "NumberOfDistinctValues": 1}}


@pytest.fixture(scope="module")
def glue(quiet):
    return glue_client(quiet.url)


@pytest.fixture(scope="module")
def raw_glue(quiet):
    return glue_client(quiet.url, validate=False)


@pytest.fixture
def table(glue, name):
    """A table with a column of each type and partitions year=2023 and year=2024; names in
    upper case, as a caller may give them (the catalog keeps them in lower case)."""
    glue.create_database(DatabaseInput={"Name": name})
    descriptor = {"Columns": COLUMNS, "Location": "s3://lake/t/"}
    glue.create_table(DatabaseName=name, TableInput={"Name": "t", "StorageDescriptor": descriptor, "PartitionKeys": KEYS})
    for year in ("2023", "2024"):
        glue.create_partition(DatabaseName=name, TableName="t", PartitionInput={"Values": [year]})
    return {"DatabaseName": name.upper(), "TableName": "T"}


def table_stats(glue, table, *columns: str) -> dict:
    got = glue.get_column_statistics_for_table(**table, ColumnNames=list(columns))
    return {key: got[key] for key in ("ColumnStatisticsList", "Errors")}


def partition_stats(glue, table, year: str, *columns: str) -> dict:
    got = glue.get_column_statistics_for_partition(**table, PartitionValues=[year], ColumnNames=list(columns))
    return {key: got[key] for key in ("ColumnStatisticsList", "Errors")}


def missing(*columns: str) -> list[dict]:
    """Get's Errors for columns without statistics."""
    return [
        {
            "ColumnName": c,
            "Error": {"ErrorCode": "EntityNotFoundException", "ErrorMessage": f"Column statistics of column {c} not found."},
        }
        for c in columns
    ]


def test_statistics_of_every_type_read_back_exactly_as_given(glue, table):
    given = [entry(column) for column in STATISTICS]
    assert glue.update_column_statistics_for_table(**table, ColumnStatisticsList=given)["Errors"] == []
    got = table_stats(glue, table, *STATISTICS)
    assert got["ColumnStatisticsList"] == given
    assert got["Errors"] == []


def test_partition_statistics_of_every_type_read_back_exactly_and_apart_from_the_tables(glue, table):
    given = [entry(column) for column in STATISTICS]
    result = glue.update_column_statistics_for_partition(**table, PartitionValues=["2024"], ColumnStatisticsList=given)
    assert result["Errors"] == []
    assert partition_stats(glue, table, "2024", *STATISTICS) == {"ColumnStatisticsList": given, "Errors": []}
    assert partition_stats(glue, table, "2023", "count")["Errors"] == missing("count")
    assert table_stats(glue, table, "count")["Errors"] == missing("count")


def test_get_answers_in_the_order_asked_once_each_and_lists_columns_without_statistics_in_errors(glue, table):
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[entry("flag"), entry("count")])
    got = table_stats(glue, table, "count", "ratio", "flag", "count", "nosuch")
    assert [s["ColumnName"] for s in got["ColumnStatisticsList"]] == ["count", "flag"]
    assert got["Errors"] == missing("ratio", "nosuch")
    assert table_stats(glue, table) == {"ColumnStatisticsList": [], "Errors": []}


def test_an_update_replaces_a_columns_statistics_and_names_match_in_any_case(glue, table):
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[entry("count", long_stats(1))])
    later = entry("COUNT", long_stats(2), analyzed=ANALYZED + datetime.timedelta(days=1))
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[later])
    assert table_stats(glue, table, "Count")["ColumnStatisticsList"] == [later]


def test_update_lists_each_entry_it_cannot_store_in_errors_and_stores_the_rest(quiet, glue, table):
    wrong = [
        (entry("nosuch", long_stats(0), "bigint"), "Column nosuch does not exist in table t."),
        (entry("year", long_stats(0), "int"), "Column year is a partition key of table t: statistics describe its columns."),
        (entry("label", long_stats(0), "bigint"), "Statistics of type LONG do not fit column label of type varchar(20)."),
        (entry("seen", long_stats(0), "timestamp"), "Statistics of type LONG do not fit column seen of type timestamp."),
        (
            entry("count", {**long_stats(0), **STATISTICS["flag"], "Type": "LONG"}),
            "Statistics of type LONG hold LongColumnStatisticsData, not BooleanColumnStatisticsData.",
        ),
    ]
    given = [entry("ratio")] + [e for e, _ in wrong]
    for update, get in (
        (glue.update_column_statistics_for_table, lambda *c: table_stats(glue, table, *c)),
        (
            lambda **kw: glue.update_column_statistics_for_partition(PartitionValues=["2023"], **kw),
            lambda *c: partition_stats(glue, table, "2023", *c),
        ),
    ):
        result = update(**table, ColumnStatisticsList=given)
        assert result["Errors"] == [
            {"ColumnStatistics": e, "Error": {"ErrorCode": "InvalidInputException", "ErrorMessage": message}}
            for e, message in wrong
        ]
        got = get("ratio", "nosuch", "year", "label", "seen", "count")
        assert got["ColumnStatisticsList"] == [entry("ratio")]
        assert [e["ColumnName"] for e in got["Errors"]] == ["nosuch", "year", "label", "seen", "count"]


def test_figures_may_be_left_out_but_type_is_required(glue, raw_glue, table):
    bare = entry("count", {"Type": "LONG"})
    assert glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[bare])["Errors"] == []
    assert table_stats(glue, table, "count")["ColumnStatisticsList"] == [bare]
    untyped = {
        **entry("count"),
        "StatisticsData": {"LongColumnStatisticsData": {"NumberOfNulls": 0, "NumberOfDistinctValues": 1}},
    }
    err = error_of(raw_glue.update_column_statistics_for_table, **table, ColumnStatisticsList=[untyped])
    assert err["Code"] == "ValidationException"


def test_a_missing_database_table_or_partition_fails_the_whole_call_and_changes_nothing(quiet, glue, table, name):
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[entry("count")])
    glue.update_column_statistics_for_partition(**table, PartitionValues=["2024"], ColumnStatisticsList=[entry("count")])
    before = snapshot(quiet)
    places = [
        ({"DatabaseName": "nosuch", "TableName": "t"}, "Database nosuch not found."),
        ({"DatabaseName": name, "TableName": "nosuch"}, "Table nosuch not found."),
    ]
    for where, message in places:
        calls = [
            (glue.update_column_statistics_for_table, {"ColumnStatisticsList": [entry("count")]}),
            (glue.get_column_statistics_for_table, {"ColumnNames": ["count"]}),
            (glue.delete_column_statistics_for_table, {"ColumnName": "count"}),
            (
                glue.update_column_statistics_for_partition,
                {"PartitionValues": ["2024"], "ColumnStatisticsList": [entry("count")]},
            ),
            (glue.get_column_statistics_for_partition, {"PartitionValues": ["2024"], "ColumnNames": ["count"]}),
            (glue.delete_column_statistics_for_partition, {"PartitionValues": ["2024"], "ColumnName": "count"}),
        ]
        for call, request in calls:
            assert error_of(call, **where, **request) == {"Code": "EntityNotFoundException", "Message": message}
    for values in (["1999"], ["2024", "extra"]):
        for call, request in (
            (glue.update_column_statistics_for_partition, {"ColumnStatisticsList": [entry("count")]}),
            (glue.get_column_statistics_for_partition, {"ColumnNames": ["count"]}),
            (glue.delete_column_statistics_for_partition, {"ColumnName": "count"}),
        ):
            err = error_of(call, **table, PartitionValues=values, **request)
            assert err == {"Code": "EntityNotFoundException", "Message": "Cannot find partition."}
    assert snapshot(quiet) == before


def test_the_models_limits_are_checked_and_change_nothing(quiet, raw_glue, table):
    before = snapshot(quiet)
    too_many = [entry("count")] * 26
    cases = [
        (raw_glue.update_column_statistics_for_table, dict(ColumnStatisticsList=too_many), "less than or equal to 25"),
        (
            raw_glue.update_column_statistics_for_partition,
            dict(PartitionValues=["2024"], ColumnStatisticsList=too_many),
            "less than or equal to 25",
        ),
        (raw_glue.get_column_statistics_for_table, dict(ColumnNames=["count"] * 101), "less than or equal to 100"),
        (
            raw_glue.get_column_statistics_for_partition,
            dict(PartitionValues=["2024"], ColumnNames=["count"] * 101),
            "less than or equal to 100",
        ),
        (raw_glue.update_column_statistics_for_table, dict(ColumnStatisticsList=[entry("count", {"Type": "INT"})]), "enum"),
        (raw_glue.update_column_statistics_for_table, dict(ColumnStatisticsList=[entry("count", long_stats(-1))]), "1"),
        (raw_glue.delete_column_statistics_for_table, dict(ColumnName=""), "length"),
    ]
    for call, request, message in cases:
        err = error_of(call, **table, **request)
        assert err["Code"] == "ValidationException" and message in err["Message"], (request, err)
    assert snapshot(quiet) == before


def test_delete_removes_one_columns_statistics_and_succeeds_when_there_are_none(glue, table):
    both = [entry("count"), entry("flag")]
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=both)
    glue.update_column_statistics_for_partition(**table, PartitionValues=["2024"], ColumnStatisticsList=both)
    glue.delete_column_statistics_for_table(**table, ColumnName="COUNT")
    assert table_stats(glue, table, "count", "flag") == {"ColumnStatisticsList": [entry("flag")], "Errors": missing("count")}
    assert partition_stats(glue, table, "2024", "count")["ColumnStatisticsList"] == [entry("count")]
    glue.delete_column_statistics_for_partition(**table, PartitionValues=["2024"], ColumnName="count")
    assert partition_stats(glue, table, "2024", "count", "flag") == {
        "ColumnStatisticsList": [entry("flag")],
        "Errors": missing("count"),
    }
    glue.delete_column_statistics_for_table(**table, ColumnName="count")  # none left: still fine
    glue.delete_column_statistics_for_partition(**table, PartitionValues=["2023"], ColumnName="nosuch")


def stats_everywhere(glue, table) -> None:
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[entry("count"), entry("flag")])
    for year in ("2023", "2024"):
        glue.update_column_statistics_for_partition(**table, PartitionValues=[year], ColumnStatisticsList=[entry("count")])


def test_statistics_go_with_their_partition(glue, table, name):
    stats_everywhere(glue, table)
    glue.delete_partition(**table, PartitionValues=["2023"])
    glue.batch_delete_partition(**table, PartitionsToDelete=[{"Values": ["2024"]}])
    for year in ("2023", "2024"):
        glue.create_partition(**table, PartitionInput={"Values": [year]})
        assert partition_stats(glue, table, year, "count")["Errors"] == missing("count")
    assert len(table_stats(glue, table, "count", "flag")["ColumnStatisticsList"]) == 2


def test_statistics_follow_a_partition_renamed_by_update_partition(glue, table):
    stats_everywhere(glue, table)
    glue.delete_column_statistics_for_partition(**table, PartitionValues=["2024"], ColumnName="count")
    glue.update_partition(**table, PartitionValueList=["2023"], PartitionInput={"Values": ["2022"]})
    assert partition_stats(glue, table, "2022", "count")["ColumnStatisticsList"] == [entry("count")]
    glue.create_partition(**table, PartitionInput={"Values": ["2023"]})
    assert partition_stats(glue, table, "2023", "count")["Errors"] == missing("count")


@pytest.mark.parametrize("removal", ["DeleteTable", "BatchDeleteTable", "DeleteDatabase"])
def test_statistics_go_with_their_table_and_database(glue, table, name, removal):
    stats_everywhere(glue, table)
    if removal == "DeleteTable":
        glue.delete_table(DatabaseName=name, Name="t")
    elif removal == "BatchDeleteTable":
        glue.batch_delete_table(DatabaseName=name, TablesToDelete=["t"])
    else:
        glue.delete_database(Name=name)
        glue.create_database(DatabaseInput={"Name": name})
    descriptor = {"Columns": COLUMNS, "Location": "s3://lake/t/"}
    glue.create_table(DatabaseName=name, TableInput={"Name": "t", "StorageDescriptor": descriptor, "PartitionKeys": KEYS})
    glue.create_partition(**table, PartitionInput={"Values": ["2024"]})
    assert table_stats(glue, table, "count", "flag")["Errors"] == missing("count", "flag")
    assert partition_stats(glue, table, "2024", "count")["Errors"] == missing("count")


def test_update_table_drops_the_statistics_of_columns_it_drops_or_retypes(glue, table, name):
    stats_everywhere(glue, table)
    glue.update_column_statistics_for_table(**table, ColumnStatisticsList=[entry("ratio")])
    kept = [c for c in COLUMNS if c["Name"] not in ("count", "ratio")] + [{"Name": "RATIO", "Type": "DOUBLE"}]
    changed = [{**c, "Type": "int"} if c["Name"] == "flag" else c for c in kept]
    descriptor = {"Columns": changed, "Location": "s3://lake/t/"}
    glue.update_table(DatabaseName=name, TableInput={"Name": "t", "StorageDescriptor": descriptor, "PartitionKeys": KEYS})
    got = table_stats(glue, table, "ratio", "count", "flag")
    assert got["ColumnStatisticsList"] == [entry("ratio")]  # the same column, its type in other case
    assert got["Errors"] == missing("count", "flag")
    assert partition_stats(glue, table, "2024", "count")["Errors"] == missing("count")
