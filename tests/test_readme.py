"""Every code block of README.md runs, as a newcomer would run it: extracted from the README
itself, so the README cannot rot. Each block is preceded by ``<!-- readme: MODE -->``:

- ``server``: the first command, run in a fresh clone (the repository's tracked files and
  nothing else, no .venv) with a fresh HOME and no AWS settings, until it answers; the
  ``python`` and ``script`` blocks then run against it twice, from that clone, with nothing
  but the AWS CLI added to the PATH; then the first command again, on the same database.
- ``suite``: the test command, run with ``--collect-only`` (it cannot run itself).
- ``script``: bash, to the end, with the AWS CLI installed in a venv of its own.
- ``pytest``: saved as a test file in a folder outside the repository and run there by
  pytest with glueprint's plugin.
- ``background``: bash whose ``&`` commands must come up and answer, then are stopped.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
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
SERVING = "serving the AWS Glue API at http://127.0.0.1:4599"  # what glueprint serve prints once it listens


def blocks(mode: str) -> list[str]:
    return [code for found, _, code in BLOCKS if found == mode]


def newcomer_env(home: Path, *extra_paths: Path) -> dict:
    """A fresh home directory, no AWS or glueprint settings, and no virtualenv on the PATH: a
    block finds glueprint only the way the README tells it to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUEPRINT_")) and k != "VIRTUAL_ENV"}
    system = [p for p in env.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "activate").exists()]
    return {**env, "HOME": str(home), "PATH": os.pathsep.join([*(str(p) for p in extra_paths), *system])}


def stop_group(process: subprocess.Popen) -> None:
    # The group may have ended already (a server that could not start): nothing to stop then.
    with contextlib.suppress(ProcessLookupError):
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def run_block(block: str, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", "-e", "-c", block], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_every_code_block_says_how_it_is_run():
    assert len(FENCE.findall(README)) == 2 * len(BLOCKS)
    assert {mode for mode, _, _ in BLOCKS} <= {"server", "suite", "script", "python", "pytest", "background"}


class FreshClone:
    """The repository's tracked files (as this checkout has them) in a folder of their own, and
    the README's first command run there: it makes .venv, installs glueprint and serves."""

    def __init__(self, folder: Path, home: Path, log: Path):
        self.folder, self.home, self.log = folder, home, log
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
        for name in filter(None, listed.decode().split("\0")):
            if (REPO / name).is_file():  # a tracked file deleted in this checkout is not in a clone of it
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, folder / name)
        self.server: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.server is None, "the first command is already running"
        (block,) = blocks("server")
        served = self.log.read_text().count(SERVING) if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.server = subprocess.Popen(
                ["bash", "-c", block],
                cwd=self.folder,
                env=newcomer_env(self.home),
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        # Installing takes a while; until this server says it serves, whatever answers on the
        # port is some other process's.
        deadline = time.monotonic() + 600
        while self.log.read_text().count(SERVING) == served:
            assert self.server.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)
        wait_http("http://127.0.0.1:4599", self.server, self.log)

    def stop(self) -> None:
        if self.server is not None:
            stop_group(self.server)
            self.server = None

    def installed(self) -> None:
        """The first command has made .venv (started and stopped once if it had not)."""
        if self.server is None and not (self.folder / ".venv" / "bin" / "glueprint").exists():
            self.start()
            self.stop()


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clone") / "glueprint"
    home = tmp_path_factory.mktemp("home")
    fresh = FreshClone(folder, home, tmp_path_factory.mktemp("logs") / "server.log")
    yield fresh
    fresh.stop()


@pytest.fixture(scope="module")
def aws_cli(tmp_path_factory) -> Path:
    """The AWS CLI, in a venv of its own (it pins its own botocore)."""
    venv = tmp_path_factory.mktemp("awscli")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "awscli"], check=True, timeout=600)
    return venv / "bin"


