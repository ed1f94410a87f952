"""Runs inside a job script's own process (a pythonshell or Spark job run): the script as
``__main__`` with Glue's command line, guarded like a layout. Writes one JSON result to the
result file. A Spark job script's process is first made a Spark Connect client of its run's
own session (glueprint.etl.connect_client.enter), so the SparkSession it asks for is that one.

As Python does for a script that fails, an uncaught exception's traceback goes to standard
error (the run's /error log stream). The run's error message is the exception; for a script
that exits with an error status, the last line it wrote to standard error (argparse's
"error: the following arguments are required: ..."), which says more than the status.
"""

import ast
import json
import os
import re
import runpy
import sys
import traceback

from glueprint.sandbox.layout_child import author_frames, guard


class _LastLine:
    """Standard error as the script sees it: written through, its last non-blank line kept."""

    def __init__(self, stream):
        self._stream = stream
        self.last = ""

    def write(self, text: str) -> int:
        lines = [line.strip() for line in str(text).splitlines() if line.strip()]
        if lines:
            self.last = lines[-1]
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _exit_error(code, last_line: str) -> str:
    if isinstance(code, str):
        return code
    return last_line or f"SystemExit: {code}"


def error_message(exc: BaseException) -> str:
    """A failed run's ErrorMessage, as Glue shows it: the exception's type and message. A
    Spark error's message stops before the JVM stack trace its server appends, and without
    the SQLSTATE suffix Spark 4 adds (Glue's Spark 3 has none)."""
    text = str(exc).split("\n\nJVM stacktrace:", 1)[0]
    text = re.sub(r"\s*SQLSTATE: \w+$", "", text.rstrip())
    return f"{type(exc).__name__}: {text}"


def _too_new(path: str, version: list | None) -> SyntaxError | None:
    """The first syntax the job's Python version does not have (as that interpreter would
    refuse the script), or None."""
    if not version:
        return None
    with open(path, "rb") as script:
        source = script.read()
    try:
        ast.parse(source, filename=os.path.basename(path), feature_version=tuple(version))
    except SyntaxError as exc:
        return exc
    return None


def outcome(request: dict, root: str) -> dict:
    """Run the script; {"ok": True}, or how it failed."""
    path = os.path.join(root, request["script"])
    sys.argv = [path, *request["argv"]]
    sys.path[1:1] = request.get("paths") or []  # after the script's own folder, before the environment's
    stderr = sys.stderr = _LastLine(sys.stderr)
    try:
        refused = _too_new(path, request.get("python_version"))
        if refused is not None:
            shown = "".join(traceback.format_exception_only(refused)).rstrip()
            print(shown, file=stderr)
            return {"ok": False, "error": shown.splitlines()[-1], "traceback": shown}
        if spark := request.get("spark"):
            from glueprint.etl.connect_client import enter

            enter(spark["remote"], spark["settings"])
        runpy.run_path(path, run_name="__main__")
        return {"ok": True}
    except SystemExit as exc:
        if exc.code in (None, 0):
            return {"ok": True}
        if isinstance(exc.code, str):
            print(exc.code, file=stderr)  # as the interpreter prints sys.exit("message")
        return {"ok": False, "error": _exit_error(exc.code, stderr.last), "traceback": ""}
    except BaseException as exc:  # the script may raise anything
        frames = author_frames(exc, root)
        print(frames, file=stderr)
        return {"ok": False, "error": error_message(exc), "traceback": frames}
    finally:
        sys.stderr = stderr._stream


def run(request: dict, root: str, result_fd: int) -> None:
    sys.addaudithook(guard)
    sys.path.insert(0, root)
    result = outcome(request, root)
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(result, default=repr))  # in one piece: dumps encodes in C, dump in Python
