"""Server memory over many runs: RSS of the server process (and of its layout zygote) while
it executes N runs of the three-entity layout, 50 in flight.

Usage: python bench/memory.py [--runs 100000] [--in-flight 50]
"""

import argparse
import json
import time
from pathlib import Path

from glueprint.waiting import wait_for_blueprint

from common import ROLE, glue_client, glueprint_server, table, workdir, write_blueprint


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--in-flight", type=int, default=50)
    args = parser.parse_args()

    tmp = workdir()
    location = write_blueprint(tmp)
    server = glueprint_server(f"sqlite:///{tmp}/memory.db", tmp, "--archive-root", str(tmp)).start()
    rows = []
    try:
        glue = glue_client(server.url)
        glue.create_blueprint(Name="three", BlueprintLocation=location)
        wait_for_blueprint(glue, "three")
        checkpoints = {args.runs * k // 10 for k in range(1, 11)}
        pending, started, finished, failed = [], 0, 0, 0
        began = time.perf_counter()
        rows.append((0, f"{rss_mb(server.proc.pid):.0f}", "-", "0"))
        while finished < args.runs:
            while len(pending) < args.in_flight and started < args.runs:
                params = json.dumps({"WorkflowName": f"m{started}"})
                pending.append(glue.start_blueprint_run(BlueprintName="three", RoleArn=ROLE, Parameters=params)["RunId"])
                started += 1
            # One page of the newest runs answers for nearly all runs in flight.
            page = glue.get_blueprint_runs(BlueprintName="three", MaxResults=1000)["BlueprintRuns"]
            states = {r["RunId"]: r["State"] for r in page}
            still = []
            for run_id in pending:
                state = states.get(run_id) or glue.get_blueprint_run(BlueprintName="three", RunId=run_id)["BlueprintRun"]["State"]
                if state in ("SUCCEEDED", "FAILED"):
                    finished += 1
                    failed += state == "FAILED"
                    if finished in checkpoints:
                        zygotes = [f"{rss_mb(p):.0f}" for p in children(server.proc.pid)]
                        rows.append(
                            (
                                finished,
                                f"{rss_mb(server.proc.pid):.0f}",
                                "/".join(zygotes) or "-",
                                f"{finished / (time.perf_counter() - began):.0f}",
                            )
                        )
                else:
                    still.append(run_id)
            pending = still
            time.sleep(0.005)
    finally:
        server.stop()
    print(table(rows, ("runs finished", "server RSS (MB, target < 200)", "zygote RSS (MB)", "runs/s so far")))
    print(f"failed runs: {failed}")


if __name__ == "__main__":
    main()
