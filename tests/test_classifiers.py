"""Custom classifiers over boto3 on both backends (API reference: CreateClassifier,
GetClassifier, GetClassifiers, UpdateClassifier, DeleteClassifier, the Classifier structure;
developer guide: "Writing custom classifiers", "Defining and managing classifiers"), and the
crawls that apply them before the built-in classifiers."""

import json
import uuid

import pytest

from test_crawls import columns, crawl, csv, lake, recrawl, tables  # noqa: F401  (lake is a fixture)

from conftest import ROLE, all_pages, error_of


def new_name() -> str:
    return f"cl_{uuid.uuid4().hex[:10]}"


def test_each_kind_is_kept_as_given_with_its_times_and_version_one(glue):
    given = {
        "CsvClassifier": {"Delimiter": ";", "QuoteSymbol": "'", "ContainsHeader": "PRESENT", "Header": ["a", "b"]},
        "JsonClassifier": {"JsonPath": "$.records[*]"},
        "XMLClassifier": {"Classification": "books", "RowTag": "book"},
        "GrokClassifier": {"Classification": "logs", "GrokPattern": "%{WORD:verb} %{NUMBER:n}", "CustomPatterns": ""},
    }
    for kind, fields in given.items():
        name = new_name()
        assert glue.create_classifier(**{kind: {"Name": name, **fields}})["ResponseMetadata"]["HTTPStatusCode"] == 200
        classifier = glue.get_classifier(Name=name)["Classifier"]
        assert list(classifier) == [kind]
        shown = classifier[kind]
        assert {k: shown[k] for k in fields} == fields and shown["Name"] == name
        assert shown["Version"] == 1 and shown["CreationTime"] == shown["LastUpdated"]


def test_a_taken_name_is_already_exists_whatever_the_kind(glue):
    name = new_name()
    glue.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$[*]"})
    error = error_of(glue.create_classifier, CsvClassifier={"Name": name, "Delimiter": ","})
    assert error["Code"] == "AlreadyExistsException" and name in error["Message"]
    assert list(glue.get_classifier(Name=name)["Classifier"]) == ["JsonClassifier"]


@pytest.mark.parametrize("operation", ["create_classifier", "update_classifier"])
def test_create_and_update_take_exactly_one_kind(glue, operation):
    name = new_name()
    for request in ({}, {"JsonClassifier": {"Name": name, "JsonPath": "$"}, "CsvClassifier": {"Name": name}}):
        error = error_of(getattr(glue, operation), **request)
        assert error["Code"] == "InvalidInputException" and "exactly one" in error["Message"]
    assert error_of(glue.get_classifier, Name=name)["Code"] == "EntityNotFoundException"


def test_a_json_path_outside_glues_subset_is_invalid_input(glue):
    name = new_name()
    for path in ("records[*]", "$..name", "$[?(@.a)]"):
        error = error_of(glue.create_classifier, JsonClassifier={"Name": name, "JsonPath": path})
        assert error["Code"] == "InvalidInputException" and "JsonPath" in error["Message"]
    glue.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$['a b'][0].c[*]"})
    error = error_of(glue.update_classifier, JsonClassifier={"Name": name, "JsonPath": "$.a[1:2]"})
    assert error["Code"] == "InvalidInputException"
    assert glue.get_classifier(Name=name)["Classifier"]["JsonClassifier"]["JsonPath"] == "$['a b'][0].c[*]"


def test_a_csv_quote_symbol_equal_to_the_delimiter_or_an_unknown_custom_datatype_is_invalid_input(glue):
    name = new_name()
    for fields in ({"Delimiter": "'", "QuoteSymbol": "'"}, {"Delimiter": '"'}, {"CustomDatatypes": ["INT", "UUID"]}):
        error = error_of(glue.create_classifier, CsvClassifier={"Name": name, **fields})
        assert error["Code"] == "InvalidInputException"
    glue.create_classifier(CsvClassifier={"Name": name, "QuoteSymbol": "'"})
    error = error_of(glue.update_classifier, CsvClassifier={"Name": name, "Delimiter": "'"})
    assert error["Code"] == "InvalidInputException" and "QuoteSymbol" in error["Message"]
    assert "Delimiter" not in glue.get_classifier(Name=name)["Classifier"]["CsvClassifier"]


