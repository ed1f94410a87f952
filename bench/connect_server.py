"""glueprint's Spark Connect server: what its jail costs a server start, against the same
server command run without the jail in the same process tree (after a first, jailed, start);
then, on the warm jailed server, a client's session start through ``connect_client.enter`` and
a CSV -> Parquet Glue script (ApplyMapping and Map) at 1x, 10x and 100x rows, each in a fresh
client process as a job run's.

Needs the spark extra and Java. Not in run_all's smoke set: two JVM starts take a minute on
the CI machine.
"""

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from glueprint.etl import connect_jail
from glueprint.etl.connect_client import run_settings
from glueprint.etl.connect_server import ConnectServer, spark_available

from common import table

SCRIPT = """
    import sys
    from awsglue.context import GlueContext
    from awsglue.transforms import ApplyMapping, Map
    from pyspark.context import SparkContext

    sc = SparkContext.getOrCreate()
    glue = GlueContext(sc)
    frame = glue.create_dynamic_frame.from_options("s3", {"paths": [sys.argv[1]]}, format="csv", format_options={"withHeader": True})
    frame = ApplyMapping.apply(frame=frame, mappings=[("id", "string", "id", "long"), ("amount", "string", "amount", "double")])
    frame = Map.apply(frame=frame, f=lambda r: {**r, "gross": r["amount"] * 1.2})
    glue.write_dynamic_frame.from_options(frame, "s3", {"path": sys.argv[2]}, format="parquet")
"""
CLIENT = """
import json, runpy, sys, time
started = time.monotonic()
from glueprint.etl.connect_client import enter
enter(sys.argv[1], json.loads(sys.argv[2]))
print(json.dumps({"enter": time.monotonic() - started}), flush=True)
if len(sys.argv) > 3:
    sys.argv = sys.argv[3:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unjailed_start(server: ConnectServer) -> float:
    """The same command and environment, straight on the host."""
    port = free_port()
    command = [a.replace(f"port={connect_jail.INNER_PORT}", f"port={port}") for a in server._command()]
    server._work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = subprocess.Popen(command, env=server._env(), cwd=server._work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return time.monotonic() - started
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()


def client(url: str, *script: str) -> tuple[float, float]:
    """Seconds to a session through enter(), and the whole process's seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, url, json.dumps(run_settings("4.0", 2)), *script],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[0])["enter"], time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    refusal = spark_available()
    if refusal:
        print(f"skipped: {refusal}")
        return
    with tempfile.TemporaryDirectory(prefix="glueprint-bench-spark-") as tmp:
        root = Path(tmp) / "store"
        for bucket in ("in", "out"):
            (root / bucket).mkdir(parents=True)
        server = ConnectServer(str(root), f"{tmp}/spark", cores=2, memory_mb=2048)
        started = time.monotonic()
        server.url()
        first = time.monotonic() - started  # the JVM's files maybe not yet in the page cache
        baseline = unjailed_start(server)
        server.stop()
        started = time.monotonic()
        url = server.url()
        jailed = time.monotonic() - started
        starts = [
            ("jailed, first in this process", f"{first:.1f}", f"{first / baseline:.2f}x"),
            ("without the jail", f"{baseline:.1f}", "1.00x"),
            ("jailed (glueprint's)", f"{jailed:.1f}", f"{jailed / baseline:.2f}x"),
        ]
        print(table(starts, ("server start", "seconds", "ratio")), flush=True)
        enters = [client(url)[0] for _ in range(3)]
        script = Path(tmp) / "convert.py"
        script.write_text(textwrap.dedent(SCRIPT))
        rows = []
        for scale in (1, 10, 100):
            count = args.rows * scale // 100
            (root / "in" / str(count)).mkdir()
            lines = "".join(f"{i},{i % 997 / 10}\n" for i in range(count))
            (root / "in" / str(count) / "data.csv").write_text("id,amount\n" + lines)
            took = client(url, str(script), f"s3://in/{count}/", f"s3://out/{count}/")[1]
            rows.append((f"{count:,}", f"{took:.1f}"))
        print(table([(f"run {i + 1}", f"{t:.2f}") for i, t in enumerate(enters)], ("session start through enter()", "seconds")))
        print(table(rows, ("CSV -> Parquet script, warm server: rows", "client process seconds")))
        server.stop()


if __name__ == "__main__":
    main()
