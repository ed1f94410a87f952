"""GetPartitions' Expression, each form against a Python statement of what it means, and its paging.

The grammar and the key types are AWS's (API reference, GetPartitions: Expression): the
comparisons, AND/OR/NOT, BETWEEN, IN, LIKE, IS NULL; string keys compare as text, integer
keys as numbers, date keys in time order.
"""

import itertools

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import all_pages, error_of
from servers import glue_client

KEYS = [
    {"Name": "year", "Type": "int"},
    {"Name": "month", "Type": "string"},
    {"Name": "day", "Type": "date"},
    {"Name": "region", "Type": "varchar(20)"},
]
REGIONS = ["us_east", "us-east", "O'Hara", "Zürich"]
ROWS = [
    (year, month, f"{year}-{int(month):02d}-{10 + REGIONS.index(region)}", region)
    for year, month, region in itertools.product(["2022", "2023", "2024"], ["1", "2", "10", "12"], REGIONS)
]

# (Expression, what it means for a partition's values (year as an int, the rest as text)).
CASES = [
    ("year = 2023", lambda y, m, d, r: y == 2023),
    ("year <> 2023", lambda y, m, d, r: y != 2023),
    ("year != 2023", lambda y, m, d, r: y != 2023),
    ("year > 2022 AND year <= 2024", lambda y, m, d, r: 2022 < y <= 2024),
    ("year >= '2023'", lambda y, m, d, r: y >= 2023),
    ("2023 < year", lambda y, m, d, r: y > 2023),
    ("year < 2023", lambda y, m, d, r: y < 2023),
    ("year < 99999999999999999999999", lambda y, m, d, r: True),  # past 64 bits
    ("year > -1" + "0" * 400, lambda y, m, d, r: True),  # past any float
    ("month > '10'", lambda y, m, d, r: m > "10"),  # text order: '12' and '2' are above '10'
    ("month < 2", lambda y, m, d, r: m < "2"),  # a number compared with a string key as text
    ("year BETWEEN 2022 AND 2023", lambda y, m, d, r: 2022 <= y <= 2023),
    ("year NOT BETWEEN 2022 AND 2023", lambda y, m, d, r: not 2022 <= y <= 2023),
    ("month IN ('1', '12')", lambda y, m, d, r: m in ("1", "12")),
    ("month NOT IN ('1', '12')", lambda y, m, d, r: m not in ("1", "12")),
    ("year IN (2022, '2024')", lambda y, m, d, r: y in (2022, 2024)),
    ("region LIKE 'us%'", lambda y, m, d, r: r.startswith("us")),
    ("region LIKE 'us_east'", lambda y, m, d, r: r in ("us_east", "us-east")),
    ("region LIKE '%h%'", lambda y, m, d, r: "h" in r),  # case-sensitive: not O'Hara
    ("region LIKE 'Z_rich'", lambda y, m, d, r: r == "Zürich"),
    ("region NOT LIKE 'us%'", lambda y, m, d, r: not r.startswith("us")),
    ("region = 'O''Hara'", lambda y, m, d, r: r == "O'Hara"),
    ('region = "Zürich"', lambda y, m, d, r: r == "Zürich"),
    ("day >= '2023-10-01'", lambda y, m, d, r: d >= "2023-10-01"),
    ("day BETWEEN '2022-02-01' AND '2022-12-10'", lambda y, m, d, r: "2022-02-01" <= d <= "2022-12-10"),
    ("day IS NULL", lambda y, m, d, r: False),
    ("day IS NOT NULL", lambda y, m, d, r: True),
    ("NOT year = 2023", lambda y, m, d, r: y != 2023),
    ("NOT (year = 2023 OR month = '1')", lambda y, m, d, r: not (y == 2023 or m == "1")),
    ("year = 2022 OR year = 2023 AND month = '1'", lambda y, m, d, r: y == 2022 or (y == 2023 and m == "1")),
    (
        "((year = 2022 AND (month = '1' OR month = '2')) OR (year = 2024 AND NOT (region LIKE 'us%')))",
        lambda y, m, d, r: (y == 2022 and m in ("1", "2")) or (y == 2024 and not r.startswith("us")),
    ),
    (
        "year in (2022) and MONTH like '1%' Or `region` = 'Zürich'",
        lambda y, m, d, r: (y == 2022 and m[0] == "1") or r == "Zürich",
    ),
    # An equality on a text-compared key leads the scan (store/partitions.py); the rest still applies.
    ("month = '10' AND year >= 2023", lambda y, m, d, r: m == "10" and y >= 2023),
    ("month IN ('2') AND region LIKE 'us%'", lambda y, m, d, r: m == "2" and r.startswith("us")),
    ("day = '2023-10-12' AND region = 'us-east' AND month = '10'", lambda y, m, d, r: d == "2023-10-12" and r == "us-east"),
    ("region = 'nowhere' AND year = 2023", lambda y, m, d, r: False),
    ("", lambda y, m, d, r: True),
    ("   ", lambda y, m, d, r: True),
]


