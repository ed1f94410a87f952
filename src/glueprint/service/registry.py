"""Which function answers which Glue operation."""

from collections.abc import Callable
from functools import cache

from ..protocol.model import operation as model_operation

Handler = Callable[..., dict | None]
_HANDLERS: dict[str, Handler] = {}
_READ_ONLY: set[str] = set()
_VERSIONS: dict[str, Callable] = {}
_GROWS: dict[str, Callable[[dict], bool]] = {}


def operation(name: str, read_only: bool = False, version: Callable | None = None, grows: Callable[[dict], bool] | None = None):
    """Register a handler ``fn(ctx, params) -> result`` for a Glue operation named in the model.

    read_only: the handler only reads the store and never waits on anything else, so it
    may run on the event loop.
    grows: ``grows(params)`` is True when that call's work grows with the data rather than
    with its answer (a filter that scans, a graph): such a read runs off the event loop.
    version: ``version(ctx, params)`` reads what changes whenever the answer would; with it,
    the protocol layer may answer a repeated request from its cache (see protocol/cache.py).
    """
    if model_operation(name) is None:
        raise ValueError(f"{name} is not an operation of the Glue model")

    def register(fn: Handler) -> Handler:
        _HANDLERS[name] = fn
        if read_only:
            _READ_ONLY.add(name)
        if version is not None:
            _VERSIONS[name] = version
        if grows is not None:
            _GROWS[name] = grows
        return fn

    return register


def handler(name: str) -> Handler | None:
    _load()
    return _HANDLERS.get(name)


def is_read_only(name: str) -> bool:
    return name in _READ_ONLY


def _never(_params: dict) -> bool:
    return False


def grows(name: str) -> Callable[[dict], bool]:
    return _GROWS.get(name, _never)


def version_of(name: str) -> Callable | None:
    return _VERSIONS.get(name)


def implemented() -> list[str]:
    _load()
    return sorted(_HANDLERS)


@cache
def _load() -> None:
    # Importing the modules runs their @operation registrations.
    from . import (  # noqa: F401
        blueprints,
        connections,
        crawls,
        databases,
        entities,
        job_runs,
        lifecycle,
        partition_indexes,
        partition_listing,
        partitions,
        runs,
        table_search,
        table_versions,
        tables,
        tags,
        workflow_runs,
    )