def test_update_replaces_the_fields_given_keeps_the_others_and_counts_versions(glue):
    name = new_name()
    glue.create_classifier(CsvClassifier={"Name": name, "Delimiter": ";", "ContainsHeader": "PRESENT"})
    created = glue.get_classifier(Name=name)["Classifier"]["CsvClassifier"]
    glue.update_classifier(CsvClassifier={"Name": name, "ContainsHeader": "ABSENT", "Header": ["x", "y"]})
    glue.update_classifier(CsvClassifier={"Name": name, "AllowSingleColumn": True})
    updated = glue.get_classifier(Name=name)["Classifier"]["CsvClassifier"]
    assert updated["Delimiter"] == ";" and updated["ContainsHeader"] == "ABSENT" and updated["Header"] == ["x", "y"]
    assert updated["AllowSingleColumn"] is True and updated["Version"] == 3
    assert updated["CreationTime"] == created["CreationTime"] and updated["LastUpdated"] > created["LastUpdated"]


def test_update_cannot_change_the_kind_of_a_classifier(glue):
    name = new_name()
    glue.create_classifier(XMLClassifier={"Name": name, "Classification": "xml", "RowTag": "row"})
    error = error_of(glue.update_classifier, JsonClassifier={"Name": name, "JsonPath": "$[*]"})
    assert error["Code"] == "InvalidInputException" and "type of the classifier" in error["Message"]
    assert glue.get_classifier(Name=name)["Classifier"]["XMLClassifier"]["Version"] == 1


def test_a_missing_classifier_is_entity_not_found_for_get_update_and_delete(glue):
    name = new_name()
    assert error_of(glue.get_classifier, Name=name)["Code"] == "EntityNotFoundException"
    assert error_of(glue.update_classifier, JsonClassifier={"Name": name, "JsonPath": "$"})["Code"] == "EntityNotFoundException"
    assert error_of(glue.delete_classifier, Name=name)["Code"] == "EntityNotFoundException"
    glue.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$"})
    glue.delete_classifier(Name=name)
    assert error_of(glue.get_classifier, Name=name)["Code"] == "EntityNotFoundException"


def test_get_classifiers_pages_every_classifier_in_name_order(glue):
    prefix = new_name()
    names = [f"{prefix}_{i}" for i in range(5)]
    for name in names:
        glue.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$"})
    first = glue.get_classifiers(MaxResults=2)
    assert len(first["Classifiers"]) == 2 and first["NextToken"]
    listed = [next(iter(c.values()))["Name"] for c in all_pages(glue.get_classifiers, "Classifiers", MaxResults=2)]
    assert listed == sorted(listed) and [n for n in listed if n.startswith(prefix)] == names
    other_request = error_of(glue.get_classifiers, MaxResults=3, NextToken="not-a-token")
    assert other_request["Code"] == "InvalidInputException"


# Crawlers that name classifiers


def test_a_crawler_naming_no_classifier_is_invalid_input_and_is_not_made_or_changed(glue):
    crawler, missing = new_name(), new_name()
    targets = {"S3Targets": [{"Path": "s3://bucket/data"}]}
    error = error_of(glue.create_crawler, Name=crawler, Role=ROLE, Targets=targets, Classifiers=[missing])
    assert error["Code"] == "InvalidInputException" and missing in error["Message"]
    assert error_of(glue.get_crawler, Name=crawler)["Code"] == "EntityNotFoundException"
    known = new_name()
    glue.create_classifier(JsonClassifier={"Name": known, "JsonPath": "$"})
    glue.create_crawler(Name=crawler, Role=ROLE, Targets=targets, Classifiers=[known])
    error = error_of(glue.update_crawler, Name=crawler, Classifiers=[known, missing])
    assert error["Code"] == "InvalidInputException"
    assert glue.get_crawler(Name=crawler)["Crawler"]["Classifiers"] == [known]


