"""Data Catalog user-defined functions, from the User-defined Function API reference: Create,
Get, GetUserDefinedFunctions (paged; Pattern on the name; without DatabaseName, every
database's functions), Update, Delete; DeleteDatabase takes its functions with it."""

import pytest

from conftest import all_pages, error_of, snapshot
from servers import glue_client

JAR = [{"ResourceType": "JAR", "Uri": "s3://udfs/strings.jar"}]


def function_input(name: str, **extra) -> dict:
    return {"FunctionName": name, "ClassName": "com.example.Upper", "OwnerName": "analyst", "OwnerType": "USER", **extra}


def database(glue, name: str) -> str:
    glue.create_database(DatabaseInput={"Name": name})
    return name


def test_a_function_is_kept_as_given_with_its_database_create_time_and_catalog(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name.upper(), FunctionInput=function_input("upper", ResourceUris=JAR))
    found = glue.get_user_defined_function(DatabaseName=name, FunctionName="upper")["UserDefinedFunction"]
    created = found.pop("CreateTime")
    assert found == {**function_input("upper", ResourceUris=JAR), "DatabaseName": name, "CatalogId": "123456789012"}
    assert created.timestamp() > 0


def test_a_function_name_is_kept_in_lower_case_and_found_whatever_its_case(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("ToUpper"))
    found = glue.get_user_defined_function(DatabaseName=name, FunctionName="TOUPPER")["UserDefinedFunction"]
    assert found["FunctionName"] == "toupper"
    taken = error_of(glue.create_user_defined_function, DatabaseName=name, FunctionInput=function_input("toUPPER"))
    assert taken["Code"] == "AlreadyExistsException"
    glue.update_user_defined_function(DatabaseName=name, FunctionName="toupper", FunctionInput=function_input("TOUPPER"))
    glue.delete_user_defined_function(DatabaseName=name, FunctionName="ToUpper")
    assert glue.get_user_defined_functions(DatabaseName=name, Pattern="*")["UserDefinedFunctions"] == []


def test_a_taken_name_is_already_exists_and_a_missing_database_entity_not_found(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("upper"))
    taken = error_of(glue.create_user_defined_function, DatabaseName=name, FunctionInput=function_input("upper", ClassName="x.Y"))
    assert taken == {"Code": "AlreadyExistsException", "Message": f"Function upper already exists in database {name}."}
    missing = error_of(glue.create_user_defined_function, DatabaseName=name + "x", FunctionInput=function_input("upper"))
    assert missing == {"Code": "EntityNotFoundException", "Message": f"Database {name}x not found."}
    assert glue.get_user_defined_function(DatabaseName=name, FunctionName="upper")["UserDefinedFunction"]["ClassName"] == (
        "com.example.Upper"
    )


@pytest.mark.parametrize(
    "call, extra",
    [
        ("get_user_defined_function", {}),
        ("delete_user_defined_function", {}),
        ("update_user_defined_function", {"FunctionInput": function_input("nothing")}),
    ],
)
def test_a_missing_function_is_entity_not_found(glue, name, call, extra):
    database(glue, name)
    error = error_of(getattr(glue, call), DatabaseName=name, FunctionName="nothing", **extra)
    assert error == {"Code": "EntityNotFoundException", "Message": f"Function nothing not found in database {name}."}


def test_a_function_input_without_a_name_is_invalid_input(glue, name):
    database(glue, name)
    error = error_of(glue.create_user_defined_function, DatabaseName=name, FunctionInput={"ClassName": "a.B"})
    assert error["Code"] == "InvalidInputException"


def test_update_replaces_the_definition_and_keeps_create_time_and_name(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("upper", ResourceUris=JAR))
    before = glue.get_user_defined_function(DatabaseName=name, FunctionName="upper")["UserDefinedFunction"]
    glue.update_user_defined_function(DatabaseName=name, FunctionName="upper", FunctionInput={"ClassName": "com.example.Upper2"})
    after = glue.get_user_defined_function(DatabaseName=name, FunctionName="upper")["UserDefinedFunction"]
    assert after == {
        "FunctionName": "upper",
        "DatabaseName": name,
        "ClassName": "com.example.Upper2",
        "CreateTime": before["CreateTime"],
        "CatalogId": before["CatalogId"],
    }
    renamed = error_of(
        glue.update_user_defined_function, DatabaseName=name, FunctionName="upper", FunctionInput=function_input("lower")
    )
    assert renamed["Code"] == "InvalidInputException"
    assert glue.get_user_defined_function(DatabaseName=name, FunctionName="upper")["UserDefinedFunction"] == after


def test_delete_removes_the_function(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("upper"))
    glue.delete_user_defined_function(DatabaseName=name, FunctionName="upper")
    assert error_of(glue.get_user_defined_function, DatabaseName=name, FunctionName="upper")["Code"] == "EntityNotFoundException"


