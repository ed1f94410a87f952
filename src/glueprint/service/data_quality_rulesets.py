"""Data quality rulesets: create, read, update, delete, list (API reference: CreateDataQualityRuleset
and its siblings; developer guide: "AWS Glue Data Quality").

A ruleset is an entity of kind "dq_ruleset" whose document is what GetDataQualityRuleset shows,
plus its Tags, its RuleCount (for the listing) and the ClientToken it was created with. Its DQDL
text is checked when it is stored (domain/dqdl.py). Nothing evaluates rulesets yet.
"""

from sqlalchemy.exc import IntegrityError

from ..domain import dqdl
from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from .catalog_common import get_named, page_limit
from .paging import filtered_page, has_tags
from .registry import operation

KIND = "dq_ruleset"
_SHOWN = (
    "Name",
    "Description",
    "Ruleset",
    "TargetTable",
    "CreatedOn",
    "LastModifiedOn",
    "RecommendationRunId",
    "DataQualitySecurityConfiguration",
)
_LISTED = ("Name", "Description", "CreatedOn", "LastModifiedOn", "TargetTable", "RecommendationRunId", "RuleCount")


def _rule_count(text: str) -> int:
    try:
        return dqdl.rule_count(text)
    except dqdl.InvalidRuleset as exc:
        raise errors.InvalidInputException(f"Invalid DQDL ruleset: {exc}") from None


def _missing(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Data quality ruleset {name} not found.")


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Data quality ruleset {name} already exists.")


@operation("CreateDataQualityRuleset")
def create_ruleset(ctx: ServiceContext, p: dict) -> dict:
    """A retry with the ClientToken of the call that created the ruleset answers as that call did."""
    name, now = p["Name"], ctx.clock()
    doc = {
        "Name": name,
        **{k: p[k] for k in ("Description", "Ruleset", "TargetTable", "DataQualitySecurityConfiguration") if k in p},
        "CreatedOn": now,
        "LastModifiedOn": now,
        "RuleCount": _rule_count(p["Ruleset"]),
        "Tags": p.get("Tags") or {},
        "ClientToken": p.get("ClientToken"),
    }
    try:
        with ctx.db.write() as conn:
            current = store.get(conn, KIND, name)
            if current is not None:
                if p.get("ClientToken") is not None and current.get("ClientToken") == p["ClientToken"]:
                    return {"Name": name}
                raise _exists(name)
            store.add(conn, KIND, name, doc, now)
    except IntegrityError:  # another request took the name meanwhile
        raise _exists(name) from None
    return {"Name": name}


@operation("GetDataQualityRuleset", read_only=True)
def get_ruleset(ctx: ServiceContext, p: dict) -> dict:
    doc = get_named(ctx, KIND, p["Name"], _missing(p["Name"]))
    return {k: doc[k] for k in _SHOWN if k in doc}


@operation("UpdateDataQualityRuleset")
def update_ruleset(ctx: ServiceContext, p: dict) -> dict:
    """Description and Ruleset replace the stored ones when given; the answer shows both as they now are."""
    name = p["Name"]
    changes = {k: p[k] for k in ("Description", "Ruleset") if k in p}
    if "Ruleset" in changes:
        changes["RuleCount"] = _rule_count(changes["Ruleset"])
    with ctx.db.write() as conn:
        doc = store.get(conn, KIND, name, lock=True)
        if doc is None:
            raise _missing(name)
        doc = {**doc, **changes, "LastModifiedOn": ctx.clock()}
        store.replace(conn, KIND, name, doc)
    return {k: doc[k] for k in ("Name", "Description", "Ruleset") if k in doc}


@operation("DeleteDataQualityRuleset")
def delete_ruleset(ctx: ServiceContext, p: dict) -> dict:
    with ctx.db.write() as conn:
        if not store.remove(conn, KIND, p["Name"]):
            raise _missing(p["Name"])
    return {}


def _keep(ctx: ServiceContext, p: dict):
    """The Filter (Name and Description match exactly; times are exclusive bounds) and Tags."""
    f, wanted_tags = p.get("Filter") or {}, p.get("Tags") or {}
    table = f.get("TargetTable")

    def keep(doc: dict) -> bool:
        return (
            all(doc.get(k) == f[k] for k in ("Name", "Description") if k in f)
            and ("CreatedBefore" not in f or doc["CreatedOn"] < f["CreatedBefore"])
            and ("CreatedAfter" not in f or doc["CreatedOn"] > f["CreatedAfter"])
            and ("LastModifiedBefore" not in f or doc["LastModifiedOn"] < f["LastModifiedBefore"])
            and ("LastModifiedAfter" not in f or doc["LastModifiedOn"] > f["LastModifiedAfter"])
            and (table is None or _same_table(doc.get("TargetTable"), table, ctx.account_id))
            and has_tags(doc.get("Tags") or {}, wanted_tags)
        )

    return keep


def _same_table(stored: dict | None, wanted: dict, account_id: str) -> bool:
    """A TargetTable without CatalogId is in the caller's own catalog."""
    if stored is None:
        return False
    catalog = stored.get("CatalogId", account_id)
    return (stored["DatabaseName"], stored["TableName"], catalog) == (
        wanted["DatabaseName"],
        wanted["TableName"],
        wanted.get("CatalogId", account_id),
    )


def _filtered(p: dict) -> bool:
    return bool(p.get("Filter") or p.get("Tags"))


@operation("ListDataQualityRulesets", read_only=True, grows=_filtered)
def list_rulesets(ctx: ServiceContext, p: dict) -> dict:
    op = "ListDataQualityRulesets"
    binding = {"Filter": p.get("Filter"), "Tags": p.get("Tags")}
    position = ctx.tokens.position(op, binding, p.get("NextToken"))
    with ctx.db.read() as conn:
        docs, after = filtered_page(
            lambda start, n: store.page(conn, KIND, start, n),
            key=lambda doc: doc["Name"],
            keep=_keep(ctx, p),
            limit=p.get("MaxResults", page_limit(f"{op}Request")),
            after=position[0] if position else None,
        )
    token = ctx.tokens.issue(op, binding, [after]) if after is not None else None
    return {"Rulesets": [{k: d[k] for k in _LISTED if k in d} for d in docs], "NextToken": token}
