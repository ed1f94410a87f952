"""A workflow run's overhead: StartWorkflowRun -> COMPLETED for 20-node workflows whose jobs are
simulated with zero duration, so every millisecond measured is glueprint's own (triggers
firing, job runs started, claimed and ended, the run completed), beside a 1-node workflow.

Usage: python bench/workflow_overhead.py [--runs 20] [--nodes 20]
"""

import argparse
import time

from common import ROLE, glue_client, glueprint_server, median, percentile, table, workdir


def make_workflow(glue, name: str, nodes: int, shape: str) -> None:
    """chain: j0 -> j1 -> ... ; fan: j0 -> (j1 .. jN-1) in parallel."""
    glue.create_workflow(Name=name)
    jobs = [f"{name}_j{i}" for i in range(nodes)]
    for job in jobs:
        glue.create_job(
            Name=job,
            Role=ROLE,
            Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"},
            ExecutionProperty={"MaxConcurrentRuns": 100},
        )
    glue.create_trigger(Name=f"{name}_start", WorkflowName=name, Type="ON_DEMAND", Actions=[{"JobName": jobs[0]}])
    if shape == "chain":
        for i in range(1, nodes):
            condition = {"LogicalOperator": "EQUALS", "JobName": jobs[i - 1], "State": "SUCCEEDED"}
            glue.create_trigger(
                Name=f"{name}_t{i}",
                WorkflowName=name,
                Type="CONDITIONAL",
                StartOnCreation=True,
                Predicate={"Conditions": [condition]},
                Actions=[{"JobName": jobs[i]}],
            )
    elif nodes > 1:
        condition = {"LogicalOperator": "EQUALS", "JobName": jobs[0], "State": "SUCCEEDED"}
        glue.create_trigger(
            Name=f"{name}_fan",
            WorkflowName=name,
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={"Conditions": [condition]},
            Actions=[{"JobName": j} for j in jobs[1:]],
        )


def run_once(glue, name: str) -> float:
    began = time.perf_counter()
    run_id = glue.start_workflow_run(Name=name)["RunId"]
    while (run := glue.get_workflow_run(Name=name, RunId=run_id)["Run"])["Status"] == "RUNNING":
        time.sleep(0.002)
    assert run["Status"] == "COMPLETED" and run["Statistics"]["FailedActions"] == 0, run
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = workdir()
    server = glueprint_server(
        f"sqlite:///{tmp}/bench.db", tmp, "--simulated-seconds", "0", "--workers", str(args.workers)
    ).start()
    rows = []
    try:
        glue = glue_client(server.url)
        for shape, nodes in (("chain", 1), ("chain", args.nodes), ("fan", args.nodes)):
            name = f"{shape}{nodes}"
            make_workflow(glue, name, nodes, shape)
            run_once(glue, name)  # warm-up
            times = [run_once(glue, name) for _ in range(args.runs)]
            rows.append(
                (
                    f"{shape} of {nodes} job(s)",
                    f"{median(times):.1f}",
                    f"{percentile(times, 95):.1f}",
                    f"{median(times) / nodes:.1f}",
                )
            )
    finally:
        server.stop()
    print(table(rows, ("workflow (jobs simulated, 0 s)", "p50 ms", "p95 ms", "p50 ms per node")))


if __name__ == "__main__":
    main()
