"""The blueprint registry: create, update, delete, get, list, batch get, and bad archives."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, start_and_wait, zip_files
from servers import call_raw, glue_client

GOOD_CFG = json.dumps({"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": {}})


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]


def test_create_makes_an_active_blueprint_with_its_definition(glue, example, name):
    location = example("crawl_chain")
    assert glue.create_blueprint(Name=name, BlueprintLocation=location, Description="chain")["Name"] == name
    bp = glue.get_blueprint(Name=name, IncludeBlueprint=True, IncludeParameterSpec=True)["Blueprint"]
    assert bp["Status"] == "ACTIVE"
    assert bp["Description"] == "chain"
    assert bp["BlueprintLocation"] == location
    assert bp["BlueprintServiceLocation"].startswith(f"glueprint://blueprints/{name}/")
    assert set(json.loads(bp["ParameterSpec"])) == {"WorkflowName", "IAMRole", "S3Paths", "DatabaseName"}
    assert bp["CreatedOn"] == bp["LastModifiedOn"]
    assert "ErrorMessage" not in bp and "LastActiveDefinition" not in bp


def test_get_leaves_out_location_and_spec_unless_asked(glue, example, name):
    glue.create_blueprint(Name=name, BlueprintLocation=example("crawl_chain"))
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert "BlueprintLocation" not in bp and "ParameterSpec" not in bp


def test_duplicate_name_is_already_exists_and_keeps_the_first(glue, example, name):
    first = example("crawl_chain")
    glue.create_blueprint(Name=name, BlueprintLocation=first)
    err = error_of(glue.create_blueprint, Name=name, BlueprintLocation=example("etl_schedule"))
    assert err["Code"] == "AlreadyExistsException"
    assert glue.get_blueprint(Name=name, IncludeBlueprint=True)["Blueprint"]["BlueprintLocation"] == first


def test_unknown_names_are_entity_not_found(glue, example, name):
    assert error_of(glue.get_blueprint, Name=name)["Code"] == "EntityNotFoundException"
    err = error_of(glue.update_blueprint, Name=name, BlueprintLocation=example("crawl_chain"))
    assert err["Code"] == "EntityNotFoundException"


def test_delete_removes_and_deleting_a_missing_name_is_not_an_error(glue, example, name):
    glue.create_blueprint(Name=name, BlueprintLocation=example("crawl_chain"))
    assert glue.delete_blueprint(Name=name)["Name"] == name
    assert error_of(glue.get_blueprint, Name=name)["Code"] == "EntityNotFoundException"
    assert glue.delete_blueprint(Name=name)["Name"] == name


BROKEN_ARCHIVES = {
    "not-a-zip": (b"this is not a zip", "not a valid ZIP"),
    "no-cfg": (zip_files({"bp/layout.py": "x = 1"}), "blueprint.cfg"),
    "cfg-not-json": (zip_files({"bp/blueprint.cfg": "{nope", "bp/layout.py": ""}), "not valid JSON"),
    "cfg-not-object": (zip_files({"bp/blueprint.cfg": "[1]", "bp/layout.py": ""}), "must be a JSON object"),
    "no-layout-generator": (zip_files({"bp/blueprint.cfg": "{}", "bp/layout.py": ""}), "layoutGenerator"),
    "module-missing": (zip_files({"bp/blueprint.cfg": GOOD_CFG}), "not in the archive"),
    "bad-parameter-type": (
        zip_files(
            {
                "bp/blueprint.cfg": json.dumps(
                    {"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": {"X": {"type": "Float"}}}
                ),
                "bp/layout.py": "",
            }
        ),
        "parameterSpec.X.type",
    ),
    "default-of-wrong-type": (
        zip_files(
            {
                "bp/blueprint.cfg": json.dumps(
                    {
                        "layoutGenerator": "bp.layout.generate_layout",
                        "parameterSpec": {"N": {"type": "Integer", "defaultValue": "many"}},
                    }
                ),
                "bp/layout.py": "",
            }
        ),
        "parameterSpec.N.defaultValue",
    ),
    "no-entry-function": (
        zip_files({"bp/blueprint.cfg": GOOD_CFG, "bp/layout.py": "x = 1\n"}),
        "bp/layout.py: defines no function generate_layout",
    ),
    "syntax-error": (
        zip_files({"bp/blueprint.cfg": GOOD_CFG, "bp/layout.py": "def generate_layout(:\n"}),
        "bp/layout.py: line 1",
    ),
    "path-escape": (zip_files({"../evil.py": "", "bp/blueprint.cfg": GOOD_CFG, "bp/layout.py": ""}), "outside its root"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_ARCHIVES))
def test_broken_archive_makes_a_failed_blueprint_with_an_actionable_message(glue, upload, name, case):
    data, expected = BROKEN_ARCHIVES[case]
    glue.create_blueprint(Name=name, BlueprintLocation=upload(data))
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["Status"] == "FAILED"
    assert expected in bp["ErrorMessage"]


def test_missing_archive_object_makes_a_failed_blueprint(glue, name):
    glue.create_blueprint(Name=name, BlueprintLocation="s3://blueprints/absent/nothing.zip")
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["Status"] == "FAILED"
    assert "Unable to access object at location s3://blueprints/absent/nothing.zip" in bp["ErrorMessage"]


def test_a_failed_blueprint_cannot_run(glue, upload, name):
    glue.create_blueprint(Name=name, BlueprintLocation=upload(b"junk"))
    err = error_of(glue.start_blueprint_run, BlueprintName=name, RoleArn=ROLE)
    assert err["Code"] == "IllegalBlueprintStateException"


def test_update_replaces_the_definition(glue, example, name):
    glue.create_blueprint(Name=name, BlueprintLocation=example("crawl_chain"))
    new = example("etl_schedule")
    glue.update_blueprint(Name=name, BlueprintLocation=new, Description="now etl")
    bp = glue.get_blueprint(Name=name, IncludeBlueprint=True, IncludeParameterSpec=True)["Blueprint"]
    assert bp["Status"] == "ACTIVE" and bp["BlueprintLocation"] == new and bp["Description"] == "now etl"
    assert "JobRole" in json.loads(bp["ParameterSpec"])
    assert bp["LastModifiedOn"] > bp["CreatedOn"]


def test_failed_update_keeps_last_active_definition_and_runs_use_it(glue, example, upload, name):
    good = example("crawl_chain")
    glue.create_blueprint(Name=name, BlueprintLocation=good, Description="v1")
    glue.update_blueprint(Name=name, BlueprintLocation=upload(b"broken"))
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["Status"] == "FAILED" and "ZIP" in bp["ErrorMessage"]
    last = bp["LastActiveDefinition"]
    assert last["BlueprintLocation"] == good and last["Description"] == "v1"
    assert "S3Paths" in json.loads(last["ParameterSpec"])
    run = start_and_wait(glue, name, {"WorkflowName": name, "IAMRole": ROLE, "S3Paths": ["s3://d/x"]})
    assert run["State"] == "SUCCEEDED", run
    glue.update_blueprint(Name=name, BlueprintLocation=good)
    assert "LastActiveDefinition" not in glue.get_blueprint(Name=name)["Blueprint"]


def test_every_problem_of_an_archive_is_reported_at_once(glue, upload, name):
    cfg = {
        "layoutGenerator": "bp.layout.generate_layout",
        "parameterSpec": {"A": {"type": "Float"}, "B": {"type": "Integer", "defaultValue": "x"}},
    }
    glue.create_blueprint(
        Name=name, BlueprintLocation=upload(zip_files({"bp/blueprint.cfg": json.dumps(cfg), "bp/layout.py": "y = 2\n"}))
    )
    message = glue.get_blueprint(Name=name)["Blueprint"]["ErrorMessage"]
    for expected in ("defines no function generate_layout", "parameterSpec.A.type", "parameterSpec.B.defaultValue"):
        assert expected in message


def test_archive_with_config_at_its_root_is_accepted(glue, upload, name):
    files = {
        "blueprint.cfg": json.dumps({"layoutGenerator": "layout.generate_layout"}),
        "layout.py": "def generate_layout(u, s): pass",
    }
    glue.create_blueprint(Name=name, BlueprintLocation=upload(zip_files(files)))
    assert glue.get_blueprint(Name=name)["Blueprint"]["Status"] == "ACTIVE"


def test_batch_get_returns_found_in_order_and_lists_missing(glue, example, name):
    location = example("crawl_chain")
    for suffix in ("a", "b"):
        glue.create_blueprint(Name=name + suffix, BlueprintLocation=location)
    result = glue.batch_get_blueprints(Names=[name + "b", name + "x", name + "a"], IncludeBlueprint=True)
    assert [b["Name"] for b in result["Blueprints"]] == [name + "b", name + "a"]
    assert all(b["BlueprintLocation"] == location for b in result["Blueprints"])
    assert result["MissingBlueprints"] == [name + "x"]


def test_list_pages_through_every_blueprint_once_and_filters_by_tags(glue, example, name):
    location = example("crawl_chain")
    for i in range(7):
        glue.create_blueprint(Name=f"{name}{i}", BlueprintLocation=location, Tags={"suite": name, "odd": str(i % 2)})
    seen, token = [], None
    while True:
        kwargs = {"MaxResults": 2, "Tags": {"suite": name}} | ({"NextToken": token} if token else {})
        page = glue.list_blueprints(**kwargs)
        assert len(page["Blueprints"]) <= 2
        seen += page["Blueprints"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"{name}{i}" for i in range(7)]
    odd = glue.list_blueprints(Tags={"suite": name, "odd": "1"})["Blueprints"]
    assert odd == [f"{name}{i}" for i in (1, 3, 5)]


def test_list_token_reused_with_other_tags_is_invalid(glue, example, name):
    location = example("crawl_chain")
    for i in range(3):
        glue.create_blueprint(Name=f"{name}{i}", BlueprintLocation=location, Tags={"suite": name})
    token = glue.list_blueprints(MaxResults=1, Tags={"suite": name})["NextToken"]
    err = error_of(glue.list_blueprints, MaxResults=1, Tags={"suite": "other"}, NextToken=token)
    assert err["Code"] == "InvalidInputException"


def test_blueprints_survive_a_restart_byte_for_byte(start_server, example, name):
    server = start_server()
    glue = glue_client(server.url)
    glue.create_blueprint(Name=name, BlueprintLocation=example("crawl_chain"), Description="kept", Tags={"a": "b"})
    glue.create_blueprint(Name=name + "bad", BlueprintLocation="s3://blueprints/none.zip")

    def answers():
        body = {"IncludeBlueprint": True, "IncludeParameterSpec": True}
        return [call_raw(server.url, "GetBlueprint", {**body, "Name": n}).content for n in (name, name + "bad")]

    before = answers()
    server.restart()
    assert answers() == before
