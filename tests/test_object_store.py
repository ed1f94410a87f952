"""glueprint's own S3 over HTTP, with boto3's client and resource, pyarrow and raw requests:
buckets, objects, ranges, listing pages, copies, multipart uploads, durability across a
restart, SigV4 refusals, and blueprints and crawls whose files live in it."""

import base64
import hashlib
import hmac
import io
import json
import os
import string
import subprocess
import sys
import time
import uuid
import zlib
from urllib.parse import quote

import boto3
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glueprint.packaging import EXAMPLES, zip_folder
from glueprint.waiting import wait_for_blueprint, wait_for_blueprint_run

from conftest import ROLE, zip_files
from servers import HTTP, glue_client, glueprint_server, moto_s3_server

KEYS = {"aws_access_key_id": "s3-test", "aws_secret_access_key": "s3-test-secret", "region_name": "us-east-1"}
MiB = 1024 * 1024


def client_for(url: str, **keys):
    config = Config(retries={"max_attempts": 1})
    return boto3.session.Session().client("s3", endpoint_url=url, config=config, **(keys or KEYS))


@pytest.fixture(scope="module")
def store_server(tmp_path_factory):
    """One server with its own S3 (API tests need no database backend: SQLite)."""
    tmp = tmp_path_factory.mktemp("object-store")
    server = glueprint_server(f"sqlite:///{tmp}/store.db", tmp, "--workers", "0").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3(store_server):
    return client_for(store_server.s3_url)


@pytest.fixture
def bucket(s3):
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def code_of(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def test_buckets_are_created_listed_checked_and_deleted_with_s3s_errors(s3):
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)  # us-east-1 answers 200 for a bucket you own already
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as error:
        s3.delete_bucket(Bucket=name)
    assert code_of(error) == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as error:
        s3.head_bucket(Bucket=name)
    assert code_of(error) == "404"
    with pytest.raises(ClientError) as error:
        s3.list_objects_v2(Bucket=name)
    assert code_of(error) == "NoSuchBucket"
    with pytest.raises(ClientError) as error:
        s3.create_bucket(Bucket="Not_A_Bucket")
    assert code_of(error) == "InvalidBucketName"


def test_operations_it_does_not_implement_are_named_and_change_nothing(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for call, name in (
        (lambda: s3.get_bucket_versioning(Bucket=bucket), "GetBucketVersioning"),
        (lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": []}), "PutObjectTagging"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert (code_of(error), error.value.response["Error"]["Message"]) == (
            "NotImplemented",
            f"glueprint's S3 does not implement {name}.",
        )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_objects_keep_their_bytes_type_and_metadata_and_missing_ones_are_nosuchkey(s3, bucket):
    body = "naïve data\n".encode() * 1000
    put = s3.put_object(Bucket=bucket, Key="dir/file.txt", Body=body, ContentType="text/plain", Metadata={"origin": "test"})
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dir/file.txt")
    assert got["Body"].read() == body
    assert (got["ContentType"], got["Metadata"], got["ETag"]) == ("text/plain", {"origin": "test"}, put["ETag"])
    head = s3.head_object(Bucket=bucket, Key="dir/file.txt")
    assert head["ContentLength"] == len(body)
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="dir/missing")
    assert code_of(error) == "NoSuchKey"
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=bucket, Key="dir/missing")
    assert code_of(error) == "404"
    s3.delete_object(Bucket=bucket, Key="dir/missing")  # deleting a missing key is no error, as on AWS


def test_conditional_gets_answer_not_modified_and_precondition_failed(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"abc")["ETag"]
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k", IfNoneMatch=etag)
    assert code_of(error) == "304"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k", IfMatch='"0000"')
    assert code_of(error) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=etag)["Body"].read() == b"abc"


def test_ranges_read_a_slice_a_suffix_or_an_open_end_and_past_the_end_is_invalid(s3, bucket):
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    part = s3.get_object(Bucket=bucket, Key="digits", Range="bytes=2-4")
    assert (part["Body"].read(), part["ContentRange"], part["ResponseMetadata"]["HTTPStatusCode"]) == (
        b"234",
        "bytes 2-4/10",
        206,
    )
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=-3")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=7-")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=8-100")["Body"].read() == b"89"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-12")
    assert code_of(error) == "InvalidRange"


