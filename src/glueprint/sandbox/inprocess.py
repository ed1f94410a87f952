"""Running layouts and job scripts inside the current process, for the pytest mock (glueprint.testing).

There the layout is the test author's own code, and running it in-process is what lets its
boto3 calls reach the mocked Glue and moto's mocked S3. No limits apply; the sandbox
(sandbox.py) is what the server uses.
"""

import contextlib
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from glueprint.layouts.archive import in_process, unpack
from glueprint.sandbox import layout_child, script_child
from glueprint.sandbox.host import ScriptResult, plan_from

_LOCK = threading.Lock()  # sys.path, sys.modules and the working directory are process-wide


@contextlib.contextmanager
def _region(region: str | None):
    """The run's region as the default of the clients it makes (under _LOCK: the environment is process-wide)."""
    saved = {key: os.environ.get(key) for key in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    if region:
        os.environ.update(dict.fromkeys(saved, region))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _loaded_from(module, root: str) -> bool:
    """Whether a module (or a namespace package, which has no __file__) came from root."""
    places = [getattr(module, "__file__", None) or "", *(getattr(module, "__path__", None) or [])]
    return any(str(place).startswith(root) for place in places)


class InProcessLayouts:
    check_entry_point = staticmethod(in_process)  # the test author's own archives

    def run_layout(
        self,
        archive: bytes,
        layout_generator: str,
        user_params: dict,
        system_params: dict,
        name_suffix: str,
        credentials: tuple[str, str] | None = None,  # the mock's layouts use the test's own
        region: str | None = None,  # the run's: the default of the clients it makes
    ) -> dict:
        with tempfile.TemporaryDirectory(prefix="glueprint-layout-") as tmp, _LOCK, _region(region):
            root = Path(tmp).resolve()
            unpack(archive, str(root))
            known = set(sys.modules)
            cwd = os.getcwd()
            sys.path.insert(0, str(root))
            os.chdir(root)
            try:
                request = {
                    "layout_generator": layout_generator,
                    "user_params": user_params,
                    "system_params": system_params,
                    "name_suffix": name_suffix,
                }
                result = layout_child.outcome(request, str(root))
            finally:
                os.chdir(cwd)
                sys.path.remove(str(root))
                # Forget the blueprint's modules: the next archive may hold others of the same name.
                for name in set(sys.modules) - known:
                    if _loaded_from(sys.modules[name], str(root)):
                        del sys.modules[name]
        return plan_from(result)

    def run_script(
        self,
        script: bytes,
        script_name: str,
        argv: list[str],
        timeout_s: float,
        credentials: tuple[str, str] | None = None,
        should_stop=None,
        python_version: tuple[int, int] | None = None,
        paths: tuple[str, ...] = (),
        on_lines=None,  # every line comes with the result here
        region: str | None = None,  # the run's: the default of the clients it makes
    ) -> ScriptResult:
        """Run a job script in this process (its boto3 calls reach the test's mocks); no
        timeout or stop applies here."""
        with tempfile.TemporaryDirectory(prefix="glueprint-script-") as tmp, _LOCK, _region(region):
            root = Path(tmp).resolve()
            (root / script_name).write_bytes(script)
            saved_argv, saved_path, cwd, out, err = sys.argv, list(sys.path), os.getcwd(), io.StringIO(), io.StringIO()
            os.chdir(root)
            request = {"script": script_name, "argv": argv, "python_version": python_version, "paths": list(paths)}
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    result = script_child.outcome(request, str(root))
            finally:
                sys.argv, sys.path[:] = saved_argv, saved_path
                os.chdir(cwd)
        ended = time.time()  # nothing here tells when each line was written: all at the end
        stdout, stderr = ([[ended, line] for line in stream.getvalue().splitlines()] for stream in (out, err))
        output = (out.getvalue() + err.getvalue())[-4000:]
        return ScriptResult(bool(result.get("ok")), result.get("error"), output, stdout, stderr)

    def stop(self) -> None:
        pass
