"""Upload errors: one exception type per failure, each knows its tus status.

The engine raises them; each wire layer turns every :class:`TusError` into
its own reply: the tus handler with the error's ``status`` and its short
plain-text ``message``, the IETF handler as ``application/problem+json``
(where the draft defines a problem type, e.g. :class:`OffsetMismatch`,
with the status the draft wants). Anything else that is raised is a bug or
a host matter (e.g. a Zope ``ConflictError``) and is left to propagate.
"""

from __future__ import annotations


class TusError(Exception):
    """Base class: a protocol error with an HTTP status and a short message."""

    status: int = 400
    message: str = "bad request"

    def __init__(
        self, message: str | None = None, *, headers: dict[str, str] | None = None
    ) -> None:
        if message is not None:
            self.message = message
        self.headers: dict[str, str] = dict(headers or {})
        #: The upload the error happened to, once it exists (a failed
        #: creation-with-upload still has its URL).
        self.upload_id: str | None = None
        super().__init__(self.message)


class BadRequest(TusError):
    """Malformed or contradictory request headers (400)."""

    status = 400
    message = "bad request"


class Forbidden(TusError):
    """The request is understood but not allowed (403)."""

    status = 403
    message = "forbidden"


class NotFound(TusError):
    """Unknown upload, malformed id, or an upload of someone else (404)."""

    status = 404
    message = "upload not found"


class MethodNotAllowed(TusError):
    """The method is not supported on this URL (405)."""

    status = 405
    message = "method not allowed"


class InconsistentLength(BadRequest):
    """The request's length contradicts the upload's length (400)."""


class OffsetMismatch(TusError):
    """``Upload-Offset`` differs from the server's offset (409).

    :ivar expected: the upload's offset (None when the data itself is short).
    :ivar provided: the offset the request gave.
    :ivar complete: whether the upload is complete (finished) already.
    """

    status = 409
    message = "Upload-Offset does not match the upload's offset"

    def __init__(
        self,
        message: str | None = None,
        *,
        expected: int | None = None,
        provided: int | None = None,
        complete: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, headers=headers)
        self.expected = expected
        self.provided = provided
        self.complete = complete


class Gone(TusError):
    """The upload expired (410)."""

    status = 410
    message = "upload expired"


class PreconditionFailed(TusError):
    """Missing or unsupported ``Tus-Resumable`` version (412)."""

    status = 412
    message = "unsupported tus version"


class TooLarge(TusError):
    """Upload larger than the maximum, or data past ``Upload-Length`` (413)."""

    status = 413
    message = "upload too large"


class PastLength(TooLarge):
    """A request carries data past the upload's length (413 in tus)."""

    message = "data past Upload-Length"


class UnsupportedMediaType(TusError):
    """Wrong ``Content-Type`` for a PATCH (415); the message names the right one."""

    status = 415
    message = "unsupported Content-Type"


class Locked(TusError):
    """Another request holds the upload's lock (423)."""

    status = 423
    message = "upload is busy"


class ChecksumMismatch(TusError):
    """A digest does not match the chunk or the upload (460 in tus)."""

    status = 460
    message = "checksum mismatch"


class InsufficientStorage(TusError):
    """The disk (or the quota) of the store is full (507)."""

    status = 507
    message = (
        "the server's disk is full: the data of this request was not stored; "
        "try again later"
    )


class ServiceUnavailable(TusError):
    """The server is misconfigured and can't take uploads now (503).

    Not the client's fault: the message says what the site's administrator
    has to fix.
    """

    status = 503
    message = "uploads are not possible on this server right now"


class HookRefused(TusError):
    """A host hook refuses the request with a status of its choice."""

    def __init__(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        super().__init__(message, headers=headers)
