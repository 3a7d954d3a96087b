"""Errors that cross the RPC boundary as themselves, so the gateway can map
them to HTTP statuses in one place (nameko re-raises registered types from
their ``args``, which is why every error keeps ``(detail, extra)`` there).
Each has a stable ``code`` of its kind, which the problem document carries,
so a client can word it itself (the ``detail`` is English and may name ids)."""
import re
from collections.abc import Mapping
from typing import Any

from nameko.exceptions import deserialize_to_instance

REASON = re.compile(r"^[a-z][a-z0-9_]*$")


class ServiceError(Exception):
    """Base of the errors a caller is expected to handle."""

    kind = "error"

    def __init__(self, detail: str, extra: Mapping[str, Any] | None = None,
                 **kwargs: Any) -> None:
        extra = {**(extra or {}), **kwargs}
        super().__init__(detail, extra)
        self.detail = detail
        self.extra = extra

    def __str__(self) -> str:
        return self.detail

    @property
    def code(self) -> str:
        return self.kind


@deserialize_to_instance
class InvalidInput(ServiceError):
    """Input failed validation; ``extra['errors']`` maps fields to messages and
    ``extra['field_errors']``, when the schema made them, lists each with its
    code (``validation.field_errors``)."""

    kind = "invalid_input"

    @property
    def errors(self) -> Any:
        return self.extra.get("errors", {})


@deserialize_to_instance
class NotFound(ServiceError):
    kind = "not_found"


@deserialize_to_instance
class Forbidden(ServiceError):
    """The caller may see the object but may not do this to it (403): the
    seconded mentor logs hours, the host decides them."""

    kind = "forbidden"


@deserialize_to_instance
class Conflict(ServiceError):
    """The request clashes with existing state (duplicate, illegal transition).
    A ``reason="quota_full"`` gives it the code ``conflict.quota_full``."""

    kind = "conflict"

    @property
    def code(self) -> str:
        reason = self.extra.get("reason")
        if isinstance(reason, str) and REASON.match(reason):
            return "%s.%s" % (self.kind, reason)
        return self.kind


class PermanentEventError(Exception):
    """An event that can never be handled (bad envelope or data): dead-letter
    it at once instead of retrying."""


@deserialize_to_instance
class Unavailable(ServiceError):
    """A dependency the service needs (its database) is unreachable right now;
    the caller should try again after ``extra['retry_after']`` seconds."""

    kind = "service_unavailable"

    @property
    def retry_after(self) -> int:
        return int(self.extra.get("retry_after", 5))
