"""The jail around a layout is a kernel boundary: each attack on the server, on other runs or
on the host fails inside its own run, while a good run beside it succeeds and the server
keeps answering. The attacks use only what a layout can reach from Python, including the
calls the audit hook never sees (pidfd, _posixsubprocess, raw sockets)."""

import glob
import json
import os
import shutil
import sys
import tempfile
import textwrap
import time
from urllib.parse import urlsplit

import pytest

from glueprint.sandbox import relay
from glueprint.sandbox.host import LayoutError, Limits, Sandbox
from glueprint.sandbox.rehearsal import PACKAGE as REHEARSAL

from conftest import ROLE, create_blueprint, start_and_wait, wait_run, zip_files
from servers import glue_client, glueprint_server
from test_runs import SIMPLE_LAYOUT, layout_archive

# Each attack reports what it saw as the run's error: RuntimeError(<json>).
REPORT = """
import json, os, socket, signal
def report(**found):
    raise RuntimeError("FOUND" + json.dumps(found))
def attempt(fn):
    try:
        return ["ok", repr(fn())[:200]]
    except BaseException as exc:
        return [type(exc).__name__, str(exc)[:200]]
"""
SPEC = {"Target": {"type": "String", "defaultValue": "{}"}}


def found_in(run: dict) -> dict:
    message = run["ErrorMessage"]
    assert "FOUND" in message, message
    return json.loads(message.split("FOUND", 1)[1].splitlines()[0])


