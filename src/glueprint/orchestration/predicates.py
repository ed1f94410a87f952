"""When a conditional trigger's predicate holds, given the states of the nodes it watches."""

from ..store.entities import watched_node as watched  # the store indexes triggers by it

__all__ = ["watched", "condition_holds", "holds", "watches", "actions"]


def condition_holds(condition: dict, states: dict) -> bool:
    node = watched(condition)
    if node is None or condition.get("LogicalOperator", "EQUALS") != "EQUALS":
        return False
    wanted = condition.get("State") if node[0] == "job" else condition.get("CrawlState")
    return wanted is not None and states.get(node) == wanted


def holds(trigger: dict, states: dict) -> bool:
    """states maps (kind, name) to the final state of that node's latest run."""
    predicate = trigger.get("Predicate") or {}
    conditions = predicate.get("Conditions") or []
    if not conditions:
        return False
    results = [condition_holds(c, states) for c in conditions]
    return any(results) if predicate.get("Logical") == "ANY" else all(results)


def watches(trigger: dict, node: tuple[str, str]) -> bool:
    return any(watched(c) == node for c in (trigger.get("Predicate") or {}).get("Conditions") or [])


def actions(trigger: dict) -> list[tuple[str, str, dict]]:
    """(kind, name, action) of each action a trigger starts."""
    found = []
    for action in trigger.get("Actions") or []:
        if action.get("JobName"):
            found.append(("job", action["JobName"], action))
        elif action.get("CrawlerName"):
            found.append(("crawl", action["CrawlerName"], action))
    return found