def test_listing_pages_with_prefix_delimiter_and_start_after_in_key_order(s3, bucket):
    keys = ["a-b", "a/1", "a/2/x", "a/3", "b", "c/d/e", "c/f", "é"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == keys
    assert len(pages) == 4
    top = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}))
    assert [o["Key"] for p in top for o in p.get("Contents", [])] == ["a-b", "b", "é"]
    assert [c["Prefix"] for p in top for c in p.get("CommonPrefixes", [])] == ["a/", "c/"]
    assert len(top) == 5  # a prefix counts towards a page as a key does
    under_a = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in under_a["Contents"]] == ["a/1", "a/3"]
    assert [c["Prefix"] for c in under_a["CommonPrefixes"]] == ["a/2/"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, StartAfter="a/3")["Contents"]] == keys[4:]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="c")["Contents"]] == ["c/d/e", "c/f"]
    v1 = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}))
    assert [o["Key"] for p in v1 for o in p.get("Contents", [])] == keys
    with pytest.raises(ClientError) as error:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="%%%")
    assert code_of(error) == "InvalidArgument"


def test_url_encoded_listings_round_trip_keys_with_spaces_and_plus_signs(s3, bucket):
    s3.put_object(Bucket=bucket, Key="x/a b+c.txt", Body=b"1")
    # boto3 asks for url encoding on its own and decodes; asked for explicitly, it is left encoded.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="x/")["Contents"]] == ["x/a b+c.txt"]
    listed = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="x/")
    assert [o["Key"] for o in listed["Contents"]] == ["x/a+b%2Bc.txt"]


def test_folder_objects_and_deleting_the_last_key_leaves_no_folder(store_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty/", Body=b"")
    s3.put_object(Bucket=bucket, Key="deep/er/k", Body=b"1")
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["deep/er/k", "empty/"]
    s3.delete_object(Bucket=bucket, Key="deep/er/k")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["empty/"]
    assert s3.list_objects_v2(Bucket=bucket, Delimiter="/")["CommonPrefixes"] == [{"Prefix": "empty/"}]


def test_keys_a_file_system_cannot_hold_are_refused_with_a_reason(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    for key in ("a/b", "x//y", "x/../y"):
        with pytest.raises(ClientError) as error:
            s3.put_object(Bucket=bucket, Key=key, Body=b"2")
        assert code_of(error) == "InvalidArgument"
        assert "glueprint keeps objects as files" in error.value.response["Error"]["Message"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["a"]


def test_delete_objects_reports_each_key(s3, bucket):
    for key in ("one", "two"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "one"}, {"Key": "two"}, {"Key": "never"}]})
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["never", "one", "two"]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_a_delete_body_that_is_not_s3s_xml_is_malformed_and_deletes_nothing(store_server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    for body in (
        b"<Delete><Object><Key>kept",
        b'<!DOCTYPE d [<!ENTITY k "kept">]><Delete><Object><Key>&k;</Key></Object></Delete>',
    ):
        answer = HTTP.post(f"{store_server.s3_url}/{bucket}?delete", content=body)
        assert (answer.status_code, "<Code>MalformedXML</Code>" in answer.text) == (400, True)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["kept"]


def test_copies_keep_or_replace_metadata_and_copying_onto_itself_unchanged_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", ContentType="text/csv", Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="same", CopySource={"Bucket": bucket, "Key": "src"})
    same = s3.get_object(Bucket=bucket, Key="same")
    assert (same["Body"].read(), same["ContentType"], same["Metadata"]) == (b"payload", "text/csv", {"a": "1"})
    s3.copy_object(Bucket=bucket, Key="new", CopySource=f"{bucket}/src", MetadataDirective="REPLACE", Metadata={"b": "2"})
    assert s3.head_object(Bucket=bucket, Key="new")["Metadata"] == {"b": "2"}
    with pytest.raises(ClientError) as error:
        s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"})
    assert code_of(error) == "InvalidRequest"
    with pytest.raises(ClientError) as error:
        s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "missing"})
    assert code_of(error) == "NoSuchKey"


