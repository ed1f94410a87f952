"""glueprint blueprint check / render / package, as an author runs them."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from glueprint import examples
from glueprint.layouts.archive import in_process, inspect

from conftest import EXAMPLES

ETL = {"WorkflowName": "nightly", "JobRole": "etl", "ScriptBucket": "scripts"}


def cli(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "glueprint", "blueprint", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_check_accepts_every_example():
    for name in examples.names():
        result = cli("check", examples.path(name))
        assert result.returncode == 0, result.stderr
        assert "a valid blueprint" in result.stdout


def test_check_lists_every_problem_with_file_and_key(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    cfg = {
        "layoutGenerator": "broken.layout.build",
        "parameterSpec": {"N": {"type": "Number"}, "M": {"type": "String", "colour": 1}},
    }
    (folder / "blueprint.cfg").write_text(json.dumps(cfg))
    (folder / "layout.py").write_text("def generate_layout(u, s):\n    pass\n")
    result = cli("check", folder)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert "broken/layout.py: defines no function build" in lines[0]
    assert "broken/blueprint.cfg: parameterSpec.N.type must be one of" in result.stderr
    assert "broken/blueprint.cfg: parameterSpec.M has unknown keys ['colour']" in result.stderr
    assert "\x1b[" not in result.stderr  # piped: plain text


def test_package_builds_the_zip_the_service_accepts(tmp_path):
    out = tmp_path / "etl.zip"
    result = cli("package", EXAMPLES / "etl_schedule", "-o", out)
    assert result.returncode == 0, result.stderr
    names = zipfile.ZipFile(out).namelist()
    assert "etl_schedule/blueprint.cfg" in names and "etl_schedule/layout.py" in names
    assert inspect(out.read_bytes(), in_process).layout_generator == "etl_schedule.layout.generate_layout"


def test_package_refuses_a_broken_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("package", tmp_path / "empty")
    assert result.returncode == 1 and "blueprint.cfg" in result.stderr
    assert not (tmp_path / "empty.zip").exists()


def test_render_json_lists_the_entities_a_run_would_create(tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps(ETL))
    result = cli("render", EXAMPLES / "etl_schedule", "--params", f"@{params}", "--format", "json", "--name-suffix", "t1")
    assert result.returncode == 0, result.stderr
    rendered = json.loads(result.stdout)
    assert rendered["Workflow"]["Name"] == "nightly"
    assert [j["Name"] for j in rendered["Jobs"]] == ["nightly_extract_t1", "nightly_transform_t1", "nightly_load_t1"]
    assert [t["Name"] for t in rendered["Triggers"]] == [
        "nightly_nightly_transform_t1_trigger",
        "nightly_nightly_load_t1_trigger",
        "nightly_starting_trigger",
    ]
    assert rendered["Triggers"][2]["Type"] == "SCHEDULED"
    # The service reads DefaultArguments' values as strings; MaxCapacity stays a number.
    assert rendered["Jobs"][0]["DefaultArguments"] == {"--job-bookmark-option": "job-bookmark-enable"}


def test_render_gives_each_run_a_new_random_suffix():
    names = set()
    for _ in range(2):
        result = cli("render", EXAMPLES / "etl_schedule", "--params", json.dumps(ETL), "--format", "json")
        assert result.returncode == 0, result.stderr
        names.add(json.loads(result.stdout)["Jobs"][0]["Name"])
    assert len(names) == 2 and all(n.startswith("nightly_extract_") for n in names)


def test_render_tree_shows_the_dependency_chain():
    result = cli("render", EXAMPLES / "etl_schedule", "--params", json.dumps(ETL), "--name-suffix", "s")
    assert result.returncode == 0, result.stderr
    chain = [line.strip("│├└─ ") for line in result.stdout.split("Dependency graph")[1].splitlines() if line.strip()]
    assert chain == [
        "trigger nightly_starting_trigger",
        "job nightly_extract_s",
        "trigger nightly_nightly_transform_s_trigger",
        "job nightly_transform_s",
        "trigger nightly_nightly_load_s_trigger",
        "job nightly_load_s",
    ]


def test_render_dot_draws_left_to_right():
    params = {"WorkflowName": "c", "IAMRole": "arn:aws:iam::123456789012:role/x", "S3Paths": ["s3://a/1", "s3://a/2"]}
    result = cli("render", EXAMPLES / "crawl_chain", "--params", json.dumps(params), "--format", "dot", "--name-suffix", "x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("digraph workflow {\n  rankdir=LR;")
    assert result.stdout.count("->") == 3 and 'label="c_crawler_1_x", shape=ellipse' in result.stdout


def test_render_reports_bad_parameters_and_layout_errors(tmp_path):
    result = cli("render", EXAMPLES / "crawl_chain", "--params", "{}")
    assert result.returncode == 1
    assert "parameter 'WorkflowName' is required" in result.stderr and "parameter 'S3Paths' is required" in result.stderr
    folder = tmp_path / "boom"
    folder.mkdir()
    (folder / "blueprint.cfg").write_text(json.dumps({"layoutGenerator": "boom.layout.generate_layout"}))
    (folder / "layout.py").write_text("def generate_layout(u, s):\n    raise RuntimeError('no bucket')\n")
    result = cli("render", folder)
    assert result.returncode == 1
    assert "Unknown error executing layout generator function RuntimeError: no bucket" in result.stderr


def test_render_can_point_the_layouts_boto3_calls_at_a_server(server):
    params = {
        "WorkflowName": "rendered",
        "Role": "arn:aws:iam::123456789012:role/x",
        "DatabaseName": "renderdb",
        "DataLocation": "s3://d/",
    }
    result = cli(
        "render", EXAMPLES / "catalog_bootstrap", "--params", json.dumps(params), "--endpoint-url", server.url, "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Crawlers"][0]["DatabaseName"] == "renderdb"


def test_check_passes_what_aws_would_run_and_catches_what_it_would_fail(tmp_path):
    compaction = Path(__file__).resolve().parent / "blueprints" / "compaction"
    assert cli("check", compaction).returncode == 0
    flat = tmp_path / "flat.zip"
    with zipfile.ZipFile(flat, "w") as zf:
        for path in compaction.iterdir():
            zf.write(path, path.name)  # the same files at the ZIP root: AWS imports compaction.py
    result = cli("check", flat)
    assert result.returncode == 1 and "Python imports compaction.py for 'compaction'" in result.stderr


def test_render_says_how_to_give_a_layout_that_calls_aws_an_endpoint():
    params = {"WorkflowName": "w", "Role": "arn:aws:iam::123456789012:role/x", "DatabaseName": "d", "DataLocation": "s3://a/b/"}
    result = cli("render", EXAMPLES / "catalog_bootstrap", "--params", json.dumps(params))
    assert result.returncode == 1
    assert "the layout calls AWS itself: give it a Glue endpoint with --endpoint-url" in result.stderr
    assert 'File "catalog_bootstrap/layout.py"' in result.stderr and "site-packages" not in result.stderr


def test_package_and_check_name_the_fix_for_a_folder_named_unlike_its_generator(tmp_path):
    folder = tmp_path / "wrongname"
    folder.mkdir()
    (folder / "blueprint.cfg").write_text(json.dumps({"layoutGenerator": "rightname.layout.generate_layout"}))
    (folder / "layout.py").write_text("def generate_layout(u, s):\n    pass\n")
    for command in ("package", "check"):
        result = cli(command, folder)
        assert result.returncode == 1
        assert "rename it to rightname/, or set layoutGenerator to 'wrongname.layout.generate_layout'" in result.stderr
    (folder / "blueprint.cfg").write_text(json.dumps({"layoutGenerator": "layout.generate_layout"}))
    assert "set layoutGenerator to 'wrongname.layout.generate_layout'" in cli("check", folder).stderr
