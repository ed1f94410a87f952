"""Running layouts inside the current process, for the pytest mock (glueprint.testing).

There the layout is the test author's own code, and running it in-process is what lets its
boto3 calls reach the mocked Glue and moto's mocked S3. No limits apply; the sandbox
(sandbox.py) is what the server uses.
"""

import os
import sys
import tempfile
import threading
from pathlib import Path

from . import layout_child
from .sandbox import plan_from, unpack

_LOCK = threading.Lock()  # sys.path, sys.modules and the working directory are process-wide


class InProcessLayouts:
    def run_layout(self, archive: bytes, layout_generator: str, user_params: dict, system_params: dict) -> dict:
        with tempfile.TemporaryDirectory(prefix="glueprint-layout-") as tmp, _LOCK:
            root = Path(tmp).resolve()
            paths = unpack(archive, root)
            known = set(sys.modules)
            cwd = os.getcwd()
            sys.path[:0] = paths
            os.chdir(root)
            try:
                result = layout_child.outcome(
                    {"layout_generator": layout_generator, "user_params": user_params, "system_params": system_params}
                )
            finally:
                os.chdir(cwd)
                del sys.path[: len(paths)]
                # Forget the blueprint's modules: the next archive may hold others of the same name.
                for name in set(sys.modules) - known:
                    if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(root)):
                        del sys.modules[name]
        return plan_from(result, layout_generator)

    def stop(self) -> None:
        pass
