"""Log page cost against stream size: p50 latency of a GetLogEvents page and of a
FilterLogEvents page (100 events each, one stream) for streams of 1 000 and 100 000 events,
all in one log group of one database, their events interleaved as concurrent runs write them.

Each round walks the first pages of every stream forward (startFromHead, then nextForwardToken)
and through FilterLogEvents' nextToken: every page is a keyset scan from the token's position.
Usage: python bench/log_pages.py [--sizes 1000,100000] [--rounds 5]
"""

import argparse
import time

import httpx

from glueprint.store import logs
from glueprint.store.db import Database

from common import glueprint_server, median, table, workdir

GROUP = "/aws-glue/python-jobs/output"
BATCH = 50_000


def fill(db_url: str, sizes: list[int]) -> None:
    db = Database(db_url)
    db.migrate()
    now = int(time.time() * 1000)
    for start in range(0, max(sizes), BATCH):
        with db.write() as conn:
            for size in sizes:
                events = [(now + i, f"line {i} of a run with {size} lines") for i in range(start, min(start + BATCH, size))]
                logs.append(conn, GROUP, f"s{size}", events, now)
    db.dispose()


def call(client: httpx.Client, op: str, body: dict) -> dict:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Logs_20140328.{op}"}
    response = client.post("/", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: httpx.Client, stream: str, pages: int) -> tuple[list[float], list[float]]:
    """Latencies of the stream's first pages through GetLogEvents, then FilterLogEvents."""
    got, filtered = [], []
    body = {"logGroupName": GROUP, "logStreamName": stream, "limit": 100, "startFromHead": True}
    for _ in range(pages):
        began = time.perf_counter()
        page = call(client, "GetLogEvents", body)
        got.append((time.perf_counter() - began) * 1000)
        assert len(page["events"]) == 100, page
        body = {**body, "nextToken": page["nextForwardToken"]}
    body = {"logGroupName": GROUP, "logStreamNames": [stream], "limit": 100}
    for _ in range(pages):
        began = time.perf_counter()
        page = call(client, "FilterLogEvents", body)
        filtered.append((time.perf_counter() - began) * 1000)
        assert len(page["events"]) == 100, page
        body = {**body, "nextToken": page["nextToken"]}
    return got, filtered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = min(sizes) // 100 - 1

    tmp = workdir()
    db_url = f"sqlite:///{tmp}/logs.db"
    began = time.perf_counter()
    fill(db_url, sizes)
    print(f"stored {sum(sizes):,} events in {time.perf_counter() - began:.0f}s")
    server = glueprint_server(db_url, tmp, "--workers", "0").start()
    samples = {size: ([], []) for size in sizes}
    try:
        with httpx.Client(base_url=server.url) as client:
            for round_ in range(args.rounds + 1):
                for size in sizes:
                    got, filtered = walk(client, f"s{size}", pages)
                    if round_:  # the first round only warms up
                        samples[size][0].extend(got)
                        samples[size][1].extend(filtered)
    finally:
        server.stop()
    base = [median(v) for v in samples[sizes[0]]]
    rows = []
    for size, (got, filtered) in samples.items():
        get_p50, filter_p50 = median(got), median(filtered)
        rows.append(
            (f"{size:,}", f"{get_p50:.2f}", f"{get_p50 / base[0]:.2f}x", f"{filter_p50:.2f}", f"{filter_p50 / base[1]:.2f}x")
        )
    headers = (
        "events in stream",
        "GetLogEvents p50 (ms)",
        "vs smallest",
        "FilterLogEvents p50 (ms)",
        "vs smallest (target <= 1.5x)",
    )
    print(table(rows, headers))


if __name__ == "__main__":
    main()
