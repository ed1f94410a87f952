"""S3's REST-XML wire format, driven by botocore's ``s3`` model: an operation's output dict
becomes its headers and XML body, and a request's XML body becomes its input dict, by the
shapes the model gives (element names, flattened lists, header locations, timestamp forms).
"""

import calendar
import email.utils
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from functools import cache
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from .errors import S3Error

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
# The document element of outputs that have no payload member; the model leaves them out
# (botocore's parser does not read it). Names from AWS's S3 API reference.
ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "ListParts": "ListPartsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "DeleteObjects": "DeleteResult",
}
MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


@cache
def service() -> ServiceModel:
    return botocore.session.get_session().get_service_model("s3")


@cache
def operation(name: str) -> OperationModel:
    return service().operation_model(name)


def _text(shape: Shape, value, in_header: bool = False) -> str:
    if shape.type_name == "timestamp":
        stamp = value if isinstance(value, int | float) else value.timestamp()
        if in_header:
            return email.utils.formatdate(stamp, usegmt=True)
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return str(value)


def _element(name: str, shape: Shape, value) -> str:
    if shape.type_name == "structure":
        return f"<{name}>{_members(shape, value)}</{name}>"
    if shape.type_name == "list":
        item = shape.member.serialization.get("name", "member")
        return f"<{name}>{''.join(_element(item, shape.member, v) for v in value)}</{name}>"
    return f"<{name}>{escape(_text(shape, value))}</{name}>"


def _members(shape: Shape, value: dict) -> str:
    out = []
    for member_name, member in shape.members.items():
        if member_name not in value or value[member_name] is None or member.serialization.get("location"):
            continue
        name = member.serialization.get("name", member_name)
        if member.type_name == "list" and member.serialization.get("flattened"):
            out += [_element(name, member.member, v) for v in value[member_name]]
        else:
            out.append(_element(name, member, value[member_name]))
    return "".join(out)


def render(operation_name: str, output: dict) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and XML body of an operation's output (a streaming payload is the caller's)."""
    shape = operation(operation_name).output_shape
    headers: list[tuple[str, str]] = []
    if shape is None:
        return headers, b""
    for member_name, member in shape.members.items():
        value = output.get(member_name)
        location = member.serialization.get("location")
        if value is None or location not in ("header", "headers"):
            continue
        if location == "headers":
            headers += [(member.serialization["name"] + k, str(v)) for k, v in value.items()]
        else:
            headers.append((member.serialization["name"], _text(member, value, in_header=True)))
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        if member.type_name != "structure" or payload not in output:
            return headers, b""
        root, body_shape, body = member.serialization.get("name", member.name), member, output[payload]
    elif operation_name in ROOTS:
        root, body_shape, body = ROOTS[operation_name], shape, output
    else:
        return headers, b""
    document = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">{_members(body_shape, body)}</{root}>'
    return headers + [("content-type", "application/xml")], document.encode()


def error_body(error: S3Error, resource: str, request_id: str) -> bytes:
    extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in error.details.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{error.code}</Code><Message>{escape(error.message)}</Message>'
        f"{extra}<Resource>{escape(resource)}</Resource><RequestId>{request_id}</RequestId></Error>"
    ).encode()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _read(element: ET.Element, shape: Shape):
    if shape.type_name == "structure":
        children: dict[str, list[ET.Element]] = {}
        for child in element:
            children.setdefault(_local(child.tag), []).append(child)
        value = {}
        for member_name, member in shape.members.items():
            found = children.get(member.serialization.get("name", member_name), [])
            if member.type_name == "list" and member.serialization.get("flattened"):
                value[member_name] = [_read(e, member.member) for e in found]
            elif found:
                value[member_name] = _read(found[0], member)
        return value
    if shape.type_name == "list":
        item = shape.member.serialization.get("name", "member")
        return [_read(e, shape.member) for e in element if _local(e.tag) == item]
    text = (element.text or "").strip()
    try:
        if shape.type_name in ("integer", "long"):
            return int(text)
        if shape.type_name == "boolean":
            return text == "true"
        if shape.type_name == "timestamp":
            return calendar.timegm(datetime.fromisoformat(text.replace("Z", "+00:00")).utctimetuple())
    except ValueError:
        raise S3Error("MalformedXML", MALFORMED) from None
    return text


def parse(operation_name: str, body: bytes) -> dict:
    """The input payload member of an operation, read from its XML request body."""
    shape = operation(operation_name).input_shape
    member = shape.members[shape.serialization["payload"]]
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise S3Error("MalformedXML", MALFORMED)  # S3's bodies have no DTD: no entity can expand
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise S3Error("MalformedXML", MALFORMED) from None
    if _local(root.tag) != member.serialization.get("name", member.name):
        raise S3Error("MalformedXML", MALFORMED)
    return _read(root, member)