def run_python_block(clone: FreshClone, tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    script = tmp_path / "example.py"
    script.write_text(code)
    result = subprocess.run(
        [str(clone.folder / ".venv" / "bin" / "python"), str(script)],  # as the README says to run it
        cwd=clone.folder,
        env=newcomer_env(clone.home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def run_python_example(clone: FreshClone, tmp_path: Path) -> None:
    example, _regions = blocks("python")  # the first hour's example, then Regions and accounts
    result = run_python_block(clone, tmp_path, example)
    assert result.stdout.startswith("SUCCEEDED") and "CRAWLER crawl_chain" not in result.stdout
    assert re.search(r"CRAWLER \w+_crawler_1_[0-9a-f]{8}", result.stdout), result.stdout


def test_from_a_fresh_clone_the_first_command_then_every_example_runs_twice(clone, aws_cli, tmp_path):
    clone.start()
    cli_block = next(code for code in blocks("script") if "aws glue" in code)
    s3_block = next(code for code in blocks("script") if "aws s3" in code)
    with_cli = newcomer_env(clone.home, aws_cli)
    for _ in range(2):  # again, on the same database: nothing a first run made is in the way
        run_python_example(clone, tmp_path)
        regions = run_python_block(clone, tmp_path, blocks("python")[1])  # Regions and accounts
        assert regions.stdout.split() == ["eu-west-1", "111122223333"], regions.stdout
        result = run_block(cli_block, clone.folder, with_cli)
        assert "blueprint etl: ACTIVE" in result.stdout
        assert re.search(r"run \S+: SUCCEEDED, workflow etl_from_cli_\d+_\d+", result.stdout), result.stdout
        result = run_block(s3_block, clone.folder, with_cli, timeout=120)  # making the bucket again is no error
        assert "raw/sales/part-0.csv" in result.stdout
    assert "S3 API: http://127.0.0.1:4598" in clone.log.read_text()
    assert (clone.home / ".local" / "share" / "glueprint" / "glueprint.db").exists()  # the default database
    clone.stop()
    clone.start()  # the first command a second time: the same .venv and database
    run_python_example(clone, tmp_path)


def test_the_cli_loops_end_when_the_blueprint_fails(clone, aws_cli, tmp_path):
    """A blueprint that never becomes ACTIVE ends the first loop, and the block with it."""
    clone.installed()
    if clone.server is None:
        clone.start()
    cli_block = next(code for code in blocks("script") if "aws glue" in code)
    broken = cli_block.replace("s3://glueprint-examples/etl_schedule.zip", "s3://glueprint-examples/missing.zip")
    result = subprocess.run(
        ["bash", "-e", "-c", broken],
        cwd=clone.folder,
        env=newcomer_env(clone.home, aws_cli),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "blueprint etl: FAILED" in result.stdout
    assert result.returncode != 0  # starting a run of a FAILED blueprint is refused


def test_the_authoring_commands_run_as_written_twice(clone, tmp_path):
    clone.installed()
    block = next(code for code in blocks("script") if "glueprint blueprint" in code)
    for _ in range(2):
        result = run_block(block, clone.folder, newcomer_env(tmp_path))
        assert "a valid blueprint" in result.stdout and "Dependency graph" in result.stdout and '"Triggers"' in result.stdout


@pytest.mark.parametrize("index", range(len(blocks("pytest"))))
def test_the_pytest_examples_pass_with_the_plugin(tmp_path, index):
    test_file = tmp_path / f"test_readme_example_{index}.py"
    test_file.write_text(blocks("pytest")[index])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,  # outside the repository: the examples name nothing of its folders
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


def test_the_many_processes_example_comes_up(clone, tmp_path):
    (block,) = blocks("background")
    clone.installed()
    clone.stop()  # its S3 port is the one this example's server takes
    # A newcomer's machine has no database glueprint yet: one left by an earlier run (of
    # another version, at another migration) must not decide the outcome.
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS glueprint WITH (FORCE)")
    env = newcomer_env(tmp_path)
    log = tmp_path / "processes.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", block + "\nwait"], cwd=clone.folder, env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        wait_http("http://127.0.0.1:4600", process, log)
        response = HTTP.post(
            "http://127.0.0.1:4600/",
            content=b"{}",
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.ListBlueprints"},
        )
        assert response.status_code == 200 and "Blueprints" in response.json()
    finally:
        stop_group(process)
