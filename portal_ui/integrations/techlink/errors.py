"""Exceptions raised by the TechLink client.

Every failure talking to TechLink surfaces as a ``TechLinkError`` subclass carrying enough
context for callers to decide what to do next:

* ``transient``: trying again later may succeed (network trouble, timeouts, 5xx).
* ``maybe_applied``: a write may have reached TechLink and been applied although no valid
  answer came back (read timeout after sending, connection dropped mid-answer, 5xx with a
  body that is not a TechLink envelope). Callers must reconcile before repeating such a write.
"""

from __future__ import annotations


class TechLinkError(Exception):
    default_transient = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        transient: bool | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.method = method
        self.path = path
        self.transient = self.default_transient if transient is None else transient
        self.maybe_applied = maybe_applied

    def __str__(self) -> str:
        # Shown to staff as is: TechLink's own message (e.g. "Invalid ZIP code"), no internals.
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, code={self.code!r}, "
            f"http_status={self.http_status!r}, method={self.method!r}, path={self.path!r}, "
            f"transient={self.transient!r}, maybe_applied={self.maybe_applied!r})"
        )


class TechLinkConnectionError(TechLinkError):
    """TechLink could not be reached, or the connection broke before a full answer arrived."""

    default_transient = True


class TechLinkTimeout(TechLinkConnectionError):
    """Connecting to TechLink, or waiting for its answer, took longer than allowed."""


class TechLinkBusy(TechLinkConnectionError):
    """Nothing was sent: too many callers of this process are already waiting for TechLink (a bulkhead)."""


class TechLinkAuthError(TechLinkError):
    """TechLink rejected the credentials (401/403)."""


class TechLinkNotFound(TechLinkError):
    """The requested object does not exist upstream (404)."""


class TechLinkValidationError(TechLinkError):
    """TechLink refused the request as invalid (other 4xx); ``message`` is TechLink's own."""


class TechLinkServerError(TechLinkError):
    """TechLink failed (5xx) or answered something that is not a valid TechLink answer."""

    default_transient = True
