"""Zope host: a Zope ``HTTPRequest`` in, its ``response`` filled in out.

Duck-typed: nothing from Zope is imported, so the module loads anywhere and is
tested with a fake request. Plone wiring builds on it.
"""

from __future__ import annotations

from collective.tusupload.adapters.common import BoundedReader
from collective.tusupload.adapters.common import DERIVE
from collective.tusupload.adapters.common import is_tus_request
from collective.tusupload.adapters.common import resolve_location
from collective.tusupload.adapters.common import STATUS_REASONS
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.request import HeaderMap
from collective.tusupload.core.request import resolve_verb
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.wire import parse_content_length
from functools import cached_property
from typing import Any
from typing import BinaryIO


#: CGI variables that carry headers without the ``HTTP_`` prefix.
_UNPREFIXED = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}

#: The headers the core reads, for a request that lists no environment.
_UPLOAD_HEADERS = (
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Defer-Length",
    "Upload-Offset",
    "Upload-Metadata",
    "Upload-Checksum",
    "Upload-Concat",
    "Upload-Draft-Interop-Version",
    "Upload-Complete",
    "Upload-Incomplete",
    "Upload-Limit",
    "Content-Digest",
    "Repr-Digest",
    "Content-Disposition",
    "Content-Type",
    "Content-Length",
    "Prefer",
    "X-HTTP-Method-Override",
)


def _header_name(cgi_name: str) -> str | None:
    if cgi_name in _UNPREFIXED:
        return _UNPREFIXED[cgi_name]
    if cgi_name.startswith("HTTP_"):
        return "-".join(part.capitalize() for part in cgi_name[5:].split("_"))
    return None


def header_map(request) -> HeaderMap:
    """The headers of a Zope request, once, from its CGI environment.

    A request without an environment (a stand-in) is asked for the headers
    the core reads through ``getHeader``.
    """
    environ = getattr(request, "environ", None)
    if environ is None:
        environ = getattr(request, "_orig_env", None) or {}
    if environ:
        pairs = (
            (name, value)
            for name, value in (
                (_header_name(key), value) for key, value in environ.items()
            )
            if name is not None
        )
        return HeaderMap(pairs)
    found = ((name, request.getHeader(name, None)) for name in _UPLOAD_HEADERS)
    return HeaderMap((name, value) for name, value in found if value is not None)


def _set_status(response, status: int, *, empty: bool) -> None:
    """Set ``status`` on a Zope response so that Zope keeps it.

    Zope turns codes it doesn't know (tus' 460) into 500, and an empty 200
    (a HEAD reply) into 204 when the response is finalised.
    """
    response.setStatus(status)
    if getattr(response, "status", status) != status:
        response.status = status
        response.errmsg = STATUS_REASONS.get(status, "Unknown")
    if empty and status == 200 and hasattr(response, "_locked_status"):
        response._locked_status = 1


class Zope2RequestAdapter:
    """Turn a Zope request into tus request facts and fill in its response.

    :param request: a Zope ``HTTPRequest`` (or anything with ``getHeader``,
        ``get``, ``response`` and ``method``/``REQUEST_METHOD``).
    :param base_url: the tus collection URL. Derived from ``request.URL`` by
        default: a POST goes to the collection, other verbs to an upload.
    :param upload_id: the upload addressed (``None`` for the collection);
        derived from the URL when not given.
    :param principal: the acting user id; by default the id of
        ``request["AUTHENTICATED_USER"]`` (``None`` when anonymous).
    """

    def __init__(
        self,
        request,
        *,
        base_url: str | None = None,
        upload_id: Any = DERIVE,
        principal: Any = DERIVE,
    ) -> None:
        self.req = request
        self._base_url = base_url
        self._upload_id = upload_id
        self._principal = principal

    # -- request facts -------------------------------------------------

    @property
    def raw_method(self) -> str:
        method = getattr(self.req, "method", None)
        if not isinstance(method, str) or not method:
            method = self.req.get("REQUEST_METHOD", "GET")
        return method.upper()

    @property
    def method(self) -> str:
        """The method after ``X-HTTP-Method-Override``."""
        return resolve_verb(self.raw_method, self.headers)

    @property
    def url(self) -> str:
        return (
            self.req.get("ACTUAL_URL")
            or self.req.get("URL")
            or getattr(self.req, "URL", "")
        )

    @property
    def valid(self) -> bool:
        """Whether the request speaks tus (see :func:`~.common.is_tus_request`)."""
        return is_tus_request(self.raw_method, self.headers)

    @cached_property
    def headers(self) -> HeaderMap:
        """The request's headers, read once (see :func:`header_map`)."""
        return header_map(self.req)

    @cached_property
    def content_length(self) -> int | None:
        """``Content-Length`` if it is a valid one; the core refuses the rest."""
        try:
            return parse_content_length(self.headers.get("Content-Length"))
        except TusError:
            return None

    def body_stream(self) -> BinaryIO | None:
        """The body: ``BODYFILE`` (or ``stdin``) rewound, limited to Content-Length."""
        stream = self.req.get("BODYFILE", None)
        if stream is None:
            stream = getattr(self.req, "stdin", None)
        if stream is None:
            return None
        if hasattr(stream, "seek"):
            stream.seek(0)
        return BoundedReader(stream, self.content_length)

    @property
    def principal(self) -> str | None:
        if self._principal is not DERIVE:
            return self._principal
        user = self.req.get("AUTHENTICATED_USER", None)
        if user is None:
            return None
        get_id = getattr(user, "getId", None)
        user_id = get_id() if get_id is not None else None
        return user_id or None

    def location(self) -> tuple[str, str | None]:
        return resolve_location(self.url, self.method, self._base_url, self._upload_id)

    def tus_request(self, *, context: Any = None) -> TusRequest:
        """Build the core's request facts from the Zope request."""
        base_url, upload_id = self.location()
        return TusRequest(
            method=self.raw_method,
            headers=self.headers,
            body=self.body_stream(),
            upload_id=upload_id,
            base_url=base_url,
            principal=self.principal,
            content_length=self.content_length,
            context=context,
        )

    # -- response ------------------------------------------------------

    def apply_response(self, tus_response: TusResponse) -> bytes:
        """Set status and headers on ``request.response``.

        :returns: the body, for the view to return (Zope publishes what a
            view returns).
        """
        response = self.req.response
        _set_status(response, tus_response.status, empty=not tus_response.body)
        for name, value in tus_response.headers.items():
            response.setHeader(name, str(value))
        if tus_response.body:
            if not tus_response.headers.get("Content-Type"):
                response.setHeader("Content-Type", "text/plain; charset=utf-8")
            response.setBody(tus_response.body)
        return tus_response.body

    def set_request_body(self, value) -> None:
        """Replace the request body as the original ``tus`` did (``request._file``)."""
        if not hasattr(value, "read"):
            from io import BytesIO

            value = BytesIO(value.encode("utf-8") if isinstance(value, str) else value)
        self.req._file = value
