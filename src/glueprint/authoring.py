"""For blueprint authors: check an archive, package a folder, render the workflow a layout makes."""

from pathlib import Path

import orjson

from glueprint.layouts import params
from glueprint.layouts.archive import in_process, problems
from glueprint.layouts.plan import Entity, PlanError, entities_of
from glueprint.layouts.plan import name_suffix as random_suffix
from glueprint.packaging import zip_folder
from glueprint.sandbox.host import LayoutError, Limits, Sandbox
from glueprint.service.graph import graph_of

# Layouts rendered locally have no Glue service unless one is given; their calls then fail fast.
NO_ENDPOINT = "http://127.0.0.1:9"


class AuthoringError(Exception):
    """What stops the command; each line of ``problems`` is one thing to fix."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def archive_of(path: Path) -> bytes:
    if path.is_dir():
        return zip_folder(path)
    if path.is_file():
        return path.read_bytes()
    raise AuthoringError([f"{path}: no such folder or ZIP file"])


def check(path: Path) -> list[str]:
    return problems(archive_of(path), in_process)[0]


def package(folder: Path, out: Path | None = None) -> Path:
    if not folder.is_dir():
        raise AuthoringError([f"{folder}: not a folder"])
    data = zip_folder(folder)
    found = problems(data, in_process)[0]
    if found:
        raise AuthoringError(found)
    out = out or folder.with_suffix(".zip")
    out.write_bytes(data)
    return out


ENDPOINT_HINT = (
    "the layout calls AWS itself: give it a Glue endpoint with --endpoint-url "
    "(e.g. a running glueprint, http://127.0.0.1:4599) and S3 with --s3-endpoint-url"
)


def render(
    path: Path,
    parameters: str | None,
    endpoint: str | None = None,
    s3_endpoint: str | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    limits: Limits | None = None,
    name_suffix: str | None = None,
    unsafe: bool = False,
) -> list[Entity]:
    """Run the layout in the sandbox, as a run would, and return the entities it would create
    (job and crawler names carry name_suffix, by default a random one as a run's do)."""
    found, definition = problems(archive_of(path), in_process)
    if found:
        raise AuthoringError(found)
    try:
        user_params = params.resolve(orjson.loads(definition.parameter_spec), parameters)
    except params.ParameterError as exc:
        raise AuthoringError(exc.problems) from None
    except orjson.JSONDecodeError as exc:
        raise AuthoringError([f"--params is not valid JSON: {exc}"]) from None
    urls = {"glue": endpoint or NO_ENDPOINT} | ({"s3": s3_endpoint} if s3_endpoint else {})
    sandbox = Sandbox(urls, region, limits or Limits(), unsafe=unsafe)
    try:
        plan = sandbox.run_layout(
            definition.archive,
            definition.layout_generator,
            user_params,
            {"region": region, "accountId": account_id},
            name_suffix or random_suffix(),
        )
        return entities_of(plan)
    except (LayoutError, PlanError) as exc:
        lines = str(exc).splitlines()
        if endpoint is None and NO_ENDPOINT in str(exc):
            lines.insert(1, ENDPOINT_HINT)
        raise AuthoringError(lines) from None
    finally:
        sandbox.stop()


def as_json(entities: list[Entity]) -> dict:
    kinds = {"workflow": "Workflow", "job": "Jobs", "crawler": "Crawlers", "trigger": "Triggers"}
    out = {"Workflow": None, "Jobs": [], "Crawlers": [], "Triggers": []}
    for entity in entities:
        if entity.kind == "workflow":
            out["Workflow"] = entity.request
        else:
            out[kinds[entity.kind]].append(entity.request)
    return out


def graph(entities: list[Entity]) -> dict:
    workflow = next(e.name for e in entities if e.kind == "workflow")
    return graph_of(workflow, [e.request for e in entities if e.kind == "trigger"])


def as_dot(entities: list[Entity]) -> str:
    shapes = {"TRIGGER": "diamond", "JOB": "box", "CRAWLER": "ellipse"}
    g = graph(entities)
    lines = ["digraph workflow {", "  rankdir=LR;"]
    for node in g["Nodes"]:
        lines.append(f'  "{node["UniqueId"]}" [label="{node["Name"]}", shape={shapes[node["Type"]]}];')
    for edge in g["Edges"]:
        lines.append(f'  "{edge["SourceId"]}" -> "{edge["DestinationId"]}";')
    lines.append("}")
    return "\n".join(lines)