def test_multipart_uploads_through_the_resource_copy_and_download_whole(store_server, bucket):
    resource = boto3.session.Session().resource("s3", endpoint_url=store_server.s3_url, **KEYS)
    data = bytes(range(256)) * (13 * MiB // 256)  # three parts of 5 MiB, the last smaller
    transfer = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    resource.Bucket(bucket).upload_fileobj(io.BytesIO(data), "big.bin", Config=transfer)
    big = resource.Object(bucket, "big.bin")
    assert (big.content_length, big.e_tag.strip('"').endswith("-3")) == (len(data), True)
    resource.Object(bucket, "copy.bin").copy({"Bucket": bucket, "Key": "big.bin"}, Config=transfer)  # UploadPartCopy
    out = io.BytesIO()
    resource.Bucket(bucket).download_fileobj("copy.bin", out, Config=transfer)  # ranged GETs
    assert out.getvalue() == data
    assert sorted(o.key for o in resource.Bucket(bucket).objects.filter(Prefix="")) == ["big.bin", "copy.bin"]


def test_multipart_rules_small_parts_order_unknown_uploads_and_abort(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="m", UploadId=upload, PartNumber=n, Body=b"x" * 10)["ETag"] for n in (1, 2)]
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="m", UploadId=upload)["Parts"]] == [1, 2]
    parts = [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": parts})
    assert code_of(error) == "EntityTooSmall"
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": parts[::-1]})
    assert code_of(error) == "InvalidPartOrder"
    done = s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=upload, MultipartUpload={"Parts": parts[1:]})
    assert done["ETag"].endswith('-1"') and s3.get_object(Bucket=bucket, Key="m")["Body"].read() == b"x" * 10
    with pytest.raises(ClientError) as error:
        s3.upload_part(Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"x")
    assert code_of(error) == "NoSuchUpload"
    aborted = s3.create_multipart_upload(Bucket=bucket, Key="n")["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [aborted]
    s3.abort_multipart_upload(Bucket=bucket, Key="n", UploadId=aborted)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def _chunked(pieces: list[bytes], trailer: str) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
    return body + b"0\r\n" + trailer.encode() + b"\r\n\r\n"


def test_aws_chunked_bodies_with_a_checksum_trailer_are_decoded_and_checked(store_server, s3, bucket):
    data = [b"hello ", b"chunked ", b"world"]
    crc = base64.b64encode(zlib.crc32(b"".join(data)).to_bytes(4, "big")).decode()
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-decoded-content-length": str(sum(map(len, data))),
    }
    url = f"{store_server.s3_url}/{bucket}/chunked"
    assert HTTP.put(url, content=_chunked(data, f"x-amz-checksum-crc32:{crc}"), headers=headers).status_code == 200
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == b"hello chunked world"
    bad = HTTP.put(url + "2", content=_chunked(data, "x-amz-checksum-crc32:AAAAAA=="), headers=headers)
    assert (bad.status_code, "<Code>BadDigest</Code>" in bad.text) == (400, True)
    cut = HTTP.put(url + "3", content=_chunked(data, "")[:-12], headers=headers)
    assert (cut.status_code, "<Code>IncompleteBody</Code>" in cut.text) == (400, True)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["chunked"]


def test_a_body_that_does_not_match_its_claimed_sha256_is_refused_and_nothing_is_stored(store_server, s3, bucket):
    answer = HTTP.put(
        f"{store_server.s3_url}/{bucket}/k", content=b"abc", headers={"x-amz-content-sha256": hashlib.sha256(b"abd").hexdigest()}
    )
    assert (answer.status_code, "<Code>XAmzContentSHA256Mismatch</Code>" in answer.text) == (400, True)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_pyarrow_writes_and_reads_a_parquet_file_in_it(store_server, bucket):
    endpoint = store_server.s3_url.removeprefix("http://")
    fs = pafs.S3FileSystem(
        access_key=KEYS["aws_access_key_id"], secret_key=KEYS["aws_secret_access_key"], endpoint_override=endpoint,
        scheme="http", region="us-east-1",
    )  # fmt: skip
    table = pa.table({"id": pa.array(range(1000)), "name": pa.array([f"n{i}" for i in range(1000)])})
    pq.write_table(table, f"{bucket}/data/part-0.parquet", filesystem=fs)
    assert pq.read_table(f"{bucket}/data/part-0.parquet", filesystem=fs).equals(table)
    infos = fs.get_file_info(pafs.FileSelector(f"{bucket}/data"))
    assert [i.path for i in infos] == [f"{bucket}/data/part-0.parquet"]
    assert pq.read_table(f"{bucket}/data", filesystem=fs).num_rows == 1000


