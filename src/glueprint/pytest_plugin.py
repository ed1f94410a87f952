"""glueprint's pytest plugin, registered through the ``pytest11`` entry point
(``pip install 'glueprint[pytest]'``). Fixtures:

- ``mock_glue_client``: a boto3 Glue client answered in-process by a private glueprint
  (``glueprint.testing.mock_glue``): no server, no port, a fresh store per test. A test
  marked ``@pytest.mark.glueprint(outcomes=..., simulated_seconds=..., archive_root=...)``
  gets a mock made with those arguments of ``mock_glue``.
- ``glueprint_server``: a real glueprint server on free ports for the whole session, with
  its own SQLite database and its own S3 (``.s3_url``, ``.s3_client()``); ``.url``,
  ``.client()``, and ``.put_archive(data, key)`` returning the ``s3://`` location a blueprint
  is created from, and ``.reset()``, which deletes everything it stores (a fresh start
  between tests). ``--glueprint-s3-endpoint-url`` (with ``--glueprint-s3-access-key`` and
  ``--glueprint-s3-secret-key``), or the ini options of the same names with underscores,
  point it at an external S3 instead. ``--glueprint-outcome RULE`` (repeatable; ini
  ``glueprint_outcomes``, one rule a line) and ``--glueprint-simulated-seconds S`` (ini
  ``glueprint_simulated_seconds``) say how its job runs and crawls end, as ``glueprint serve``'s
  ``--outcome`` and ``--simulated-seconds`` do; ``--glueprint-no-spark`` (ini
  ``glueprint_no_spark = true``) simulates its ``glueetl`` runs, as ``glueprint serve --no-spark``.
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
    group.addoption(
        "--glueprint-outcome",
        action="append",
        default=[],
        help="glueprint_server: PATTERN=STATE[:SECONDS[:MESSAGE]], how runs of matching jobs or crawlers end (repeatable)",
    )
    parser.addini("glueprint_outcomes", "glueprint_server: outcome rules, one a line", type="linelist")
    group.addoption("--glueprint-simulated-seconds", default=None, help="glueprint_server: how long a Spark job run takes")
    parser.addini("glueprint_simulated_seconds", "glueprint_server: how long a Spark job run takes")
    group.addoption("--glueprint-no-spark", action="store_true", help="glueprint_server: simulate glueetl job runs")
    parser.addini("glueprint_no_spark", "glueprint_server: simulate glueetl job runs", type="bool", default=False)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "glueprint(**options): the arguments of glueprint.testing.mock_glue for this test's mock_glue_client"
    )


@pytest.fixture
def mock_glue_client(request):
    """A boto3 Glue client answered in-process by a fresh, private glueprint (no server),
    made with the arguments of the test's ``glueprint`` mark, if it has one."""
    import boto3

    from .testing import mock_glue

    mark = request.node.get_closest_marker("glueprint")
    with mock_glue(**(mark.kwargs if mark else {})):
        yield boto3.client("glue", region_name="us-east-1")


@pytest.fixture(scope="session")
def glueprint_server(request, tmp_path_factory):
    """A real glueprint server for the session: .url, .client(), .s3_url, .s3_client(), .put_archive(data, key), .reset()."""
    from .testing import LocalServer

    s3 = {
        name: request.config.getoption(f"glueprint_{name}") or request.config.getini(f"glueprint_{name}") or None
        for name in _S3_OPTIONS
    }
    config = request.config
    seconds = config.getoption("glueprint_simulated_seconds") or config.getini("glueprint_simulated_seconds") or None
    server = LocalServer(
        tmp_path_factory.mktemp("glueprint-server"),
        **s3,
        outcomes=config.getoption("glueprint_outcome") + config.getini("glueprint_outcomes"),
        simulated_seconds=float(seconds) if seconds is not None else None,
        spark=not (config.getoption("glueprint_no_spark") or config.getini("glueprint_no_spark")),
    ).start()
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
