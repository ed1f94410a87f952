"""Start time: ``glueprint serve`` launched -> its first answered request (ListBlueprints), on a
fresh database and on an existing one, beside ``moto_server`` launched -> its first answer.

Usage: python bench/start_time.py [--rounds 5]
"""

import argparse
import subprocess
import sys
import time

import httpx

from common import median, table, workdir
from servers import free_port

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "PATH": "/usr/bin:/bin"}


# Made once: a new client loads the CA bundle, longer than a poll's interval.
CLIENT = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def first_answer(args: list[str], port: int) -> float:
    """Seconds from launch to the first answer."""
    began = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    headers = {"X-Amz-Target": "AWSGlue.ListBlueprints", "Content-Type": "application/x-amz-json-1.1"}
    try:
        while True:
            try:
                CLIENT.post(f"http://127.0.0.1:{port}/", headers=headers, content=b"{}", timeout=2)
                return time.perf_counter() - began
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError(f"{args[2:]} exited with {process.returncode}") from None
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait()


def glueprint(db: str) -> float:
    port = free_port()
    # Its own S3 on any free port, over a folder beside the database.
    s3 = ["--s3-port", "0", "--archive-root", db.removeprefix("sqlite:///") + ".s3"]
    return first_answer(
        [sys.executable, "-m", "glueprint", "serve", "--port", str(port), "--db", db, "--log-level", "warning", *s3], port
    )


def moto() -> float:
    port = free_port()
    return first_answer([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = workdir()
    fresh = [glueprint(f"sqlite:///{tmp}/fresh{i}.db") for i in range(args.rounds)]
    existing = [glueprint(f"sqlite:///{tmp}/fresh0.db") for _ in range(args.rounds)]
    theirs = [moto() for _ in range(args.rounds)]
    print(
        table(
            [
                ("glueprint serve, fresh database", f"{median(fresh):.2f}", "<= 1.2 s"),
                ("glueprint serve, existing database", f"{median(existing):.2f}", "<= 0.8 s"),
                ("moto_server", f"{median(theirs):.2f}", ""),
            ],
            ("launch -> first answer", "p50 s", "target"),
        )
    )


if __name__ == "__main__":
    main()
