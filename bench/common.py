"""What the benchmarks share: starting servers (the tests' own launchers), timing, and a table."""

import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from servers import glue_client, glueprint_server, glueprint_worker, moto_s3_server  # noqa: E402,F401

ROLE = "arn:aws:iam::123456789012:role/Bench"

# A three-entity layout: two jobs and a crawler, with one dependency (so four more triggers and a workflow).
THREE_ENTITY_LAYOUT = """
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job
from awsglue.blueprint.crawler import Crawler

def generate_layout(user_params, system_params):
    name = user_params["WorkflowName"]
    crawler = Crawler(Name=name + "_crawl", Role="r", Targets={"S3Targets": [{"Path": "s3://lake/raw/"}]})
    load = Job(Name=name + "_load", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/load.py"},
               DependsOn={crawler: "SUCCEEDED"})
    report = Job(Name=name + "_report", Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://b/r.py"},
                 DependsOn={load: "SUCCEEDED"})
    return Workflow(Name=name, Entities=Entities(Jobs=[load, report], Crawlers=[crawler]))
"""


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="glueprint-bench-"))


def write_blueprint(archive_root: Path, key: str = "bench/three.zip") -> str:
    """Put the three-entity blueprint under an --archive-root; return its s3:// location."""
    import io
    import json
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "three/blueprint.cfg",
            json.dumps(
                {"layoutGenerator": "three.layout.generate_layout", "parameterSpec": {"WorkflowName": {"type": "String"}}}
            ),
        )
        zf.writestr("three/layout.py", THREE_ENTITY_LAYOUT)
    path = archive_root / "archives" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return f"s3://archives/{key}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(rows: list[tuple], headers: tuple) -> str:
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
