"""Security configurations: create, read, list, delete (API reference, "Security APIs in AWS
Glue"; developer guide, "Working with security configurations").

A security configuration is an entity of kind "security_config" whose document is the
wire SecurityConfiguration. Its EncryptionConfiguration is kept as given: AWS documents no
rule beyond the model's (a KmsKeyArn may be empty or left out whatever the mode, and AWS
answers an empty one back as it was given). Nothing is encrypted here. Jobs and crawlers
name one by its name; a crawler's must exist (service/lifecycle.py).
"""

from ..domain.context import ServiceContext
from ..domain.crawler_references import SECURITY_CONFIGURATION
from ..protocol import errors
from ..store import entities as store
from .catalog_common import add_named, get_named, name_page
from .registry import operation

KIND = SECURITY_CONFIGURATION


def _missing(name: str) -> Exception:
    return errors.EntityNotFoundException(f"Security configuration {name} not found.")


def _exists(name: str) -> Exception:
    return errors.AlreadyExistsException(f"Security configuration {name} already exists.")


@operation("CreateSecurityConfiguration")
def create_security_configuration(ctx: ServiceContext, p: dict) -> dict:
    name, now = p["Name"], ctx.clock()
    doc = {"Name": name, "CreatedTimeStamp": now, "EncryptionConfiguration": p["EncryptionConfiguration"]}
    add_named(ctx, KIND, name, doc, now, _exists(name))
    return {"Name": name, "CreatedTimestamp": now}


@operation("GetSecurityConfiguration", read_only=True)
def get_security_configuration(ctx: ServiceContext, p: dict) -> dict:
    doc = get_named(ctx, KIND, p["Name"], _missing(p["Name"]))
    return {"SecurityConfiguration": doc}


@operation("GetSecurityConfigurations", read_only=True)
def get_security_configurations(ctx: ServiceContext, p: dict) -> dict:
    docs, token = name_page(ctx, "GetSecurityConfigurations", KIND, "", p, lambda doc: True, {})
    return {"SecurityConfigurations": docs, "NextToken": token}


@operation("DeleteSecurityConfiguration")
def delete_security_configuration(ctx: ServiceContext, p: dict) -> dict:
    """Jobs and crawlers that name it keep the name (AWS models no conflict error here)."""
    with ctx.db.write() as conn:
        if not store.remove(conn, KIND, p["Name"]):
            raise _missing(p["Name"])
    return {}
