"""A workflow run's cost grows linearly with its nodes: chains and fans of N, 10N and 100N
zero-second jobs, and the ratio of their cost per node to the N-node run's (1.0 is linear;
before each node's end read only what it changes, a 1 600-node chain cost 127 ms per node;
before a run's trigger snapshot was kept by watched node, 98 ms).
Beside each run, a CreateDatabase measures how long other writers wait.

Usage: python bench/workflow_scaling.py [--nodes 16] [--workers 2]
"""

import argparse
import time

from workflow_overhead import make_workflow

from common import glue_client, glueprint_server, table, workdir


def run_with_a_writer_beside(glue, name: str) -> tuple[float, float]:
    """(ms for the run, worst ms of the CreateDatabase calls made while it ran)."""
    began = time.perf_counter()
    run_id = glue.start_workflow_run(Name=name)["RunId"]
    worst, n = 0.0, 0
    while glue.get_workflow_run(Name=name, RunId=run_id)["Run"]["Status"] == "RUNNING":
        asked = time.perf_counter()
        glue.create_database(DatabaseInput={"Name": f"{name}_db{n}"})
        worst, n = max(worst, (time.perf_counter() - asked) * 1000), n + 1
        time.sleep(0.05)
    return (time.perf_counter() - began) * 1000, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = workdir()
    server = glueprint_server(
        f"sqlite:///{tmp}/bench.db", tmp, "--simulated-seconds", "0", "--workers", str(args.workers)
    ).start()
    rows = []
    try:
        glue = glue_client(server.url)
        for shape in ("chain", "fan"):
            base = None
            for nodes in (args.nodes, args.nodes * 10, args.nodes * 100):
                name = f"{shape}{nodes}"
                make_workflow(glue, name, nodes, shape)
                elapsed, worst_write = run_with_a_writer_beside(glue, name)
                per_node = elapsed / nodes
                base = base or per_node
                rows.append(
                    (f"{shape} of {nodes}", f"{elapsed:.0f}", f"{per_node:.2f}", f"{per_node / base:.2f}", f"{worst_write:.0f}")
                )
    finally:
        server.stop()
    print(table(rows, ("workflow (jobs simulated, 0 s)", "ms", "ms per node", "per node / smallest", "worst CreateDatabase ms")))


if __name__ == "__main__":
    main()
