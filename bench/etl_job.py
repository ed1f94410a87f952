"""A glueetl job's start -> SUCCEEDED for a CSV -> Parquet conversion of 10 000 and 1 000 000
rows: glueprint's job run (StartJobRun, polled with GetJobRun, served by its warm Spark Connect
server) beside a JVM per run (a fresh Python process with a local SparkSession running the same
script unmodified, as AWS's aws-glue-libs image runs one with gluesparksubmit). Ratios are
JVM-per-run time / glueprint time. The same glueprint server, data and script serve both.

Where this glueprint simulates glueetl runs (they write no data), its column says so and only
the JVM-per-run column is measured. Without Java or pyspark, nothing runs, and it says why.

Usage: python bench/etl_job.py [--sizes 10000,1000000] [--rounds 2]
       python bench/etl_job.py --smoke   # 200 rows, one round: shows it still works
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

from common import ROLE, glue_client, glueprint_server, median, table, workdir
from servers import s3_client

BUCKET = "bench-etl"
SCRIPT = """
import sys
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_path", "output_path"])
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
sales = glue_context.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [args["input_path"]]}, format="csv", format_options={"withHeader": True}
)
glue_context.write_dynamic_frame.from_options(
    frame=sales, connection_type="s3", connection_options={"path": args["output_path"]}, format="parquet"
)
job.commit()
"""
# Run as `etl_job.py --jvm-per-run SCRIPT ARGS...`: a fresh local SparkSession, then the script.
JVM_PER_RUN = "--jvm-per-run"


def spark_missing() -> str | None:
    if shutil.which("java") is None:
        return "no Java on this machine"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (the spark extra)"
    return None


def csv_rows(rows: int) -> bytes:
    lines = ["id,item,amount,sold_on"]
    lines += [f"{i},item{i % 997},{i % 10_000 / 100:.2f},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def output_objects(s3, prefix: str) -> int:
    return s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("KeyCount", 0)


def glueprint_run(glue, s3, job: str, rows: int, label: str) -> float | None:
    """StartJobRun -> SUCCEEDED seconds, or None when the run wrote nothing (simulated)."""
    output = f"out/{label}/"
    began = time.perf_counter()
    run_id = glue.start_job_run(
        JobName=job, Arguments={"--input_path": f"s3://{BUCKET}/in-{rows}/", "--output_path": f"s3://{BUCKET}/{output}"}
    )["JobRunId"]
    while True:
        state = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if state["JobRunState"] not in ("STARTING", "RUNNING", "WAITING", "STOPPING"):
            break
        time.sleep(0.05)
    took = time.perf_counter() - began
    if state["JobRunState"] != "SUCCEEDED":
        raise RuntimeError(f"job run {run_id} ended {state['JobRunState']}: {state.get('ErrorMessage')}")
    return took if output_objects(s3, output) else None


def jvm_per_run(script: str, env: dict, s3, rows: int, label: str) -> float:
    """A fresh process with its own local SparkSession running the script: launch -> exit."""
    output = f"out/{label}/"
    argv = [
        script,
        "--JOB_NAME",
        "bench",
        "--input_path",
        f"s3://{BUCKET}/in-{rows}/",
        "--output_path",
        f"s3://{BUCKET}/{output}",
    ]
    began = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, JVM_PER_RUN, *argv], env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if done.returncode != 0 or not output_objects(s3, output):
        raise RuntimeError(f"the JVM-per-run script failed ({done.returncode}): {done.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    sizes, rounds = ([200], 1) if args.smoke else ([int(s) for s in args.sizes.split(",")], args.rounds)
    missing = spark_missing()
    if missing:
        print(f"etl_job: skipped, {missing}: Spark cannot run")
        return

    tmp = workdir()
    root = tmp / "store"
    server = glueprint_server(f"sqlite:///{tmp}/glue.db", tmp, "--archive-root", str(root), "--spark").start()
    try:
        glue, s3 = glue_client(server.url), s3_client(server.s3_url)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="scripts/convert.py", Body=SCRIPT.encode())
        for rows in sizes:
            s3.put_object(Bucket=BUCKET, Key=f"in-{rows}/sales.csv", Body=csv_rows(rows))
        glue.create_job(
            Name="convert",
            Role=ROLE,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/scripts/convert.py", "PythonVersion": "3"},
            GlueVersion="4.0",
            WorkerType="G.1X",
            NumberOfWorkers=2,
        )
        script = tmp / "convert.py"
        script.write_text(SCRIPT)
        env = {
            **os.environ,
            "GLUEPRINT_S3_ROOT": str(root),
            "AWS_ENDPOINT_URL_GLUE": server.url,
            "AWS_ENDPOINT_URL_S3": server.s3_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        # The first run starts glueprint's Connect server (cold start): not a warm run.
        cold = glueprint_run(glue, s3, "convert", sizes[0], "warm-up")
        lines = []
        for rows in sizes:
            fresh = [jvm_per_run(str(script), env, s3, rows, f"jvm-{rows}-{i}") for i in range(rounds)]
            warm = [glueprint_run(glue, s3, "convert", rows, f"glueprint-{rows}-{i}") for i in range(rounds)]
            if cold is None or None in warm:
                lines.append((f"{rows:,}", f"{median(fresh):.1f}", "simulated", ""))
            else:
                lines.append((f"{rows:,}", f"{median(fresh):.1f}", f"{median(warm):.1f}", f"{median(fresh) / median(warm):.1f}x"))
        print(table(lines, ("rows", "JVM per run, p50 s", "glueprint warm server, p50 s", "JVM per run / glueprint")))
        if cold is None:
            print("glueprint simulated its glueetl runs here (they wrote no data): only the JVM-per-run column is measured")
        else:
            print(f"first glueprint run (its Connect server's cold start included): {cold:.1f} s")
    finally:
        server.stop()


def run_script() -> None:
    """The JVM-per-run side: a local SparkSession set up as Glue's, then the script as __main__."""
    import runpy

    from glueprint.etl.session import local_session

    local_session(cores=2)
    sys.argv = sys.argv[2:]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    run_script() if sys.argv[1:2] == [JVM_PER_RUN] else main()
