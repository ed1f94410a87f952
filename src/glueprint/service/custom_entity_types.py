"""Custom entity types, the custom patterns of sensitive data detection: create, read, batch
read, list, delete (API reference: CreateCustomEntityType and its siblings; developer guide:
"Detecting and processing sensitive data").

A custom entity type is an entity of kind "entity_type" whose document is the wire
CustomEntityType plus its Tags. AWS has no operation that changes one.
"""

import regex

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from .catalog_common import add_named, get_named, page_limit
from .paging import filtered_page, has_tags
from .registry import operation

KIND = "entity_type"  # the store keeps kinds to 16 characters
_SHOWN = ("Name", "RegexString", "ContextWords")


def _view(doc: dict) -> dict:
    return {k: doc[k] for k in _SHOWN if k in doc}


def _check_regex(pattern: str) -> None:
    """The pattern must compile (the regex module reads Java's possessive and atomic forms too)."""
    try:
        regex.compile(pattern)
    except regex.error as exc:
        raise errors.InvalidInputException(f"RegexString {pattern!r} is not a valid regular expression: {exc}.") from None


def _missing(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Custom entity type {name} not found.")


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Custom entity type {name} already exists.")


@operation("CreateCustomEntityType")
def create_custom_entity_type(ctx: ServiceContext, p: dict) -> dict:
    _check_regex(p["RegexString"])
    name = p["Name"]
    doc = {**{k: p[k] for k in _SHOWN if k in p}, "Tags": p.get("Tags") or {}}
    add_named(ctx, KIND, name, doc, ctx.clock(), _exists(name))
    return {"Name": name}


@operation("GetCustomEntityType", read_only=True)
def get_custom_entity_type(ctx: ServiceContext, p: dict) -> dict:
    doc = get_named(ctx, KIND, p["Name"], _missing(p["Name"]))
    return _view(doc)


@operation("BatchGetCustomEntityTypes", read_only=True)
def batch_get_custom_entity_types(ctx: ServiceContext, p: dict) -> dict:
    names = list(dict.fromkeys(p["Names"]))
    with ctx.db.read() as conn:
        found = store.get_many(conn, KIND, names)
    missing = [n for n in names if n not in found]
    # The model gives CustomEntityTypesNotFound at least one member: none missing leaves it out.
    answer = {"CustomEntityTypes": [_view(found[n]) for n in names if n in found]}
    return {**answer, "CustomEntityTypesNotFound": missing} if missing else answer


@operation("ListCustomEntityTypes", read_only=True, grows=lambda p: bool(p.get("Tags")))
def list_custom_entity_types(ctx: ServiceContext, p: dict) -> dict:
    op = "ListCustomEntityTypes"
    binding = {"Tags": p.get("Tags")}
    wanted = p.get("Tags") or {}
    position = ctx.tokens.position(op, binding, p.get("NextToken"))
    with ctx.db.read() as conn:
        docs, after = filtered_page(
            lambda start, n: store.page(conn, KIND, start, n),
            key=lambda doc: doc["Name"],
            keep=lambda doc: has_tags(doc.get("Tags") or {}, wanted),
            limit=p.get("MaxResults", page_limit(f"{op}Request")),
            after=position[0] if position else None,
        )
    token = ctx.tokens.issue(op, binding, [after]) if after is not None else None
    return {"CustomEntityTypes": [_view(d) for d in docs], "NextToken": token}


@operation("DeleteCustomEntityType")
def delete_custom_entity_type(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        if not store.remove(conn, KIND, p["Name"]):
            raise _missing(p["Name"])
    return {"Name": p["Name"]}