def test_pages_of_a_large_folder_follow_its_changes_between_pages(tmp_path):
    """A large folder's order is kept between pages (folder_index.py): what changes in it
    between pages, before and after it settles, is in the next listing."""
    server = glueprint_server(f"sqlite:///{tmp_path}/g.db", tmp_path, "--workers", "0", "--archive-root", str(tmp_path / "s3"))
    server.start()
    try:
        s3 = client_for(server.s3_url)
        s3.create_bucket(Bucket="big")
        flat = tmp_path / "s3" / "big" / "flat"
        (flat / "m-sub").mkdir(parents=True)
        for i in range(600):
            (flat / f"k{i:04d}").write_bytes(b"x")
        (flat / "m-sub" / "inner").write_bytes(b"y")
        keys = sorted([f"flat/k{i:04d}" for i in range(600)] + ["flat/m-sub/inner"])

        def listed(**kwargs) -> list[str]:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket="big", PaginationConfig={"PageSize": 100}, **kwargs)
            return [o["Key"] for page in pages for o in page.get("Contents", [])]

        time.sleep(1.2)  # settled: kept from the first page on
        assert listed(Prefix="flat/") == keys
        s3.delete_object(Bucket="big", Key="flat/k0300")
        s3.put_object(Bucket="big", Key="flat/k0300a", Body=b"z")
        s3.put_object(Bucket="big", Key="flat/zz", Body=b"z")
        keys = sorted([k for k in keys if k != "flat/k0300"] + ["flat/k0300a", "flat/zz"])
        assert listed(Prefix="flat/") == keys  # changed just now: read afresh
        time.sleep(1.2)
        assert listed(Prefix="flat/") == keys
        assert listed(Prefix="flat/", StartAfter="flat/m-sub/") == ["flat/m-sub/inner", "flat/zz"]
        assert listed(Prefix="flat/k03") == [k for k in keys if k.startswith("flat/k03")]
        (flat / "k0301").unlink()  # by hand, after the folder was kept
        assert "flat/k0301" not in listed(Prefix="flat/")
    finally:
        server.stop()


def test_objects_survive_a_restart_and_files_put_in_the_folder_are_objects(tmp_path):
    server = glueprint_server(f"sqlite:///{tmp_path}/g.db", tmp_path, "--workers", "0", "--archive-root", str(tmp_path / "s3"))
    server.start()
    try:
        s3 = client_for(server.s3_url)
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="a/b", Body=b"durable", Metadata={"m": "1"})
        (tmp_path / "s3" / "kept" / "by-hand.txt").write_bytes(b"dropped in")
        server.kill()  # no chance to flush anything: what was acknowledged is on disk
        server.start()
        s3 = client_for(server.s3_url)
        got = s3.get_object(Bucket="kept", Key="a/b")
        assert (got["Body"].read(), got["Metadata"]) == (b"durable", {"m": "1"})
        by_hand = s3.get_object(Bucket="kept", Key="by-hand.txt")
        assert (by_hand["Body"].read(), by_hand["ETag"]) == (b"dropped in", f'"{hashlib.md5(b"dropped in").hexdigest()}"')
        assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == {"kept", "glueprint-examples"}
        assert not list((tmp_path / "s3" / ".glueprint-s3" / "tmp").iterdir())
    finally:
        server.stop()


@pytest.fixture(scope="module")
def signed_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("signed-store")
    keys = ["--auth", "sigv4", "--access-key", KEYS["aws_access_key_id"], "--secret-key", KEYS["aws_secret_access_key"]]
    server = glueprint_server(f"sqlite:///{tmp}/g.db", tmp, "--workers", "0", *keys).start()
    yield server
    server.stop()


