"""One exception class per error code: the Glue model's error shapes plus AWS's common errors.

Service code raises ``errors.EntityNotFoundException("...")``; the dispatcher turns any
``ServiceError`` into the wire form (``__type``, ``Message``, ``X-Amzn-ErrorType``).
"""

from functools import cache

from .model import service_model

# Errors every AWS JSON service can answer that are not part of the Glue model.
COMMON_ERRORS = {
    "UnknownOperationException": 400,
    "SerializationException": 400,
    "MissingAuthenticationTokenException": 403,
    "UnrecognizedClientException": 400,
    "InvalidSignatureException": 400,
    "IncompleteSignatureException": 400,
    "RequestEntityTooLargeException": 413,
    "ThrottlingException": 400,
}
# The model marks no Glue error as a fault; AWS answers this one with HTTP 500.
SERVER_FAULTS = frozenset({"InternalServiceException"})


class ServiceError(Exception):
    code = "ServiceError"
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@cache
def _classes() -> dict[str, type[ServiceError]]:
    model = service_model()
    statuses = dict(COMMON_ERRORS)
    for name in model.shape_names:
        shape = model.shape_for(name)
        if shape.metadata.get("exception"):
            fault = shape.metadata.get("fault") or name in SERVER_FAULTS
            statuses[name] = 500 if fault else shape.metadata.get("error", {}).get("httpStatusCode", 400)
    return {code: type(code, (ServiceError,), {"code": code, "status": status}) for code, status in statuses.items()}


def error_class(code: str) -> type[ServiceError]:
    return _classes()[code]


def __getattr__(code: str) -> type[ServiceError]:
    try:
        return _classes()[code]
    except KeyError:
        raise AttributeError(code) from None