@pytest.fixture(scope="module")
def glue(start_server):
    return glue_client(start_server("--workers", "0").url)


@pytest.fixture(scope="module")
def table(glue):
    glue.create_database(DatabaseInput={"Name": "expressions"})
    glue.create_table(DatabaseName="expressions", TableInput={"Name": "sales", "PartitionKeys": KEYS})
    for start in range(0, len(ROWS), 100):
        batch = [{"Values": list(row)} for row in ROWS[start : start + 100]]
        assert (
            glue.batch_create_partition(DatabaseName="expressions", TableName="sales", PartitionInputList=batch)["Errors"] == []
        )
    return {"DatabaseName": "expressions", "TableName": "sales"}


def values(partitions: list[dict]) -> list[tuple]:
    return [tuple(p["Values"]) for p in partitions]


@pytest.mark.parametrize("expression, meaning", CASES, ids=[c[0] or repr(c[0]) for c in CASES])
def test_each_expression_form_returns_exactly_the_matching_partitions(glue, table, expression, meaning):
    expected = [row for row in ROWS if meaning(int(row[0]), *row[1:])]
    assert values(all_pages(glue.get_partitions, "Partitions", **table, Expression=expression, MaxResults=7)) == expected


@pytest.mark.parametrize(
    "expression, message",
    [
        ("year = ", "Unsupported expression 'year = '"),
        ("year = month", "Unsupported expression 'year = month'"),
        ("2021 - 01 - 01", "Unsupported expression '2021 - 01 - 01'"),
        ("year", "Unsupported expression 'year'"),
        ("amount > 5", "Invalid partition expression!"),
        ("year LIKE '2%'", "Integral data type doesn't support operation 'LIKE'"),
        ("day LIKE '2%'", "Date data type doesn't support operation 'LIKE'"),
        ("year = 'abc'", 'For input string: "abc" is not an integer.'),
        ("year = 20.5", 'For input string: "20.5" is not an integer.'),
        ("day > '2023-13-01'", 'For input string: "2023-13-01" is not a date (yyyy-MM-dd).'),
        ("NOT " * 60 + "year = 1", "nests more than 50 levels deep"),
    ],
)
def test_a_bad_expression_is_invalid_input_with_awss_message(glue, table, expression, message):
    err = error_of(glue.get_partitions, **table, Expression=expression)
    assert err["Code"] == "InvalidInputException" and message in err["Message"], err


def test_keys_of_other_types_and_values_their_type_cannot_read(glue):
    glue.create_database(DatabaseInput={"Name": "typed"})
    keys = [{"Name": "n", "Type": "bigint"}, {"Name": "b", "Type": "boolean"}, {"Name": "amount", "Type": "decimal(10,2)"}]
    glue.create_table(DatabaseName="typed", TableInput={"Name": "t", "PartitionKeys": keys})
    rows = [["5", "true", "10.50"], ["40", "false", "9.75"], ["null", "true", "-1"]]
    glue.batch_create_partition(DatabaseName="typed", TableName="t", PartitionInputList=[{"Values": v} for v in rows])
    table = {"DatabaseName": "typed", "TableName": "t"}
    err = error_of(glue.get_partitions, **table, Expression="b = 'true'")
    assert err["Code"] == "InvalidInputException" and "boolean" in err["Message"]
    # AWS reads every value of a key the expression names, and fails on one it cannot read.
    err = error_of(glue.get_partitions, **table, Expression="n > 1")
    assert err == {"Code": "InvalidStateException", "Message": 'For input string: "null" is not an integer.'}
    assert values(glue.get_partitions(**table, Expression="amount > 9.8")["Partitions"]) == [tuple(rows[0])]
    assert values(glue.get_partitions(**table, Expression="amount BETWEEN -2 AND 10")["Partitions"]) == [
        tuple(rows[1]),
        tuple(rows[2]),
    ]


