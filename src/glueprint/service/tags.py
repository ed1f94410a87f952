"""Tags by ARN: GetTags, TagResource, UntagResource.

ARNs are arn:aws:glue:<region>:<account>:<kind>/<name>. Of what glueprint keeps, AWS tags
blueprints, workflows, jobs, crawlers, triggers, databases, connections, data quality
rulesets, custom entity types and usage profiles ("AWS tags in AWS Glue"), and the Schema
Registry's registries and schemas (schema/<registry>/<schema>); not tables. A database's name
is kept in lower case. An ARN of another region or
account names nothing here: each keeps its own resources.
"""

import re
from collections.abc import Callable

import orjson

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import blueprints as blueprint_store
from ..store import entities as store
from .registry import operation

_LABELS = {
    "blueprint": "Blueprint",
    "workflow": "Workflow",
    "job": "Job",
    "crawler": "Crawler",
    "trigger": "Trigger",
    "database": "Database",
    "connection": "Connection",
    "dataQualityRuleset": "Data quality ruleset",
    "customEntityType": "Custom entity type",
    "usageProfile": "Usage profile",
    "registry": "Registry",
    "schema": "Schema",
}
# The ARN's resource type, and the entity kind a resource of it is kept as.
_KINDS = {"dataQualityRuleset": "dq_ruleset", "customEntityType": "entity_type", "usageProfile": "usage_profile"}
_ARN = re.compile(rf"arn:aws[^:]*:glue:([^:]*):([^:]*):({'|'.join(_LABELS)})/(.+)")


def _tagged(ctx: ServiceContext, conn, arn: str, lock: bool = False) -> tuple[dict, Callable[[dict], None]]:
    """The resource's tags, and how to store changed ones."""
    match = _ARN.fullmatch(arn)
    if not match:
        raise errors.InvalidInputException(f"{arn} is not the ARN of a Glue resource that takes tags ({', '.join(_LABELS)}).")
    region, account_id, kind, name = match.groups()
    missing = errors.EntityNotFoundException(f"{_LABELS[kind]} {name} not found.")
    if (region, account_id) != (ctx.region, ctx.account_id):
        raise missing
    if kind == "blueprint":
        row = blueprint_store.get(conn, name)
        if row is None:
            raise missing
        return orjson.loads(row["tags"]), lambda tags: blueprint_store.change(conn, name, tags=orjson.dumps(tags).decode())
    name = name.lower() if kind == "database" else name
    kind, scope = _KINDS.get(kind, kind), ""
    if kind == "schema":  # a schema is kept in its registry's scope
        scope, _, name = name.partition("/")
    doc = store.get(conn, kind, name, scope=scope, lock=lock)
    if doc is None:
        raise missing
    return doc.get("Tags") or {}, lambda tags: store.replace(conn, kind, name, {**doc, "Tags": tags}, scope=scope)


@operation("GetTags", read_only=True)
def get_tags(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.read() as conn:
        tags, _ = _tagged(ctx, conn, p["ResourceArn"])
    return {"Tags": tags}


@operation("TagResource")
def tag_resource(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        tags, save = _tagged(ctx, conn, p["ResourceArn"], lock=True)
        save({**tags, **p["TagsToAdd"]})
    return {}


@operation("UntagResource")
def untag_resource(ctx: ServiceContext, p: dict) -> dict:
    removed = set(p["TagsToRemove"])
    with ctx.db.write() as conn:
        tags, save = _tagged(ctx, conn, p["ResourceArn"], lock=True)
        save({k: v for k, v in tags.items() if k not in removed})
    return {}
