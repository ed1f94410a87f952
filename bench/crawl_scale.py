"""A crawl's cost against the files it finds, over year/month/day folders of CSV files in moto's
S3, at N and 10N files (and more), each against the first size.

A crawl lists every object once, reads a few files per folder, groups folders bottom-up once
each and writes each table's partitions in one statement. So what glueprint controls is
reported apart from the S3 server's own time (moto's listing and GETs slow down as its bucket
grows): the S3 requests made per file, and the seconds spent outside S3 requests (grouping,
documents, the catalog write on SQLite). Both should stay flat per file: about 10x the work for
10x the files.

Usage: python bench/crawl_scale.py [--sizes 200,2000] [--files-per-folder 4]
"""

import argparse
import time

from glueprint.domain import crawl_config
from glueprint.orchestration import crawl
from glueprint.store.db import Database

from common import table, workdir
from servers import moto_s3_server, s3_client

ROW = b"id,amount,name\n1,9.5,ann\n2,3.25,bob\n"


def fill(s3, bucket: str, prefix: str, files: int, per_folder: int) -> None:
    for i in range(files):
        folder = i // per_folder
        year, month, day = 2000 + folder // 372, folder // 31 % 12 + 1, folder % 31 + 1
        s3.put_object(Bucket=bucket, Key=f"{prefix}/year={year}/month={month:02}/day={day:02}/part-{i}.csv", Body=ROW)


class S3Clock:
    """Counts S3 requests and the seconds spent in them, from botocore's own events."""

    def __init__(self, client):
        self.requests, self.seconds, self._started = 0, 0.0, 0.0
        client.meta.events.register("before-send", self._before)
        client.meta.events.register("after-call", self._after)

    def _before(self, **_):
        self.requests += 1
        self._started = time.perf_counter()

    def _after(self, **_):
        self.seconds += time.perf_counter() - self._started


def crawl_once(s3, clock: S3Clock, db: Database, prefix: str) -> tuple[int, float]:
    crawler = {"Name": prefix, "DatabaseName": prefix, "Targets": {"S3Targets": [{"Path": f"s3://lake/{prefix}/"}]}}
    context = crawl.Context(crawl_config.settings(crawler))
    requests, in_s3 = clock.requests, clock.seconds
    started = time.perf_counter()
    results = crawl.discover(s3, crawler, context)
    with db.write() as conn:
        crawl.write(conn, crawler, context, results, time.time(), "123456789012")
    total = time.perf_counter() - started
    return clock.requests - requests, total - (clock.seconds - in_s3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--files-per-folder", type=int, default=4)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = workdir()
    moto = moto_s3_server(tmp).start()
    db = Database(f"sqlite:///{tmp}/bench.db")
    db.migrate()
    try:
        s3 = s3_client(moto.url)
        clock = S3Clock(s3)
        s3.create_bucket(Bucket="lake")
        rows, first = [], None
        for size in sizes:
            prefix = f"sales_{size}"
            fill(s3, "lake", prefix, size, args.files_per_folder)
            requests, own = crawl_once(s3, clock, db, prefix)
            first = first or own
            rows.append((size, requests, f"{requests / size:.2f}", f"{own:.3f}", f"{own / first:.1f}x"))
        print(table(rows, ("files", "S3 requests", "per file", "glueprint s (outside S3)", f"vs {sizes[0]} files")))
    finally:
        db.dispose()
        moto.stop()


if __name__ == "__main__":
    main()
