"""``glueprint blueprint``: check, render and package blueprints while writing them."""

import sys
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.tree import Tree

from . import authoring
from .cli_options import option

# rich styles on a terminal and prints plain text when piped.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(problems: list[str]) -> None:
    for problem in problems:
        err.print(f"[red]✗[/red] {problem}", markup=True)
    sys.exit(1)


@click.group()
def blueprint() -> None:
    """Tools for blueprint authors."""


@blueprint.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def check(path: Path) -> None:
    """Validate blueprint.cfg and the layout entry point of a folder or ZIP; list every problem."""
    problems = authoring.check(path)
    if problems:
        _fail(problems)
    out.print(f"[green]✓[/green] {path}: a valid blueprint")


def _params(value: str | None) -> str | None:
    if value and value.startswith("@"):
        return Path(value[1:]).read_text()
    return value


def _tree(entities) -> Tree:
    workflow = next(e for e in entities if e.kind == "workflow")
    root = Tree(
        f"[bold]Workflow {workflow.name}[/bold]"
        + (f" — {workflow.request['Description']}" if workflow.request.get("Description") else "")
    )
    for kind, label in (("job", "Jobs"), ("crawler", "Crawlers"), ("trigger", "Triggers")):
        items = [e for e in entities if e.kind == kind]
        if not items:
            continue
        branch = root.add(label)
        for e in items:
            request = e.request
            if kind == "job":
                detail = f"{request['Command']['Name']} {request['Command']['ScriptLocation']}"
            elif kind == "crawler":
                detail = ", ".join(t["Path"] for targets in request["Targets"].values() for t in targets if "Path" in t)
            else:
                detail = request["Type"] + (f" {request['Schedule']}" if request.get("Schedule") else "")
            branch.add(f"{e.name}  [dim]{detail}[/dim]")
    graph = authoring.graph(entities)
    by_id = {n["UniqueId"]: n for n in graph["Nodes"]}
    following: dict[str, list[str]] = {}
    for edge in graph["Edges"]:
        following.setdefault(edge["SourceId"], []).append(edge["DestinationId"])
    targets = {edge["DestinationId"] for edge in graph["Edges"]}
    flow = root.add("Dependency graph")

    def grow(branch: Tree, node_id: str, seen: set) -> None:
        node = by_id[node_id]
        child = branch.add(f"{node['Type'].lower()} {node['Name']}")
        if node_id in seen:
            return
        for next_id in following.get(node_id, []):
            grow(child, next_id, seen | {node_id})

    for node_id in by_id:
        if node_id not in targets:
            grow(flow, node_id, set())
    return root


@blueprint.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@option("--params", "parameters", default=None, help="Parameters as a JSON object, or @file holding one.")
@option("--format", "fmt", type=click.Choice(["tree", "json", "dot"]), default="tree", show_default=True)
@option("--endpoint-url", default=None, help="A Glue endpoint (e.g. a running glueprint) for the layout's own boto3 calls.")
@option("--s3-endpoint-url", default=None, help="An S3 endpoint for the layout's own boto3 calls.")
@option("--region", default="us-east-1", show_default=True)
@option(
    "--name-suffix",
    default=None,
    help="The suffix given to job and crawler names, as AWS gives each run one. [default: random, as a run's]",
)
@option("--unsafe-sandbox", is_flag=True, help="Where the kernel refuses namespaces, run the layout with limits only.")
def render(
    path: Path,
    parameters: str | None,
    fmt: str,
    endpoint_url: str | None,
    s3_endpoint_url: str | None,
    region: str,
    name_suffix: str | None,
    unsafe_sandbox: bool,
) -> None:
    """Run the layout of a folder or ZIP in the sandbox and print the workflow it makes."""
    try:
        entities = authoring.render(
            path, _params(parameters), endpoint_url, s3_endpoint_url, region, name_suffix=name_suffix, unsafe=unsafe_sandbox
        )
    except authoring.AuthoringError as exc:
        _fail(exc.problems)
    if fmt == "json":
        click.echo(orjson.dumps(authoring.as_json(entities), option=orjson.OPT_INDENT_2).decode())
    elif fmt == "dot":
        click.echo(authoring.as_dot(entities))
    else:
        out.print(_tree(entities))


@blueprint.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the ZIP. [default: FOLDER.zip]",
)
def package(folder: Path, output: Path | None) -> None:
    """Check a blueprint folder and build the ZIP the service expects."""
    try:
        written = authoring.package(folder, output)
    except authoring.AuthoringError as exc:
        _fail(exc.problems)
    out.print(f"[green]✓[/green] wrote {written}")
