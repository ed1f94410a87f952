"""Runs inside a layout's own process: import the layout, call it, write what it returned.

As on AWS, the archive root is the working directory and the only entry added to the import
path, and the plan is exactly ``Workflow.to_json(name_suffix)`` of what the layout returned.
Writes one JSON result to the file the request names. Everything here is untrusted
territory; the engine checks the result again from scratch.
"""

import importlib
import json
import os
import sys
import traceback

import awsglue

TRACEBACK_TAIL_FRAMES = 8
# The layout library's frames are shown as awsglue/...: relative to the package's parent.
_LIBRARY = os.path.dirname(os.path.abspath(awsglue.__file__))


def author_frames(exc: BaseException, root: str) -> str:
    """The traceback a blueprint author can act on: frames of the archive's files and of the
    layout library only, paths relative to the archive root; never glueprint's own frames."""
    tb = traceback.TracebackException.from_exception(exc)
    kept = []
    for frame in tb.stack:
        path = frame.filename
        for folder, shown_from in ((root, root), (_LIBRARY, os.path.dirname(_LIBRARY))):
            if path.startswith(folder + os.sep):
                frame.filename = os.path.relpath(path, shown_from)
                kept.append(frame)
                break
    tb.stack = traceback.StackSummary.from_list(kept[-TRACEBACK_TAIL_FRAMES:])
    tb.__cause__ = tb.__context__ = None  # chained exceptions are libraries' inner workings
    return "".join(tb.format()).strip()


def outcome(request: dict, root: str) -> dict:
    """Import and call the layout generator; the plan it makes, or how it failed."""
    module_name, _, function_name = request["layout_generator"].rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        workflow = function(request["user_params"], request["system_params"])
        plan = workflow.to_json(request["name_suffix"])
        # What the service reads is JSON: a value JSON cannot carry fails the run here.
        return {"ok": True, "plan": json.loads(json.dumps(plan, allow_nan=False))}
    except BaseException as exc:  # the layout may raise anything, SystemExit included
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": author_frames(exc, root)}


# Audit events a layout may not raise: starting or signalling processes, loading native code
# (ctypes could call fork or kill directly), reading raw memory through ctypes (what a jail
# inherited from the zygote is its own business, but no run needs to scan it), and reading
# other processes' /proc entries.
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
        "ctypes.cdata",
        "ctypes.string_at",
        "ctypes.wstring_at",
        "os.startfile",
    }
)
PATH_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "os.chdir"})


def _proc_entry_of_another(path) -> str | None:
    """The /proc path that path (str, bytes or path-like; relative, or through symlinks)
    names when it is not this process's own, else None."""
    if isinstance(path, int):
        return None  # a descriptor: opened already, through a path checked then
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return None  # not a path: the call fails on its own
    parts = real.split("/")
    if parts[1:2] == ["proc"] and len(parts) > 2 and parts[2] != str(os.getpid()):
        return real
    return None


def guard(event: str, args: tuple) -> None:
    if event in BLOCKED_EVENTS:
        raise PermissionError(f"sandboxed code may not use {event}")
    if event in PATH_EVENTS and args and (named := _proc_entry_of_another(args[0])) is not None:
        raise PermissionError(f"sandboxed code may not read {named}")


def run(request: dict, root: str, result_fd: int) -> None:
    """The layout's own process, in the archive root: guard it, run it, write the result."""
    sys.addaudithook(guard)  # cannot be removed: it holds for everything the layout does
    sys.path.insert(0, root)
    result = outcome(request, root)
    sys.stdout.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(result, default=repr))  # in one piece: dumps encodes in C, dump in Python
