"""One run cannot reach another run, nor stall or bloat the server: untrusted source is parsed
only in a jail, a relay flooded with connections costs its own run only, and a jail holds
nothing of any other run (what the zygote it was forked from never read, it cannot inherit).

The database plays no part here: one SQLite server serves the module."""

import json
import os
import re
import textwrap
import time
import uuid
import zipfile

import pytest

from test_sandbox import REPORT, SPEC, found_in

from conftest import ROLE, create_blueprint, start_and_wait, wait_run, zip_files
from servers import glue_client, glueprint_server
from test_runs import SIMPLE_LAYOUT, layout_archive

GOOD_SPEC = {"WorkflowName": {"type": "String"}}


@pytest.fixture(scope="module")
def box(tmp_session, s3):
    server = glueprint_server(
        f"sqlite:///{tmp_session}/isolation-{uuid.uuid4().hex[:8]}.db",
        tmp_session,
        "--s3-endpoint-url",
        s3.url,
        "--run-timeout",
        "20",
        "--run-memory-mb",
        "512",
    ).start()
    yield server, glue_client(server.url)
    server.stop()


def _status(pid: int, field: str) -> int:
    """A number from /proc/<pid>/status (kB for memory fields)."""
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"^{field}:\s+(\d+)", f.read(), re.M).group(1))


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(child) for child in f.read().split()]
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return found


def _zygote_of(server) -> int:
    (zygote,) = [
        pid for pid in _children(server.proc.pid) if b"glueprint.sandbox.zygote" in open(f"/proc/{pid}/cmdline", "rb").read()
    ]
    return zygote


def test_a_layout_module_too_large_to_parse_fails_its_check_in_a_jail_while_the_server_stays_small(box, upload, name):
    # 5 KB compressed, 5 MB of source: Python's parser needs gigabytes for its 2.6 million names.
    server, glue = box
    source = "x = (" + "a," * 2_590_000 + ")\n"
    cfg = {"layoutGenerator": "bp.layout.generate_layout"}
    archive = zip_files({"bp/blueprint.cfg": json.dumps(cfg), "bp/layout.py": source}, zipfile.ZIP_DEFLATED)
    assert len(archive) < 20_000
    peak_before = _status(server.proc.pid, "VmHWM")
    glue.create_blueprint(Name=name, BlueprintLocation=upload(archive))
    slowest, status = 0.0, "CREATING"
    deadline = time.monotonic() + 60
    while status == "CREATING" and time.monotonic() < deadline:
        started = time.monotonic()
        status = glue.get_blueprint(Name=name)["Blueprint"]["Status"]
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.05)
    blueprint = glue.get_blueprint(Name=name)["Blueprint"]
    assert blueprint["Status"] == "FAILED", blueprint
    assert "bp/layout.py" in blueprint["ErrorMessage"] and "parse" in blueprint["ErrorMessage"], blueprint["ErrorMessage"]
    # the API answered all along: parsing this module in the server would hold it 10 s and more
    assert slowest < 5.0
    assert _status(server.proc.pid, "VmHWM") - peak_before < 200 * 1024  # kB: the server never parsed it


def test_a_layout_whose_function_is_missing_still_fails_its_check_saying_so(box, upload, name):
    server, glue = box
    archive = layout_archive("def other(u, s):\n    pass\n")
    blueprint = create_blueprint(glue, Name=name, BlueprintLocation=upload(archive))
    assert blueprint["Status"] == "FAILED"
    assert "bp/layout.py: defines no function generate_layout" in blueprint["ErrorMessage"]


FLOOD = """
import time
def generate_layout(u, s):
    endpoint = os.environ["AWS_ENDPOINT_URL_GLUE"].split("//")[1].split(":")
    held = []
    for _ in range(int(json.loads(u["Target"])["connections"])):
        sock = socket.socket()
        sock.settimeout(0.05)
        try:
            sock.connect((endpoint[0], int(endpoint[1])))
            held.append(sock)
        except OSError:
            sock.close()
    time.sleep(8)  # holding them: the test samples the zygote's threads meanwhile
    report(held=len(held))
"""


def test_a_layout_flooding_its_relay_costs_the_zygote_no_thread_per_connection_and_other_runs_nothing(box, upload, name):
    server, glue = box
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(REPORT + textwrap.dedent(FLOOD), SPEC)))
    create_blueprint(glue, Name=name + "ok", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, GOOD_SPEC)))
    start_and_wait(glue, name + "ok", {"WorkflowName": name + "warm"})  # the zygote is up
    zygote = _zygote_of(server)
    target = json.dumps({"connections": 150})
    flood = glue.start_blueprint_run(BlueprintName=name, RoleArn=ROLE, Parameters=json.dumps({"Target": target}))
    most_threads, good = 0, None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        most_threads = max(most_threads, _status(zygote, "Threads"))
        if good is None and most_threads > 4:  # the flood is under way: a run beside it
            good = start_and_wait(glue, name + "ok", {"WorkflowName": name})
        if glue.get_blueprint_run(BlueprintName=name, RunId=flood["RunId"])["BlueprintRun"]["State"] != "RUNNING":
            break
        time.sleep(0.1)
    found = found_in(wait_run(glue, name, flood["RunId"]))
    assert found["held"] >= 40  # connected: the relay serves some, the listener's backlog holds more
    assert most_threads < 30, most_threads  # before: two threads per connection (300)
    assert good is not None and good["State"] == "SUCCEEDED", good