def test_with_sigv4_required_bad_or_missing_signatures_are_refused(signed_server):
    good = client_for(signed_server.s3_url)
    good.create_bucket(Bucket="signed")
    good.put_object(Bucket="signed", Key="k", Body=b"secret")
    refusals = {
        "SignatureDoesNotMatch": client_for(signed_server.s3_url, **{**KEYS, "aws_secret_access_key": "wrong"}),
        "InvalidAccessKeyId": client_for(signed_server.s3_url, **{**KEYS, "aws_access_key_id": "nobody"}),
    }
    for code, client in refusals.items():
        with pytest.raises(ClientError) as error:
            client.get_object(Bucket="signed", Key="k")
        assert code_of(error) == code
    unsigned = HTTP.get(f"{signed_server.s3_url}/signed/k")
    assert (unsigned.status_code, "<Code>AccessDenied</Code>" in unsigned.text) == (403, True)
    v4 = boto3.session.Session().client("s3", endpoint_url=signed_server.s3_url, config=Config(signature_version="s3v4"), **KEYS)
    url = v4.generate_presigned_url("get_object", Params={"Bucket": "signed", "Key": "k"}, ExpiresIn=60)
    assert HTTP.get(url).content == b"secret"
    tampered = HTTP.get(url.replace("/signed/k", "/signed/other"))
    assert "<Code>SignatureDoesNotMatch</Code>" in tampered.text
    assert good.get_object(Bucket="signed", Key="k")["Body"].read() == b"secret"


class _StreamingSigner(S3SigV4Auth):
    def payload(self, request):
        return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


def _signed_chunked_put(url: str, pieces: list[bytes]) -> tuple[dict, bytes]:
    """The headers and body of a PUT whose aws-chunked body is signed chunk by chunk
    (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), each signature chained from the one before."""
    headers = {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(sum(map(len, pieces))),
    }
    request = AWSRequest("PUT", url, headers=headers)
    _StreamingSigner(Credentials(KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"]), "s3", "us-east-1").add_auth(request)
    amz_date, previous = request.headers["X-Amz-Date"], request.headers["Authorization"].rsplit("Signature=", 1)[1]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = f"AWS4{KEYS['aws_secret_access_key']}".encode()
    for part in scope.split("/")[:-1] + ["aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    body = b""
    for piece in [*pieces, b""]:
        hashes = [hashlib.sha256(b"").hexdigest(), hashlib.sha256(piece).hexdigest()]
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, *hashes])
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        body += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(piece), previous.encode(), piece)
    return dict(request.headers), body


def test_signed_aws_chunked_bodies_are_checked_chunk_by_chunk(signed_server):
    s3 = client_for(signed_server.s3_url)
    s3.create_bucket(Bucket="streamed")
    url = f"{signed_server.s3_url}/streamed/k"
    headers, body = _signed_chunked_put(url, [b"a" * 70000, b"b" * 10])
    assert HTTP.put(url, content=body, headers=headers).status_code == 200
    assert s3.get_object(Bucket="streamed", Key="k")["Body"].read() == b"a" * 70000 + b"b" * 10
    headers, body = _signed_chunked_put(url + "2", [b"a" * 70000, b"b" * 10])
    tampered = HTTP.put(url + "2", content=body.replace(b"b" * 10, b"c" * 10), headers=headers)
    assert (tampered.status_code, "<Code>SignatureDoesNotMatch</Code>" in tampered.text) == (403, True)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="streamed")["Contents"]] == ["k"]


