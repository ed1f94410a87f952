"""The Glue service model that ships with botocore: the single source of shapes and limits."""

from functools import cache, lru_cache

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

SERVICE_NAME = "glue"


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@cache
def shape(name: str) -> Shape:
    """A named shape, resolved once: botocore builds a new Shape (and resolves its members
    again) on every shape_for."""
    return service_model().shape_for(name)


def target_prefix() -> str:
    return service_model().metadata["targetPrefix"]


@lru_cache(maxsize=1024)  # asked on every request, with whatever name a client sends
def operation(name: str) -> OperationModel | None:
    model = service_model()
    if name not in model.operation_names:
        return None
    return model.operation_model(name)


def member_limits(shape_name: str, member: str) -> dict:
    """The min/max/pattern metadata of one structure member, e.g. for service-side paging bounds."""
    return dict(shape(shape_name).members[member].metadata)