def attack(glue, upload, name, code: str, target: dict) -> dict:
    """Run the attack beside a good run; both end, the good one SUCCEEDED; the attack's report."""
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(REPORT + textwrap.dedent(code), SPEC)))
    create_blueprint(
        glue, Name=name + "ok", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    bad = glue.start_blueprint_run(BlueprintName=name, RoleArn=ROLE, Parameters=json.dumps({"Target": json.dumps(target)}))
    good = glue.start_blueprint_run(BlueprintName=name + "ok", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": name}))
    bad_run = wait_run(glue, name, bad["RunId"])
    assert wait_run(glue, name + "ok", good["RunId"])["State"] == "SUCCEEDED"
    assert glue.list_blueprints()["Blueprints"]  # the server still answers
    return bad_run


def target_of(server) -> dict:
    zygotes = glob.glob(f"/tmp/glueprint-zygote-{server.proc.pid}-*")
    # The SQLite file (a PostgreSQL server is a network address: see the network test).
    db = urlsplit(server.db_url).path if server.db_url.startswith("sqlite") else __file__
    return {"pid": server.proc.pid, "db": db, "zygote": zygotes[0] if zygotes else "/none"}


@pytest.fixture(scope="module")
def target(server, glue, upload):
    """Where the server's secrets are, on the host (a warm-up run starts the zygote)."""
    create_blueprint(
        glue, Name="warmup", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    run = glue.start_blueprint_run(BlueprintName="warmup", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": "warmup"}))
    wait_run(glue, "warmup", run["RunId"])
    return target_of(server)


def test_a_layout_sees_only_its_own_processes_and_cannot_signal_the_server(glue, upload, name, target):
    code = """
    def generate_layout(u, s):
        t = json.loads(u["Target"])
        report(
            pids=sorted(p for p in os.listdir("/proc") if p.isdigit()),
            parent=os.getppid(),
            pidfd=attempt(lambda: signal.pidfd_send_signal(os.pidfd_open(t["pid"]), signal.SIGKILL)),
            status=attempt(lambda: open(f"/proc/{t['pid']}/status".encode()).read()),  # bytes: refused as str is
        )
    """
    found = found_in(attack(glue, upload, name, code, target))
    assert found["pids"] == ["1"] and found["parent"] == 0
    assert found["pidfd"][0] == "ProcessLookupError" and found["status"][0] == "PermissionError"
    assert os.path.exists(f"/proc/{target['pid']}")


def test_every_run_gets_a_jail_of_its_own_that_no_earlier_run_touched(glue, upload, name, target):
    # Jails are built ahead of their runs; none is ever used twice.
    code = """
    import glob, sys
    def generate_layout(u, s):
        seen = sorted(glob.glob("/tmp/left-*"))
        with open(f"/tmp/left-{os.getpid()}-{id(u)}", "w") as f:
            f.write("mine")
        report(seen=seen, marked=hasattr(sys, "left_by_a_run"), mark=setattr(sys, "left_by_a_run", True))
    """
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(REPORT + textwrap.dedent(code), SPEC)))
    for _ in range(4):
        found = found_in(start_and_wait(glue, name, {}))
        assert found == {"seen": [], "marked": False, "mark": None}


def test_a_run_finds_nothing_of_the_rehearsal_its_jail_ran_while_waiting(glue, upload, name, target):
    # The package has the rehearsal's own name: the run must import its own files, not a leftover.
    code = """
    import os, sys
    def generate_layout(u, s):
        report(
            path=sys.path[0] == os.getcwd(),
            rehearsal_path=[p for p in sys.path if "rehearsal" in p],
            modules=sorted(m for m in sys.modules if m.startswith("_glueprint_rehearsal")),
            home=[entry for entry in os.listdir(os.environ["HOME"]) if "rehearsal" in entry],
        )
    """
    cfg = {"layoutGenerator": f"{REHEARSAL}.layout.generate_layout", "parameterSpec": SPEC}
    archive = zip_files({f"{REHEARSAL}/blueprint.cfg": json.dumps(cfg), f"{REHEARSAL}/layout.py": REPORT + textwrap.dedent(code)})
    create_blueprint(glue, Name=name, BlueprintLocation=upload(archive))
    found = found_in(start_and_wait(glue, name, {}))
    assert found == {"path": True, "rehearsal_path": [], "modules": [REHEARSAL, f"{REHEARSAL}.layout"], "home": []}


def test_a_layout_cannot_read_the_servers_environment_or_command_line(glue, upload, name, target):
    code = """
    def generate_layout(u, s):
        pid = json.loads(u["Target"])["pid"]
        def via_chdir():
            os.chdir("/proc")
            return open(f"{pid}/cmdline", "rb").read()
        report(
            bytes_path=attempt(lambda: open(f"/proc/{pid}/environ".encode(), "rb").read()),
            dot_dot=attempt(lambda: open(f"/proc/self/../{pid}/environ", "rb").read()),
            chdir=attempt(via_chdir),
            own=sorted(os.environ),
        )
    """
    found = found_in(attack(glue, upload, name, code, target))
    for way in ("bytes_path", "dot_dot", "chdir"):
        assert found[way][0] == "PermissionError", found[way]
    assert "GLUEPRINT_DB_URL" not in found["own"] and "PYTEST_CURRENT_TEST" not in found["own"]


def test_a_layout_cannot_see_the_database_or_the_zygote(glue, upload, name, target):
    code = """
    def generate_layout(u, s):
        t = json.loads(u["Target"])
        def ask_zygote():
            return os.listdir(t["zygote"])
        report(
            db=attempt(lambda: open(t["db"], "r+b").read(16)),
            zygote=attempt(ask_zygote),
            root=sorted(os.listdir("/")),
            uid=os.getuid(),
            writable_usr=attempt(lambda: open("/usr/lib/glueprint-was-here", "w")),
        )
    """
    assert os.path.exists(target["db"]) and os.path.exists(target["zygote"])
    found = found_in(attack(glue, upload, name, code, target))
    assert found["db"][0] == "FileNotFoundError" and found["zygote"][0] == "FileNotFoundError"
    assert "work" not in found["root"] or found["db"][0] == "FileNotFoundError"
    assert found["uid"] not in (0, os.getuid())
    assert found["writable_usr"][0] == "OSError" and "Read-only file system" in found["writable_usr"][1]


def test_a_layout_reaches_the_glue_api_and_s3_and_nothing_else(glue, upload, name, target, server, s3):
    code = """
    def generate_layout(u, s):
        def reach(host, port):
            with socket.create_connection((host, port), timeout=3):
                return "connected"
        endpoints = {k: v for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL")}
        glue_port = int(endpoints["AWS_ENDPOINT_URL_GLUE"].rsplit(":", 1)[1])
        s3_port = int(endpoints["AWS_ENDPOINT_URL_S3"].rsplit(":", 1)[1])
        report(
            glue=attempt(lambda: reach("127.0.0.1", glue_port)),
            s3=attempt(lambda: reach("127.0.0.1", s3_port)),
            postgres=attempt(lambda: reach("127.0.0.1", 5432)),
            internet=attempt(lambda: reach("1.1.1.1", 80)),
            other_alias=attempt(lambda: reach("127.0.0.2", glue_port)),
        )
    """
    found = found_in(attack(glue, upload, name, code, target))
    assert found["glue"][0] == "ok" and found["s3"][0] == "ok"
    assert found["postgres"][0] == "ConnectionRefusedError"
    assert found["internet"][0] in ("OSError", "TimeoutError") and found["other_alias"][0] == "ConnectionRefusedError"


def test_processes_a_layout_starts_bypassing_the_audit_hook_end_with_its_run(glue, upload, name, target):
    code = """
    from multiprocessing.util import spawnv_passfds
    def generate_layout(u, s):
        started = 0
        try:
            for _ in range(200):
                spawnv_passfds(b"/bin/sleep", [b"/bin/sleep", b"313"], ())
                started += 1
        except OSError as exc:
            stopped = type(exc).__name__
        else:
            stopped = None
        report(started=started, stopped=stopped)
    """
    found = found_in(attack(glue, upload, name, code, target))
    assert 0 < found["started"] < 200 and found["stopped"] == "BlockingIOError"  # the per-run process limit
    deadline = time.monotonic() + 60
    while _sleepers("313") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sleepers("313") == []


def _sleepers(arg: str) -> list[str]:
    found = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                if f.read().split(b"\0")[:2] == [b"/bin/sleep", arg.encode()]:
                    found.append(cmdline)
        except OSError:
            pass
    return found


def test_a_layout_cannot_fill_the_disk(glue, upload, name, target):
    code = """
    def generate_layout(u, s):
        def fill(path):
            with open(path, "wb") as f:
                for _ in range(200):
                    f.write(b"x" * (1 << 20))
        report(tmp=attempt(lambda: fill("/tmp/big")), cwd=attempt(lambda: fill("big")))
    """
    found = found_in(attack(glue, upload, name, code, target))
    for where in ("tmp", "cwd"):
        assert found[where][0] == "OSError" and ("File too large" in found[where][1] or "No space" in found[where][1])


def test_a_plan_beyond_the_quotas_fails_at_once(glue, upload, name, target):
    code = """
    from awsglue.blueprint.workflow import *
    def generate_layout(u, s):
        c = {"Name": "glueetl", "ScriptLocation": "s3://b/k.py"}
        return Workflow(Name="huge", Entities=Entities(Jobs=[Job(Name=f"j{i}", Role="r", Command=c) for i in range(20000)]))
    """
    run = attack(glue, upload, name, code, target)
    assert run["State"] == "FAILED"
    assert "The workflow has 20000 jobs; a blueprint run may create at most 1000" in run["ErrorMessage"]


# Starts glueprint with unshare(2) refused, as on kernels or machines without namespaces.
REFUSE_NAMESPACES = (
    "import errno, os, sys, pyseccomp as s\n"
    "f = s.SyscallFilter(s.ALLOW)\n"
    "f.add_rule(s.ERRNO(errno.EPERM), 'unshare')\n"
    "f.load()\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)


def _server_without_namespaces(databases, tmp_session, s3, *extra):
    process = glueprint_server(databases.new(), tmp_session, "--s3-endpoint-url", s3.url, "--log-level", "info", *extra)
    process.args = [sys.executable, "-c", REFUSE_NAMESPACES, *process.args[1:]]
    return process.start()


def test_without_namespaces_layouts_are_refused_unless_unsafe_is_asked_for(databases, tmp_session, s3, upload, name):
    archive = upload(layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}}))
    for extra, expected in (((), "FAILED"), (("--unsafe-sandbox",), "SUCCEEDED")):
        server = _server_without_namespaces(databases, tmp_session, s3, *extra)
        try:
            glue = glue_client(server.url)
            create_blueprint(glue, Name=name, BlueprintLocation=archive)
            run = start_and_wait(glue, name, {"WorkflowName": name})
            assert run["State"] == expected, run
            log = server.log.read_text()
            assert "The layout sandbox cannot isolate runs on this machine" in log
        finally:
            server.stop()
        if expected == "FAILED":
            assert "The layout sandbox is not available on this machine" in run["ErrorMessage"]
            assert "--unsafe-sandbox" in run["ErrorMessage"]


