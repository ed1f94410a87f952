"""Page cost against history: p50 latency of a GetBlueprintRuns page (100 runs) for blueprints
with 1 000, 100 000 and 1 000 000 runs stored, all in one database.

Each round records one new run per blueprint (which invalidates cached pages), then walks
the newest pages of every blueprint, so each timed request runs the keyset query instead
of hitting the response cache. Usage: python bench/page_vs_history.py [--sizes ...] [--rounds 22]
"""

import argparse
import time

import httpx
from sqlalchemy import insert

from glueprint.domain.blueprint_run_view import rendered
from glueprint.store.db import Database
from glueprint.store.schema import blueprints, runs

from common import glueprint_server, median, table, workdir

BATCH = 50_000


def fill(db_url: str, sizes: list[int]) -> None:
    db = Database(db_url)
    db.migrate()
    now = time.time()
    with db.write() as conn:
        for size in sizes:
            conn.execute(
                insert(blueprints).values(
                    name=f"h{size}",
                    location="s3://b/k.zip",
                    status="ACTIVE",
                    created_on=now,
                    last_modified_on=now,
                    tags="{}",
                    definition="bench",  # runs are only recorded here: no worker executes them
                )
            )
    # Interleave the blueprints' runs, as a busy server would record them.
    total = max(sizes)
    for start in range(0, total, BATCH):
        rows = [
            {
                "run_id": f"h{size}-{i}",
                "blueprint_name": f"h{size}",
                "state": "SUCCEEDED",
                "role_arn": "arn:aws:iam::1:role/r",
                "parameters": '{"WorkflowName": "w"}',
                "started_on": now + i,
                "completed_on": now + i + 1,
                "workflow_name": f"w{i}",
            }
            for i in range(start, min(start + BATCH, total))
            for size in sizes
            if i < size
        ]
        for row in rows:
            row["view"] = rendered(row)  # as the server keeps it
        with db.write() as conn:
            conn.execute(insert(runs), rows)
    db.dispose()


def call(client: httpx.Client, op: str, body: dict) -> dict:
    response = client.post(
        "/", json=body, headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSGlue.{op}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: httpx.Client, blueprint: str, pages: int) -> list[float]:
    """Latencies of the blueprint's newest pages, following NextToken."""
    latencies, token = [], None
    for _ in range(pages):
        body = {"BlueprintName": blueprint, "MaxResults": 100} | ({"NextToken": token} if token else {})
        began = time.perf_counter()
        page = call(client, "GetBlueprintRuns", body)
        latencies.append((time.perf_counter() - began) * 1000)
        assert len(page["BlueprintRuns"]) == 100, page
        token = page["NextToken"]
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=22)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = min(sizes) // 100 - 1

    tmp = workdir()
    db_url = f"sqlite:///{tmp}/history.db"
    began = time.perf_counter()
    fill(db_url, sizes)
    print(f"stored {sum(sizes):,} runs in {time.perf_counter() - began:.0f}s")
    server = glueprint_server(db_url, tmp, "--workers", "0").start()
    samples = {size: [] for size in sizes}
    try:
        with httpx.Client(base_url=server.url) as client:
            for round_ in range(args.rounds + 1):
                for size in sizes:
                    call(client, "StartBlueprintRun", {"BlueprintName": f"h{size}", "RoleArn": "arn:aws:iam::1:role/r"})
                    latencies = walk(client, f"h{size}", pages)
                    if round_:  # the first round only warms up
                        samples[size] += latencies
    finally:
        server.stop()
    results = {size: median(values) for size, values in samples.items()}
    base = results[sizes[0]]
    rows = [(f"{size:,}", f"{p50:.2f}", f"{p50 / base:.2f}x") for size, p50 in results.items()]
    print(table(rows, ("runs stored", "page p50 (ms)", f"vs {sizes[0]:,} (target <= 1.5x)")))


if __name__ == "__main__":
    main()
