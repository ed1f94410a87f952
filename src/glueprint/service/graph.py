"""A workflow's graph as GetWorkflow(IncludeGraph=True) returns it, built from its triggers.

Each trigger, job and crawler is a node; edges run from a trigger to the entities it starts,
and from each entity a conditional trigger watches to that trigger.
"""

import hashlib

from sqlalchemy import Connection

from ..store import entities as store


def _node_id(workflow: str, node_type: str, name: str) -> str:
    # AWS's form (wnode_ and 64 hex digits); stable across calls and restarts, distinct per workflow.
    return "wnode_" + hashlib.sha256(f"{workflow}/{node_type}/{name}".encode()).hexdigest()


def _entity_ref(item: dict) -> tuple[str, str] | None:
    if item.get("JobName"):
        return "JOB", item["JobName"]
    if item.get("CrawlerName"):
        return "CRAWLER", item["CrawlerName"]
    return None


def build(conn: Connection, workflow: str) -> dict:
    return graph_of(workflow, store.triggers_of(conn, workflow))


def graph_of(workflow: str, triggers: list[dict]) -> dict:
    """Nodes and edges of a workflow, from its triggers alone."""
    nodes: dict[tuple[str, str], dict] = {}
    edges: list[dict] = []

    def node(node_type: str, name: str) -> str:
        key = (node_type, name)
        if key not in nodes:
            # A job or crawler that has not run has no details at all, as on AWS.
            nodes[key] = {"Type": node_type, "Name": name, "UniqueId": _node_id(workflow, node_type, name)}
        return nodes[key]["UniqueId"]

    for trigger in triggers:
        trigger_id = node("TRIGGER", trigger["Name"])
        nodes[("TRIGGER", trigger["Name"])]["TriggerDetails"] = {"Trigger": trigger}
        for action in trigger.get("Actions", []):
            ref = _entity_ref(action)
            if ref:
                edges.append({"SourceId": trigger_id, "DestinationId": node(*ref)})
        for condition in (trigger.get("Predicate") or {}).get("Conditions", []):
            ref = _entity_ref(condition)
            if ref:
                edges.append({"SourceId": node(*ref), "DestinationId": trigger_id})
    return {"Nodes": list(nodes.values()), "Edges": edges}