def test_scratch_directories_of_dead_processes_are_removed_at_start(databases, tmp_session, s3):
    tmp = tempfile.gettempdir()
    dead = [os.path.join(tmp, f"glueprint-{kind}-4194999-left") for kind in ("zygote", "run")]
    alive = os.path.join(tmp, f"glueprint-run-{os.getpid()}-kept")
    for path in [*dead, alive]:
        os.makedirs(os.path.join(path, "inside"), exist_ok=True)
    server = glueprint_server(databases.new(), tmp_session, "--s3-endpoint-url", s3.url).start()
    try:
        assert not any(os.path.exists(path) for path in dead)
        assert os.path.exists(alive)
    finally:
        server.stop()
        shutil.rmtree(alive)


def test_a_jail_that_cannot_be_built_fails_its_run_saying_why_and_the_next_run_is_unaffected():
    # The run's relay cannot listen at an address its network namespace does not have: the
    # jail's set-up fails in the zygote, before any process of the run exists.
    sandbox = Sandbox({"glue": "http://127.0.0.1:9"}, "us-east-1", Limits(timeout_s=20))
    archive = layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}})
    run = dict(layout_generator="bp.layout.generate_layout", user_params={"WorkflowName": "w"}, system_params={}, name_suffix="s")
    try:
        working = sandbox.endpoints
        sandbox.endpoints = [relay.Endpoint(("192.0.2.1", 80), ("127.0.0.1", 9))]
        with pytest.raises(
            LayoutError, match=r"status 70 .*\n.*The sandbox could not be set up: .*Cannot assign requested address"
        ):
            sandbox.run_layout(archive, **run)
        sandbox.endpoints = working
        assert sandbox.run_layout(archive, **run)["Workflow"]["Name"] == "w"
    finally:
        sandbox.stop()
