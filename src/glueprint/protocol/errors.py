"""One exception class per error code: the error shapes of the services' models (Glue's and
CloudWatch Logs') plus AWS's common errors.

Service code raises ``errors.EntityNotFoundException("...")``; the dispatcher turns any
``ServiceError`` into the wire form (``__type``, ``Message``, ``X-Amzn-ErrorType``).
"""

from functools import cache

from .model import SERVICES, service_model

# Errors every AWS JSON service can answer that are not part of the models.
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
# What each service answers a request that breaks its model's constraints with.
INVALID_INPUT = {"glue": "ValidationException", "logs": "InvalidParameterException"}


class ServiceError(Exception):
    code = "ServiceError"
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@cache
def _classes() -> dict[str, type[ServiceError]]:
    statuses, modelled = dict(COMMON_ERRORS), set()
    for service in SERVICES:
        model = service_model(service)
        for name in model.shape_names:
            shape = model.shape_for(name)
            if shape.metadata.get("exception") and name not in modelled:  # Glue's, where both name one
                modelled.add(name)
                fault = shape.metadata.get("fault") or name in SERVER_FAULTS
                statuses[name] = 500 if fault else shape.metadata.get("error", {}).get("httpStatusCode", 400)
    return {code: type(code, (ServiceError,), {"code": code, "status": status}) for code, status in statuses.items()}


def error_class(code: str) -> type[ServiceError]:
    return _classes()[code]


def invalid_input(service: str) -> type[ServiceError]:
    """The error a service answers input that breaks its model's constraints with."""
    return _classes()[INVALID_INPUT[service]]


def __getattr__(code: str) -> type[ServiceError]:
    try:
        return _classes()[code]
    except KeyError:
        raise AttributeError(code) from None
