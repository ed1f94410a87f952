"""The blueprint registry: create, update, delete, get, list, batch get, and bad archives."""

import json
import zipfile

import pytest

from glueprint.waiting import wait_for_blueprint

from conftest import ROLE, all_pages, create_blueprint, error_of, start_and_wait, update_blueprint, wait_run, zip_files
from servers import call_raw, glue_client, glueprint_worker

GOOD_CFG = json.dumps({"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": {}})


def test_create_answers_at_once_and_the_blueprint_becomes_active_with_its_definition(glue, example, name):
    location = example("crawl_chain")
    assert glue.create_blueprint(Name=name, BlueprintLocation=location, Description="chain")["Name"] == name
    wait_for_blueprint(glue, name)
    bp = glue.get_blueprint(Name=name, IncludeBlueprint=True, IncludeParameterSpec=True)["Blueprint"]
    assert bp["Status"] == "ACTIVE"
    assert bp["Description"] == "chain"
    assert bp["BlueprintLocation"] == location
    assert bp["BlueprintServiceLocation"].startswith(f"glueprint://blueprints/{name}/")
    assert set(json.loads(bp["ParameterSpec"])) == {"WorkflowName", "IAMRole", "S3Paths", "DatabaseName"}
    assert bp["CreatedOn"] == bp["LastModifiedOn"]
    assert "ErrorMessage" not in bp and "LastActiveDefinition" not in bp


def test_get_shows_the_location_but_leaves_out_service_location_and_spec_unless_asked(glue, example, name):
    location = example("crawl_chain")
    create_blueprint(glue, Name=name, BlueprintLocation=location)
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["BlueprintLocation"] == location
    assert "BlueprintServiceLocation" not in bp and "ParameterSpec" not in bp


def test_duplicate_name_is_already_exists_and_keeps_the_first(glue, example, name):
    first = example("crawl_chain")
    create_blueprint(glue, Name=name, BlueprintLocation=first)
    err = error_of(glue.create_blueprint, Name=name, BlueprintLocation=example("etl_schedule"))
    assert err["Code"] == "AlreadyExistsException"
    assert glue.get_blueprint(Name=name, IncludeBlueprint=True)["Blueprint"]["BlueprintLocation"] == first


def test_unknown_names_are_entity_not_found(glue, example, name):
    assert error_of(glue.get_blueprint, Name=name)["Code"] == "EntityNotFoundException"
    err = error_of(glue.update_blueprint, Name=name, BlueprintLocation=example("crawl_chain"))
    assert err["Code"] == "EntityNotFoundException"


def test_delete_removes_and_deleting_a_missing_name_is_not_an_error(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("crawl_chain"))
    assert glue.delete_blueprint(Name=name)["Name"] == name
    assert error_of(glue.get_blueprint, Name=name)["Code"] == "EntityNotFoundException"
    assert glue.delete_blueprint(Name=name)["Name"] == name


