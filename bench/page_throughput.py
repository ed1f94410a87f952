"""GetBlueprintRuns throughput, one server process, pages of 100 runs, loaded by wrk on loopback.

Two paths of glueprint's: the same page again and again (its response cache answers), and a
client paging through a history of 200 000 runs, every request another page (2 000 pages,
more than the cache holds, walked in a cycle: every request misses). Baselines measured in
the same run: (a) a bare uvicorn app returning the same bytes on httptools + uvloop, the
practical limit of one Python process here, and (a') the same on h11 + asyncio; (b) moto's
server answering GetWorkflowRuns for a workflow with 100 runs. glueprint's two paths and
baseline (a) are measured in alternating rounds, and each ratio is the median of the rounds'
ratios: a slower or faster minute of a noisy machine weighs on both sides alike.
Usage: python bench/page_throughput.py [--seconds 4] [--rounds 3] [--connections 16] [--history 200000]
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
from page_vs_history import fill

from common import REPO, ROLE, glue_client, glueprint_server, glueprint_worker, median, table, workdir, write_blueprint
from servers import Process, free_port

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSGlue.{op}"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=0"
local bodies = {{{bodies}}}
local i = 0
request = function()
  i = (i % #bodies) + 1
  return wrk.format(nil, "/", nil, bodies[i])
end
"""


def wrk(url: str, op: str, bodies: list[dict], seconds: int, connections: int, tmp) -> float:
    """Requests per second that returned 2xx, the bodies sent in turn; wrk's non-2xx count must be zero."""
    script = tmp / f"{op}-{len(bodies)}.lua"
    script.write_text(WRK_SCRIPT.format(bodies=",".join(json.dumps(json.dumps(b)) for b in bodies), op=op))
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


def page_tokens(url: str, blueprint: str, pages: int) -> list[dict]:
    """The requests of a client paging through a blueprint's history: one per page."""
    requests, token = [], None
    with httpx.Client() as client:
        for _ in range(pages):
            request = {"BlueprintName": blueprint, "MaxResults": 100, **({"NextToken": token} if token else {})}
            answer = client.post(
                url,
                json=request,
                headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetBlueprintRuns"},
            ).json()
            requests.append(request)
            token = answer.get("NextToken")
            if token is None:
                break
    return requests


def bare_server(tmp, body: bytes, http: str, loop: str) -> Process:
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
        "--http",
        http,
        "--loop",
        loop,
    ]
    return Process(args, tmp / f"bare-{http}.log", f"http://127.0.0.1:{port}", env).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4, help="of each measurement in each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--history", type=int, default=200_000, help="runs of the paged-through blueprint")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    tmp = workdir()
    location = write_blueprint(tmp)
    fill(f"sqlite:///{tmp}/bench.db", [args.history])
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

        history = page_tokens(server.url, f"h{args.history}", args.history // 100)
        bare = bare_server(tmp, page.content, "httptools", "uvloop")
        bare_h11 = bare_server(tmp, page.content, "h11", "asyncio")
        moto = moto_with_workflow_runs(tmp)
        processes += [bare, bare_h11, moto]

        hits, misses, limits = [], [], []
        for _ in range(args.rounds):
            limits.append(wrk(bare.url, "GetBlueprintRuns", [request], args.seconds, args.connections, tmp))
            hits.append(wrk(server.url, "GetBlueprintRuns", [request], args.seconds, args.connections, tmp))
            misses.append(wrk(server.url, "GetBlueprintRuns", history, args.seconds, args.connections, tmp))
        limit_h11 = wrk(bare_h11.url, "GetBlueprintRuns", [request], args.seconds, args.connections, tmp)
        theirs = wrk(moto.url, "GetWorkflowRuns", [{"Name": "wf", "MaxResults": 100}], args.seconds, args.connections, tmp)
    finally:
        for process in processes:
            process.stop()

    hit, miss, limit = median(hits), median(misses), median(limits)
    hit_ratio = median([h / a for h, a in zip(hits, limits, strict=True)])
    miss_ratio = median([m / a for m, a in zip(misses, limits, strict=True)])
    print(
        table(
            [
                ("glueprint, the same page (cache hit)", f"{hit:.0f}", f"hit/a = {hit_ratio:.0%} (target >= 50%)"),
                (
                    f"glueprint, paging {len(history)} pages (cache miss)",
                    f"{miss:.0f}",
                    f"miss/a = {miss_ratio:.0%} (target >= 20%)",
                ),
                ("(a) bare uvicorn httptools+uvloop, same bytes", f"{limit:.0f}", ""),
                ("(a') bare uvicorn h11+asyncio, same bytes", f"{limit_h11:.0f}", f"a/a' = {limit / limit_h11:.1f}x"),
                (
                    "(b) moto GetWorkflowRuns (100 runs)",
                    f"{theirs:.0f}",
                    f"hit/b = {hit / theirs:.1f}x, miss/b = {miss / theirs:.1f}x",
                ),
            ],
            ("server", "requests/s", "ratio"),
        )
    )


if __name__ == "__main__":
    main()