def names_of(functions: list[dict]) -> list[tuple[str, str]]:
    return [(f["DatabaseName"], f["FunctionName"]) for f in functions]


def test_listing_pages_a_database_s_functions_in_name_order_filtered_by_pattern(glue, name):
    database(glue, name)
    for function in ("str_upper", "str_lower", "STR_TRIM", "num_round", "str_pad"):
        glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input(function))
    listed = all_pages(glue.get_user_defined_functions, "UserDefinedFunctions", DatabaseName=name, Pattern="*", MaxResults=2)
    assert [f for _, f in names_of(listed)] == ["num_round", "str_lower", "str_pad", "str_trim", "str_upper"]
    page = glue.get_user_defined_functions(DatabaseName=name, Pattern="STR_*", MaxResults=2)
    assert [f["FunctionName"] for f in page["UserDefinedFunctions"]] == ["str_lower", "str_pad"]
    rest = glue.get_user_defined_functions(DatabaseName=name, Pattern="STR_*", MaxResults=2, NextToken=page["NextToken"])
    assert [f["FunctionName"] for f in rest["UserDefinedFunctions"]] == ["str_trim", "str_upper"]
    regular = glue.get_user_defined_functions(DatabaseName=name, Pattern="str_(upper|lower)")["UserDefinedFunctions"]
    assert [f["FunctionName"] for f in regular] == ["str_lower", "str_upper"]
    other = error_of(glue.get_user_defined_functions, DatabaseName=name, Pattern="str_*", NextToken=page["NextToken"])
    assert other["Code"] == "InvalidInputException"


def test_listing_without_a_database_covers_every_database(glue, name):
    first, second = database(glue, name + "a"), database(glue, name + "b")
    glue.create_user_defined_function(DatabaseName=second, FunctionInput=function_input(name + "_one"))
    glue.create_user_defined_function(DatabaseName=first, FunctionInput=function_input(name + "_two"))
    glue.create_user_defined_function(DatabaseName=first, FunctionInput=function_input(name + "_one"))
    listed = all_pages(glue.get_user_defined_functions, "UserDefinedFunctions", Pattern=name + "_*", MaxResults=1)
    assert names_of(listed) == [(first, name + "_one"), (first, name + "_two"), (second, name + "_one")]


def test_listing_by_function_type_counts_a_function_without_one_as_regular(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("plain"))
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("agg", FunctionType="AGGREGATE_FUNCTION"))

    def of_type(kind: str) -> list[str]:
        found = glue.get_user_defined_functions(DatabaseName=name, Pattern="*", FunctionType=kind)["UserDefinedFunctions"]
        return [f["FunctionName"] for f in found]

    assert of_type("REGULAR_FUNCTION") == ["plain"] and of_type("AGGREGATE_FUNCTION") == ["agg"]


def test_listing_a_missing_database_is_entity_not_found_and_a_bad_pattern_invalid_input(glue, name):
    missing = error_of(glue.get_user_defined_functions, DatabaseName=name, Pattern="*")
    assert missing == {"Code": "EntityNotFoundException", "Message": f"Database {name} not found."}
    database(glue, name)
    assert error_of(glue.get_user_defined_functions, DatabaseName=name, Pattern="(")["Code"] == "InvalidInputException"


def test_deleting_a_database_deletes_its_functions(glue, name):
    database(glue, name)
    glue.create_user_defined_function(DatabaseName=name, FunctionInput=function_input("upper"))
    glue.delete_database(Name=name)
    database(glue, name)
    assert glue.get_user_defined_functions(DatabaseName=name, Pattern="*")["UserDefinedFunctions"] == []
    assert error_of(glue.get_user_defined_function, DatabaseName=name, FunctionName="upper")["Code"] == "EntityNotFoundException"


def test_rejected_function_requests_change_nothing(start_server):
    server = start_server("--workers", "0")
    glue = glue_client(server.url)
    database(glue, "kept")
    glue.create_user_defined_function(DatabaseName="kept", FunctionInput=function_input("upper"))
    before = snapshot(server)
    rejected = [
        (glue.create_user_defined_function, dict(DatabaseName="kept", FunctionInput=function_input("upper"))),
        (glue.create_user_defined_function, dict(DatabaseName="gone", FunctionInput=function_input("upper"))),
        (glue.create_user_defined_function, dict(DatabaseName="kept", FunctionInput={"ClassName": "a.B"})),
        (glue.update_user_defined_function, dict(DatabaseName="kept", FunctionName="upper", FunctionInput=function_input("x"))),
        (glue.update_user_defined_function, dict(DatabaseName="kept", FunctionName="nope", FunctionInput=function_input("nope"))),
        (glue.delete_user_defined_function, dict(DatabaseName="kept", FunctionName="nope")),
        (glue.delete_user_defined_function, dict(DatabaseName="gone", FunctionName="upper")),
    ]
    for call, request in rejected:
        error_of(call, **request)
    assert snapshot(server) == before
