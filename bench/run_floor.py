"""The floor under a blueprint run: a process that has preloaded what layouts need (as the
zygote has) forks a child per run; the child imports the three-entity layout, calls it and
hands back ``to_json(suffix)`` through a pipe. No database, no HTTP, no jail: what any
implementation running the layout in a fresh process must pay at least.

Usage: python bench/run_floor.py [--runs 200]   (prints the timings in ms as JSON)
       python bench/run_floor.py --serve      (for each count read on stdin, a JSON line of
                                               that many timings: run_latency.py interleaves
                                               the floor with its own runs)
"""

import argparse
import importlib
import json
import os
import sys
import tempfile
import time

import boto3  # noqa: F401  (preloaded, as the zygote does)

import awsglue.blueprint.crawler  # noqa: F401
import awsglue.blueprint.job  # noqa: F401
import awsglue.blueprint.workflow  # noqa: F401

from common import THREE_ENTITY_LAYOUT


def one_run(root: str, index: int) -> float:
    began = time.perf_counter()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        sys.path.insert(0, root)
        generate = importlib.import_module("three.layout").generate_layout
        plan = generate({"WorkflowName": f"w{index}"}, {"region": "us-east-1"}).to_json("floor")
        os.write(write, json.dumps(plan).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        json.loads(pipe.read())
    os.waitpid(pid, 0)
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="glueprint-floor-")
    os.makedirs(f"{root}/three")
    with open(f"{root}/three/layout.py", "w") as f:
        f.write(THREE_ENTITY_LAYOUT)
    one_run(root, -1)
    if not args.serve:
        print(json.dumps([one_run(root, i) for i in range(args.runs)]))
        return
    done = 0
    for line in sys.stdin:
        count = int(line)
        print(json.dumps([one_run(root, done + i) for i in range(count)]), flush=True)
        done += count


if __name__ == "__main__":
    main()
