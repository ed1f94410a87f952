"""What a pytest fixture around the in-process mock costs: ``with mock_glue(): <one call>``,
warm (after a first use in the process), beside moto's ``with mock_aws(): <the same call>``.

Both include making the boto3 client, as a test does. Usage: python bench/fixture_cost.py [--uses 50]
"""

import argparse
import os
import time

import boto3
from moto import mock_aws

from glueprint.testing import mock_glue

from common import median, percentile, table


def one_use(mock) -> None:
    with mock():
        boto3.client("glue", region_name="us-east-1").list_workflows()


def timings(mock, uses: int) -> list[float]:
    one_use(mock)  # warm: imports, models, the migrated template
    found = []
    for _ in range(uses):
        began = time.perf_counter()
        one_use(mock)
        found.append((time.perf_counter() - began) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uses", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    ours, theirs = timings(mock_glue, args.uses), timings(mock_aws, args.uses)
    print(
        table(
            [
                ("with mock_glue(): list_workflows()", f"{median(ours):.1f}", f"{percentile(ours, 95):.1f}", "<= 20 ms"),
                ("with mock_aws(): list_workflows() (moto)", f"{median(theirs):.1f}", f"{percentile(theirs, 95):.1f}", ""),
                ("ratio", f"{median(ours) / median(theirs):.2f}", "", "< 1"),
            ],
            ("fixture, warm", "p50 ms", "p95 ms", "target"),
        )
    )


if __name__ == "__main__":
    main()