def test_deleting_a_classifier_a_crawler_names_leaves_the_crawler_naming_it_and_crawling(glue, lake):  # noqa: F811
    classifier = new_name()
    glue.create_classifier(CsvClassifier={"Name": classifier, "Delimiter": ";", "ContainsHeader": "PRESENT"})
    lake.put({"people/a.csv": csv("name;city", "ann;paris", "bob;rome")})
    name, _ = crawl(glue, lake, ["people"], start=False, Classifiers=[classifier])
    glue.delete_classifier(Name=classifier)
    crawler = recrawl(glue, name)
    assert crawler["Classifiers"] == [classifier] and crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert columns(tables(glue, crawler["DatabaseName"])["people"]) == {"col0": "string", "col1": "string"}


# Crawls with custom classifiers


def test_a_csv_classifier_with_a_header_present_names_columns_the_built_in_one_would_not(glue, lake):  # noqa: F811
    lake.put({"people/a.csv": csv("name;city", "ann;paris", "bob;rome")})
    _, plain = crawl(glue, lake, ["people"])
    assert columns(tables(glue, plain["DatabaseName"])["people"]) == {"col0": "string", "col1": "string"}
    classifier = new_name()
    glue.create_classifier(CsvClassifier={"Name": classifier, "Delimiter": ";", "ContainsHeader": "PRESENT"})
    _, crawler = crawl(glue, lake, ["people"], Classifiers=[classifier])
    table = tables(glue, crawler["DatabaseName"])["people"]
    assert columns(table) == {"name": "string", "city": "string"}
    assert table["Parameters"]["classification"] == "csv" and table["Parameters"]["delimiter"] == ";"
    assert table["Parameters"]["skip.header.line.count"] == "1"
    assert table["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": ";"}


def test_a_csv_classifier_header_names_the_columns_of_headerless_files(glue, lake):  # noqa: F811
    lake.put({"sales/a.csv": csv("1,9.5", "2,3.25")})
    classifier = new_name()
    glue.create_classifier(CsvClassifier={"Name": classifier, "ContainsHeader": "ABSENT", "Header": ["id", "Amount"]})
    _, crawler = crawl(glue, lake, ["sales"], Classifiers=[classifier])
    table = tables(glue, crawler["DatabaseName"])["sales"]
    assert columns(table) == {"id": "bigint", "amount": "double"}
    assert "skip.header.line.count" not in table["Parameters"]


def test_the_first_custom_classifier_that_recognises_a_file_decides_in_the_crawlers_order(glue, lake):  # noqa: F811
    lake.put({"piped/a.txt": csv("a|b", "x|1", "y|2")})
    three_columns, single, piped = new_name(), new_name(), new_name()
    glue.create_classifier(CsvClassifier={"Name": three_columns, "Delimiter": "|", "Header": ["p", "q", "r"]})
    glue.create_classifier(
        CsvClassifier={"Name": single, "Delimiter": ";", "AllowSingleColumn": True, "ContainsHeader": "ABSENT"}
    )
    glue.create_classifier(CsvClassifier={"Name": piped, "Delimiter": "|", "ContainsHeader": "ABSENT"})
    _, crawler = crawl(glue, lake, ["piped"], Classifiers=[three_columns, single, piped])
    table = tables(glue, crawler["DatabaseName"])["piped"]
    assert columns(table) == {"col0": "string"} and table["Parameters"]["delimiter"] == ";"
    _, crawler = crawl(glue, lake, ["piped"], Classifiers=[three_columns, piped, single])
    table = tables(glue, crawler["DatabaseName"])["piped"]
    assert columns(table) == {"col0": "string", "col1": "string"} and table["Parameters"]["delimiter"] == "|"


def test_grok_and_xml_classifiers_are_passed_over_by_crawls(glue, lake):  # noqa: F811
    lake.put({"plain/a.csv": csv("id,name", "1,ann", "2,bob")})
    grok, xml = new_name(), new_name()
    glue.create_classifier(GrokClassifier={"Name": grok, "Classification": "logs", "GrokPattern": "%{GREEDYDATA:line}"})
    glue.create_classifier(XMLClassifier={"Name": xml, "Classification": "rows", "RowTag": "row"})
    _, crawler = crawl(glue, lake, ["plain"], Classifiers=[grok, xml])
    table = tables(glue, crawler["DatabaseName"])["plain"]
    assert table["Parameters"]["classification"] == "csv" and columns(table) == {"id": "bigint", "name": "string"}


