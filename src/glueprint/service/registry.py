"""Which function answers which operation, of Glue or of CloudWatch Logs."""

from collections.abc import Callable
from functools import cache

from ..protocol.model import SERVICE_NAME
from ..protocol.model import operation as model_operation

Handler = Callable[..., dict | None]
_HANDLERS: dict[tuple[str, str], Handler] = {}
_READ_ONLY: set[tuple[str, str]] = set()
_VERSIONS: dict[tuple[str, str], Callable] = {}
_GROWS: dict[tuple[str, str], Callable[[dict], bool]] = {}


def operation(
    name: str,
    read_only: bool = False,
    version: Callable | None = None,
    grows: Callable[[dict], bool] | None = None,
    service: str = SERVICE_NAME,
):
    """Register a handler ``fn(ctx, params) -> result`` for an operation named in the service's model.

    read_only: the handler only reads the store and never waits on anything else, so it
    may run on the event loop.
    grows: ``grows(params)`` is True when that call's work grows with the data rather than
    with its answer (a filter that scans, a graph): such a read runs off the event loop.
    version: ``version(ctx, params)`` reads what changes whenever the answer would; with it,
    the protocol layer may answer a repeated request from its cache (see protocol/cache.py).
    """
    if model_operation(name, service) is None:
        raise ValueError(f"{name} is not an operation of the {service} model")
    key = (service, name)

    def register(fn: Handler) -> Handler:
        _HANDLERS[key] = fn
        if read_only:
            _READ_ONLY.add(key)
        if version is not None:
            _VERSIONS[key] = version
        if grows is not None:
            _GROWS[key] = grows
        return fn

    return register


def handler(name: str, service: str = SERVICE_NAME) -> Handler | None:
    _load()
    return _HANDLERS.get((service, name))


def is_read_only(name: str, service: str = SERVICE_NAME) -> bool:
    return (service, name) in _READ_ONLY


def _never(_params: dict) -> bool:
    return False


def grows(name: str, service: str = SERVICE_NAME) -> Callable[[dict], bool]:
    return _GROWS.get((service, name), _never)


def version_of(name: str, service: str = SERVICE_NAME) -> Callable | None:
    return _VERSIONS.get((service, name))


def implemented(service: str = SERVICE_NAME) -> list[str]:
    _load()
    return sorted(name for owner, name in _HANDLERS if owner == service)


@cache
def _load() -> None:
    # Importing the modules runs their @operation registrations.
    from . import (  # noqa: F401
        blueprints,
        catalog_encryption,
        classifiers,
        column_statistics,
        connections,
        crawler_schedules,
        crawls,
        custom_entity_types,
        data_quality_rulesets,
        databases,
        entities,
        events,
        job_bookmarks,
        job_runs,
        lifecycle,
        logs,
        partition_indexes,
        partition_listing,
        partitions,
        resource_policies,
        runs,
        schema_metadata,
        schema_registries,
        schema_versions,
        security_configurations,
        table_search,
        table_versions,
        tables,
        tags,
        usage_profiles,
        user_defined_functions,
        workflow_runs,
    )
