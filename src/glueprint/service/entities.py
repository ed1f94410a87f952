"""Reading and deleting the workflows, jobs, crawlers and triggers that blueprint runs create.

The four kinds share one shape of behaviour (get, list names, get all, batch get, delete);
``Kind`` records the wire names that differ between them.
"""

from dataclasses import dataclass

from ..domain.context import ServiceContext
from ..domain.entity_texts import not_found
from ..protocol import errors
from ..protocol.model import operation as model_operation
from ..store import entities as store
from . import graph, lifecycle, workflow_runs
from .paging import filtered_page, has_tags
from .registry import operation


@dataclass(frozen=True)
class Kind:
    kind: str
    get: tuple[str, str, str]  # operation, name param, result key
    list_: tuple[str, str]  # operation, result key
    batch: tuple[str, str, str, str]  # operation, names param, found key, missing key
    delete: tuple[str, str, str | None]  # operation, name param, result key
    get_all: tuple[str, str] | None = None  # operation, result key
    delete_missing_is_error: bool = False


KINDS = [
    Kind(
        "workflow",
        ("GetWorkflow", "Name", "Workflow"),
        ("ListWorkflows", "Workflows"),
        ("BatchGetWorkflows", "Names", "Workflows", "MissingWorkflows"),
        ("DeleteWorkflow", "Name", "Name"),
    ),
    Kind(
        "job",
        ("GetJob", "JobName", "Job"),
        ("ListJobs", "JobNames"),
        ("BatchGetJobs", "JobNames", "Jobs", "JobsNotFound"),
        ("DeleteJob", "JobName", "JobName"),
        get_all=("GetJobs", "Jobs"),
    ),
    Kind(
        "crawler",
        ("GetCrawler", "Name", "Crawler"),
        ("ListCrawlers", "CrawlerNames"),
        ("BatchGetCrawlers", "CrawlerNames", "Crawlers", "CrawlersNotFound"),
        ("DeleteCrawler", "Name", None),
        get_all=("GetCrawlers", "Crawlers"),
        delete_missing_is_error=True,
    ),
    Kind(
        "trigger",
        ("GetTrigger", "Name", "Trigger"),
        ("ListTriggers", "TriggerNames"),
        ("BatchGetTriggers", "TriggerNames", "Triggers", "TriggersNotFound"),
        ("DeleteTrigger", "Name", "Name"),
        get_all=("GetTriggers", "Triggers"),
    ),
]


def _filtered(p: dict) -> bool:
    """A filter scans the kind's documents until it fills a page."""
    return bool(p.get("Tags")) or p.get("DependentJobName") is not None


def _with_graphs(p: dict) -> bool:
    return bool(p.get("IncludeGraph"))


def _page_limit(op: str) -> int:
    return model_operation(op).input_shape.members["MaxResults"].metadata["max"]


def _keep(p: dict):
    """The filters the list operations take: Tags, and for triggers DependentJobName."""
    wanted_tags = p.get("Tags") or {}
    job = p.get("DependentJobName")

    def keep(doc: dict) -> bool:
        if not has_tags(doc.get("Tags") or {}, wanted_tags):
            return False
        return job is None or any(a.get("JobName") == job for a in doc.get("Actions", []))

    return keep


def _page(ctx: ServiceContext, kind: Kind, op: str, p: dict) -> tuple[list[dict], str | None]:
    scope = {k: p.get(k) for k in ("Tags", "DependentJobName")}
    position = ctx.tokens.position(op, scope, p.get("NextToken"))
    with ctx.db.read() as conn:
        docs, after = filtered_page(
            lambda start, n: store.page(conn, kind.kind, start, n),
            key=lambda doc: doc["Name"],
            keep=_keep(p),
            limit=p.get("MaxResults", _page_limit(op)),
            after=position[0] if position else None,
        )
    token = ctx.tokens.issue(op, scope, [after]) if after is not None else None
    return docs, token


def _with_graph(ctx: ServiceContext, kind: Kind, doc: dict, include_graph: bool) -> dict:
    """A workflow with its LastRun, and its Graph when asked for; a crawler as it stands now."""
    if kind.kind == "crawler":
        return lifecycle.crawler_view(doc, ctx.clock())
    if kind.kind != "workflow":
        return doc
    with ctx.db.read() as conn:
        doc = {**doc, "LastRun": workflow_runs.last_run(conn, doc["Name"])}
        if include_graph:
            doc["Graph"] = graph.build(conn, doc["Name"])
    return doc


def _register(kind: Kind) -> None:
    get_op, get_param, get_key = kind.get

    @operation(get_op, read_only=True, grows=_with_graphs)
    def get(ctx: ServiceContext, p: dict) -> dict:
        with ctx.db.read() as conn:
            doc = store.get(conn, kind.kind, p[get_param])
        if doc is None:
            raise errors.EntityNotFoundException(not_found(kind.kind, p[get_param]))
        return {get_key: _with_graph(ctx, kind, doc, p.get("IncludeGraph", False))}

    list_op, list_key = kind.list_

    @operation(list_op, read_only=True, grows=_filtered)
    def list_names(ctx: ServiceContext, p: dict) -> dict:
        docs, token = _page(ctx, kind, list_op, p)
        return {list_key: [d["Name"] for d in docs], "NextToken": token}

    if kind.get_all:
        all_op, all_key = kind.get_all

        @operation(all_op, read_only=True, grows=_filtered)
        def get_all(ctx: ServiceContext, p: dict) -> dict:
            docs, token = _page(ctx, kind, all_op, p)
            return {all_key: [_with_graph(ctx, kind, d, False) for d in docs], "NextToken": token}

    batch_op, batch_param, found_key, missing_key = kind.batch

    @operation(batch_op, read_only=True, grows=_with_graphs)
    def batch_get(ctx: ServiceContext, p: dict) -> dict:
        names = list(dict.fromkeys(p[batch_param]))
        with ctx.db.read() as conn:
            found = store.get_many(conn, kind.kind, names)
        include_graph = p.get("IncludeGraph", False)
        return {
            found_key: [_with_graph(ctx, kind, found[n], include_graph) for n in names if n in found],
            missing_key: [n for n in names if n not in found],
        }

    delete_op, delete_param, delete_key = kind.delete

    @operation(delete_op)
    def delete(ctx: ServiceContext, p: dict) -> dict:
        name = p[delete_param]
        with ctx.db.write() as conn:
            lifecycle.before_delete(conn, kind.kind, name)
            removed = store.remove(conn, kind.kind, name)
            if removed:
                lifecycle.after_delete(conn, kind.kind, name)
        if not removed and kind.delete_missing_is_error:
            raise errors.EntityNotFoundException(not_found(kind.kind, name))
        return {delete_key: name} if delete_key else {}


for _kind in KINDS:
    _register(_kind)
