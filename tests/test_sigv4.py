"""--auth sigv4: signed requests pass; every kind of bad signature gets the AWS error."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from glueprint.packaging import zip_folder
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

from conftest import ROLE
from servers import HTTP, call_raw, s3_client

KEY, SECRET = "AKIDGLUEPRINTTEST", "s3cr3t/Key+Value"
CONTENT_TYPE = "application/x-amz-json-1.1"


@pytest.fixture(scope="module")
def signed_server(start_server, tmp_path_factory):
    creds = tmp_path_factory.mktemp("creds") / "credentials"
    creds.write_text("[ci]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = fromfile\n")
    return start_server(
        "--auth", "sigv4", "--access-key", KEY, "--secret-key", SECRET, "--credentials-file", str(creds), "--workers", "0"
    )


def client(server, key=KEY, secret=SECRET):
    return boto3.session.Session().client(
        "glue", endpoint_url=server.url, region_name="eu-west-1", aws_access_key_id=key, aws_secret_access_key=secret
    )


def code_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"]


def signed_headers(server, body: bytes, when: datetime, key=KEY, secret=SECRET, service="glue") -> dict:
    """Headers of a request botocore signed as if its clock read ``when``."""
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.ListBlueprints"},
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_requests_signed_with_known_keys_are_served(signed_server):
    assert "Blueprints" in client(signed_server).list_blueprints()
    assert "Blueprints" in client(signed_server, "AKIDFROMFILE", "fromfile").list_blueprints()


def test_unknown_access_key_is_unrecognized_client(signed_server):
    assert code_of(client(signed_server, "AKIDNOBODY", SECRET).list_blueprints) == "UnrecognizedClientException"


def test_wrong_secret_is_invalid_signature(signed_server):
    assert code_of(client(signed_server, KEY, "wrong").list_blueprints) == "InvalidSignatureException"


def test_unsigned_request_is_missing_authentication_token(signed_server):
    response = call_raw(signed_server.url, "ListBlueprints", {})
    assert response.status_code == 403
    assert response.json()["__type"] == "MissingAuthenticationTokenException"


def test_malformed_authorization_is_incomplete_signature(signed_server):
    for header in (
        "AWS4-HMAC-SHA256 Credential=x",
        "Basic abc",
        f"AWS4-HMAC-SHA256 Credential={KEY}/x, SignedHeaders=host, Signature=00",
    ):
        response = call_raw(signed_server.url, "ListBlueprints", {}, Authorization=header, **{"X-Amz-Date": "20261125T000000Z"})
        assert response.json()["__type"] == "IncompleteSignatureException", header


def test_tampered_body_is_invalid_signature(signed_server):
    headers = signed_headers(signed_server, b"{}", datetime.now(UTC))
    response = call_raw(signed_server.url, "ListBlueprints", b'{"MaxResults": 1}', **headers)
    assert response.json()["__type"] == "InvalidSignatureException"


def test_signature_within_the_skew_window_passes_and_outside_fails(signed_server):
    now = datetime.now(UTC)
    ok = call_raw(signed_server.url, "ListBlueprints", b"{}", **signed_headers(signed_server, b"{}", now - timedelta(minutes=14)))
    assert ok.status_code == 200, ok.text
    for skew in (timedelta(minutes=-16), timedelta(minutes=16)):
        late = call_raw(signed_server.url, "ListBlueprints", b"{}", **signed_headers(signed_server, b"{}", now + skew))
        assert late.json()["__type"] == "InvalidSignatureException"
        assert "15 minutes" in late.json()["Message"]


def test_scope_for_another_service_is_invalid_signature(signed_server):
    headers = signed_headers(signed_server, b"{}", datetime.now(UTC), service="s3")
    response = call_raw(signed_server.url, "ListBlueprints", b"{}", **headers)
    assert response.json()["__type"] == "InvalidSignatureException"


def test_scope_date_must_match_the_request_date(signed_server):
    headers = signed_headers(signed_server, b"{}", datetime.now(UTC))
    headers["X-Amz-Date"] = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    response = call_raw(signed_server.url, "ListBlueprints", b"{}", **headers)
    assert response.json()["__type"] == "InvalidSignatureException"
    assert "Credential scope" in response.json()["Message"]


def test_rejected_requests_change_nothing(signed_server):
    bad = client(signed_server, KEY, "wrong")
    assert code_of(bad.delete_blueprint, Name="x") == "InvalidSignatureException"
    assert code_of(bad.create_blueprint, Name="never", BlueprintLocation="s3://b/k.zip") == "InvalidSignatureException"
    assert client(signed_server).list_blueprints()["Blueprints"] == []


def _signed_with_payload_header(server, signed_body: bytes, content_sha256: str) -> dict:
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=signed_body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSGlue.ListBlueprints",
            "X-Amz-Content-SHA256": content_sha256,
        },
    )
    SigV4Auth(Credentials(KEY, SECRET), "glue", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_a_signed_payload_hash_must_be_the_bodys(signed_server):
    body_a, body_b = b"{}", b'{"MaxResults": 1}'
    for claimed in (hashlib.sha256(body_a).hexdigest(), "UNSIGNED-PAYLOAD"):
        headers = _signed_with_payload_header(signed_server, body_a, claimed)
        response = call_raw(signed_server.url, "ListBlueprints", body_b, **headers)
        assert response.json()["__type"] == "InvalidSignatureException", claimed
        assert "x-amz-content-sha256" in response.json()["Message"]
    matching = _signed_with_payload_header(signed_server, body_a, hashlib.sha256(body_a).hexdigest())
    assert call_raw(signed_server.url, "ListBlueprints", body_a, **matching).status_code == 200


def test_a_request_whose_operation_was_not_signed_is_refused(signed_server):
    request = AWSRequest(method="POST", url=signed_server.url + "/", data=b"{}", headers={"Content-Type": CONTENT_TYPE})
    SigV4Auth(Credentials(KEY, SECRET), "glue", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    assert "x-amz-target" not in headers["Authorization"]
    response = call_raw(signed_server.url, "ListBlueprints", b"{}", **headers)  # the target added after signing
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidSignatureException"
    assert "x-amz-target" in response.json()["Message"]


def test_the_dashboard_and_the_index_ask_for_the_keys(signed_server):
    for path in ("/", "/ui", "/ui/blueprints/anything"):
        response = HTTP.get(signed_server.url + path)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
        assert HTTP.get(signed_server.url + path, auth=(KEY, "wrong")).status_code == 401
    assert HTTP.get(signed_server.url + "/ui", auth=(KEY, SECRET)).status_code == 200
    assert HTTP.get(signed_server.url + "/", auth=("AKIDFROMFILE", "fromfile")).status_code == 200


def test_layouts_sign_with_their_runs_own_key_which_ends_with_the_run(start_server, example, tmp_path_factory):
    server = start_server("--auth", "sigv4", "--access-key", KEY, "--secret-key", SECRET)
    glue = client(server)
    glue.create_blueprint(Name="boot", BlueprintLocation=example("catalog_bootstrap"))
    assert wait_for_blueprint(glue, "boot")["Status"] == "ACTIVE"
    params = {"WorkflowName": "signed", "Role": ROLE, "DatabaseName": "signeddb", "DataLocation": "s3://lake/raw/"}
    run_id = glue.start_blueprint_run(BlueprintName="boot", RoleArn=ROLE, Parameters=json.dumps(params))["RunId"]
    run = wait_for_blueprint_run(glue, "boot", run_id)
    assert run["State"] == "SUCCEEDED", run  # the layout's own CreateDatabase was signed and accepted
    assert glue.get_database(Name="signeddb")["Database"]["Name"] == "signeddb"

    spy = tmp_path_factory.mktemp("spy")
    code = (
        "import os, boto3\nfrom awsglue.blueprint.workflow import *\n"
        "def generate_layout(u, s):\n"
        "    glue = boto3.client('glue')\n"
        "    try:\n        glue.delete_blueprint(Name='boot')\n        outcome = 'deleted'\n"
        "    except glue.exceptions.AccessDeniedException:\n        outcome = 'denied'\n"
        "    raise RuntimeError(outcome + ' ' + os.environ['AWS_ACCESS_KEY_ID'] + ' ' + os.environ['AWS_SECRET_ACCESS_KEY'])\n"
    )
    (spy / "spy").mkdir()
    (spy / "spy" / "blueprint.cfg").write_text(json.dumps({"layoutGenerator": "spy.layout.generate_layout"}))
    (spy / "spy" / "layout.py").write_text(code)
    archive = server.args[server.args.index("--s3-endpoint-url") + 1]
    s3_client(archive).put_object(Bucket="blueprints", Key="spy.zip", Body=zip_folder(spy / "spy"))
    glue.create_blueprint(Name="spy", BlueprintLocation="s3://blueprints/spy.zip")
    wait_for_blueprint(glue, "spy")
    run = wait_for_blueprint_run(glue, "spy", glue.start_blueprint_run(BlueprintName="spy", RoleArn=ROLE)["RunId"])
    outcome, key, secret = run["ErrorMessage"].split("RuntimeError: ", 1)[1].split()[:3]
    assert outcome == "denied" and key.startswith("GPRUN")
    assert glue.get_blueprint(Name="boot")["Blueprint"]["Name"] == "boot"
    # The run is over: its key is no longer accepted.
    assert code_of(client(server, key, secret).list_blueprints) == "UnrecognizedClientException"
