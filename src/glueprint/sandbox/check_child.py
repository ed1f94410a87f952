"""Runs inside a jailed process: checks that a blueprint's layout module defines the function
its blueprint.cfg names. Parsing untrusted source can take gigabytes and minutes (a 5 MB
module of one deeply built expression), so it happens here, under the jail's limits, never
in the server. Writes one JSON result: {"ok": True, "problem": None or what is wrong}.
"""

import json
import os

from glueprint.layouts.archive import entry_point_problem


def run(request: dict, root: str, result_fd: int) -> None:
    path, function = request["path"], request["function"]
    with open(os.path.join(root, path), "rb") as source:
        problem = entry_point_problem(source.read(), path, function)
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        out.write(json.dumps({"ok": True, "problem": problem}))
