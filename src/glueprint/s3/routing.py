"""Which S3 operation a request is, read from botocore's ``s3`` model: every operation's HTTP
method, path (``/``, ``/{Bucket}`` or ``/{Bucket}/{Key+}``), literal query (``?uploads``,
``?list-type=2``) and required query and header members. The most specific match wins, so
``PUT /b/k?partNumber=1&uploadId=u`` with ``x-amz-copy-source`` is UploadPartCopy, and a
request for an operation glueprint does not implement is told which one that is.
"""

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from .errors import S3Error
from .xml import operation, service


@dataclass(frozen=True)
class Rule:
    name: str
    method: str
    level: int  # 0: the service (/), 1: a bucket, 2: an object
    literal: tuple[tuple[str, str | None], ...]  # query keys the URI names, with a value or none
    query: frozenset[str]  # required query parameters
    headers: frozenset[str]  # required headers, lower case

    @property
    def specificity(self) -> int:
        return len(self.literal) + len(self.query) + len(self.headers)

    def matches(self, method: str, level: int, query: dict, headers: dict) -> bool:
        return (
            (method, level) == (self.method, self.level)
            and all(k in query and (v is None or query[k] == v) for k, v in self.literal)
            and self.query <= query.keys()
            and self.headers <= headers.keys()
        )


def _rule(name: str) -> Rule:
    model = operation(name)
    path, _, literal = model.http["requestUri"].partition("?")
    level = 0 if path == "/" else 2 if "{Key+}" in path else 1
    pairs = [part.partition("=") for part in literal.split("&") if part]
    shape = model.input_shape
    required = [shape.members[m].serialization for m in (shape.required_members if shape else [])]
    return Rule(
        name,
        model.http["method"],
        level,
        tuple((k, v if eq else None) for k, eq, v in pairs if k != "x-id"),  # x-id only names the operation
        frozenset(s["name"] for s in required if s.get("location") == "querystring"),
        frozenset(s["name"].lower() for s in required if s.get("location") == "header"),
    )


@cache
def rules() -> tuple[Rule, ...]:
    return tuple(_rule(name) for name in service().operation_names)


def operation_for(method: str, bucket: str, key: str, query: dict, headers: dict, implemented: Collection[str]) -> str:
    level = 0 if not bucket else 1 if not key else 2
    found = [rule for rule in rules() if rule.matches(method, level, query, headers)]
    if not found:
        raise S3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", Method=method)
    best = max(found, key=lambda rule: (rule.specificity, rule.name in implemented))
    if best.name not in implemented:
        raise S3Error("NotImplemented", f"glueprint's S3 does not implement {best.name}.")
    return best.name
