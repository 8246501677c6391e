"""The tus 1.0.0 wire layer: tus headers in, engine calls, tus replies out.

:class:`TusHandler` validates what tus says about each verb (versions,
content types, integers, metadata, checksums, concatenation) and leaves the
rest to the :class:`~..engine.Engine`. Errors never leave as exceptions: each
:class:`~..errors.TusError` becomes a 4xx reply with a short plain-text body.
Any other exception propagates to the host unchanged, so e.g. a Zope
``ConflictError`` raised inside a hook still reaches Zope.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.transfer import Body
from collective.tusupload.core.transfer import ExpectedDigest
from collective.tusupload.core.tus.checksum import parse_checksum
from collective.tusupload.core.tus.checksum import SUPPORTED_ALGORITHMS
from collective.tusupload.core.tus.concat import format_concat
from collective.tusupload.core.tus.concat import load_partials
from collective.tusupload.core.tus.concat import parse_concat
from collective.tusupload.core.tus.headers import DEFAULT_MAX_HEADER_LENGTH
from collective.tusupload.core.tus.headers import Headers
from collective.tusupload.core.tus.headers import http_date
from collective.tusupload.core.tus.headers import media_type
from collective.tusupload.core.tus.headers import parse_integer
from collective.tusupload.core.tus.metadata import format_metadata
from collective.tusupload.core.tus.metadata import parse_metadata


TUS_VERSION = "1.0.0"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
VERBS = ("OPTIONS", "HEAD", "POST", "PATCH", "DELETE")


class TusHandler:
    """tus 1.0.0 over an engine: one method per verb plus :meth:`handle`.

    :param engine: the upload engine (store, locker, hooks, limits).
    :param checksum_algorithms: algorithms accepted in ``Upload-Checksum``.
    :param max_header_length: longest accepted tus header value.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        checksum_algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS,
        max_header_length: int = DEFAULT_MAX_HEADER_LENGTH,
    ) -> None:
        unknown = set(checksum_algorithms) - set(SUPPORTED_ALGORITHMS)
        if unknown:
            raise ValueError(f"unsupported checksum algorithms: {sorted(unknown)}")
        self.engine = engine
        self.checksum_algorithms = tuple(checksum_algorithms)
        self.max_header_length = max_header_length

    @property
    def extensions(self) -> list[str]:
        """What ``Tus-Extension`` advertises, from the store's capabilities."""
        store = self.engine.store
        names = ["creation", "creation-with-upload"]
        if store.supports_defer_length:
            names.append("creation-defer-length")
        if self.engine.expiry is not None:
            names.append("expiration")
        if self.checksum_algorithms:
            names.append("checksum")
        if store.supports_termination:
            names.append("termination")
        if store.supports_concatenation:
            names += ["concatenation", "concatenation-unfinished"]
        return names

    def handle(self, request: TusRequest) -> TusResponse:
        """Route ``request`` by its verb (after ``X-HTTP-Method-Override``)."""
        try:
            self._headers(request).get("X-HTTP-Method-Override")
        except errors.TusError as error:
            return self._error_response(error)
        verbs: dict[str, Callable[[TusRequest], TusResponse]] = {
            "OPTIONS": self.options,
            "HEAD": self.head,
            "POST": self.post,
            "PATCH": self.patch,
            "DELETE": self.delete,
        }
        verb = verbs.get(request.verb)
        if verb is None:
            return self._error_response(
                errors.MethodNotAllowed(headers={"Allow": ", ".join(VERBS)})
            )
        return verb(request)

    def options(self, request: TusRequest) -> TusResponse:
        """Describe the server: 204 with versions, extensions and limits."""
        return self._run(self._options, request, check_version=False)

    def head(self, request: TusRequest) -> TusResponse:
        """Report an upload's offset, length, metadata and concatenation."""
        return self._run(self._head, request)

    def post(self, request: TusRequest) -> TusResponse:
        """Create an upload (creation, defer-length, with-upload, concatenation)."""
        return self._run(self._post, request)

    def patch(self, request: TusRequest) -> TusResponse:
        """Append a chunk at the upload's offset (a replay gets the final reply)."""
        return self._run(self._patch, request)

    def delete(self, request: TusRequest) -> TusResponse:
        """Terminate an upload: remove data, info and lock."""
        return self._run(self._delete, request)

    # -- dispatch -------------------------------------------------------------

    def _run(
        self,
        verb: Callable[[TusRequest], TusResponse],
        request: TusRequest,
        *,
        check_version: bool = True,
    ) -> TusResponse:
        try:
            if check_version:
                self._check_version(request)
            response = verb(request)
        except errors.TusError as error:
            response = self._error_response(error)
        response.headers["Tus-Resumable"] = TUS_VERSION
        return response

    def _error_response(self, error: errors.TusError) -> TusResponse:
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "Tus-Resumable": TUS_VERSION,
        }
        headers.update(error.headers)
        return TusResponse(
            status=error.status, headers=headers, body=error.message.encode("utf-8")
        )

    def _headers(self, request: TusRequest) -> Headers:
        return Headers(request.headers or {}, max_length=self.max_header_length)

    def _check_version(self, request: TusRequest) -> None:
        if self._headers(request).get("Tus-Resumable") != TUS_VERSION:
            raise errors.PreconditionFailed(headers={"Tus-Version": TUS_VERSION})

    # -- verbs ----------------------------------------------------------------

    def _options(self, request: TusRequest) -> TusResponse:
        headers = {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(self.extensions),
        }
        if self.engine.max_size is not None:
            headers["Tus-Max-Size"] = str(self.engine.max_size)
        if self.checksum_algorithms:
            headers["Tus-Checksum-Algorithm"] = ",".join(self.checksum_algorithms)
        return TusResponse(status=204, headers=headers)

    def _head(self, request: TusRequest) -> TusResponse:
        """Report the upload as it is; never change anything (HEAD is pure)."""
        info = self.engine.status(request, upload_url_id(request))
        headers = {"Cache-Control": "no-store"}
        if not info.is_final or info.is_complete:
            headers["Upload-Offset"] = str(info.offset)
        if info.length is not None:
            headers["Upload-Length"] = str(info.length)
        elif not info.is_final:
            headers["Upload-Defer-Length"] = "1"
        if info.metadata:
            headers["Upload-Metadata"] = format_metadata(info.metadata)
        concat = format_concat(request, info, location)
        if concat is not None:
            headers["Upload-Concat"] = concat
        self._add_expires(headers, info)
        response = TusResponse(status=200, headers=headers)
        if info.finished and not info.is_partial:
            return finished_reply(self.engine, request, info, response)
        return response

    def _post(self, request: TusRequest) -> TusResponse:
        engine = self.engine
        if request.upload_id is not None:
            raise errors.MethodNotAllowed(
                "POST creates uploads at the endpoint URL only"
            )
        engine.check_may_create(request)
        headers = self._headers(request)
        partial_ids, is_partial = parse_concat(
            headers.get("Upload-Concat"),
            request,
            supported=engine.store.supports_concatenation,
        )
        metadata = parse_metadata(headers.get("Upload-Metadata"))
        content_length = self._content_length(request, headers)
        if partial_ids is not None:
            if (
                headers.get("Upload-Length") is not None
                or headers.get("Upload-Defer-Length") is not None
            ):
                raise errors.BadRequest("a final upload takes no Upload-Length")
            partials = load_partials(engine, request, partial_ids)
            info = engine.new_final(request, partials, metadata)
        else:
            info = engine.new_upload(
                request,
                length=self._creation_length(headers),
                metadata=metadata,
                is_partial=is_partial,
            )
        body = None
        digests = []
        if self._has_body(request, headers, content_length):
            if info.is_final:
                raise errors.Forbidden("a final upload takes no data")
            digests = self._digests(headers)
            body = Body(request.body, content_length)
        location_url = location(request, info.id)
        try:
            info = engine.create(request, info, body=body, digests=digests)
        except errors.TusError as error:
            if error.upload_id is not None:
                error.headers.setdefault("Location", location_url)
            raise
        # tus: Location is the upload's URL, even when it finished already.
        reply_headers = {"Location": location_url, "Upload-Offset": str(info.offset)}
        response = TusResponse(status=201, headers=reply_headers)
        if info.finished:
            return finished_reply(engine, request, info, response)
        self._add_expires(reply_headers, info)
        return response

    def _creation_length(self, headers: Headers) -> int | None:
        length = parse_integer(headers.get("Upload-Length"), "Upload-Length")
        defer = headers.get("Upload-Defer-Length")
        if defer is not None and (
            defer != "1" or not self.engine.store.supports_defer_length
        ):
            raise errors.BadRequest("Upload-Defer-Length must be 1")
        if (length is None) == (defer is None):
            raise errors.BadRequest(
                "send either Upload-Length or Upload-Defer-Length: 1"
            )
        return length

    def _patch(self, request: TusRequest) -> TusResponse:
        headers = self._headers(request)
        if media_type(headers.get("Content-Type")) != OFFSET_CONTENT_TYPE:
            raise errors.UnsupportedMediaType()
        offset = parse_integer(headers.get("Upload-Offset"), "Upload-Offset")
        if offset is None:
            raise errors.BadRequest("Upload-Offset is required")
        length = parse_integer(headers.get("Upload-Length"), "Upload-Length")
        digests = self._digests(headers)
        content_length = self._content_length(request, headers)
        info = self.engine.append(
            request,
            upload_url_id(request),
            offset=offset,
            body=Body(request.body, content_length),
            length=length,
            digests=digests,
        )
        response = TusResponse(status=204, headers={"Upload-Offset": str(info.offset)})
        if info.finished and not info.is_partial:
            return finished_reply(self.engine, request, info, response)
        self._add_expires(response.headers, info)
        return response

    def _delete(self, request: TusRequest) -> TusResponse:
        self.engine.terminate(request, upload_url_id(request))
        return TusResponse(status=204, headers={})

    # -- helpers --------------------------------------------------------------

    def _digests(self, headers: Headers) -> list[ExpectedDigest]:
        value = headers.get("Upload-Checksum")
        if value is None:
            return []
        return [parse_checksum(value, algorithms=self.checksum_algorithms)]

    @staticmethod
    def _content_length(request: TusRequest, headers: Headers) -> int | None:
        if request.content_length is not None:
            return request.content_length
        return parse_integer(headers.get("Content-Length"), "Content-Length")

    @staticmethod
    def _has_body(
        request: TusRequest, headers: Headers, content_length: int | None
    ) -> bool:
        if media_type(headers.get("Content-Type")) != OFFSET_CONTENT_TYPE:
            return False
        return request.body is not None and content_length != 0

    @staticmethod
    def _add_expires(headers: dict[str, str], info: UploadInfo) -> None:
        if info.expires is not None and not info.is_complete:
            headers["Upload-Expires"] = http_date(info.expires)


def upload_url_id(request: TusRequest) -> str:
    """The upload a request addresses; 405 for the endpoint itself."""
    if request.upload_id is None:
        raise errors.MethodNotAllowed("use an upload URL")
    return request.upload_id


def location(request: TusRequest, upload_id: str) -> str:
    """The URL of an upload under the request's endpoint."""
    return f"{request.base_url.rstrip('/')}/{upload_id}"


def finished_reply(
    engine: Engine, request: TusRequest, info: UploadInfo, response: TusResponse
) -> TusResponse:
    """The reply about a finished upload: its content's URL, then the host's say."""
    url = info.content.get("url")
    if url:
        response.headers["Content-Location"] = str(url)
    return engine.hooks.finished_reply(request, info, response)
