"""Runs inside a job script's own process (a pythonshell job run): the script as ``__main__``
with Glue's command line, guarded like a layout. Writes one JSON result to the result file.
"""

import json
import os
import runpy
import sys

from glueprint.sandbox.layout_child import author_frames, guard


def outcome(request: dict, root: str) -> dict:
    """Run the script; {"ok": True}, or how it failed."""
    path = os.path.join(root, request["script"])
    sys.argv = [path, *request["argv"]]
    try:
        runpy.run_path(path, run_name="__main__")
        return {"ok": True}
    except SystemExit as exc:
        if exc.code in (None, 0):
            return {"ok": True}
        return {"ok": False, "error": f"SystemExit: {exc.code}", "traceback": ""}
    except BaseException as exc:  # the script may raise anything
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": author_frames(exc, root)}


def run(request: dict, root: str, result_fd: int) -> None:
    sys.addaudithook(guard)
    sys.path.insert(0, root)
    result = outcome(request, root)
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(result, default=repr))  # in one piece: dumps encodes in C, dump in Python
