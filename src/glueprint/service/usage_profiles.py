"""Usage profiles: create, read, update, delete, list (API reference: CreateUsageProfile and its
siblings; developer guide: "Usage profiles", "Creating and managing usage profiles").

A profile is an entity of kind "usage_profile" whose document is what GetUsageProfile shows
plus its Tags. Profiles are kept and checked only: jobs and sessions do not yet apply them.
"""

from decimal import Decimal, InvalidOperation

from ..domain.context import ServiceContext
from ..protocol import errors
from ..store import entities as store
from .catalog_common import add_named, get_named, page_limit
from .paging import filtered_page
from .registry import operation

KIND = "usage_profile"
_SHOWN = ("Name", "Description", "Configuration", "CreatedOn", "LastModifiedOn")
_LISTED = ("Name", "Description", "CreatedOn", "LastModifiedOn")
_SECTIONS = ("SessionConfiguration", "JobConfiguration")


def _number(section: str, key: str, field: str, value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise errors.InvalidInputException(f"{section} {key}: {field} {value!r} is not a number.") from None


def _check_parameter(section: str, key: str, c: dict) -> None:
    """A parameter sets something, a range that is one, and a default the profile itself allows."""
    if not c:
        raise errors.InvalidInputException(f"{section} {key} sets none of DefaultValue, AllowedValues, MinValue and MaxValue.")
    low = _number(section, key, "MinValue", c["MinValue"]) if "MinValue" in c else None
    high = _number(section, key, "MaxValue", c["MaxValue"]) if "MaxValue" in c else None
    if low is not None and high is not None and low > high:
        raise errors.InvalidInputException(f"{section} {key}: MinValue {c['MinValue']} is above MaxValue {c['MaxValue']}.")
    default = c.get("DefaultValue")
    if default is None:
        return
    if "AllowedValues" in c and default not in c["AllowedValues"]:
        raise errors.InvalidInputException(f"{section} {key}: DefaultValue {default} is not one of its AllowedValues.")
    if low is not None or high is not None:
        value = _number(section, key, "DefaultValue", default)
        if (low is not None and value < low) or (high is not None and value > high):
            raise errors.InvalidInputException(f"{section} {key}: DefaultValue {default} is outside MinValue..MaxValue.")


def _check(configuration: dict) -> None:
    """AWS: at least one job or session parameter must be configured."""
    if not any(configuration.get(s) for s in _SECTIONS):
        raise errors.InvalidInputException("A usage profile's Configuration must set at least one job or session parameter.")
    for section in _SECTIONS:
        for key, c in (configuration.get(section) or {}).items():
            _check_parameter(section, key, c)


def _missing(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Usage profile {name} not found.")


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Usage profile {name} already exists.")


@operation("CreateUsageProfile")
def create_usage_profile(ctx: ServiceContext, p: dict) -> dict:
    _check(p["Configuration"])
    name, now = p["Name"], ctx.clock()
    doc = {
        **{k: p[k] for k in ("Name", "Description", "Configuration") if k in p},
        "CreatedOn": now,
        "LastModifiedOn": now,
        "Tags": p.get("Tags") or {},
    }
    add_named(ctx, KIND, name, doc, now, _exists(name))
    return {"Name": name}


@operation("GetUsageProfile", read_only=True)
def get_usage_profile(ctx: ServiceContext, p: dict) -> dict:
    doc = get_named(ctx, KIND, p["Name"], _missing(p["Name"]))
    return {k: doc[k] for k in _SHOWN if k in doc}


@operation("UpdateUsageProfile")
def update_usage_profile(ctx: ServiceContext, p: dict) -> dict:
    """The Configuration is replaced whole; the Description when one is given."""
    _check(p["Configuration"])
    name = p["Name"]
    with ctx.db.write() as conn:
        doc = store.get(conn, KIND, name, lock=True)
        if doc is None:
            raise _missing(name)
        changes = {k: p[k] for k in ("Description", "Configuration") if k in p}
        store.replace(conn, KIND, name, {**doc, **changes, "LastModifiedOn": ctx.clock()})
    return {"Name": name}


@operation("DeleteUsageProfile")
def delete_usage_profile(ctx: ServiceContext, p: dict) -> dict:
    """The model lists no EntityNotFoundException here: deleting a missing profile succeeds."""
    with ctx.db.write() as conn:
        store.remove(conn, KIND, p["Name"])
    return {}


@operation("ListUsageProfiles", read_only=True)
def list_usage_profiles(ctx: ServiceContext, p: dict) -> dict:
    op = "ListUsageProfiles"
    position = ctx.tokens.position(op, {}, p.get("NextToken"))
    with ctx.db.read() as conn:
        docs, after = filtered_page(
            lambda start, n: store.page(conn, KIND, start, n),
            key=lambda doc: doc["Name"],
            keep=lambda doc: True,
            limit=p.get("MaxResults", page_limit(f"{op}Request")),
            after=position[0] if position else None,
        )
    token = ctx.tokens.issue(op, {}, [after]) if after is not None else None
    return {"Profiles": [{k: d[k] for k in _LISTED if k in d} for d in docs], "NextToken": token}