BROKEN_ARCHIVES = {
    "not-a-zip": (b"this is not a zip", "not a valid ZIP"),
    "no-cfg": (zip_files({"bp/layout.py": "x = 1"}), "blueprint.cfg"),
    "cfg-not-json": (zip_files({"bp/blueprint.cfg": "{nope", "bp/layout.py": ""}), "not valid JSON"),
    "cfg-not-object": (zip_files({"bp/blueprint.cfg": "[1]", "bp/layout.py": ""}), "must be a JSON object"),
    "no-layout-generator": (zip_files({"bp/blueprint.cfg": "{}", "bp/layout.py": ""}), "layoutGenerator"),
    "module-missing": (zip_files({"bp/blueprint.cfg": GOOD_CFG}), "no module named 'bp.layout'"),
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
    create_blueprint(glue, Name=name, BlueprintLocation=upload(data))
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["Status"] == "FAILED"
    assert expected in bp["ErrorMessage"]


def test_missing_archive_object_makes_a_failed_blueprint(glue, name):
    create_blueprint(glue, Name=name, BlueprintLocation="s3://blueprints/absent/nothing.zip")
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["Status"] == "FAILED"
    assert "Unable to access object at location s3://blueprints/absent/nothing.zip" in bp["ErrorMessage"]


def test_a_failed_blueprint_cannot_run(glue, upload, name):
    create_blueprint(glue, Name=name, BlueprintLocation=upload(b"junk"))
    err = error_of(glue.start_blueprint_run, BlueprintName=name, RoleArn=ROLE)
    assert err["Code"] == "IllegalBlueprintStateException"


def test_update_replaces_the_definition(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("crawl_chain"))
    new = example("etl_schedule")
    update_blueprint(glue, Name=name, BlueprintLocation=new, Description="now etl")
    bp = glue.get_blueprint(Name=name, IncludeBlueprint=True, IncludeParameterSpec=True)["Blueprint"]
    assert bp["Status"] == "ACTIVE" and bp["BlueprintLocation"] == new and bp["Description"] == "now etl"
    assert "JobRole" in json.loads(bp["ParameterSpec"])
    assert bp["LastModifiedOn"] > bp["CreatedOn"]


def test_failed_update_keeps_last_active_definition_and_runs_use_it(glue, example, upload, name):
    good = example("crawl_chain")
    create_blueprint(glue, Name=name, BlueprintLocation=good, Description="v1")
    update_blueprint(glue, Name=name, BlueprintLocation=upload(b"broken"))
    bp = glue.get_blueprint(Name=name)["Blueprint"]
    assert bp["Status"] == "FAILED" and "ZIP" in bp["ErrorMessage"]
    last = bp["LastActiveDefinition"]
    assert last["BlueprintLocation"] == good and last["Description"] == "v1"
    assert "S3Paths" in json.loads(last["ParameterSpec"])
    run = start_and_wait(glue, name, {"WorkflowName": name, "IAMRole": ROLE, "S3Paths": ["s3://d/x"]})
    assert run["State"] == "SUCCEEDED", run
    update_blueprint(glue, Name=name, BlueprintLocation=good)
    assert "LastActiveDefinition" not in glue.get_blueprint(Name=name)["Blueprint"]


def test_every_problem_of_an_archive_is_reported_at_once(glue, upload, name):
    cfg = {
        "layoutGenerator": "bp.layout.generate_layout",
        "parameterSpec": {"A": {"type": "Float"}, "B": {"type": "Integer", "defaultValue": "x"}},
    }
    create_blueprint(
        glue, Name=name, BlueprintLocation=upload(zip_files({"bp/blueprint.cfg": json.dumps(cfg), "bp/layout.py": "y = 2\n"}))
    )
    message = glue.get_blueprint(Name=name)["Blueprint"]["ErrorMessage"]
    for expected in ("defines no function generate_layout", "parameterSpec.A.type", "parameterSpec.B.defaultValue"):
        assert expected in message


def test_archive_with_config_at_its_root_is_accepted(glue, upload, name):
    files = {
        "blueprint.cfg": json.dumps({"layoutGenerator": "layout.generate_layout"}),
        "layout.py": "def generate_layout(u, s): pass",
    }
    create_blueprint(glue, Name=name, BlueprintLocation=upload(zip_files(files)))
    assert glue.get_blueprint(Name=name)["Blueprint"]["Status"] == "ACTIVE"


def test_batch_get_returns_found_in_order_and_lists_missing(glue, example, name):
    location = example("crawl_chain")
    for suffix in ("a", "b"):
        create_blueprint(glue, Name=name + suffix, BlueprintLocation=location)
    result = glue.batch_get_blueprints(Names=[name + "b", name + "x", name + "a"], IncludeBlueprint=True)
    assert [b["Name"] for b in result["Blueprints"]] == [name + "b", name + "a"]
    assert all(b["BlueprintLocation"] == location for b in result["Blueprints"])
    assert result["MissingBlueprints"] == [name + "x"]


def test_list_pages_through_every_blueprint_once_and_filters_by_tags(glue, example, name):
    location = example("crawl_chain")
    for i in range(7):
        create_blueprint(glue, Name=f"{name}{i}", BlueprintLocation=location, Tags={"suite": name, "odd": str(i % 2)})
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
        create_blueprint(glue, Name=f"{name}{i}", BlueprintLocation=location, Tags={"suite": name})
    token = glue.list_blueprints(MaxResults=1, Tags={"suite": name})["NextToken"]
    err = error_of(glue.list_blueprints, MaxResults=1, Tags={"suite": "other"}, NextToken=token)
    assert err["Code"] == "InvalidInputException"


def test_blueprints_survive_a_restart_byte_for_byte(start_server, example, name):
    server = start_server()
    glue = glue_client(server.url)
    create_blueprint(glue, Name=name, BlueprintLocation=example("crawl_chain"), Description="kept", Tags={"a": "b"})
    create_blueprint(glue, Name=name + "bad", BlueprintLocation="s3://blueprints/none.zip")

    def answers():
        body = {"IncludeBlueprint": True, "IncludeParameterSpec": True}
        return [call_raw(server.url, "GetBlueprint", {**body, "Name": n}).content for n in (name, name + "bad")]

    before = answers()
    server.restart()
    assert answers() == before


def test_archive_over_aws_limits_fails_naming_the_limit(glue, upload, name):
    big_layout = "def generate_layout(u, s): pass\n" + "# padding\n" * 600_000  # ~6 MB unpacked, small zipped
    unpacked = zip_files({"bp/blueprint.cfg": GOOD_CFG, "bp/layout.py": big_layout}, zipfile.ZIP_DEFLATED)
    assert len(unpacked) < 1024 * 1024
    bp = create_blueprint(glue, Name=name, BlueprintLocation=upload(unpacked))
    assert bp["Status"] == "FAILED" and "at most 5 MB (5242880 bytes) uncompressed" in bp["ErrorMessage"]
    noise = bytes(range(256)) * 4200  # incompressible, over 1 MB zipped
    compressed = zip_files({"bp/blueprint.cfg": GOOD_CFG, "bp/layout.py": "def generate_layout(u, s): pass\n", "bp/x.bin": noise})
    bp = create_blueprint(glue, Name=name + "c", BlueprintLocation=upload(compressed))
    assert bp["Status"] == "FAILED" and "at most 1 MB (1048576 bytes) compressed" in bp["ErrorMessage"]


def test_run_parameters_over_128_kb_are_a_validation_error(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("crawl_chain"))
    big = json.dumps({"WorkflowName": "x" * 131_072})
    err = error_of(glue.start_blueprint_run, BlueprintName=name, RoleArn=ROLE, Parameters=big)
    assert err["Code"] == "ValidationException" and "less than or equal to 131072" in err["Message"]


IMPORT_LAYOUTS = {
    # AWS's documented failure: files at the root beside a job script named like the package.
    "root-files-with-same-named-job-script": (
        {"blueprint.cfg": "compaction.layout.generate_layout", "layout.py": True, "compaction.py": "import pyspark\n"},
        "Python imports compaction.py for 'compaction', a module and not a package",
    ),
    "folder-named-unlike-the-generator": (
        {"mine/blueprint.cfg": "layout.generate_layout", "mine/layout.py": True},
        "no module named 'layout'",
    ),
}


@pytest.mark.parametrize("case", sorted(IMPORT_LAYOUTS))
def test_archives_aws_could_not_import_fail_with_the_reason(glue, upload, name, case):
    files, expected = IMPORT_LAYOUTS[case]
    archive = {}
    for path, content in files.items():
        if path.endswith("blueprint.cfg"):
            content = json.dumps({"layoutGenerator": content})
        elif content is True:
            content = "def generate_layout(u, s): pass\n"
        archive[path] = content
    bp = create_blueprint(glue, Name=name, BlueprintLocation=upload(zip_files(archive)))
    assert bp["Status"] == "FAILED" and expected in bp["ErrorMessage"], bp


def test_blueprint_is_creating_until_a_worker_checks_it_and_cannot_run_before(
    start_server, tmp_session, s3, upload, example, name
):
    api = start_server("--workers", "0")
    glue = glue_client(api.url)
    glue.create_blueprint(Name=name, BlueprintLocation=example("crawl_chain"))
    assert glue.get_blueprint(Name=name)["Blueprint"]["Status"] == "CREATING"
    err = error_of(glue.start_blueprint_run, BlueprintName=name, RoleArn=ROLE)
    assert err["Code"] == "IllegalBlueprintStateException"
    assert error_of(glue.update_blueprint, Name=name, BlueprintLocation=example("etl_schedule"))["Code"] == (
        "IllegalBlueprintStateException"
    )
    worker = glueprint_worker(api.db_url, tmp_session, api.url, "--s3-endpoint-url", s3.url).start()
    try:
        assert wait_for_blueprint(glue, name)["Status"] == "ACTIVE"
        # A run started before an update reaches a worker still uses the definition it started with.
        worker.stop()
        run_id = glue.start_blueprint_run(
            BlueprintName=name,
            RoleArn=ROLE,
            Parameters=json.dumps({"WorkflowName": name, "IAMRole": ROLE, "S3Paths": ["s3://d/"]}),
        )["RunId"]
        etl = example("etl_schedule")
        glue.update_blueprint(Name=name, BlueprintLocation=etl)
        assert glue.get_blueprint(Name=name)["Blueprint"]["Status"] == "UPDATING"
        worker.start()
        run = wait_run(glue, name, run_id)
        assert run["State"] == "SUCCEEDED", run
        # crawl_chain made it (a crawler), not etl_schedule (jobs only).
        assert [n for n in all_pages(glue.list_crawlers, "CrawlerNames") if n.startswith(f"{name}_crawler_0_")]
        bp = wait_for_blueprint(glue, name)
        assert bp["Status"] == "ACTIVE" and bp["BlueprintLocation"] == etl
    finally:
        worker.stop()
