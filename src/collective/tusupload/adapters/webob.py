"""WebOb host: a :class:`webob.Request` in, a :class:`webob.Response` out."""

from __future__ import annotations

from collective.tusupload.adapters.common import BoundedReader
from collective.tusupload.adapters.common import DERIVE
from collective.tusupload.adapters.common import is_tus_request
from collective.tusupload.adapters.common import resolve_location
from collective.tusupload.adapters.common import STATUS_REASONS
from collective.tusupload.core.request import HeaderMap
from collective.tusupload.core.request import resolve_verb
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from functools import cached_property
from typing import Any
from typing import BinaryIO
from urllib.parse import quote


#: Characters webob leaves unescaped in a request path.
_PATH_SAFE = "/~!$&'()*+,;=:@"


class WebobAdapter:
    """Turn a WebOb request into tus request facts and a reply into a response.

    :param request: a :class:`webob.Request`.
    :param base_url: the tus collection URL (no trailing slash). By default
        it is derived from the request URL: a POST goes to the collection,
        any other verb to ``<base_url>/<upload_id>``.
    :param upload_id: the upload addressed, ``None`` for the collection.
        Derived from the URL when not given.
    :param principal: the acting user id, if the host knows one.

    After :meth:`apply_response`, :attr:`resp` holds the WebOb response to
    return (as in the original ``tus`` package).
    """

    def __init__(
        self,
        request,
        *,
        base_url: str | None = None,
        upload_id: Any = DERIVE,
        principal: str | None = None,
    ) -> None:
        self.req = request
        self._base_url = base_url
        self._upload_id = upload_id
        self.principal = principal
        self._resp = None

    # -- request facts -------------------------------------------------

    @property
    def method(self) -> str:
        """The method after ``X-HTTP-Method-Override``."""
        return resolve_verb(self.req.method, self.headers)

    @property
    def url(self) -> str:
        """The request URL without query string, as ``request.path_url`` gives it.

        Built from the path's bytes: ``path_url`` decodes the path as UTF-8
        and raises for a path such as ``/files/%ff%fe``. Here such bytes stay
        escaped, and the core answers the upload id they make with 404.
        """
        raw_path = self.req.environ.get("PATH_INFO", "").encode("latin-1")
        return self.req.application_url + quote(raw_path, safe=_PATH_SAFE)

    @property
    def valid(self) -> bool:
        """Whether the request speaks tus (see :func:`~.common.is_tus_request`)."""
        return is_tus_request(self.req.method, self.headers)

    @cached_property
    def headers(self) -> HeaderMap:
        """The request's headers, read once."""
        return HeaderMap(self.req.headers.items())

    def body_stream(self) -> BinaryIO | None:
        """The request body as a stream limited to ``Content-Length``.

        Never ``request.body``: that would read the whole chunk into memory.
        """
        environ = self.req.environ
        length = self.req.content_length
        if length is None and not environ.get("wsgi.input_terminated"):
            return None
        return BoundedReader(self.req.body_file_raw, length)

    def location(self) -> tuple[str, str | None]:
        """Return ``(base_url, upload_id)`` for this request."""
        return resolve_location(self.url, self.method, self._base_url, self._upload_id)

    def tus_request(self, *, context: Any = None) -> TusRequest:
        """Build the core's request facts from the WebOb request."""
        base_url, upload_id = self.location()
        return TusRequest(
            method=self.req.method,
            headers=self.headers,
            body=self.body_stream(),
            upload_id=upload_id,
            base_url=base_url,
            principal=self.principal,
            content_length=self.req.content_length,
            context=context,
        )

    # -- response ------------------------------------------------------

    @property
    def resp(self):
        """The WebOb response (created empty on first access)."""
        if self._resp is None:
            from webob import Response

            self._resp = Response()
        return self._resp

    def apply_response(self, tus_response: TusResponse):
        """Turn the core's reply into a :class:`webob.Response`, kept in :attr:`resp`.

        :returns: the WebOb response.
        """
        self._resp = to_webob_response(tus_response)
        return self._resp

    def set_request_body(self, value) -> None:
        """Replace the request body: a file object, or text/bytes (e.g. a path)."""
        if hasattr(value, "read"):
            self.req.body_file = value
        else:
            if isinstance(value, str):
                value = value.encode("utf-8")
            self.req.body = value


def to_webob_response(tus_response: TusResponse):
    """Return a :class:`webob.Response` carrying a :class:`TusResponse`."""
    from webob import Response

    headerlist = [(name, str(value)) for name, value in tus_response.headers.items()]
    status = tus_response.status
    reason = STATUS_REASONS.get(status)
    response = Response(
        status=f"{status} {reason}" if reason else status, headerlist=headerlist
    )
    if tus_response.body:
        response.body = tus_response.body
        if "Content-Type" not in response.headers:
            response.content_type = "text/plain"
            response.charset = "utf-8"
    elif (
        tus_response.status not in (204, 304)
        and "Content-Length" not in response.headers
    ):
        response.content_length = 0
    return response
