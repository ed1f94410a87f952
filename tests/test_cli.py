import subprocess
import sys

from glueprint import __version__


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
    from servers import glueprint_server

    server = glueprint_server(f"sqlite:///{tmp_path}/cli.db", tmp_path).start()
    server.stop()
    assert server.proc.returncode == 0
    log = server.log.read_text()
    assert f"serving the AWS Glue API at {server.url}" in log
    assert "glueprint stopped (SIGTERM)" in log