def test_pages_and_segments_cover_every_partition_exactly_once(glue, table):
    expression = "year >= 2023"
    expected = [row for row in ROWS if row[0] >= "2023"]
    for size in (1, 5, len(expected), 1000):
        assert values(all_pages(glue.get_partitions, "Partitions", **table, Expression=expression, MaxResults=size)) == expected
    segments = [
        values(
            all_pages(
                glue.get_partitions,
                "Partitions",
                **table,
                Expression=expression,
                MaxResults=3,
                Segment={"SegmentNumber": n, "TotalSegments": 3},
            )
        )
        for n in range(3)
    ]
    assert sorted(itertools.chain(*segments)) == sorted(expected) and all(segments)
    everything = values(glue.get_partitions(**table, Segment={"SegmentNumber": 0, "TotalSegments": 1})["Partitions"])
    assert everything == ROWS


def test_a_next_token_serves_only_the_request_it_came_from(glue, table):
    token = glue.get_partitions(**table, Expression="year = 2023", MaxResults=2)["NextToken"]
    for changed in ({"Expression": "year = 2024"}, {"Segment": {"SegmentNumber": 0, "TotalSegments": 2}}, {"TableName": "other"}):
        request = {**table, "Expression": "year = 2023", **changed}
        assert error_of(glue.get_partitions, **request, NextToken=token)["Code"] == "InvalidInputException", changed
    # MaxResults and ExcludeColumnSchema may change between pages.
    page = glue.get_partitions(**table, Expression="year = 2023", NextToken=token, MaxResults=50, ExcludeColumnSchema=True)
    assert len(page["Partitions"]) == 14 and "NextToken" not in page


def test_a_segment_number_must_be_below_the_total(glue, table):
    err = error_of(glue.get_partitions, **table, Segment={"SegmentNumber": 3, "TotalSegments": 3})
    assert err["Code"] == "InvalidInputException"


def test_exclude_column_schema_leaves_out_only_the_columns(glue):
    glue.create_database(DatabaseInput={"Name": "schema"})
    glue.create_table(DatabaseName="schema", TableInput={"Name": "t", "PartitionKeys": KEYS[:1]})
    descriptor = {"Location": "s3://lake/t/year=1/", "Columns": [{"Name": "a", "Type": "int"}], "Compressed": False}
    glue.create_partition(DatabaseName="schema", TableName="t", PartitionInput={"Values": ["1"], "StorageDescriptor": descriptor})
    full = glue.get_partitions(DatabaseName="schema", TableName="t")["Partitions"][0]
    lean = glue.get_partitions(DatabaseName="schema", TableName="t", ExcludeColumnSchema=True)["Partitions"][0]
    assert full["StorageDescriptor"] == descriptor
    assert lean == {**full, "StorageDescriptor": {"Location": "s3://lake/t/year=1/", "Compressed": False}}


NAMES = ["year", "month", "day", "region", "nope", "`year`", "`re gion`"]
LITERALS = [
    *("'2023'", "'O''Hara'", '"Zürich"', "2023", "-5", "1.5", ".5", "'%'", "'_'", "'2023-01-01'", "'abc'", "''"),
    *("99999999999999999999999", "-1" + "0" * 400, "'9" + "9" * 30 + "'", "'2023-02-30'", "'1e5'", "'+7'", "'%\\_'"),
]
WORDS = [
    *NAMES,
    *LITERALS,
    *("=", "<>", "!=", "<", "<=", ">", ">=", "AND", "or", "NOT", "BETWEEN", "IN", "LIKE", "IS", "NULL", "(", ")", ","),
    *("'", "*", "+", "--", ";", "\\", "[", "]"),
]
name, value = st.sampled_from(NAMES), st.sampled_from(LITERALS)
TERMS = st.one_of(
    st.builds("{} {} {}".format, name, st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="]), value),
    st.builds("{} {}BETWEEN {} AND {}".format, name, st.sampled_from(["", "NOT "]), value, value),
    st.builds(
        lambda n, neg, vs: f"{n} {neg}IN ({', '.join(vs)})",
        name,
        st.sampled_from(["", "NOT "]),
        st.lists(value, min_size=1, max_size=3),
    ),
    st.builds("{} {}LIKE {}".format, name, st.sampled_from(["", "NOT "]), value),
    st.builds("{} IS {}NULL".format, name, st.sampled_from(["", "NOT "])),
)
EXPRESSIONS = st.recursive(
    TERMS,
    lambda inner: st.one_of(
        st.builds("({}) AND ({})".format, inner, inner),
        st.builds("{} OR {}".format, inner, inner),
        st.builds("NOT ({})".format, inner),
    ),
    max_leaves=6,
)
WORD_SALAD = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=4)), max_size=14).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.one_of(EXPRESSIONS, WORD_SALAD))
def test_any_expression_is_answered_or_refused_as_aws_refuses_never_a_server_error(glue, table, expression):
    try:
        glue.get_partitions(**table, Expression=expression, MaxResults=5)
    except ClientError as err:
        assert err.response["Error"]["Code"] in ("InvalidInputException", "InvalidStateException", "ValidationException"), (
            err.response
        )


