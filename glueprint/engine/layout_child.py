"""Runs inside a layout's own process: import the layout, call it, write what it returned.

Writes one JSON result to the file the request names. Everything here is untrusted
territory; the engine checks the result again from scratch.
"""

import importlib
import json
import sys
import traceback

TRACEBACK_TAIL_LINES = 12


def _dependencies(entity) -> list[dict]:
    from awsglue.blueprint.crawler import Crawler
    from awsglue.blueprint.job import Job

    refs = []
    for target, state in (entity.DependsOn or {}).items():
        if not isinstance(target, (Job, Crawler)):
            raise TypeError(f"{entity.Name}: DependsOn keys must be Job or Crawler objects, got {type(target).__name__}")
        refs.append({"Kind": type(target).__name__, "Name": target.Name, "State": state})
    return refs


def plan_of(workflow) -> dict:
    """The returned Workflow as plain data, dependencies turned into (kind, name, state)."""
    from awsglue.blueprint.workflow import Workflow

    if not isinstance(workflow, Workflow):
        raise TypeError(f"the layout generator must return an awsglue.blueprint.workflow.Workflow, got {type(workflow).__name__}")
    workflow.validate()
    head = {k: v for k, v in workflow.to_json().items() if k != "Entities"}

    def entity(obj) -> dict:
        data = {k: v for k, v in obj.to_json().items() if k != "DependsOn"}
        data["DependsOn"] = _dependencies(obj)
        return data

    return {
        "Workflow": head,
        "Jobs": [entity(j) for j in workflow.Entities.Jobs or []],
        "Crawlers": [entity(c) for c in workflow.Entities.Crawlers or []],
    }


# Audit events a layout may not raise: starting or signalling processes, loading native code
# (ctypes could call fork or kill directly), and reading other processes' /proc entries.
BLOCKED_EVENTS = frozenset(
    {
        "os.fork",
        "os.forkpty",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "subprocess.Popen",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
        "pty.spawn",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.call_function",
        "os.startfile",
    }
)


def _guard(event: str, args: tuple) -> None:
    if event in BLOCKED_EVENTS:
        raise PermissionError(f"blueprint layouts may not use {event}")
    if event == "open" and isinstance(args[0], str) and args[0].startswith("/proc/"):
        if not args[0].startswith(("/proc/self/", "/proc/thread-self/")):
            raise PermissionError(f"blueprint layouts may not read {args[0]}")


def outcome(request: dict) -> dict:
    """Import and call the layout generator; what it returned, or how it failed."""
    module_name, _, function_name = request["layout_generator"].rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        return {"ok": True, "plan": plan_of(function(request["user_params"], request["system_params"]))}
    except BaseException as exc:  # the layout may raise anything, SystemExit included
        lines = traceback.format_exception(exc)
        tail = "".join(lines[-TRACEBACK_TAIL_LINES:]).strip()
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": tail}


def run(request: dict) -> None:
    """The layout's own process: guard it, run it, and leave the result in the result file."""
    sys.addaudithook(_guard)  # cannot be removed: it holds for everything the layout does
    sys.path[:0] = request["paths"]
    result = outcome(request)
    sys.stdout.flush()
    with open(request["result_path"], "w", encoding="utf-8") as out:
        json.dump(result, out, default=repr)
