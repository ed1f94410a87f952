"""Every benchmark, one after another, each printing its table.

Usage: python bench/run_all.py           # the full runs (about 40 minutes, most of it memory.py)
       python bench/run_all.py --smoke   # seconds per benchmark, for CI: shows they still work
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FULL = {
    "run_latency.py": [],
    "page_throughput.py": [],
    "page_vs_history.py": [],
    "log_pages.py": [],
    "table_versions_page.py": [],
    "partition_pages.py": [],
    "memory.py": [],
    "sandbox_cost.py": [],
    "workflow_overhead.py": [],
    "workflow_scaling.py": [],
    "fixture_cost.py": [],
    "start_time.py": [],
    "crawl_scale.py": [],
    "s3_listing.py": [],
    "s3_throughput.py": [],
    # Not in SMOKE: two JVM starts each, a minute of CI (etl_job.py --smoke: 61 s on 2 cores);
    # the spark-marked tests run the same code paths.
    "connect_server.py": [],
    "etl_job.py": [],
}
SMOKE = {
    "run_latency.py": ["--runs", "10", "--sustained", "20", "--in-flight", "10"],
    "page_throughput.py": ["--seconds", "1", "--rounds", "1", "--history", "20000"],
    "page_vs_history.py": ["--sizes", "1000,3000", "--rounds", "1"],
    "log_pages.py": ["--sizes", "1000,3000", "--rounds", "1"],
    "table_versions_page.py": ["--sizes", "1000,3000", "--rounds", "1"],
    "partition_pages.py": ["--sizes", "1200,12000", "--page", "20", "--rounds", "1"],
    "memory.py": ["--runs", "40", "--in-flight", "10"],
    "sandbox_cost.py": ["--runs", "10"],
    "workflow_overhead.py": ["--runs", "3"],
    "workflow_scaling.py": ["--nodes", "2"],
    "fixture_cost.py": ["--uses", "5"],
    "start_time.py": ["--rounds", "1"],
    "crawl_scale.py": ["--sizes", "20,200"],
    "s3_listing.py": ["--sizes", "300,3000"],
    "s3_throughput.py": ["--small", "20", "--large", "1", "--rounds", "1"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    for script, extra in (SMOKE if args.smoke else FULL).items():
        print(f"\n== {script} {' '.join(extra)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *extra], check=True)


if __name__ == "__main__":
    main()
