"""One function per S3 operation: a Call in, a Reply out, the folder store in between.

Outputs are dicts shaped as botocore's ``s3`` model says (xml.render turns them into headers
and XML); blocking file work runs in the thread pool.
"""

import base64
import binascii
import email.utils
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote

from starlette.concurrency import run_in_threadpool

from . import xml
from .body import Body
from .errors import S3Error
from .storage import MAX_PART_NUMBER, ObjectInfo, ObjectStore

OWNER = {"DisplayName": "glueprint", "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}
STORED_HEADERS = ("content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires")
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
MAX_METADATA_BYTES = 2048
MAX_XML_BYTES = 2 * 1024 * 1024
MAX_DELETE_KEYS = 1000
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}


@dataclass
class Call:
    method: str
    bucket: str
    key: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Body
    region: str


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    file: tuple[str, int, int] | None = None  # (path, offset, length) streamed as the body


Handler = Callable[[Call, ObjectStore], Awaitable[Reply]]


def _rendered(name: str, output: dict, status: int = 200) -> Reply:
    headers, body = xml.render(name, output)
    return Reply(status, headers, body)


def _object_headers(info: ObjectInfo) -> list[tuple[str, str]]:
    headers = [
        ("etag", f'"{info.etag}"'),
        ("last-modified", email.utils.formatdate(info.modified, usegmt=True)),
        ("accept-ranges", "bytes"),
    ]
    stored = {"content-type": DEFAULT_CONTENT_TYPE} | info.headers
    headers += list(stored.items())
    headers += [(f"x-amz-meta-{k}", v) for k, v in info.metadata.items()]
    return headers


