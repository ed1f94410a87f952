"""Run latency and throughput: StartBlueprintRun -> SUCCEEDED for a three-entity layout.

Prints p50/p99 over sequential runs beside the floor measured in the same run (run_floor.py:
a preloaded process forks a child that calls the layout and hands back its plan), and
sustained runs/s with a fixed number in flight. The floor and the runs are measured in
alternating blocks, so a slower or faster minute of a noisy machine weighs on both alike.
Usage: python bench/run_latency.py [--runs 200] [--in-flight 50] [--sustained 500]
"""

import argparse
import json
import subprocess
import sys
import time

from glueprint.waiting import wait_for_blueprint

from common import REPO, ROLE, glue_client, glueprint_server, median, percentile, table, workdir, write_blueprint

DONE = ("SUCCEEDED", "FAILED")


def wait(glue, run_id: str) -> dict:
    while True:
        run = glue.get_blueprint_run(BlueprintName="three", RunId=run_id)["BlueprintRun"]
        if run["State"] in DONE:
            return run
        time.sleep(0.002)


def start(glue, i: int) -> str:
    params = json.dumps({"WorkflowName": f"w{i}"})
    return glue.start_blueprint_run(BlueprintName="three", RoleArn=ROLE, Parameters=params)["RunId"]


class Floor:
    """run_floor.py kept running: floor(n) times n more of its runs."""

    def __init__(self):
        script = REPO / "bench" / "run_floor.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def __call__(self, runs: int) -> list[float]:
        self.process.stdin.write(f"{runs}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--sustained", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--block", type=int, default=20, help="runs measured between two blocks of the floor's")
    args = parser.parse_args()

    floor = Floor()
    floors = []
    tmp = workdir()
    location = write_blueprint(tmp)
    server = glueprint_server(
        f"sqlite:///{tmp}/bench.db", tmp, "--archive-root", str(tmp), "--workers", str(args.workers)
    ).start()
    try:
        glue = glue_client(server.url)
        glue.create_blueprint(Name="three", BlueprintLocation=location)
        wait_for_blueprint(glue, "three")
        wait(glue, start(glue, -1))  # warm-up: the zygote starts on first use

        latencies = []
        for i in range(args.runs):
            if i % args.block == 0:
                floors += floor(min(args.block, args.runs - i))
            began = time.perf_counter()
            run = wait(glue, start(glue, i))
            latencies.append((time.perf_counter() - began) * 1000)
            assert run["State"] == "SUCCEEDED", run

        began = time.perf_counter()
        pending, next_index, finished = [], args.runs, 0
        while finished < args.sustained:
            while len(pending) < args.in_flight and next_index < args.runs + args.sustained:
                pending.append(start(glue, next_index))
                next_index += 1
            # One page shows every run in flight (the newest 100): the observer costs the
            # server one request per look, not one per run, and looks every few milliseconds.
            time.sleep(0.005)
            page = glue.get_blueprint_runs(BlueprintName="three", MaxResults=100)["BlueprintRuns"]
            ended = {run["RunId"] for run in page if run["State"] in DONE}
            still = [run_id for run_id in pending if run_id not in ended]
            finished += len(pending) - len(still)
            pending = still
        rate = finished / (time.perf_counter() - began)
    finally:
        server.stop()
        floor.stop()

    floor_p50, p50 = median(floors), median(latencies)
    print(
        table(
            [
                ("floor p50 (ms): fork a preloaded child, call the layout", f"{floor_p50:.1f}", ""),
                ("run latency p50 (ms)", f"{p50:.1f}", f"p50/floor = {p50 / floor_p50:.1f}x (target <= 3x)"),
                ("run latency p99 (ms)", f"{percentile(latencies, 99):.1f}", ""),
                (f"sustained runs/s ({args.in_flight} in flight)", f"{rate:.1f}", "target >= 100"),
            ],
            ("measure", "value", "target"),
        )
    )


if __name__ == "__main__":
    main()
