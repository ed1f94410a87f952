"""GetBlueprintRuns throughput, one server process, pages of 100 runs, loaded by wrk on loopback.

Baselines measured in the same run: (a) a bare uvicorn app returning the same bytes, the
practical limit of one uvicorn process here; (b) moto's server answering GetWorkflowRuns for
a workflow with 100 runs. Usage: python bench/page_throughput.py [--seconds 10] [--connections 16]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import httpx

from glueprint.waiting import wait_for_blueprint

from common import REPO, ROLE, glue_client, glueprint_server, glueprint_worker, table, workdir, write_blueprint
from servers import Process, free_port

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSGlue.{op}"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=0"
"""


def wrk(url: str, op: str, body: dict, seconds: int, connections: int, tmp) -> float:
    """Requests per second that returned 2xx; wrk's own non-2xx count must be zero."""
    script = tmp / f"{op}.lua"
    script.write_text(WRK_SCRIPT.format(body=json.dumps(json.dumps(body)), op=op))
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{int(seconds)}s", "-s", str(script), url + "/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def moto_with_workflow_runs(tmp) -> Process:
    port = free_port()
    server = Process(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], tmp / "moto.log", f"http://127.0.0.1:{port}"
    ).start()
    glue = glue_client(server.url)
    glue.create_workflow(Name="wf")
    for _ in range(100):
        glue.start_workflow_run(Name="wf")
    assert len(glue.get_workflow_runs(Name="wf", MaxResults=100)["Runs"]) == 100
    return server


def bare_server(tmp, body: bytes) -> Process:
    port = free_port()
    (tmp / "page.json").write_bytes(body)
    env = {**os.environ, "BARE_BODY_FILE": str(tmp / "page.json")}
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(REPO / "bench"),
        "bare_app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return Process(args, tmp / "bare.log", f"http://127.0.0.1:{port}", env).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    tmp = workdir()
    location = write_blueprint(tmp)
    server = glueprint_server(f"sqlite:///{tmp}/bench.db", tmp, "--archive-root", str(tmp), "--workers", "0").start()
    processes = [server]
    try:
        glue = glue_client(server.url)
        glue.create_blueprint(Name="three", BlueprintLocation=location)
        # A worker checks the blueprint and is gone before the runs are recorded (none executes).
        checker = glueprint_worker(f"sqlite:///{tmp}/bench.db", tmp, server.url, "--archive-root", str(tmp)).start()
        wait_for_blueprint(glue, "three")
        checker.stop()
        for i in range(150):
            glue.start_blueprint_run(BlueprintName="three", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": f"w{i}"}))
        request = {"BlueprintName": "three", "MaxResults": 100}
        page = httpx.post(
            server.url,
            json=request,
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetBlueprintRuns"},
        )
        assert len(page.json()["BlueprintRuns"]) == 100

        bare = bare_server(tmp, page.content)
        processes.append(bare)
        moto = moto_with_workflow_runs(tmp)
        processes.append(moto)

        ours = wrk(server.url, "GetBlueprintRuns", request, args.seconds, args.connections, tmp)
        limit = wrk(bare.url, "GetBlueprintRuns", request, args.seconds, args.connections, tmp)
        theirs = wrk(moto.url, "GetWorkflowRuns", {"Name": "wf", "MaxResults": 100}, args.seconds, args.connections, tmp)
    finally:
        for process in processes:
            process.stop()

    print(
        table(
            [
                ("glueprint GetBlueprintRuns (page of 100)", f"{ours:.0f}", ""),
                ("(a) bare uvicorn, same bytes", f"{limit:.0f}", f"glueprint/a = {ours / limit:.0%} (target >= 25%)"),
                ("(b) moto GetWorkflowRuns (100 runs)", f"{theirs:.0f}", f"glueprint/b = {ours / theirs:.1f}x (target >= 30x)"),
            ],
            ("server", "requests/s", "ratio"),
        )
    )


if __name__ == "__main__":
    main()