def test_a_blueprint_archive_and_a_crawled_dataset_in_its_own_s3_run_end_to_end(databases, tmp_session):
    server = glueprint_server(databases.new(), tmp_session).start()
    try:
        s3, glue = client_for(server.s3_url), glue_client(server.url)
        s3.create_bucket(Bucket="lake")
        s3.put_object(Bucket="lake", Key="bp/crawl_chain.zip", Body=zip_folder(EXAMPLES / "crawl_chain"))
        s3.put_object(Bucket="lake", Key="raw/sales/part-0.csv", Body=b"id,amount\n1,2.5\n2,3.5\n")
        glue.create_blueprint(Name="in_store", BlueprintLocation="s3://lake/bp/crawl_chain.zip")
        assert wait_for_blueprint(glue, "in_store")["Status"] == "ACTIVE"
        params = {"WorkflowName": "wf_store", "IAMRole": ROLE, "S3Paths": ["s3://lake/raw/"]}
        run_id = glue.start_blueprint_run(BlueprintName="in_store", RoleArn=ROLE, Parameters=json.dumps(params))["RunId"]
        assert wait_for_blueprint_run(glue, "in_store", run_id)["State"] == "SUCCEEDED"
        crawler = next(
            n["Name"]
            for n in glue.get_workflow(Name="wf_store", IncludeGraph=True)["Workflow"]["Graph"]["Nodes"]
            if n["Type"] == "CRAWLER"
        )
        database = glue.get_crawler(Name=crawler)["Crawler"]["DatabaseName"]
        glue.start_crawler(Name=crawler)
        deadline = time.monotonic() + 120
        while (state := glue.get_crawler(Name=crawler)["Crawler"]).get("LastCrawl") is None or state["State"] != "READY":
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
        assert state["LastCrawl"]["Status"] == "SUCCEEDED", state["LastCrawl"]
        tables = glue.get_tables(DatabaseName=database)["TableList"]
        # One folder below the include path: as on AWS, a table of the include path with that
        # folder as its partition (crawler-s3-folder-table-partition).
        assert [t["StorageDescriptor"]["Location"] for t in tables] == ["s3://lake/raw/"]
        example = glue.create_blueprint(Name="example_from_store", BlueprintLocation="s3://glueprint-examples/etl_schedule.zip")
        assert example["Name"] == "example_from_store"
        assert wait_for_blueprint(glue, "example_from_store")["Status"] == "ACTIVE"
        assert s3.head_object(Bucket="glueprint-examples", Key="etl_schedule.zip")["ContentLength"] > 0
    finally:
        server.stop()


def test_a_layout_scripts_own_boto3_s3_calls_reach_the_store(databases, tmp_session):
    layout = (
        "import boto3\n"
        "from awsglue.blueprint.workflow import Entities, Workflow\n"
        "from awsglue.blueprint.job import Job\n"
        "def generate_layout(user_params, system_params):\n"
        "    s3 = boto3.client('s3')\n"
        "    s3.create_bucket(Bucket='made-by-layout')\n"
        "    s3.put_object(Bucket='made-by-layout', Key='hello.txt', Body=b'from the jail')\n"
        "    job = Job(Name='j', Command={'Name': 'pythonshell', 'ScriptLocation': 's3://made-by-layout/hello.txt'}, Role='r')\n"
        "    return Workflow(Name=user_params['WorkflowName'], Entities=Entities(Jobs=[job]))\n"
    )
    archive = zip_files(
        {
            "bp/blueprint.cfg": json.dumps(
                {"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": {"WorkflowName": {"type": "String"}}}
            ),
            "bp/layout.py": layout,
        }
    )
    server = glueprint_server(databases.new(), tmp_session).start()
    try:
        s3, glue = client_for(server.s3_url), glue_client(server.url)
        s3.create_bucket(Bucket="archives")
        s3.put_object(Bucket="archives", Key="bp.zip", Body=archive)
        glue.create_blueprint(Name="writes_s3", BlueprintLocation="s3://archives/bp.zip")
        assert wait_for_blueprint(glue, "writes_s3")["Status"] == "ACTIVE"
        run_id = glue.start_blueprint_run(
            BlueprintName="writes_s3", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": "wf_jail"})
        )["RunId"]
        run = wait_for_blueprint_run(glue, "writes_s3", run_id)
        assert run["State"] == "SUCCEEDED", run.get("ErrorMessage")
        assert s3.get_object(Bucket="made-by-layout", Key="hello.txt")["Body"].read() == b"from the jail"
    finally:
        server.stop()


FIXTURE_USER = """
import os
from glueprint.packaging import EXAMPLES, zip_folder
from glueprint.waiting import wait_for_blueprint


def test_archives_go_to_the_servers_s3(glueprint_server):
    location = glueprint_server.put_archive(zip_folder(EXAMPLES / "crawl_chain"), "chain.zip")
    glue = glueprint_server.client()
    glue.create_blueprint(Name="chain", BlueprintLocation=location)
    assert wait_for_blueprint(glue, "chain")["Status"] == "ACTIVE"
    assert glueprint_server.s3_client().head_object(Bucket="local", Key="chain.zip")["ContentLength"] > 0
    assert (glueprint_server.s3_url == os.environ["EXPECTED_S3"]) == bool(os.environ["EXPECTED_S3"])
"""


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory):
    server = moto_s3_server(tmp_path_factory.mktemp("moto")).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("external", [False, True], ids=["own S3", "external S3"])
