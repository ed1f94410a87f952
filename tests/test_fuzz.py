"""Hostile input, generated from the model: the server never answers 5xx, never drops the
connection, never changes state on a rejected request, and stays up."""

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glueprint.protocol.model import operation, target_prefix
from glueprint.service.registry import implemented

from conftest import snapshot
from servers import glue_client

MAX_DEPTH = 4
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), st.lists(st.integers(), max_size=3)
)
# Glue's operations, and CloudWatch Logs' on the same endpoint.
OPERATIONS = [(service, op) for service in ("glue", "logs") for op in implemented(service)]
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _sized_text(shape) -> st.SearchStrategy:
    meta = shape.metadata
    boundaries = [""]
    if "max" in meta:
        boundaries += ["a" * meta["max"], "a" * (meta["max"] + 1)]
    if "min" in meta:
        boundaries.append("a" * meta["min"])
    return st.one_of(st.text(max_size=64), st.sampled_from(boundaries), st.sampled_from(shape.enum or ["x"]))


def strategy(shape, depth: int = 0) -> st.SearchStrategy:
    """Values for a shape: mostly of its type (in and out of its limits), sometimes any JSON."""
    kind = shape.type_name
    if depth > MAX_DEPTH:
        return JUNK
    if kind == "structure":
        members = {name: strategy(member, depth + 1) for name, member in shape.members.items()}
        required = {name: members.pop(name) for name in shape.required_members}
        typed = st.fixed_dictionaries(required, optional=members)
    elif kind == "list":
        typed = st.lists(strategy(shape.member, depth + 1), max_size=min(shape.metadata.get("max", 5) + 1, 30))
    elif kind == "map":
        typed = st.dictionaries(
            st.text(max_size=20), strategy(shape.value, depth + 1), max_size=min(shape.metadata.get("max", 5) + 1, 60)
        )
    elif kind == "string":
        typed = _sized_text(shape)
    elif kind in ("integer", "long"):
        low, high = shape.metadata.get("min", -(2**31)), shape.metadata.get("max", 2**31)
        typed = st.one_of(st.integers(low - 2, high + 2), st.sampled_from([low - 1, high + 1, 2**63, -(2**63)]))
    elif kind in ("double", "float", "timestamp"):
        typed = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "boolean":
        typed = st.booleans()
    else:
        typed = st.text(max_size=20)
    return st.one_of(typed, typed, typed, JUNK)


@pytest.fixture(scope="module")
def target(start_server, example):
    server = start_server("--workers", "0")
    glue = glue_client(server.url)
    glue.create_blueprint(Name="fuzzed", BlueprintLocation=example("crawl_chain"))  # stays CREATING: no workers
    return server, glue, httpx.Client(base_url=server.url, timeout=30)


def send(http: httpx.Client, op: str, content: bytes, service: str = "glue") -> httpx.Response:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"{target_prefix(service)}.{op}"}
    return http.post("/", content=content, headers=headers)


def check(target, op: str, content: bytes, service: str = "glue") -> None:
    server, _, http = target
    before = snapshot(server)
    response = send(http, op, content, service)  # a dropped connection raises here and fails the test
    assert response.status_code < 500, response.text
    assert response.headers["x-amzn-RequestId"]
    if response.status_code >= 400:
        assert response.json()["__type"] == response.headers["X-Amzn-ErrorType"]
        assert snapshot(server) == before, f"{op} was rejected but changed state"


@pytest.mark.parametrize(
    ("service", "op"), OPERATIONS, ids=[op if service == "glue" else f"{service}.{op}" for service, op in OPERATIONS]
)
def test_model_shaped_random_input_never_breaks_the_server(target, service, op):
    @FUZZ
    @given(st.one_of(strategy(operation(op, service).input_shape), JUNK))
    def fuzz(params):
        check(target, op, json.dumps(params, allow_nan=True).encode(), service)

    fuzz()


@FUZZ
@given(operation_=st.sampled_from(OPERATIONS), body=st.binary(max_size=2048))
def test_junk_bodies_never_break_the_server(target, operation_, body):
    service, op = operation_
    check(target, op, body, service)


def test_oversized_and_deeply_nested_bodies_are_refused_cleanly(target):
    server, glue, http = target
    before = snapshot(server)
    assert send(http, "CreateBlueprint", b"[" * 100_000 + b"]" * 100_000).status_code == 400
    assert send(http, "CreateBlueprint", b'{"Name": "' + b"a" * (5 * 1024 * 1024) + b'"}').status_code == 413
    assert snapshot(server) == before
    assert glue.get_blueprint(Name="fuzzed")["Blueprint"]["Status"] == "CREATING"  # untouched; no worker checks it here