def _stored(call: Call) -> tuple[dict, dict]:
    """The headers and user metadata a write keeps with the object."""
    headers = {h: call.headers[h] for h in STORED_HEADERS if h in call.headers}
    if "content-encoding" in headers:  # aws-chunked is the framing of this request, not of the object
        kept = [e.strip() for e in headers["content-encoding"].split(",") if e.strip() != "aws-chunked"]
        headers["content-encoding"] = ",".join(kept)
        if not kept:
            del headers["content-encoding"]
    metadata = {k.removeprefix("x-amz-meta-"): v for k, v in call.headers.items() if k.startswith("x-amz-meta-")}
    if sum(len(k) + len(v) for k, v in metadata.items()) > MAX_METADATA_BYTES:
        raise S3Error("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
    return headers, metadata


async def _receive_into(call: Call, store: ObjectStore):
    writer = await run_in_threadpool(store.writer)
    try:
        async for piece in call.body:
            writer.write(piece)
    except BaseException:
        writer.discard()
        raise
    return writer


# -- buckets ---------------------------------------------------------------------------------


async def list_buckets(call: Call, store: ObjectStore) -> Reply:
    buckets = await run_in_threadpool(store.buckets)
    return _rendered("ListBuckets", {"Buckets": [{"Name": n, "CreationDate": t} for n, t in buckets], "Owner": OWNER})


async def create_bucket(call: Call, store: ObjectStore) -> Reply:
    body = await call.body.read(MAX_XML_BYTES)
    if body.strip():
        xml.parse("CreateBucket", body)  # only checked: every bucket lives in this one folder
    created = await run_in_threadpool(store.create_bucket, call.bucket)
    if not created and call.region != "us-east-1":
        # In us-east-1 AWS answers 200 for a bucket you own already (its API reference).
        raise S3Error(
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
            BucketName=call.bucket,
        )
    return _rendered("CreateBucket", {"Location": f"/{call.bucket}"})


async def delete_bucket(call: Call, store: ObjectStore) -> Reply:
    await run_in_threadpool(store.delete_bucket, call.bucket)
    return Reply(204)


async def head_bucket(call: Call, store: ObjectStore) -> Reply:
    if not await run_in_threadpool(store.has_bucket, call.bucket):
        raise S3Error("NoSuchBucket", "The specified bucket does not exist", BucketName=call.bucket)
    return Reply(200, [("x-amz-bucket-region", call.region)])


async def get_bucket_location(call: Call, store: ObjectStore) -> Reply:
    await head_bucket(call, store)
    region = "" if call.region == "us-east-1" else call.region  # us-east-1 is the empty constraint
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="{xml.NAMESPACE}">{region}</LocationConstraint>'
    return Reply(200, [("content-type", "application/xml")], body.encode())


# -- listing ---------------------------------------------------------------------------------


def _max_keys(call: Call) -> int:
    text = call.query.get("max-keys", "1000")
    if not re.fullmatch(r"\d+", text):
        raise S3Error(
            "InvalidArgument",
            "Provided max-keys not an integer or within integer range",
            ArgumentName="max-keys",
            ArgumentValue=text,
        )
    return min(int(text), 1000)


def _encoder(call: Call) -> Callable[[str], str]:
    kind = call.query.get("encoding-type")
    if kind is None:
        return lambda s: s
    if kind != "url":
        raise S3Error(
            "InvalidArgument", "Invalid Encoding Method specified in Request", ArgumentName="encoding-type", ArgumentValue=kind
        )
    return lambda s: quote_plus(s, safe="/")  # botocore reads it back with unquote_plus


def _entries(listing, encode) -> dict:
    return {
        "Contents": [
            {"Key": encode(i.key), "LastModified": i.modified, "ETag": f'"{i.etag}"', "Size": i.size, "StorageClass": "STANDARD"}
            for i in listing.contents
        ],
        "CommonPrefixes": [{"Prefix": encode(p)} for p in listing.prefixes],
    }


def _token(key: str) -> str:
    return base64.b64encode(key.encode(), altchars=b"-_").decode()


def _untoken(token: str) -> str:
    try:
        return base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise S3Error(
            "InvalidArgument", "The continuation token provided is incorrect", ArgumentName="continuation-token"
        ) from None


async def list_objects_v2(call: Call, store: ObjectStore) -> Reply:
    encode, max_keys = _encoder(call), _max_keys(call)
    prefix, delimiter = call.query.get("prefix", ""), call.query.get("delimiter", "")
    start_after, token = call.query.get("start-after"), call.query.get("continuation-token")
    after = _untoken(token) if token is not None else start_after
    listing = await run_in_threadpool(store.listing, call.bucket, prefix, delimiter, after, max_keys)
    output = {
        "Name": call.bucket,
        "Prefix": encode(prefix),
        "MaxKeys": max_keys,
        "KeyCount": len(listing.contents) + len(listing.prefixes),
        "IsTruncated": listing.truncated,
        **_entries(listing, encode),
    }
    if delimiter:
        output["Delimiter"] = encode(delimiter)
    if "encoding-type" in call.query:
        output["EncodingType"] = "url"
    if token is not None:
        output["ContinuationToken"] = token
    if start_after is not None:
        output["StartAfter"] = encode(start_after)
    if listing.truncated:
        output["NextContinuationToken"] = _token(listing.last)
    return _rendered("ListObjectsV2", output)


async def list_objects(call: Call, store: ObjectStore) -> Reply:
    encode, max_keys = _encoder(call), _max_keys(call)
    prefix, delimiter, marker = call.query.get("prefix", ""), call.query.get("delimiter", ""), call.query.get("marker", "")
    listing = await run_in_threadpool(store.listing, call.bucket, prefix, delimiter, marker or None, max_keys)
    output = {
        "Name": call.bucket,
        "Prefix": encode(prefix),
        "Marker": encode(marker),
        "MaxKeys": max_keys,
        "IsTruncated": listing.truncated,
        **_entries(listing, encode),
    }
    if delimiter:
        output["Delimiter"] = encode(delimiter)
        if listing.truncated:
            output["NextMarker"] = encode(listing.last)  # only with a delimiter, as on AWS
    if "encoding-type" in call.query:
        output["EncodingType"] = "url"
    return _rendered("ListObjects", output)


# -- objects ---------------------------------------------------------------------------------


async def put_object(call: Call, store: ObjectStore) -> Reply:
    headers, metadata = _stored(call)
    writer = await _receive_into(call, store)
    info = await run_in_threadpool(store.commit, writer, call.bucket, call.key, headers, metadata)
    return Reply(200, [("etag", f'"{info.etag}"')])


def _check_conditions(call: Call, info: ObjectInfo) -> None:
    """If-Match and If-Unmodified-Since fail with 412; If-None-Match and If-Modified-Since
    answer 304 Not Modified, as S3 does."""
    etag, modified = f'"{info.etag}"', int(info.modified)
    if (match := call.headers.get("if-match")) is not None and match.strip() not in (etag, "*", info.etag):
        raise S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", Condition="If-Match")
    if (
        (since := _date(call.headers.get("if-unmodified-since"))) is not None
        and "if-match" not in call.headers
        and modified > since
    ):
        raise S3Error(
            "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", Condition="If-Unmodified-Since"
        )
    none_match = call.headers.get("if-none-match")
    if none_match is not None and none_match.strip() in (etag, "*", info.etag):
        raise NotModified(info)
    if (since := _date(call.headers.get("if-modified-since"))) is not None and none_match is None and modified <= since:
        raise NotModified(info)


def _date(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(email.utils.parsedate_to_datetime(text).timestamp())
    except (TypeError, ValueError):
        return None  # S3 ignores a date it cannot read


class NotModified(Exception):
    def __init__(self, info: ObjectInfo):
        self.info = info


def _range(text: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single "bytes=" range; None for the whole object."""
    match = _RANGE.fullmatch(text.strip())
    if not match or match.groups() == ("", ""):
        return None  # malformed or several ranges: S3 serves the whole object
    first, last = match.groups()
    if first == "":
        if int(last) == 0:
            raise _invalid_range(size)
        return max(0, size - int(last)), size - 1
    if int(first) >= size:
        raise _invalid_range(size)
    return int(first), min(size - 1, int(last)) if last else size - 1


def _invalid_range(size: int) -> S3Error:
    return S3Error("InvalidRange", "The requested range is not satisfiable", ActualObjectSize=str(size))


async def _object(call: Call, store: ObjectStore) -> ObjectInfo:
    info = await run_in_threadpool(store.stat, call.bucket, call.key)
    _check_conditions(call, info)
    return info


async def get_object(call: Call, store: ObjectStore) -> Reply:
    info = await _object(call, store)
    headers = [(h, v) for h, v in _object_headers(info) if not any(h == _OVERRIDES.get(q) for q in call.query)]
    headers += [(_OVERRIDES[q], v) for q, v in call.query.items() if q in _OVERRIDES]
    part = _range(call.headers["range"], info.size) if "range" in call.headers else None
    if part is None:
        return Reply(200, headers, file=(str(info.path), 0, info.size))
    first, last = part
    headers.append(("content-range", f"bytes {first}-{last}/{info.size}"))
    return Reply(206, headers, file=(str(info.path), first, last - first + 1))


async def head_object(call: Call, store: ObjectStore) -> Reply:
    info = await _object(call, store)
    return Reply(200, [*_object_headers(info), ("content-length", str(info.size))])


async def delete_object(call: Call, store: ObjectStore) -> Reply:
    await run_in_threadpool(store.delete, call.bucket, call.key)
    return Reply(204)


async def delete_objects(call: Call, store: ObjectStore) -> Reply:
    request = xml.parse("DeleteObjects", await call.body.read(MAX_XML_BYTES))
    objects = request.get("Objects", [])
    if not objects or len(objects) > MAX_DELETE_KEYS:
        raise S3Error("MalformedXML", xml.MALFORMED)
    deleted, failed = [], []
    for item in objects:
        key = item.get("Key", "")
        try:
            await run_in_threadpool(store.delete, call.bucket, key)
            deleted.append({"Key": key})
        except S3Error as exc:
            if exc.code == "NoSuchBucket":
                raise
            failed.append({"Key": key, "Code": exc.code, "Message": exc.message})
    output = {"Errors": failed} | ({} if request.get("Quiet") else {"Deleted": deleted})
    return _rendered("DeleteObjects", output)


def _copy_source(call: Call) -> tuple[str, str]:
    source = unquote(call.headers["x-amz-copy-source"]).partition("?")[0].lstrip("/")
    bucket, _, key = source.partition("/")
    if not bucket or not key:
        raise S3Error(
            "InvalidArgument",
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source",
        )
    return bucket, key


async def copy_object(call: Call, store: ObjectStore) -> Reply:
    bucket, key = _copy_source(call)
    directive = call.headers.get("x-amz-metadata-directive", "COPY")
    if directive not in ("COPY", "REPLACE"):
        raise S3Error(
            "InvalidArgument", "Unknown metadata directive.", ArgumentName="x-amz-metadata-directive", ArgumentValue=directive
        )
    if (bucket, key) == (call.bucket, call.key) and directive == "COPY":
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the "
            "object's metadata, storage class, website redirect location or encryption attributes.",
        )
    await call.body.read(0)
    headers, metadata = _stored(call) if directive == "REPLACE" else (None, None)
    info = await run_in_threadpool(store.copy, bucket, key, call.bucket, call.key, headers, metadata)
    return _rendered("CopyObject", {"CopyObjectResult": {"ETag": f'"{info.etag}"', "LastModified": info.modified}})


# -- multipart uploads -----------------------------------------------------------------------


async def create_multipart_upload(call: Call, store: ObjectStore) -> Reply:
    headers, metadata = _stored(call)
    upload_id = await run_in_threadpool(store.create_upload, call.bucket, call.key, headers, metadata)
    return _rendered("CreateMultipartUpload", {"Bucket": call.bucket, "Key": call.key, "UploadId": upload_id})


def _part_number(call: Call) -> int:
    text = call.query["partNumber"]
    if not text.isdigit() or not 1 <= int(text) <= MAX_PART_NUMBER:
        raise S3Error(
            "InvalidArgument",
            f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=text,
        )
    return int(text)


async def upload_part(call: Call, store: ObjectStore) -> Reply:
    number = _part_number(call)
    await run_in_threadpool(store.upload, call.bucket, call.key, call.query["uploadId"])
    writer = await _receive_into(call, store)
    etag = await run_in_threadpool(store.commit_part, writer, call.bucket, call.key, call.query["uploadId"], number)
    return Reply(200, [("etag", f'"{etag}"')])


async def upload_part_copy(call: Call, store: ObjectStore) -> Reply:
    number = _part_number(call)
    bucket, key = _copy_source(call)
    await call.body.read(0)
    source = await run_in_threadpool(store.stat, bucket, key)
    first, length = 0, source.size
    if "x-amz-copy-source-range" in call.headers:
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", call.headers["x-amz-copy-source-range"])
        if not match or int(match[1]) > int(match[2]) or int(match[2]) >= source.size:
            raise S3Error(
                "InvalidArgument",
                "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                ArgumentName="x-amz-copy-source-range",
            )
        first, length = int(match[1]), int(match[2]) - int(match[1]) + 1

    def copy_part() -> tuple[str, float]:
        writer = store.writer()
        try:
            with open(source.path, "rb") as f:
                f.seek(first)
                left = length
                while left and (chunk := f.read(min(left, 1024 * 1024))):
                    writer.write(chunk)
                    left -= len(chunk)
        except BaseException:
            writer.discard()
            raise
        return store.commit_part(writer, call.bucket, call.key, call.query["uploadId"], number), time.time()

    etag, modified = await run_in_threadpool(copy_part)
    return _rendered("UploadPartCopy", {"CopyPartResult": {"ETag": f'"{etag}"', "LastModified": modified}})


async def complete_multipart_upload(call: Call, store: ObjectStore) -> Reply:
    request = xml.parse("CompleteMultipartUpload", await call.body.read(MAX_XML_BYTES))
    chosen = [(p.get("PartNumber", 0), p.get("ETag", "")) for p in request.get("Parts", [])]
    info = await run_in_threadpool(store.complete, call.bucket, call.key, call.query["uploadId"], chosen)
    return _rendered(
        "CompleteMultipartUpload",
        {"Location": f"/{call.bucket}/{quote(call.key)}", "Bucket": call.bucket, "Key": call.key, "ETag": f'"{info.etag}"'},
    )


async def abort_multipart_upload(call: Call, store: ObjectStore) -> Reply:
    await run_in_threadpool(store.abort, call.bucket, call.key, call.query["uploadId"])
    return Reply(204)


async def list_parts(call: Call, store: ObjectStore) -> Reply:
    parts = await run_in_threadpool(store.parts, call.bucket, call.key, call.query["uploadId"])
    marker = int(call.query.get("part-number-marker", "0") or 0)
    limit = min(int(call.query.get("max-parts", "1000") or 1000), 1000)
    page = [p for p in parts if p[0] > marker]
    shown = page[:limit]
    output = {
        "Bucket": call.bucket,
        "Key": call.key,
        "UploadId": call.query["uploadId"],
        "PartNumberMarker": marker,
        "MaxParts": limit,
        "IsTruncated": len(page) > limit,
        "Parts": [{"PartNumber": n, "ETag": f'"{e}"', "Size": s, "LastModified": m} for n, e, s, m in shown],
        "StorageClass": "STANDARD",
    }
    if len(page) > limit:
        output["NextPartNumberMarker"] = shown[-1][0]
    return _rendered("ListParts", output)


async def list_multipart_uploads(call: Call, store: ObjectStore) -> Reply:
    prefix = call.query.get("prefix", "")
    uploads = [u for u in await run_in_threadpool(store.open_uploads, call.bucket) if u[0].startswith(prefix)]
    output = {
        "Bucket": call.bucket,
        "Prefix": prefix,
        "MaxUploads": 1000,
        "IsTruncated": len(uploads) > 1000,
        "Uploads": [{"Key": k, "UploadId": u, "Initiated": t, "StorageClass": "STANDARD"} for k, u, t in uploads[:1000]],
    }
    return _rendered("ListMultipartUploads", output)


# The operations glueprint's S3 answers, by their names in botocore's s3 model.
HANDLERS: dict[str, Handler] = {
    "ListBuckets": list_buckets,
    "CreateBucket": create_bucket,
    "DeleteBucket": delete_bucket,
    "HeadBucket": head_bucket,
    "GetBucketLocation": get_bucket_location,
    "ListObjects": list_objects,
    "ListObjectsV2": list_objects_v2,
    "PutObject": put_object,
    "GetObject": get_object,
    "HeadObject": head_object,
    "DeleteObject": delete_object,
    "DeleteObjects": delete_objects,
    "CopyObject": copy_object,
    "CreateMultipartUpload": create_multipart_upload,
    "UploadPart": upload_part,
    "UploadPartCopy": upload_part_copy,
    "CompleteMultipartUpload": complete_multipart_upload,
    "AbortMultipartUpload": abort_multipart_upload,
    "ListParts": list_parts,
    "ListMultipartUploads": list_multipart_uploads,
}
