"""A database with no space left: writes answer InternalServiceException (a fault of the
service, HTTP 500 as on AWS, which SDKs retry) saying so, change nothing, and reads go on.

The server runs in its own mount namespace on a 2 MB tmpfs, so the disk it fills is its own."""

import contextlib
import os
import shutil
import subprocess
import sys
import time

import pytest

from test_script_capacity import running_scripts

from conftest import ROLE
from servers import Process, _child_env, call_raw, free_port, glue_client


def start_cramped(tmp_path, *extra: str) -> tuple[Process, str]:
    """A server on a 2 MB tmpfs of its own; and that folder as the test reaches it (via /proc)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to mount a small tmpfs in a private namespace")
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"the kernel refuses mount namespaces: {probe.stderr.decode().strip()}")
    folder, port = tmp_path / "small", free_port()
    folder.mkdir()
    serve = [sys.executable, "-m", "glueprint", "serve", "--port", str(port), "--db", f"sqlite:///{folder}/full.db"]
    # its own S3 on a port of its own (the default, 4598, is the README test's) over a folder of the test's
    serve += ["--s3-port", "0"] + ([] if "--archive-root" in extra else ["--archive-root", str(tmp_path / "s3")])
    mount = f'mount -t tmpfs -o size=2M tmpfs {folder} && exec "$@"'
    args = ["unshare", "-m", "--propagation", "private", "sh", "-c", mount, "sh", *serve, "--log-level", "warning", *extra]
    server = Process(args, tmp_path / "server.log", f"http://127.0.0.1:{port}", _child_env()).start()
    return server, f"/proc/{server.proc.pid}/root{folder}"


@pytest.fixture
def cramped(tmp_path):
    server, _ = start_cramped(tmp_path, "--workers", "1")
    yield server
    server.stop()


def wait_for(predicate, timeout: float = 120.0):  # generous: CI runs six suites on two cores
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return value


def test_a_run_that_ends_while_the_disk_is_full_says_so_once_there_is_room(tmp_path):
    (tmp_path / "scripts" / "jobs").mkdir(parents=True)
    (tmp_path / "scripts" / "jobs" / "sleep.py").write_text("import time\ntime.sleep(3)\n")
    server, folder = start_cramped(
        tmp_path, "--workers", "1", "--lease-seconds", "3", "--archive-root", str(tmp_path / "scripts")
    )
    try:
        glue = glue_client(server.url)
        glue.create_job(Name="load", Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": "s3://jobs/sleep.py"})
        run_id = glue.start_job_run(JobName="load")["JobRunId"]
        wait_for(lambda: glue.get_job_run(JobName="load", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING")
        wait_for(lambda: running_scripts(server) == 1)
        # fill the server's disk while the script sleeps; unbuffered, so that no byte the disk
        # refused waits in a buffer for close() to fail on
        with open(f"{folder}/ballast", "wb", buffering=0) as ballast:
            with contextlib.suppress(OSError):
                while ballast.write(b"\0" * 65536):
                    pass
        wait_for(lambda: "no space left" in server.log.read_text())
        wait_for(lambda: running_scripts(server) == 0)  # the script has ended: its end cannot be recorded
        time.sleep(4)  # the disk stays full past the run's lease (3 s)
        os.unlink(f"{folder}/ballast")
        final = ("SUCCEEDED", "FAILED", "ERROR", "STOPPED", "TIMEOUT")
        run = wait_for(lambda: (r := glue.get_job_run(JobName="load", RunId=run_id)["JobRun"])["JobRunState"] in final and r)
        assert run["JobRunState"] == "ERROR", run
        assert "no space left" in run["ErrorMessage"] and "lost" not in run["ErrorMessage"]
    finally:
        server.stop()


def test_writes_on_a_full_disk_say_so_and_reads_go_on(cramped):
    big = {"k": "x" * 400_000}
    for n in range(40):
        answer = call_raw(cramped.url, "CreateDatabase", {"DatabaseInput": {"Name": f"db{n}", "Parameters": big}})
        if answer.status_code != 200:
            break
    else:
        pytest.fail("40 databases of 400 KB fitted in 2 MB")
    assert answer.status_code == 500 and n > 0
    assert answer.json()["__type"] == "InternalServiceException"
    assert "no space left" in answer.json()["Message"] and "nothing was changed" in answer.json()["Message"]
    names = [d["Name"] for d in call_raw(cramped.url, "GetDatabases", {}).json()["DatabaseList"]]
    assert f"db{n}" not in names and "db0" in names
    assert "Traceback" not in cramped.log.read_text()
