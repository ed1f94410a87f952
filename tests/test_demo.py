"""glueprint demo: a whole tour without S3 or set-up, ending with the dashboard's address,
and leaving nothing behind however it ends."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest


def _demo_env(tmp_path) -> dict:
    return {**os.environ, "TMPDIR": str(tmp_path)}


def test_demo_registers_runs_and_reports_the_examples_and_cleans_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "glueprint", "demo", "--exit"],
        capture_output=True,
        text=True,
        timeout=600,  # a whole tour: generous, as CI runs six suites on two cores
        env=_demo_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("catalog_bootstrap", "crawl_chain", "etl_schedule"):
        assert f"registered blueprint {name}: ACTIVE" in out
    runs_table = out.split("workflow demo_etl:")[0]
    assert runs_table.count("SUCCEEDED") == 3 and runs_table.count("FAILED") == 1
    assert "is not one of the" in out  # the run meant to fail says why
    assert "FAILED (meant to)" in runs_table
    assert "failed" not in result.stderr  # the tour says it once, in its place
    assert "failed as meant to (a WorkerType the blueprint does not allow, to show how a failed run looks)" in out
    assert "workflow demo_etl: 6 nodes, 5 edges" in out
    assert "workflow run of demo_etl: COMPLETED; jobs in order: demo_etl_extract_" in out
    assert re.search(r"dashboard: http://127\.0\.0\.1:\d+/ui", out)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_the_demo_and_removes_what_it_made(tmp_path, signum):
    work, errors = tmp_path / "work", tmp_path / "stderr"
    work.mkdir()
    # On a hang, SIGABRT makes the demo print every thread's stack (PYTHONFAULTHANDLER).
    env = {**_demo_env(work), "PYTHONFAULTHANDLER": "1"}
    with open(errors, "wb") as stderr:
        demo = subprocess.Popen(
            [sys.executable, "-m", "glueprint", "demo"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            # As from a terminal: a suite run in the background (scripts/test runs parts so)
            # inherits SIGINT ignored, and Python would keep ignoring it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    deadline = time.monotonic() + 600
    for line in demo.stdout:
        if "serving until Ctrl-C" in line or time.monotonic() > deadline:
            break
    assert os.listdir(work)  # it is running: its folder is there
    demo.send_signal(signum)
    try:
        status = demo.wait(timeout=120)
    except subprocess.TimeoutExpired:
        demo.send_signal(signal.SIGABRT)
        demo.wait()
        status = None
    assert status == 0, errors.read_text()
    assert os.listdir(work) == []
