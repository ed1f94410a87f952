"""Partition page cost against table size: p50 latency of GetPartitions pages, unfiltered,
filtered by an Expression, and of a request for one partition by all its keys, for tables of
N, 10N and 100N partitions (string keys year/month/day, as a crawler makes them), all in one
database.

The filter (a range on year, month = '03') matches one partition in twelve, spread evenly;
the one-partition request names year, month and day. Every page is a keyset walk (of the
table, or of the partitions an equality names) and should cost the same at every size.
Usage: python bench/partition_pages.py [--sizes 10000,100000,1000000] [--rounds 5] [--page 100] [--db URL]
"""

import argparse
import time

import httpx

from glueprint.store import entities
from glueprint.store import partitions as partition_store
from glueprint.store.db import Database

from common import glueprint_server, median, table, workdir

BATCH = 10_000  # partitions per add_many: its lookup query binds one parameter each
DATABASE = "bench"
KEYS = [{"Name": name, "Type": "string"} for name in ("year", "month", "day")]
FILTER = "year >= '1000' AND month = '03'"
ONE = "year = '1002' AND month = '03' AND day = '05'"  # in every table of 837 or more


def partition_values(i: int) -> list[str]:
    return [str(1000 + i // 372), f"{i // 31 % 12 + 1:02d}", f"{i % 31 + 1:02d}"]


def fill(db_url: str, sizes: list[int]) -> None:
    db = Database(db_url)
    db.migrate()
    now = time.time()
    with db.write() as conn:
        entities.add(conn, "database", DATABASE, {"Name": DATABASE, "CreateTime": now}, now)
        for size in sizes:
            doc = {"Name": f"p{size}", "DatabaseName": DATABASE, "PartitionKeys": KEYS, "CreateTime": now}
            entities.add(conn, "table", f"p{size}", doc, now, scope=DATABASE)
    for size in sizes:  # through the store's own writes, which keep the lookup rows filters use
        for start in range(0, size, BATCH):
            docs = [
                {
                    "Values": (values := partition_values(i)),
                    "DatabaseName": DATABASE,
                    "TableName": f"p{size}",
                    "CreationTime": now,
                    "StorageDescriptor": {"Location": f"s3://lake/p/{'/'.join(values)}/"},
                }
                for i in range(start, min(start + BATCH, size))
            ]
            with db.write() as conn:
                partition_store.add_many(conn, DATABASE, f"p{size}", docs)
    db.dispose()


def call(client: httpx.Client, body: dict) -> dict:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetPartitions"}
    response = client.post("/", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: httpx.Client, size: int, pages: int, page: int, expression: str | None, expected: int) -> list[float]:
    """Latencies of the table's first pages of expected partitions each, following NextToken."""
    latencies, token = [], None
    for _ in range(pages):
        body = {"DatabaseName": DATABASE, "TableName": f"p{size}", "MaxResults": page}
        body |= ({"Expression": expression} if expression else {}) | ({"NextToken": token} if token else {})
        began = time.perf_counter()
        result = call(client, body)
        latencies.append((time.perf_counter() - began) * 1000)
        assert len(result["Partitions"]) == expected, result
        token = result.get("NextToken")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--db", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = min(sizes) // 12 // args.page - 1  # the filter keeps one partition in twelve

    tmp = workdir()
    db_url = args.db or f"sqlite:///{tmp}/partitions.db"
    began = time.perf_counter()
    fill(db_url, sizes)
    print(f"stored {sum(sizes):,} partitions in {time.perf_counter() - began:.0f}s")
    server = glueprint_server(db_url, tmp, "--workers", "0").start()
    kinds = {"unfiltered": (None, args.page), "filtered": (FILTER, args.page), "one partition": (ONE, 1)}
    samples = {(size, kind): [] for size in sizes for kind in kinds}
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for round_ in range(args.rounds + 1):
                for size in sizes:
                    for kind, (expression, expected) in kinds.items():
                        latencies = walk(client, size, pages, args.page, expression, expected)
                        if round_:  # the first round only warms up
                            samples[size, kind] += latencies
    finally:
        server.stop()
    rows = []
    for kind in kinds:
        base = median(samples[sizes[0], kind])
        for size in sizes:
            p50 = median(samples[size, kind])
            rows.append((kind, f"{size:,}", f"{p50:.2f}", f"{p50 / base:.2f}x"))
    print(table(rows, ("page", "partitions", f"p50 of {args.page} (ms)", f"vs {sizes[0]:,} (target <= 1.5x)")))


if __name__ == "__main__":
    main()
