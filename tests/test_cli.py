import socket
import subprocess
import sys
import time

import pytest

from glueprint import __version__
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

from servers import free_port, glue_client, glueprint_server
from test_runs import layout_archive


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "glueprint", *args], capture_output=True, text=True, timeout=60)


def test_version_prints_the_package_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_every_command_has_help():
    for args in (["--help"], ["serve", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout


def test_serve_prints_endpoint_and_stops_cleanly_on_sigterm(tmp_path):
    server = glueprint_server(f"sqlite:///{tmp_path}/cli.db", tmp_path).start()
    server.stop()
    assert server.proc.returncode == 0
    log = server.log.read_text()
    assert f"serving the AWS Glue API at {server.url}" in log
    assert "glueprint stopped (SIGTERM)" in log


def test_every_option_of_every_command_names_its_environment_variable():
    from glueprint.cli import main

    def commands(group):
        for command in group.commands.values():
            yield from commands(command) if hasattr(command, "commands") else [command]

    for command in commands(main):
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.envvar and param.show_envvar, (command.name, param.name)
    assert "[env var: GLUEPRINT_DB_URL]" in " ".join(run_cli("serve", "--help").stdout.split())


@pytest.mark.parametrize(
    "db, expected",
    [
        ("foo.db", "is not a database URL: write sqlite:///foo.db"),
        ("sqlite:////proc/no/such/dir/x.db", "cannot open the SQLite database"),
        ("postgresql://postgres@127.0.0.1:1/none", "cannot use the PostgreSQL database"),
        ("mysql://somewhere/db", "SQLite (sqlite:///PATH) or PostgreSQL"),
        (
            "postgres://me:secret@db.example/lake",
            "write postgresql:// instead of postgres://: postgresql://me:***@db.example/lake",
        ),
    ],
)
def test_database_mistakes_are_two_lines_and_exit_1(db, expected):
    result = run_cli("serve", "--db", db, "--port", str(free_port()), "--s3-port", "0")
    assert result.returncode == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2 and "serving" not in result.stdout


def test_a_busy_port_is_said_before_any_banner(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--db", f"sqlite:///{tmp_path}/x.db", "--port", str(port))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and result.stdout == ""


def test_a_spark_remote_that_is_no_spark_connect_url_is_refused_before_serving(tmp_path):
    result = run_cli(
        "serve", "--db", f"sqlite:///{tmp_path}/x.db", "--port", str(free_port()), "--spark-remote", "http://spark:7077"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--spark-remote 'http://spark:7077': expected a Spark Connect URL, sc://host:port" in result.stderr
    assert "serving" not in result.stdout


def test_debug_shows_the_traceback():
    result = run_cli("--debug", "serve", "--db", "sqlite:////proc/no/such/dir/x.db", "--port", str(free_port()), "--s3-port", "0")
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_logs_name_failed_runs_and_migrations_once_and_requests_on_demand(tmp_path):
    db = f"sqlite:///{tmp_path}/logs.db"
    (tmp_path / "archives" / "b").mkdir(parents=True)
    (tmp_path / "archives" / "b" / "boom.zip").write_bytes(
        layout_archive("def generate_layout(u, s):\n    raise ValueError('boom')\n")
    )
    archives = str(tmp_path / "archives")
    server = glueprint_server(db, tmp_path, "--log-level", "info", "--access-log", "--archive-root", archives).start()
    try:
        glue = glue_client(server.url)
        glue.create_blueprint(Name="broken", BlueprintLocation="s3://nowhere/broken.zip")
        wait_for_blueprint(glue, "broken")
        glue.create_blueprint(Name="boom", BlueprintLocation="s3://b/boom.zip")
        wait_for_blueprint(glue, "boom")
        run_id = glue.start_blueprint_run(BlueprintName="boom", RoleArn="arn:aws:iam::123456789012:role/r")["RunId"]
        wait_for_blueprint_run(glue, "boom", run_id)
    finally:
        server.stop()
    log = server.log.read_text()
    assert log.count("migrating the database from revision (empty) to") == 1 and "alembic" not in log
    assert "dashboard: " + server.url + "/ui" in log
    assert "blueprint broken is FAILED: Unable to access object at location s3://nowhere/broken.zip: NoSuchKey (no file" in log
    assert f"run {run_id} of blueprint boom failed: Unknown error executing layout generator function ValueError: boom" in log
    assert '"POST / HTTP/1.1" 200' in log
    server.start()
    server.stop()
    assert server.log.read_text().count("migrating the database") == 1  # nothing to migrate the second time


def glueetl_run_state(server) -> str:
    """How a run of a glueetl job whose script does not exist ends (SUCCEEDED only if simulated)."""
    glue = glue_client(server.url)
    command = {"Name": "glueetl", "ScriptLocation": "s3://nowhere/etl.py"}
    glue.create_job(Name="etl", Role="arn:aws:iam::123456789012:role/r", Command=command)
    run_id = glue.start_job_run(JobName="etl")["JobRunId"]
    deadline = time.monotonic() + 120
    while (state := glue.get_job_run(JobName="etl", RunId=run_id)["JobRun"]["JobRunState"]) not in ("SUCCEEDED", "FAILED"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return state


def test_without_java_glueetl_runs_are_simulated_and_that_is_said_once_at_start(tmp_path):
    server = glueprint_server(f"sqlite:///{tmp_path}/x.db", tmp_path, "--simulated-seconds", "0", "--spark")
    server.env = {k: v for k, v in server.env.items() if k != "JAVA_HOME"} | {"PATH": str(tmp_path / "no-java")}
    server.start()
    try:
        state = glueetl_run_state(server)
    finally:
        server.stop()
    assert state == "SUCCEEDED"  # simulated: its script (which does not exist) was never fetched
    assert server.log.read_text().count("glueetl job runs are simulated (SUCCEEDED after --simulated-seconds): ") == 1


def test_no_spark_simulates_glueetl_runs_where_spark_could_run_them(tmp_path):
    server = glueprint_server(f"sqlite:///{tmp_path}/x.db", tmp_path, "--simulated-seconds", "0", "--no-spark")
    server.env = {k: v for k, v in server.env.items() if k != "GLUEPRINT_SPARK"}  # the option alone says it
    server.start()
    try:
        state = glueetl_run_state(server)
    finally:
        server.stop()
    assert state == "SUCCEEDED"  # simulated: a real run would have failed fetching its script
    assert "glueetl job runs are simulated" not in server.log.read_text()  # asked for, not a missing part


def test_the_listening_socket_says_tcp_so_asyncio_turns_nagle_off():
    from glueprint.cli import _listening_socket

    with _listening_socket("127.0.0.1", 0) as sock:  # with proto 0, every answer waited for a delayed ACK
        assert sock.proto == socket.IPPROTO_TCP


def read_only(url: str) -> str:
    """The same database, opened so that it refuses every write."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    return url + "?options=-c%20default_transaction_read_only%3Don"


def test_a_database_that_refuses_writes_is_said_in_one_message_and_exit_1(databases):
    ports = ["--port", str(free_port()), "--s3-port", str(free_port())]  # never the fixed 4598 another test holds
    result = run_cli("serve", "--db", read_only(databases.new()), *ports)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot write to the database" in result.stderr and "read" in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) <= 2 and "serving" not in result.stdout
