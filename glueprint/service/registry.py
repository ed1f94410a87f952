"""Which function answers which Glue operation."""

from collections.abc import Callable

from ..protocol.model import operation as model_operation

Handler = Callable[..., dict | None]
_HANDLERS: dict[str, Handler] = {}


def operation(name: str):
    """Register a handler ``fn(ctx, params) -> result`` for a Glue operation named in the model."""
    if model_operation(name) is None:
        raise ValueError(f"{name} is not an operation of the Glue model")

    def register(fn: Handler) -> Handler:
        _HANDLERS[name] = fn
        return fn

    return register


def handler(name: str) -> Handler | None:
    _load()
    return _HANDLERS.get(name)


def implemented() -> list[str]:
    _load()
    return sorted(_HANDLERS)


def _load() -> None:
    # Importing the modules runs their @operation registrations.
    from . import blueprints, catalog, entities, runs  # noqa: F401
