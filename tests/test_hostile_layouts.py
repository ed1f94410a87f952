"""Layout scripts that misbehave fail their own run, clearly, while other runs keep succeeding."""

import json

import pytest

from conftest import ROLE, create_blueprint, wait_run
from test_runs import SIMPLE_LAYOUT, layout_archive

HOSTILE = {
    "memory-bomb": (
        "def generate_layout(u, s):\n    hoard = []\n    while True:\n        hoard.append(bytearray(50 * 1024 * 1024))\n",
        "MemoryError",
    ),
    "fork-bomb": ("import os\ndef generate_layout(u, s):\n    while True:\n        os.fork()\n", "may not use os.fork"),
    "shell-out": (
        "import subprocess\ndef generate_layout(u, s):\n    subprocess.run(['true'])\n",
        "may not use subprocess.Popen",
    ),
    "kill-the-server": ("import os\ndef generate_layout(u, s):\n    os.kill(os.getppid(), 9)\n", "may not use os.kill"),
    "native-code": ("import ctypes\ndef generate_layout(u, s):\n    ctypes.CDLL(None).fork()\n", "may not use ctypes.dlopen"),
    "read-server-environment": (
        "import os\ndef generate_layout(u, s):\n    open(f'/proc/{os.getppid()}/environ').read()\n",
        "may not read /proc/",
    ),
    # Output goes through a pipe whose tail is kept, never to disk: flooding it changes nothing.
    "flood-of-output": (
        "import sys\ndef generate_layout(u, s):\n    line = 'x' * 1023 + '\\n'\n    for _ in range(40 * 1024):\n        sys.stdout.write(line)\n    raise ValueError('flooded')\n",
        "ValueError: flooded",
    ),
    # PID 1 of its namespace ignores SIGABRT, so abort() ends it by a fault: a signal all the same.
    "abort": ("import os\ndef generate_layout(u, s):\n    os.abort()\n", "The layout script's process was killed by SIG"),
    "exit-quietly": (
        "import os\ndef generate_layout(u, s):\n    os._exit(0)\n",
        "exited with status 0 before returning a workflow",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_layout_fails_its_run_while_a_good_run_succeeds(glue, upload, name, case):
    code, expected = HOSTILE[case]
    create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(code)))
    create_blueprint(
        glue, Name=name + "ok", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    bad = glue.start_blueprint_run(BlueprintName=name, RoleArn=ROLE)["RunId"]
    good = glue.start_blueprint_run(BlueprintName=name + "ok", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": name}))[
        "RunId"
    ]
    bad_run = wait_run(glue, name, bad)
    assert bad_run["State"] == "FAILED"
    assert expected in bad_run["ErrorMessage"], bad_run["ErrorMessage"]
    assert wait_run(glue, name + "ok", good)["State"] == "SUCCEEDED"
    assert glue.list_blueprints()["Blueprints"] is not None  # the server is still answering
