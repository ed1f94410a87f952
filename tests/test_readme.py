"""Every code block of README.md runs, as a newcomer would run it: extracted from the README
itself, so the README cannot rot. Each block is preceded by ``<!-- readme: MODE -->``:

- ``server``: started in the background (a fresh HOME, no AWS settings) until it answers;
  the ``python`` and ``script`` blocks then run against it, the python one twice.
- ``suite``: the test command, run with ``--collect-only`` (it cannot run itself).
- ``script``: bash, to the end, with the AWS CLI installed in a venv of its own.
- ``pytest``: saved as a test file and run by pytest with glueprint's plugin.
- ``background``: bash whose ``&`` commands must come up and answer, then are stopped.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from conftest import PG_ADMIN_URL
from servers import HTTP, wait_http

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()
MARKED = re.compile(r"<!-- readme: (\w+) -->\n```(\w+)\n(.*?)```", re.S)
FENCE = re.compile(r"^```\w*$", re.M)
BLOCKS = MARKED.findall(README)


def blocks(mode: str) -> list[str]:
    return [code for found, _, code in BLOCKS if found == mode]


def newcomer_env(home: Path, *extra_paths: Path) -> dict:
    """A fresh home directory and no AWS settings or credentials at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUEPRINT_"))}
    path = os.pathsep.join([*(str(p) for p in extra_paths), str(REPO / ".venv" / "bin"), env.get("PATH", "")])
    return {**env, "HOME": str(home), "PATH": path}


def stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def test_every_code_block_says_how_it_is_run():
    assert len(FENCE.findall(README)) == 2 * len(BLOCKS)
    assert {mode for mode, _, _ in BLOCKS} <= {"server", "suite", "script", "python", "pytest", "background"}


@pytest.fixture(scope="module")
def aws_cli(tmp_path_factory) -> Path:
    """The AWS CLI, in a venv of its own (it pins its own botocore)."""
    venv = tmp_path_factory.mktemp("awscli")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "awscli"], check=True, timeout=600)
    return venv / "bin"


def test_the_first_command_then_the_boto3_and_cli_examples_work_from_an_empty_home(tmp_path, aws_cli):
    (server_block,) = blocks("server")
    home = tmp_path / "home"
    home.mkdir()
    env = newcomer_env(home)
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(["bash", "-c", server_block], cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True)
    try:
        wait_http("http://127.0.0.1:4599", server, log, timeout=180)
        (example,) = blocks("python")
        script = tmp_path / "example.py"
        script.write_text(example)
        for _ in range(2):  # and again, on the same database
            result = subprocess.run(
                [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout.startswith("SUCCEEDED") and "CRAWLER crawl_chain" not in result.stdout
            assert re.search(r"CRAWLER \w+_crawler_1_[0-9a-f]{8}", result.stdout), result.stdout
        cli_block = next(code for code in blocks("script") if "aws glue" in code)
        result = subprocess.run(
            ["bash", "-e", "-c", cli_block], env=newcomer_env(home, aws_cli), capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        assert '"RunId"' in result.stdout and "RUNNING" in result.stdout or "SUCCEEDED" in result.stdout
        s3_block = next(code for code in blocks("script") if "aws s3" in code)
        for _ in range(2):  # twice: making the bucket again is no error
            result = subprocess.run(
                ["bash", "-e", "-c", s3_block],
                cwd=tmp_path,
                env=newcomer_env(home, aws_cli),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            assert "raw/sales/part-0.csv" in result.stdout
        assert "S3 API: http://127.0.0.1:4598" in log.read_text()
        assert (home / ".local" / "share" / "glueprint" / "glueprint.db").exists()  # the default database
    finally:
        stop_group(server)


def test_the_authoring_commands_run_as_written(tmp_path):
    block = next(code for code in blocks("script") if "glueprint blueprint" in code)
    result = subprocess.run(
        ["bash", "-e", "-c", block], cwd=REPO, env=newcomer_env(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "a valid blueprint" in result.stdout and "Dependency graph" in result.stdout and '"Triggers"' in result.stdout


@pytest.mark.parametrize("index", range(len(blocks("pytest"))))
def test_the_pytest_examples_pass_with_the_plugin(tmp_path, index):
    test_file = tmp_path / f"test_readme_example_{index}.py"
    test_file.write_text(blocks("pytest")[index])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=REPO,
        env=newcomer_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


def test_the_test_command_collects_the_suite(tmp_path):
    (block,) = blocks("suite")
    env = {**os.environ, "GLUEPRINT_TEST_BACKENDS": "sqlite"}
    result = subprocess.run(
        ["bash", "-c", block.strip() + " --collect-only -q"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+ tests collected", result.stdout)


def test_the_many_processes_example_comes_up(tmp_path):
    (block,) = blocks("background")
    # A newcomer's machine has no database glueprint yet: one left by an earlier run (of
    # another version, at another migration) must not decide the outcome.
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS glueprint WITH (FORCE)")
    env = newcomer_env(tmp_path)
    log = tmp_path / "processes.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", block + "\nwait"], cwd=tmp_path, env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        wait_http("http://127.0.0.1:4600", process, log, timeout=60)
        response = HTTP.post(
            "http://127.0.0.1:4600/",
            content=b"{}",
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.ListBlueprints"},
        )
        assert response.status_code == 200 and "Blueprints" in response.json()
    finally:
        stop_group(process)
