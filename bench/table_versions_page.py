"""Table-version pages against history: p50 latency of a GetTableVersions page (100 versions)
for tables with 1 000, 100 000 and 1 000 000 archived versions, all in one database.

Each timed request walks the newest pages of a table by NextToken: a keyset scan of the
table_versions primary key, so a page should cost the same however many versions lie behind
it. Usage: python bench/table_versions_page.py [--sizes ...] [--rounds 5]
"""

import argparse
import time

import httpx
import orjson
from sqlalchemy import insert

from glueprint.store.db import Database
from glueprint.store.schema import entities, table_versions

from common import glueprint_server, median, table, workdir

BATCH = 50_000
DATABASE = "bench"


def _table(name: str, version: int, now: float) -> dict:
    columns = [{"Name": f"c{i}", "Type": "string"} for i in range(8)]
    return {
        "Name": name,
        "DatabaseName": DATABASE,
        "VersionId": str(version),
        "CreateTime": now,
        "UpdateTime": now + version,
        "StorageDescriptor": {"Columns": columns, "Location": f"s3://lake/{name}/"},
    }


def fill(db_url: str, sizes: list[int]) -> None:
    db = Database(db_url)
    db.migrate()
    now = time.time()
    with db.write() as conn:
        conn.execute(insert(entities).values(kind="database", scope="", name=DATABASE, doc='{"Name": "bench"}', created_on=now))
        for size in sizes:
            doc = orjson.dumps(_table(f"t{size}", size, now)).decode()
            conn.execute(insert(entities).values(kind="table", scope=DATABASE, name=f"t{size}", doc=doc, created_on=now))
    for size in sizes:
        for start in range(0, size, BATCH):
            rows = [
                {
                    "database_name": DATABASE,
                    "table_name": f"t{size}",
                    "version": v,
                    "doc": orjson.dumps(_table(f"t{size}", v, now)).decode(),
                }
                for v in range(start, min(start + BATCH, size))
            ]
            with db.write() as conn:
                conn.execute(insert(table_versions), rows)
    db.dispose()


def walk(client: httpx.Client, name: str, pages: int) -> list[float]:
    latencies, token = [], None
    for _ in range(pages):
        body = {"DatabaseName": DATABASE, "TableName": name, "MaxResults": 100} | ({"NextToken": token} if token else {})
        began = time.perf_counter()
        response = client.post(
            "/", json=body, headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetTableVersions"}
        )
        latencies.append((time.perf_counter() - began) * 1000)
        page = response.json()
        assert response.status_code == 200 and len(page["TableVersions"]) == 100, page
        token = page["NextToken"]
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = min(sizes) // 100 - 1

    tmp = workdir()
    db_url = f"sqlite:///{tmp}/versions.db"
    began = time.perf_counter()
    fill(db_url, sizes)
    print(f"stored {sum(sizes):,} table versions in {time.perf_counter() - began:.0f}s")
    server = glueprint_server(db_url, tmp, "--workers", "0").start()
    samples = {size: [] for size in sizes}
    try:
        with httpx.Client(base_url=server.url) as client:
            for round_ in range(args.rounds + 1):
                for size in sizes:
                    latencies = walk(client, f"t{size}", pages)
                    if round_:  # the first round only warms up
                        samples[size] += latencies
    finally:
        server.stop()
    results = {size: median(values) for size, values in samples.items()}
    base = results[sizes[0]]
    rows = [(f"{size:,}", f"{p50:.2f}", f"{p50 / base:.2f}x") for size, p50 in results.items()]
    print(table(rows, ("versions stored", "page p50 (ms)", f"vs {sizes[0]:,} (target <= 1.5x)")))


if __name__ == "__main__":
    main()
