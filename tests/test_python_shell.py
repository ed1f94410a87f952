"""Python shell job scripts as AWS runs them: the analytics library set importable, the
job's PythonVersion honoured, --additional-python-modules installed offline from a wheelhouse.
Nothing here depends on the database: one SQLite server serves the module."""

import time
import uuid
import zipfile

import boto3
import pytest

from conftest import BUCKET, ROLE
from servers import CREDENTIALS, glue_client, glueprint_server, logs_client, stop_all

ANALYTICS = """
import awswrangler, numpy as np, pandas as pd, scipy, sklearn
from sklearn.linear_model import LinearRegression

frame = pd.DataFrame({"x": np.arange(4.0), "y": np.arange(4.0) * 2 + 1})
model = LinearRegression().fit(frame[["x"]], frame["y"])
print(f"slope {model.coef_[0]:.1f} intercept {model.intercept_:.1f}")
"""

MATCH = """
command = "stop"
match command:
    case "stop":
        print("stopping")
"""

WALRUS = """
if (n := 3) > 2:
    print(n)
"""

PYTHON_36 = """
print("{} items".format(len([1, 2, 3])))
"""

USES_TINYMOD = """
import tinymod
print("tinymod", tinymod.VERSION)
"""


def wheel(folder, name: str, version: str, requires: tuple[str, ...] = ()) -> str:
    """A pure-Python wheel of one module: its path."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: glueprint-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{dist}/RECORD"])
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return str(path)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheelhouse")
    wheel(folder, "tinymod", "1.0", requires=("requests>=2", "tinydep>=1"))  # requests: the environment has it
    wheel(folder, "tinydep", "1.0")
    return folder


@pytest.fixture(scope="module")
def shell(tmp_path_factory, s3, wheelhouse):
    folder = tmp_path_factory.mktemp("shell")
    server = glueprint_server(
        f"sqlite:///{folder / 'glue.db'}",
        folder,
        *("--s3-endpoint-url", s3.url, "--wheelhouse", str(wheelhouse)),
        *("--dynamodb-endpoint-url", s3.url),  # moto's server answers DynamoDB too
    )
    yield server.start()
    stop_all([server])


@pytest.fixture(scope="module")
def glue(shell):
    return glue_client(shell.url)


def run(glue, upload, source: str, python_version: str | None = "3.9", **arguments) -> dict:
    job = f"shell_{uuid.uuid4().hex[:8]}"
    script = upload(source.encode(), key=f"{uuid.uuid4().hex}/script.py")
    command = {"Name": "pythonshell", "ScriptLocation": script, **({"PythonVersion": python_version} if python_version else {})}
    glue.create_job(Name=job, Role=ROLE, Command=command)
    run_id = glue.start_job_run(JobName=job, Arguments=arguments)["JobRunId"]
    deadline = time.monotonic() + 120
    while (found := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"] in ("STARTING", "RUNNING"):
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    return found


def output(shell, run: dict, stream: str = "output") -> list[str]:
    events = logs_client(shell.url).get_log_events(
        logGroupName=f"/aws-glue/python-jobs/{stream}", logStreamName=run["Id"], startFromHead=True
    )["events"]
    return [e["message"] for e in events]


def test_the_analytics_library_set_is_importable(shell, glue, upload):
    done = run(glue, upload, ANALYTICS)
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert output(shell, done) == ["slope 2.0 intercept 1.0"]


def test_syntax_newer_than_python_39_fails_the_run(shell, glue, upload):
    done = run(glue, upload, MATCH)
    assert done["JobRunState"] == "FAILED"
    assert done["ErrorMessage"] == "SyntaxError: Pattern matching is only supported in Python 3.10 and greater"
    assert output(shell, done, "error")[-1] == done["ErrorMessage"]


def test_a_job_without_python_version_runs_39(glue, upload):
    assert run(glue, upload, MATCH, python_version=None)["ErrorMessage"].startswith("SyntaxError: Pattern matching")
    assert run(glue, upload, WALRUS, python_version=None)["JobRunState"] == "SUCCEEDED"


def test_python_version_3_is_python_36(glue, upload):
    refused = run(glue, upload, WALRUS, python_version="3")
    assert refused["ErrorMessage"] == "SyntaxError: Assignment expressions are only supported in Python 3.8 and greater"
    assert run(glue, upload, PYTHON_36, python_version="3")["JobRunState"] == "SUCCEEDED"


def test_python_2_cannot_run_here(glue, upload):
    done = run(glue, upload, PYTHON_36, python_version="2")
    assert done["JobRunState"] == "FAILED"
    assert done["ErrorMessage"] == 'PythonVersion \'2\' cannot run here: a Python shell job runs "3.9", "3"'


def test_additional_modules_come_from_the_wheelhouse_with_their_dependencies(shell, glue, upload):
    done = run(glue, upload, USES_TINYMOD + "import tinydep\n", **{"--additional-python-modules": "tinymod==1.0"})
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert output(shell, done) == ["tinymod 1.0"]
    again = run(glue, upload, USES_TINYMOD, **{"--additional-python-modules": "tinymod==1.0"})
    assert again["JobRunState"] == "SUCCEEDED"


def test_a_module_the_wheelhouse_lacks_fails_the_run_saying_so(glue, upload, wheelhouse):
    done = run(glue, upload, USES_TINYMOD, **{"--additional-python-modules": "tinymod==1.0,notthere>=3"})
    assert done["JobRunState"] == "FAILED"
    assert done["ErrorMessage"] == (
        f"--additional-python-modules: cannot install tinymod==1.0, notthere>=3 offline from the wheelhouse {wheelhouse}: "
        "ERROR: No matching distribution found for notthere>=3"
    )


def test_modules_the_environment_has_need_no_wheelhouse(glue, upload):
    done = run(glue, upload, "import requests\nprint('ok')\n", **{"--additional-python-modules": "requests, boto3>=1"})
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")


def test_a_wheel_named_by_its_s3_path_is_installed(shell, glue, upload, tmp_path):
    location = upload(
        open(wheel(tmp_path, "tinymod", "2.0"), "rb").read(), key=f"{uuid.uuid4().hex}/tinymod-2.0-py3-none-any.whl"
    )
    assert location.startswith(f"s3://{BUCKET}/")
    done = run(glue, upload, USES_TINYMOD, **{"--additional-python-modules": location})
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    assert output(shell, done) == ["tinymod 2.0"]


def test_without_a_wheelhouse_a_missing_module_says_how_to_give_one(start_server, upload):
    glue = glue_client(start_server().url)
    done = run(glue, upload, USES_TINYMOD, **{"--additional-python-modules": "tinymod"})
    assert done["JobRunState"] == "FAILED"
    assert "start it with --wheelhouse DIR" in done["ErrorMessage"]


WRITES_DYNAMODB = """
import boto3

dynamodb = boto3.client("dynamodb")
dynamodb.create_table(
    TableName="shell_items",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
dynamodb.put_item(TableName="shell_items", Item={"id": {"S": "a"}})
"""


def test_scripts_reach_the_dynamodb_endpoint_glueprint_is_given(glue, upload, s3):
    done = run(glue, upload, WRITES_DYNAMODB)
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    dynamodb = boto3.client("dynamodb", endpoint_url=s3.url, **CREDENTIALS)
    assert dynamodb.get_item(TableName="shell_items", Key={"id": {"S": "a"}})["Item"] == {"id": {"S": "a"}}
