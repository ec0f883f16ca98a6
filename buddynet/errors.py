"""Errors that services raise; the API turns them into 400/403/409 with a message in the
request's language (see buddynet/api.py)."""

from __future__ import annotations

from django.utils.functional import Promise

Message = str | Promise


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: Message | dict[str, Message | list[Message]]) -> None:
        super().__init__(str(message))
        self.message = message


class InvalidInput(ServiceError):
    """Input that only turns out wrong against other rows (e.g. a volunteer of another project)."""

    status_code = 400


class NotAllowed(ServiceError):
    """The caller may see the object but not do this to it."""

    status_code = 403


class Conflict(ServiceError):
    """The state of the data forbids this now (capacity full, duo already closed, a race lost)."""

    status_code = 409
