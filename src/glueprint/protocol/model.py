"""The service models that ship with botocore: the single source of shapes and limits.

glueprint answers three AWS JSON services on one endpoint: Glue, the part of CloudWatch
Logs where Glue writes its runs' output, and EventBridge's PutEvents (EVENT triggers' events). Every function takes the service's name (Glue's
by default) and reads that service's model.
"""

from functools import cache, lru_cache

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

SERVICE_NAME = "glue"
SERVICES = ("glue", "logs", "events")


@cache
def service_model(service: str = SERVICE_NAME) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@cache
def shape(name: str, service: str = SERVICE_NAME) -> Shape:
    """A named shape, resolved once: botocore builds a new Shape (and resolves its members
    again) on every shape_for."""
    return service_model(service).shape_for(name)


def target_prefix(service: str = SERVICE_NAME) -> str:
    return service_model(service).metadata["targetPrefix"]


@cache
def services_by_target_prefix() -> dict[str, str]:
    """X-Amz-Target's prefix (AWSGlue, Logs_20140328) -> the service it names."""
    return {target_prefix(service): service for service in SERVICES}


def signing_name(target: str | None) -> str:
    """The SigV4 service a request for this X-Amz-Target must be signed for (Glue's when the
    target names no service of ours: the request fails on its target after its signature)."""
    prefix = (target or "").partition(".")[0]
    return service_model(services_by_target_prefix().get(prefix, SERVICE_NAME)).signing_name


@lru_cache(maxsize=1024)  # asked on every request, with whatever name a client sends
def operation(name: str, service: str = SERVICE_NAME) -> OperationModel | None:
    model = service_model(service)
    if name not in model.operation_names:
        return None
    return model.operation_model(name)


def member_limits(shape_name: str, member: str, service: str = SERVICE_NAME) -> dict:
    """The min/max/pattern metadata of one structure member, e.g. for service-side paging bounds."""
    return dict(shape(shape_name, service).members[member].metadata)
