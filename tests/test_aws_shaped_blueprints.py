"""Blueprints shaped like AWS's public samples run here unchanged, and twice.

tests/blueprints/ holds them: a folder beside a same-named job script (compaction), every
file at the ZIP root (rootlevel), and a folder that is a regular package (pkg_init).
"""

import io
import json
import zipfile
from pathlib import Path

from glueprint.packaging import zip_folder

from conftest import ROLE, all_pages, create_blueprint, run_suffix, start_and_wait
from servers import s3_client

BLUEPRINTS = Path(__file__).resolve().parent / "blueprints"


def zip_root(folder: Path) -> bytes:
    """Every file of folder at the ZIP's root, no enclosing folder."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)
    return buf.getvalue()


def test_compaction_shaped_blueprint_runs_twice_with_the_entities_aws_would_create(glue, upload, s3, name):
    create_blueprint(glue, Name=name, BlueprintLocation=upload(zip_folder(BLUEPRINTS / "compaction")))
    runs = [start_and_wait(glue, name, {"WorkflowName": f"{name}_{i}", "IAMRole": ROLE}) for i in range(2)]
    assert [r["State"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"], runs
    suffixes = [run_suffix(glue, f"{name}_{i}") for i in range(2)]
    assert suffixes[0] != suffixes[1]

    workflow, suffix = f"{name}_0", suffixes[0]
    job = glue.get_job(JobName=f"compaction_{suffix}")["Job"]
    assert job["DefaultArguments"] == {
        "--enable-metrics": "true",
        "--ratio": "0.5",
        "--partitions": "8",
        "--job-language": "python",
    }
    assert job["Description"] == "Compacts small files"
    assert job["WorkerType"] == "G.1X" and job["NumberOfWorkers"] == 5 and job["GlueVersion"] == "4.0"
    assert job["Timeout"] == 2880 and job["MaxRetries"] == 0  # Timeout=0 was dropped by the library
    bucket, key = job["Command"]["ScriptLocation"][len("s3://") :].split("/", 1)
    assert bucket == "aws-glue-scripts-123456789012-us-east-1" and key == f"{workflow}/compaction.py"
    script = s3_client(s3.url).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert script == (BLUEPRINTS / "compaction" / "compaction.py").read_bytes()

    crawler = glue.get_crawler(Name=f"catalog_{suffix}")["Crawler"]
    assert crawler["Targets"]["JdbcTargets"] == [{"ConnectionName": "warehouse", "Path": "sales/%"}]
    assert crawler["Targets"]["DeltaTargets"] == [{"DeltaTables": ["s3://lake/delta/"], "WriteManifest": False}]
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}

    start = glue.get_trigger(Name=f"{workflow}_starting_trigger")["Trigger"]
    assert start["Type"] == "SCHEDULED" and start["Schedule"] == "cron(15 2 * * ? *)"
    assert start["Actions"] == [{"JobName": f"compaction_{suffix}"}]
    after = glue.get_trigger(Name=f"{workflow}_catalog_{suffix}_trigger")["Trigger"]
    assert after["Predicate"] == {
        "Conditions": [{"LogicalOperator": "EQUALS", "JobName": f"compaction_{suffix}", "State": "SUCCEEDED"}]
    }
    jobs = [n for n in all_pages(glue.list_jobs, "JobNames") if n.startswith("compaction_")]
    assert {f"compaction_{s}" for s in suffixes} <= set(jobs)


def test_files_at_the_zip_root_import_from_the_archive_root(glue, upload, name):
    create_blueprint(glue, Name=name, BlueprintLocation=upload(zip_root(BLUEPRINTS / "rootlevel")))
    run = start_and_wait(glue, name, {"WorkflowName": name})
    assert run["State"] == "SUCCEEDED", run
    assert glue.get_job(JobName=f"only_{run_suffix(glue, name)}")["Job"]["Role"] == "arn:aws:iam::123456789012:role/Root"


def test_a_folder_with_an_init_file_is_imported_as_a_package(glue, upload, name):
    create_blueprint(glue, Name=name, BlueprintLocation=upload(zip_folder(BLUEPRINTS / "pkg_init" / "pkg_init")))
    run = start_and_wait(glue, name, {"WorkflowName": name})
    assert run["State"] == "SUCCEEDED", run
    assert glue.get_job(JobName=f"packaged_{run_suffix(glue, name)}")["Job"]["Name"].startswith("packaged_")


def test_the_compaction_shape_at_the_zip_root_fails_as_aws_documents(glue, upload, name):
    folder = BLUEPRINTS / "compaction"
    cfg = json.loads((folder / "blueprint.cfg").read_text())
    files = {"blueprint.cfg": json.dumps(cfg), "layout.py": (folder / "layout.py").read_text()}
    files["compaction.py"] = (folder / "compaction.py").read_text()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    bp = create_blueprint(glue, Name=name, BlueprintLocation=upload(buf.getvalue()))
    assert bp["Status"] == "FAILED"
    assert "Python imports compaction.py for 'compaction', a module and not a package" in bp["ErrorMessage"]