def test_equalities_on_leading_string_keys_find_exactly_their_partitions(glue):
    """A crawler's tables have string keys partition_0, partition_1 ...: a filter naming the first
    ones walks the partitions holding that run of values (store/partitions.py), and still
    applies the rest of the filter."""
    keys = [{"Name": f"partition_{i}", "Type": "string"} for i in range(3)]
    glue.create_database(DatabaseInput={"Name": "crawled"})
    glue.create_table(DatabaseName="crawled", TableInput={"Name": "t", "PartitionKeys": keys})
    rows = list(itertools.product(["2023", "2024"], ["01", "O'Hara"], ["a", "Zürich", "c"]))
    glue.batch_create_partition(DatabaseName="crawled", TableName="t", PartitionInputList=[{"Values": list(r)} for r in rows])
    table = {"DatabaseName": "crawled", "TableName": "t"}
    cases = [
        ("partition_0 = '2024' AND partition_1 = 'O''Hara'", lambda a, b, c: (a, b) == ("2024", "O'Hara")),
        (
            "(partition_0 = '2023' AND partition_1 = '01') AND partition_2 = 'Zürich'",
            lambda a, b, c: (a, b, c) == ("2023", "01", "Zürich"),
        ),
        (
            "partition_1 = '01' AND partition_0 = '2024' AND partition_2 <> 'a'",
            lambda a, b, c: (a, b) == ("2024", "01") and c != "a",
        ),
        ("partition_0 = '2024' AND partition_1 = '02'", lambda a, b, c: False),
        ("partition_2 = 'c' AND partition_0 IN ('2023')", lambda a, b, c: c == "c" and a == "2023"),
    ]
    for expression, meaning in cases:
        got = values(all_pages(glue.get_partitions, "Partitions", **table, Expression=expression, MaxResults=1))
        assert got == [r for r in rows if meaning(*r)], expression


def test_timestamp_keys_compare_as_instants_however_many_fraction_digits_are_written(glue):
    """AWS reads a timestamp key's values and literals as instants (yyyy-MM-dd HH:mm:ss[.fffffffff]):
    00:00:00, 00:00:00.0 and 00:00:00.000000 are one instant."""
    glue.create_database(DatabaseInput={"Name": "instants"})
    glue.create_table(DatabaseName="instants", TableInput={"Name": "t", "PartitionKeys": [{"Name": "at", "Type": "timestamp"}]})
    rows = ["2022-01-31 23:59:59", "2022-02-01 00:00:00.000000", "2022-02-01 00:00:00.05", "2022-02-01 00:00:00.5"]
    glue.batch_create_partition(DatabaseName="instants", TableName="t", PartitionInputList=[{"Values": [r]} for r in rows])
    table = {"DatabaseName": "instants", "TableName": "t"}
    cases = [
        ("at = '2022-02-01 00:00:00'", [rows[1]]),
        ("at = '2022-02-01 00:00:00.000000000'", [rows[1]]),
        ("at IN ('2022-02-01 00:00:00.0', '2022-02-01 00:00:00.50')", [rows[1], rows[3]]),
        ("at <> '2022-02-01 00:00:00.0'", [rows[0], rows[2], rows[3]]),
        ("at <= '2022-02-01 00:00:00'", rows[:2]),
        ("at > '2022-02-01 00:00:00.0' AND at < '2022-02-01 00:00:00.1'", [rows[2]]),
        ("at BETWEEN '2022-02-01 00:00:00.050' AND '2022-02-01 00:00:00.5'", rows[2:]),
    ]
    for expression, expected in cases:
        got = values(all_pages(glue.get_partitions, "Partitions", **table, Expression=expression, MaxResults=2))
        assert got == [(r,) for r in expected], expression
