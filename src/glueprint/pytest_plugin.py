"""glueprint's pytest plugin, registered through the ``pytest11`` entry point
(``pip install 'glueprint[pytest]'``). Fixtures:

- ``mock_glue_client``: a boto3 Glue client answered in-process by a private glueprint
  (``glueprint.testing.mock_glue``): no server, no port, a fresh store per test.
- ``glueprint_server``: a real glueprint server on free ports for the whole session, with
  its own SQLite database and its own S3 (``.s3_url``, ``.s3_client()``); ``.url``,
  ``.client()``, and ``.put_archive(data, key)`` returning the ``s3://`` location a blueprint
  is created from. ``--glueprint-s3-endpoint-url`` (with ``--glueprint-s3-access-key`` and
  ``--glueprint-s3-secret-key``), or the ini options of the same names with underscores,
  point it at an external S3 instead.
- ``blueprint_zip``: package a blueprint folder as the ZIP AWS expects (``glueprint.packaging.zip_folder``).
- ``wait_for_blueprint``, ``wait_for_run``: poll until a blueprint is ACTIVE or FAILED, or a
  run has ended (``glueprint.waiting``).
"""

import pytest

_S3_OPTIONS = ("s3_endpoint_url", "s3_access_key", "s3_secret_key")


def pytest_addoption(parser):
    group = parser.getgroup("glueprint")
    for name in _S3_OPTIONS:
        flag = "--glueprint-" + name.replace("_", "-")
        group.addoption(flag, default=None, help=f"glueprint_server: {name.replace('_', ' ')} of an external S3")
        parser.addini(f"glueprint_{name}", f"glueprint_server: {name.replace('_', ' ')} of an external S3")


@pytest.fixture
def mock_glue_client():
    """A boto3 Glue client answered in-process by a fresh, private glueprint (no server)."""
    import boto3

    from .testing import mock_glue

    with mock_glue():
        yield boto3.client("glue", region_name="us-east-1")


@pytest.fixture(scope="session")
def glueprint_server(request, tmp_path_factory):
    """A real glueprint server for the session: .url, .client(), .s3_url, .s3_client(), .put_archive(data, key)."""
    from .testing import LocalServer

    s3 = {
        name: request.config.getoption(f"glueprint_{name}") or request.config.getini(f"glueprint_{name}") or None
        for name in _S3_OPTIONS
    }
    server = LocalServer(tmp_path_factory.mktemp("glueprint-server"), **s3).start()
    yield server
    server.stop()


@pytest.fixture
def blueprint_zip():
    """blueprint_zip(folder) -> the ZIP bytes AWS expects for that blueprint folder."""
    from .packaging import zip_folder

    return zip_folder


@pytest.fixture
def wait_for_blueprint():
    """wait_for_blueprint(glue, name) -> GetBlueprint's Blueprint once ACTIVE or FAILED."""
    from .waiting import wait_for_blueprint

    return wait_for_blueprint


@pytest.fixture
def wait_for_run():
    """wait_for_run(glue, blueprint, run_id) -> GetBlueprintRun's BlueprintRun once it ended."""
    from .waiting import wait_for_blueprint_run

    return wait_for_blueprint_run
