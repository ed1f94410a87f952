"""Listing a flat folder of N objects page by page (ListObjectsV2, 1000 keys a page) from
glueprint's own S3, at N, 10N and 100N, each as time per key against the first size: a
folder's order is kept between pages (s3/folder_index.py), so listing all its keys costs about
10x for 10x the keys (sorting it again for every page would cost 100x). The objects are files
put into the store's folder by hand, which makes them objects, so setting up 100 000 of them
takes seconds.

Usage: python bench/s3_listing.py [--sizes 1000,10000,100000]
"""

import argparse
import time

import boto3
from botocore.config import Config

from common import glueprint_server, table, workdir

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}


def list_all(s3, bucket: str, prefix: str) -> tuple[int, float]:
    """(keys listed, seconds) for one listing of every key under prefix."""
    began, count = time.perf_counter(), 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        count += page["KeyCount"]
    return count, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    tmp = workdir()
    root = tmp / "s3"
    server = glueprint_server(f"sqlite:///{tmp}/bench.db", tmp, "--workers", "0", "--archive-root", str(root)).start()
    try:
        s3 = boto3.session.Session().client("s3", endpoint_url=server.s3_url, config=Config(retries={"max_attempts": 1}), **KEYS)
        s3.create_bucket(Bucket="flat")
        for size in sizes:
            folder = root / "flat" / f"n{size}"
            folder.mkdir(parents=True)
            for i in range(size):
                (folder / f"part-{i:07d}.csv").write_bytes(b"id\n1\n")
        time.sleep(1.1)  # the folders have settled: their order may be kept
        rows, first = [], None
        for size in sizes:
            listed, seconds = list_all(s3, "flat", f"n{size}/")
            assert listed == size, (listed, size)
            per_key = seconds / size * 1e6
            first = first or per_key
            rows.append((f"{size:,}", f"{seconds:.2f}", f"{per_key:.1f}", f"{per_key / first:.2f}x"))
        print(table(rows, ("keys in the folder", "list all (s)", "µs per key", "per key vs first")))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
