"""Errors that cross the RPC boundary as themselves, so the gateway can map
them to HTTP statuses in one place (nameko re-raises registered types from
their ``args``, which is why every error keeps ``(detail, extra)`` there)."""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    """Base of the errors a caller is expected to handle."""

    def __init__(self, detail, extra=None, **kwargs):
        extra = {**(extra or {}), **kwargs}
        super().__init__(detail, extra)
        self.detail = detail
        self.extra = extra

    def __str__(self):
        return self.detail


@deserialize_to_instance
class InvalidInput(ServiceError):
    """Input failed validation; ``extra['errors']`` maps fields to messages."""

    @property
    def errors(self):
        return self.extra.get("errors", {})


@deserialize_to_instance
class NotFound(ServiceError):
    pass


@deserialize_to_instance
class Conflict(ServiceError):
    """The request clashes with existing state (duplicate, illegal transition)."""


class PermanentEventError(Exception):
    """An event that can never be handled (bad envelope or data): dead-letter
    it at once instead of retrying."""


@deserialize_to_instance
class Unavailable(ServiceError):
    """A dependency the service needs (its database) is unreachable right now;
    the caller should try again after ``extra['retry_after']`` seconds."""

    @property
    def retry_after(self):
        return int(self.extra.get("retry_after", 5))
