"""glueprint's pytest plugin, registered through the ``pytest11`` entry point
(``pip install 'glueprint[pytest]'``). Fixtures:

- ``mock_glue_client``: a boto3 Glue client answered in-process by a private glueprint
  (``glueprint.testing.mock_glue``): no server, no port, a fresh store per test.
- ``glueprint_server``: a real glueprint server on a free port for the whole session, with
  its own SQLite database and archive folder; ``.url``, ``.client()``,
  ``.put_archive(data, key)`` returning the ``s3://`` location a blueprint is created from,
  and ``.reset()``, which deletes everything it stores (a fresh start between tests).
- ``blueprint_zip``: package a blueprint folder as the ZIP AWS expects (``glueprint.packaging.zip_folder``).
- ``wait_for_blueprint``, ``wait_for_run``: poll until a blueprint is ACTIVE or FAILED, or a
  run has ended (``glueprint.waiting``).
"""

import pytest


@pytest.fixture
def mock_glue_client():
    """A boto3 Glue client answered in-process by a fresh, private glueprint (no server)."""
    import boto3

    from .testing import mock_glue

    with mock_glue():
        yield boto3.client("glue", region_name="us-east-1")


@pytest.fixture(scope="session")
def glueprint_server(tmp_path_factory):
    """A real glueprint server for the session: .url, .client(), .put_archive(data, key), .reset()."""
    from .testing import LocalServer

    server = LocalServer(tmp_path_factory.mktemp("glueprint-server")).start()
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
