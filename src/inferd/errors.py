"""The inferd error hierarchy.

Every error knows the HTTP status and the gRPC status code *name* that the edge
should answer with, so that REST, gRPC and the CLI translate with one lookup
instead of scattered ``if`` chains. This module imports the standard library only.
"""

from __future__ import annotations

from http import HTTPStatus


class InferdError(Exception):
    """Root of every error inferd raises on purpose.

    A bare ``InferdError`` (or a subclass that keeps these defaults) means a bug
    in inferd itself: 500 / INTERNAL. Client mistakes use the subclasses below.
    """

    http_status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    grpc_code: str = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInputError(InferdError):
    """The caller sent something malformed or out of contract: 400 / INVALID_ARGUMENT."""

    http_status = HTTPStatus.BAD_REQUEST
    grpc_code = "INVALID_ARGUMENT"


class ContractViolationError(InvalidInputError):
    """A batch broke its feature contract; ``violations`` lists every one."""

    def __init__(self, message: str, violations: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations


class InvalidArtifactError(InvalidInputError):
    """An artifact cannot be read as the framework it was declared or detected as."""


class NotFoundError(InferdError):
    """An unknown model, version, alias or file: 404 / NOT_FOUND."""

    http_status = HTTPStatus.NOT_FOUND
    grpc_code = "NOT_FOUND"


class ModelNotFoundError(NotFoundError):
    """No model of that name is registered."""


class VersionNotFoundError(NotFoundError):
    """The model exists but not the version (or alias) asked for."""


class MethodNotAllowedError(NotFoundError):
    """The path exists, not for this HTTP method: 405 (NOT_FOUND over gRPC, which has no methods)."""

    http_status = HTTPStatus.METHOD_NOT_ALLOWED


class AlreadyExistsError(InferdError):
    """Something that must be unique exists already: 409 / ALREADY_EXISTS."""

    http_status = HTTPStatus.CONFLICT
    grpc_code = "ALREADY_EXISTS"


class PayloadTooLargeError(InferdError):
    """The request body is over the configured limit: 413."""

    http_status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    grpc_code = "RESOURCE_EXHAUSTED"


class OverloadedError(InferdError):
    """A bounded queue is full; the caller should retry later: 429 / RESOURCE_EXHAUSTED."""

    http_status = HTTPStatus.TOO_MANY_REQUESTS
    grpc_code = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnavailableError(InferdError):
    """A dependency is down or a model is not ready: 503 / UNAVAILABLE."""

    http_status = HTTPStatus.SERVICE_UNAVAILABLE
    grpc_code = "UNAVAILABLE"


class StoreUnavailableError(UnavailableError):
    """The registry database or the artifact store cannot be reached."""


class DeadlineExceededError(InferdError):
    """The request's deadline passed before it was answered: 504 / DEADLINE_EXCEEDED."""

    http_status = HTTPStatus.GATEWAY_TIMEOUT
    grpc_code = "DEADLINE_EXCEEDED"


class IntegrityError(InferdError):
    """Stored bytes do not match their recorded digest (tampered, truncated or missing).

    This is a server-side fault, not the caller's: 500 / DATA_LOSS.
    """

    grpc_code = "DATA_LOSS"


class MissingExtraError(InferdError):
    """An optional dependency is not installed; the message names the extra."""

    http_status = HTTPStatus.SERVICE_UNAVAILABLE
    grpc_code = "UNAVAILABLE"


class UntrustedArtifactError(InvalidInputError):
    """Loading the artifact would run arbitrary code and the caller has not said they trust it."""