def test_a_csv_classifier_serde_and_quote_symbol_shape_the_serde(glue, lake):  # noqa: F811
    lake.put({"quoted/a.csv": csv("id,name", "1,'ann, b'", "2,'bob'")})
    classifier = new_name()
    glue.create_classifier(
        CsvClassifier={"Name": classifier, "QuoteSymbol": "'", "ContainsHeader": "PRESENT", "Serde": "OpenCSVSerDe"}
    )
    _, crawler = crawl(glue, lake, ["quoted"], Classifiers=[classifier])
    table = tables(glue, crawler["DatabaseName"])["quoted"]
    assert table["StorageDescriptor"]["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
        "Parameters": {"separatorChar": ",", "quoteChar": "'"},
    }
    assert columns(table) == {"id": "bigint", "name": "string"}


def test_values_are_trimmed_before_typing_only_when_value_trimming_is_not_disabled(glue, lake):  # noqa: F811
    lake.put({"padded/a.csv": csv("id,n", "a, 1", "b, 2")})
    trimmed, untrimmed = new_name(), new_name()
    glue.create_classifier(CsvClassifier={"Name": trimmed, "ContainsHeader": "PRESENT", "DisableValueTrimming": False})
    glue.create_classifier(CsvClassifier={"Name": untrimmed, "ContainsHeader": "PRESENT", "DisableValueTrimming": True})
    _, crawler = crawl(glue, lake, ["padded"], Classifiers=[trimmed])
    assert columns(tables(glue, crawler["DatabaseName"])["padded"])["n"] == "bigint"
    _, crawler = crawl(glue, lake, ["padded"], Classifiers=[untrimmed])
    assert columns(tables(glue, crawler["DatabaseName"])["padded"])["n"] == "string"


def test_custom_datatypes_give_each_column_the_narrowest_configured_type_its_values_fit(glue, lake):  # noqa: F811
    lake.put({"typed/a.csv": csv("day,small,big,ratio,flag", "2024-01-02,7,3000000000,0.5,true", "2024-01-03,-2,1,1.25,false")})
    classifier = new_name()
    types = ["DATE", "SHORT", "INT", "LONG", "DOUBLE", "STRING"]
    spec = {"Name": classifier, "ContainsHeader": "UNKNOWN", "CustomDatatypeConfigured": True, "CustomDatatypes": types}
    glue.create_classifier(CsvClassifier=spec)
    _, crawler = crawl(glue, lake, ["typed"], Classifiers=[classifier])
    table = tables(glue, crawler["DatabaseName"])["typed"]
    assert columns(table) == {"day": "date", "small": "smallint", "big": "bigint", "ratio": "double", "flag": "string"}
    _, plain = crawl(glue, lake, ["typed"])
    assert columns(tables(glue, plain["DatabaseName"])["typed"])["day"] == "string"


def test_a_json_classifier_makes_records_of_what_its_path_selects(glue, lake):  # noqa: F811
    document = {"meta": {"source": "shop"}, "records": [{"id": 1, "name": "ann"}, {"id": 2, "tags": ["x"]}]}
    lake.put({"orders/a.json": json.dumps(document).encode()})
    _, plain = crawl(glue, lake, ["orders"])
    assert set(columns(tables(glue, plain["DatabaseName"])["orders"])) == {"meta", "records"}
    classifier = new_name()
    glue.create_classifier(JsonClassifier={"Name": classifier, "JsonPath": "$.records[*]"})
    _, crawler = crawl(glue, lake, ["orders"], Classifiers=[classifier])
    table = tables(glue, crawler["DatabaseName"])["orders"]
    assert columns(table) == {"id": "bigint", "name": "string", "tags": "array<string>"}
    assert table["Parameters"]["classification"] == "json"


def test_a_json_classifier_whose_path_selects_nothing_leaves_the_file_to_the_built_in_classifiers(glue, lake):  # noqa: F811
    lake.put({"rows/a.json": b'{"a": 1}\n{"a": 2}\n'})
    classifier = new_name()
    glue.create_classifier(JsonClassifier={"Name": classifier, "JsonPath": "$.records[*]"})
    _, crawler = crawl(glue, lake, ["rows"], Classifiers=[classifier])
    assert columns(tables(glue, crawler["DatabaseName"])["rows"]) == {"a": "bigint"}
