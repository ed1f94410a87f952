"""S3 throughput: PutObject and GetObject with boto3 against glueprint's own S3 (files on disk,
fsynced) and moto's server (in memory), side by side, as ratios. Small objects measure the
per-request cost, large ones the bytes; the two are measured in alternating blocks so a noisy
minute weighs on both alike.

Usage: python bench/s3_throughput.py [--small 200] [--large 8] [--rounds 3]
"""

import argparse
import os
import time

import boto3
from botocore.config import Config

from common import glueprint_server, median, moto_s3_server, table, workdir

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": "us-east-1"}
SIZES = {"4 KiB": 4 * 1024, "8 MiB": 8 * 1024 * 1024}


def client(url: str):
    return boto3.session.Session().client("s3", endpoint_url=url, config=Config(retries={"max_attempts": 1}), **KEYS)


def block(s3, bucket: str, body: bytes, count: int) -> tuple[float, float]:
    """Objects per second for count PUTs, then for count GETs of them."""
    keys = [f"obj-{os.urandom(6).hex()}" for _ in range(count)]
    began = time.perf_counter()
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    put = count / (time.perf_counter() - began)
    began = time.perf_counter()
    for key in keys:
        s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    get = count / (time.perf_counter() - began)
    for key in keys:
        s3.delete_object(Bucket=bucket, Key=key)
    return put, get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=200, help="objects per block of 4 KiB")
    parser.add_argument("--large", type=int, default=8, help="objects per block of 8 MiB")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tmp = workdir()
    ours = glueprint_server(f"sqlite:///{tmp}/bench.db", tmp, "--workers", "0").start()
    theirs = moto_s3_server(tmp).start()
    try:
        clients = {"glueprint": client(ours.s3_url), "moto": client(theirs.url)}
        for s3 in clients.values():
            s3.create_bucket(Bucket="bench")
        rows = []
        for label, size in SIZES.items():
            body, count = os.urandom(size), args.small if size < 1024 * 1024 else args.large
            found = {name: [] for name in clients}
            for _ in range(args.rounds):
                for name, s3 in clients.items():
                    found[name].append(block(s3, "bench", body, count))
            for index, verb in enumerate(("PUT", "GET")):
                mine = median([r[index] for r in found["glueprint"]])
                moto = median([r[index] for r in found["moto"]])
                rows.append((f"{verb} {label}", f"{mine:.0f}", f"{moto:.0f}", f"{mine / moto:.2f}"))
        print(table(rows, ("objects/s, one client", "glueprint", "moto", "glueprint / moto")))
    finally:
        ours.stop()
        theirs.stop()


if __name__ == "__main__":
    main()