# The victim says when it holds its parameters (it makes database Held) and holds them until
# the test has scanned (database Done), or for 12 s at most (well within the run timeout, 20 s).
SLEEPER = """
import time
import boto3
def generate_layout(u, s):
    glue = boto3.client("glue")
    glue.create_database(DatabaseInput={"Name": u["Held"]})
    until = time.monotonic() + 12
    while u["Done"] not in [d["Name"] for d in glue.get_databases()["DatabaseList"]] and time.monotonic() < until:
        time.sleep(0.1)
    raise ValueError("done sleeping")
"""
SCAN = """
import _ctypes, sys
def generate_layout(u, s):
    class Char(_ctypes._SimpleCData):
        _type_ = "c"
    class Bytes(_ctypes.Array):
        _type_ = Char
        _length_ = 64
    report(
        cdata=attempt(lambda: bytes(Bytes.from_address(id(sys)))),
        bytes_path=attempt(lambda: open(b"/proc/self/../2/environ", "rb").read()),
    )
"""


def _memory_holds(pid: int, needles: list[bytes]) -> tuple[list[bytes], int]:
    """Which needles a process's readable memory holds, and how many bytes were read."""
    found, read = set(), 0
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            start, end = (int(x, 16) for x in span.split("-"))
            if not perms.startswith("r") or line.rstrip().endswith("[vvar]"):
                continue
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except OSError:
                continue
            read += len(chunk)
            found |= {needle for needle in needles if needle in chunk}
    return sorted(found), read


def _started_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def _now_ticks() -> int:
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK"))


def test_a_jail_holds_nothing_of_a_run_in_progress_and_cannot_scan_its_own_memory(box, upload, name):
    """The attacker's view: while a victim run holds its key and parameters, every jail forked
    after the victim's request arrived (and the zygote they are forked from) holds neither;
    and a layout reading raw memory through ctypes, or /proc through bytes, is refused."""
    server, glue = box
    create_blueprint(
        glue,
        Name=name + "victim",
        BlueprintLocation=upload(layout_archive(SLEEPER, dict.fromkeys(["Secret", "Held", "Done"], {"type": "String"}))),
    )
    create_blueprint(glue, Name=name + "ok", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, GOOD_SPEC)))
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(REPORT + textwrap.dedent(SCAN), SPEC)))
    start_and_wait(glue, name + "ok", {"WorkflowName": name + "warm"})
    zygote = _zygote_of(server)
    secret = f"victim-secret-{uuid.uuid4().hex}"
    held, done = name + "held", name + "done"
    victim = glue.start_blueprint_run(
        BlueprintName=name + "victim", RoleArn=ROLE, Parameters=json.dumps({"Secret": secret, "Held": held, "Done": done})
    )
    key = "GPRUN" + uuid.UUID(victim["RunId"]).hex.upper()
    deadline = time.monotonic() + 60
    while held not in [d["Name"] for d in glue.get_databases()["DatabaseList"]]:  # its jail has its request
        assert time.monotonic() < deadline
        time.sleep(0.05)
    since = _now_ticks()
    for i in range(3):  # each run answered refills the zygote's waiting jails: forked from now on
        assert start_and_wait(glue, name + "ok", {"WorkflowName": f"{name}{i}"})["State"] == "SUCCEEDED"
    scan = glue.start_blueprint_run(BlueprintName=name, RoleArn=ROLE, Parameters=json.dumps({"Target": "{}"}))
    later = [pid for pid in _children(zygote) if _started_ticks(pid) > since]
    assert later, "no jail was forked after the victim's run started"
    needles = [secret.encode(), key.encode()]
    read_total = 0
    for pid in [zygote, *later]:
        try:
            found, read = _memory_holds(pid, needles)
        except (FileNotFoundError, ProcessLookupError):
            continue  # a jail whose run ended meanwhile
        assert found == [], (pid, found)
        read_total += read
    assert read_total > 20 * 1024 * 1024  # the scan did read the processes' memory
    glue.create_database(DatabaseInput={"Name": done})  # the victim may end
    attempts = found_in(wait_run(glue, name, scan["RunId"]))
    assert attempts["cdata"] == ["PermissionError", "sandboxed code may not use ctypes.cdata"]
    assert attempts["bytes_path"][0] == "PermissionError", attempts
    assert "done sleeping" in wait_run(glue, name + "victim", victim["RunId"])["ErrorMessage"]


HOARDERS = """
import time
from multiprocessing.util import spawnv_passfds
def generate_layout(u, s):
    hoard = "b = b'x' * (150 << 20); import time; time.sleep(60)"
    for _ in range(4):  # each within the limit alone; together over it
        spawnv_passfds(sys.executable.encode(), [b"python3", b"-c", hoard.encode()], ())
    time.sleep(60)  # past the run timeout (20 s): only the memory limit ends it sooner
    report(survived=True)
"""


def test_a_run_is_held_to_its_memory_limit_across_all_its_processes(box, upload, name):
    # The server allows 512 MB per run: four processes of 150 MB each pass it together.
    server, glue = box
    code = "import sys\n" + REPORT + textwrap.dedent(HOARDERS)
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(code, SPEC)))
    run = start_and_wait(glue, name, {})
    assert run["State"] == "FAILED"
    assert "processes used more than 512 MB of memory together and were killed" in run["ErrorMessage"], run  # before: survived
