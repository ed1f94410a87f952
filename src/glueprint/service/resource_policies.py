"""The Data Catalog's resource policy: PutResourcePolicy, GetResourcePolicy,
DeleteResourcePolicy, GetResourcePolicies (API reference; developer guide, "AWS Glue resource
policies for access control").

Each account and region has one catalog, so one policy, kept as the document of kind
"resource_policy" named "catalog". Policies are stored and answered, never enforced: there is
no IAM here. PolicyHash is a digest of the policy's text, so a writer that read a policy can
make its change depend on nobody having changed it since (PolicyHashCondition).
"""

import base64
import hashlib
import re

import orjson
from sqlalchemy.exc import IntegrityError

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from .registry import operation

KIND = "resource_policy"
CATALOG = "catalog"
_CATALOG_ARN = re.compile(r"arn:aws[^:]*:glue:([^:]*):([^:]*):catalog")


def _hash(policy: str) -> str:
    return base64.b64encode(hashlib.md5(policy.encode(), usedforsecurity=False).digest()).decode()


def _missing() -> Exception:
    # AWS's text, as GetResourcePolicy answers an account that never set one.
    return errors.EntityNotFoundException("Policy not found")


def _names_the_catalog(ctx: ServiceContext, arn: str | None) -> bool:
    """No ARN is the catalog; an ARN is when it is this account's and region's catalog's."""
    match = _CATALOG_ARN.fullmatch(arn) if arn is not None else None
    return arn is None or (match is not None and match.groups() == (ctx.region, ctx.account_id))


def _check_hash(current: dict | None, expected: str | None) -> None:
    if expected is not None and (current is None or current["PolicyHash"] != expected):
        raise errors.ConditionCheckFailureException(
            "PolicyHashCondition does not match the current policy's hash"
            + ("." if current is not None else ": there is no policy.")
        )


def _check_exists(current: dict | None, condition: str | None) -> None:
    if condition == "MUST_EXIST" and current is None:
        raise errors.ConditionCheckFailureException("PolicyExistsCondition MUST_EXIST failed: there is no policy.")
    if condition == "NOT_EXIST" and current is not None:
        raise errors.ConditionCheckFailureException("PolicyExistsCondition NOT_EXIST failed: a policy exists.")


def _put(ctx: ServiceContext, p: dict, doc: dict) -> None:
    with ctx.db.write() as conn:
        current = store.get(conn, KIND, CATALOG, lock=True)
        _check_exists(current, p.get("PolicyExistsCondition"))
        _check_hash(current, p.get("PolicyHashCondition"))
        if current is None:
            store.add(conn, KIND, CATALOG, doc, doc["CreateTime"])
        else:
            store.replace(conn, KIND, CATALOG, {**doc, "CreateTime": current["CreateTime"]})


@operation("PutResourcePolicy")
def put_resource_policy(ctx: ServiceContext, p: dict) -> dict:
    """EnableHybrid is accepted and has nothing to act on: no grants are made here but by policy."""
    if "ResourceArn" in p:  # "for internal use only"; AWS refuses it, even naming the catalog
        raise errors.InvalidInputException("Glue resource level policy is not currently supported")
    policy = p["PolicyInJson"]
    try:
        orjson.loads(policy)
    except orjson.JSONDecodeError as exc:
        raise errors.InvalidInputException(f"PolicyInJson is not valid JSON: {exc}.") from None
    now = ctx.clock()
    doc = {"PolicyInJson": policy, "PolicyHash": _hash(policy), "CreateTime": now, "UpdateTime": now}
    try:
        _put(ctx, p, doc)
    except IntegrityError:  # another put made the first policy meanwhile: check the conditions against it
        _put(ctx, p, doc)
    return {"PolicyHash": doc["PolicyHash"]}


@operation("GetResourcePolicy", read_only=True)
def get_resource_policy(ctx: ServiceContext, p: dict) -> dict:
    if not _names_the_catalog(ctx, p.get("ResourceArn")):
        raise _missing()  # only the catalog can hold a policy here
    with ctx.db.read() as conn:
        doc = store.get(conn, KIND, CATALOG)
    if doc is None:
        raise _missing()
    return doc


@operation("DeleteResourcePolicy")
def delete_resource_policy(ctx: ServiceContext, p: dict) -> dict:
    if not _names_the_catalog(ctx, p.get("ResourceArn")):
        raise _missing()
    with ctx.db.write() as conn:
        current = store.get(conn, KIND, CATALOG, lock=True)
        if current is None:
            raise _missing()
        _check_hash(current, p.get("PolicyHashCondition"))
        store.remove(conn, KIND, CATALOG)
    return {}


@operation("GetResourcePolicies", read_only=True)
def get_resource_policies(ctx: ServiceContext, p: dict) -> dict:
    """The catalog's policy, if any: at most one, so one page always holds it and no NextToken
    is ever issued (a token given is still checked)."""
    ctx.tokens.position("GetResourcePolicies", {}, p.get("NextToken"))
    with ctx.db.read() as conn:
        doc = store.get(conn, KIND, CATALOG)
    return {"GetResourcePoliciesResponseList": [doc] if doc is not None else []}