def test_the_glueprint_server_fixture_has_its_own_s3_or_the_external_one_it_is_given(moto_s3, tmp_path, external):
    (tmp_path / "test_user.py").write_text(FIXTURE_USER)
    keys = ["--glueprint-s3-access-key", "testing", "--glueprint-s3-secret-key", "testing"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUEPRINT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"]
        + (["--glueprint-s3-endpoint-url", moto_s3, *keys] if external else []),
        cwd=tmp_path,
        env={**env, "EXPECTED_S3": moto_s3 if external else ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_external_s3_is_signed_with_glueprints_keys_never_with_the_ambient_aws_ones(moto_s3, tmp_path):
    moto = client_for(moto_s3)
    moto.create_bucket(Bucket="ambient")
    moto.put_object(Bucket="ambient", Key="chain.zip", Body=zip_folder(EXAMPLES / "crawl_chain"))
    server = glueprint_server(f"sqlite:///{tmp_path}/g.db", tmp_path, "--s3-endpoint-url", moto_s3)
    for name in ("GLUEPRINT_S3_ACCESS_KEY", "GLUEPRINT_S3_SECRET_KEY"):
        del server.env[name]  # only AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are left, which moto would accept
    server.start()
    try:
        glue = glue_client(server.url)
        glue.create_blueprint(Name="unsigned", BlueprintLocation="s3://ambient/chain.zip")
        failed = wait_for_blueprint(glue, "unsigned")
        assert failed["Status"] == "FAILED" and "403" in failed["ErrorMessage"], failed  # moto refuses unsigned reads
    finally:
        server.stop()
    server.args += ["--s3-access-key", "testing", "--s3-secret-key", "testing"]
    server.start()
    try:
        glue = glue_client(server.url)
        glue.update_blueprint(Name="unsigned", BlueprintLocation="s3://ambient/chain.zip")
        assert wait_for_blueprint(glue, "unsigned")["Status"] == "ACTIVE"
    finally:
        server.stop()


QUERY_KEYS = ["list-type", "uploads", "uploadId", "partNumber", "delete", "location", "max-keys", "continuation-token",
              "prefix", "delimiter", "start-after", "encoding-type", "marker", "part-number-marker", "acl"]  # fmt: skip
HEADERS = ["range", "x-amz-copy-source", "x-amz-copy-source-range", "if-match", "if-none-match", "content-md5",
           "x-amz-content-sha256", "content-encoding", "x-amz-decoded-content-length", "x-amz-metadata-directive",
           "x-amz-checksum-crc32", "x-amz-trailer", "x-amz-meta-a"]  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)
HEADER_TEXT = st.text(string.ascii_letters + string.digits + "-=/,;:*+", min_size=1, max_size=12)  # what HTTP carries


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]),
    key=st.one_of(st.just(""), st.sampled_from(["k", "a/b", "a/", "x//y", "../up"]), TEXT),
    query=st.dictionaries(
        st.sampled_from(QUERY_KEYS), st.one_of(st.just(""), st.sampled_from(["2", "-1", "%%", "x"]), TEXT), max_size=3
    ),
    headers=st.dictionaries(
        st.sampled_from(HEADERS),
        st.one_of(st.sampled_from(["bytes=0-1", "aws-chunked", "fuzz/k", "abc"]), HEADER_TEXT),
        max_size=3,
    ),
    body=st.binary(max_size=64),
)
def test_no_request_makes_it_fail_with_a_500(store_server, fuzz_bucket, method, key, query, headers, body):
    url = f"{store_server.s3_url}/{fuzz_bucket}/{quote(key)}"
    answer = HTTP.request(method, url, params=query, headers=headers, content=body)
    assert answer.status_code != 500, (answer.status_code, answer.text)  # 501 names an operation not built


@pytest.fixture(scope="module")
def fuzz_bucket(s3):
    s3.create_bucket(Bucket="fuzz")
    s3.put_object(Bucket="fuzz", Key="k", Body=b"0123456789")
    return "fuzz"
