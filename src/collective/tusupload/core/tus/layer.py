"""The tus 1.0.0 wire layer: tus headers in, engine calls, tus replies out.

:class:`TusLayer` checks what tus 1.0 says of each verb (the version,
content types, integers, metadata, checksums, concatenation) and leaves the
upload itself to the :class:`~..engine.Engine`. It has one method per verb,
for hosts that route verbs themselves, and :meth:`TusLayer.handle` for
those that don't. Errors never leave as exceptions: each
:class:`~..errors.TusError` becomes a 4xx reply with a short plain-text
body. Any other exception propagates to the host unchanged, so e.g. a Zope
``ConflictError`` raised inside a hook still reaches Zope.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core import wire
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.metadata import format_metadata
from collective.tusupload.core.metadata import parse_metadata
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.store import Concatenation
from collective.tusupload.core.store import DeferredLength
from collective.tusupload.core.store import Termination
from collective.tusupload.core.transfer import Body
from collective.tusupload.core.transfer import ExpectedDigest
from collective.tusupload.core.tus.checksum import parse_checksum
from collective.tusupload.core.tus.checksum import SUPPORTED_ALGORITHMS
from collective.tusupload.core.tus.concat import format_concat
from collective.tusupload.core.tus.concat import load_partials
from collective.tusupload.core.tus.concat import parse_concat

import email.utils
import functools


TUS_VERSION = "1.0.0"


def _tus_reply(
    *, check_version: bool = True
) -> Callable[[Callable], Callable[[TusLayer, TusRequest], TusResponse]]:
    """Make a verb answer in tus: the version checked, errors as 4xx replies.

    tus 1.0: "The Tus-Resumable header MUST be included in every request and
    response except for OPTIONS requests", and "If the version specified by
    the Client is not supported by the Server, it MUST respond with the 412
    Precondition Failed status and MUST include the Tus-Version header".
    """

    def decorate(verb):
        @functools.wraps(verb)
        def reply(self: TusLayer, request: TusRequest) -> TusResponse:
            try:
                if check_version and request.header("Tus-Resumable") != TUS_VERSION:
                    raise errors.PreconditionFailed(
                        headers={"Tus-Version": TUS_VERSION}
                    )
                response = verb(self, request)
            except errors.TusError as error:
                response = error_reply(error)
            response.headers["Tus-Resumable"] = TUS_VERSION
            return response

        return reply

    return decorate


def error_reply(error: errors.TusError) -> TusResponse:
    """The tus reply for a refusal: its status, its headers, a plain-text body."""
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Tus-Resumable": TUS_VERSION,
    }
    headers.update(error.headers)
    return TusResponse(
        status=error.status, headers=headers, body=error.message.encode("utf-8")
    )


class TusLayer:
    """tus 1.0.0 over an engine: one method per verb plus :meth:`handle`.

    :param engine: the upload engine (store, locker, hooks, limits).
    :param checksum_algorithms: algorithms accepted in ``Upload-Checksum``.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        checksum_algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS,
    ) -> None:
        unknown = set(checksum_algorithms) - set(SUPPORTED_ALGORITHMS)
        if unknown:
            raise ValueError(f"unsupported checksum algorithms: {sorted(unknown)}")
        self.engine = engine
        self.checksum_algorithms = tuple(checksum_algorithms)

    @property
    def extensions(self) -> list[str]:
        """What ``Tus-Extension`` advertises: what the store and settings allow."""
        store = self.engine.store
        names = ["creation", "creation-with-upload"]
        if isinstance(store, DeferredLength):
            names.append("creation-defer-length")
        if self.engine.expiry is not None:
            names.append("expiration")
        if self.checksum_algorithms:
            names.append("checksum")
        if isinstance(store, Termination):
            names.append("termination")
        if isinstance(store, Concatenation):
            names += ["concatenation", "concatenation-unfinished"]
        return names

    def handle(self, request: TusRequest) -> TusResponse:
        """Answer ``request`` by its verb (after ``X-HTTP-Method-Override``)."""
        verbs = {
            "OPTIONS": self.options,
            "HEAD": self.head,
            "POST": self.post,
            "PATCH": self.patch,
            "DELETE": self.delete,
        }
        try:
            verb = verbs.get(request.verb)
            if verb is None:
                raise errors.MethodNotAllowed(headers={"Allow": ", ".join(wire.VERBS)})
        except errors.TusError as error:
            return error_reply(error)
        return verb(request)

    @_tus_reply(check_version=False)
    def options(self, request: TusRequest) -> TusResponse:
        """Describe the server: 204 with versions, extensions and limits."""
        headers = {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(self.extensions),
        }
        if self.engine.max_size is not None:
            headers["Tus-Max-Size"] = str(self.engine.max_size)
        if self.checksum_algorithms:
            headers["Tus-Checksum-Algorithm"] = ",".join(self.checksum_algorithms)
        return TusResponse(status=204, headers=headers)

    @_tus_reply()
    def head(self, request: TusRequest) -> TusResponse:
        """Report the upload's offset, length, metadata and concatenation.

        "The Server MUST always include the Upload-Offset header in the
        response for a HEAD request, even if the offset is 0, or the upload
        is already considered completed"; it changes nothing (HEAD is pure).
        """
        info = self.engine.retrieve_offset(request, wire.upload_id_of(request))
        headers = {"Cache-Control": "no-store"}
        if not info.is_final or info.is_complete:
            headers["Upload-Offset"] = str(info.offset)
        if info.length is not None:
            headers["Upload-Length"] = str(info.length)
        elif not info.is_final:
            headers["Upload-Defer-Length"] = "1"
        if info.metadata:
            headers["Upload-Metadata"] = format_metadata(info.metadata)
        concat = format_concat(request, info)
        if concat is not None:
            headers["Upload-Concat"] = concat
        _add_expires(headers, info)
        response = TusResponse(status=200, headers=headers)
        if info.finished and not info.is_partial:
            return wire.finished_reply(self.engine.hooks, request, info, response)
        return response

    @_tus_reply()
    def post(self, request: TusRequest) -> TusResponse:
        """Create an upload (creation, defer-length, with-upload, concatenation).

        "The Server MUST acknowledge a successful upload creation with the
        201 Created status. The Server MUST set the Location header to the
        URL of the created resource."
        """
        engine = self.engine
        if request.upload_id is not None:
            raise errors.MethodNotAllowed(
                "POST creates uploads at the endpoint URL only"
            )
        engine.check_may_create(request)
        partial_ids, is_partial = parse_concat(
            request.header("Upload-Concat"),
            request,
            supported=isinstance(engine.store, Concatenation),
        )
        metadata = parse_metadata(request.header("Upload-Metadata"))
        content_length = wire.content_length(request)
        if partial_ids is not None:
            if (
                request.header("Upload-Length") is not None
                or request.header("Upload-Defer-Length") is not None
            ):
                raise errors.BadRequest("a final upload takes no Upload-Length")
            partials = load_partials(engine, request, partial_ids)
            info = engine.new_final(request, partials, metadata)
        else:
            info = engine.new_upload(
                request,
                length=self._creation_length(request),
                metadata=metadata,
                is_partial=is_partial,
            )
        body = None
        digests = []
        if _has_body(request, content_length):
            if info.is_final:
                raise errors.Forbidden("a final upload takes no data")
            digests = self._digests(request)
            body = Body(request.body, content_length)
        location = wire.location(request, info.id)
        try:
            info = engine.create(request, info, body=body, digests=digests)
        except errors.TusError as error:
            if error.upload_id is not None:
                error.headers.setdefault("Location", location)
            raise
        # tus: Location is the upload's URL, even when it finished already.
        headers = {"Location": location, "Upload-Offset": str(info.offset)}
        response = TusResponse(status=201, headers=headers)
        if info.finished:
            return wire.finished_reply(engine.hooks, request, info, response)
        _add_expires(headers, info)
        return response

    @_tus_reply()
    def patch(self, request: TusRequest) -> TusResponse:
        """Append a chunk at the upload's offset (a replay gets the final reply).

        "All PATCH requests MUST use Content-Type:
        application/offset+octet-stream, otherwise the server SHOULD return
        a 415 Unsupported Media Type status."
        """
        if wire.media_type(request.header("Content-Type")) != wire.OFFSET_OCTET_STREAM:
            raise errors.UnsupportedMediaType(
                f"Content-Type must be {wire.OFFSET_OCTET_STREAM}"
            )
        offset = wire.parse_decimal(request.header("Upload-Offset"), "Upload-Offset")
        if offset is None:
            raise errors.BadRequest("Upload-Offset is required")
        length = wire.parse_decimal(request.header("Upload-Length"), "Upload-Length")
        digests = self._digests(request)
        content_length = wire.content_length(request)
        info = self.engine.append(
            request,
            wire.upload_id_of(request),
            offset=offset,
            body=Body(request.body, content_length),
            length=length,
            digests=digests,
        )
        # "The Server MUST acknowledge successful PATCH requests with the
        # 204 No Content status. It MUST include the Upload-Offset header."
        response = TusResponse(status=204, headers={"Upload-Offset": str(info.offset)})
        if info.finished and not info.is_partial:
            return wire.finished_reply(self.engine.hooks, request, info, response)
        _add_expires(response.headers, info)
        return response

    @_tus_reply()
    def delete(self, request: TusRequest) -> TusResponse:
        """Terminate an upload: remove its data, info and lock (termination).

        "When receiving a DELETE request for an existing upload the Server
        SHOULD free associated resources and MUST respond with the 204 No
        Content status".
        """
        self.engine.terminate(request, wire.upload_id_of(request))
        return TusResponse(status=204, headers={})

    # -- header values --------------------------------------------------------

    def _creation_length(self, request: TusRequest) -> int | None:
        length = wire.parse_decimal(request.header("Upload-Length"), "Upload-Length")
        defer = request.header("Upload-Defer-Length")
        if defer is not None and (
            defer != "1" or not isinstance(self.engine.store, DeferredLength)
        ):
            raise errors.BadRequest("Upload-Defer-Length must be 1")
        if (length is None) == (defer is None):
            raise errors.BadRequest(
                "send either Upload-Length or Upload-Defer-Length: 1"
            )
        return length

    def _digests(self, request: TusRequest) -> list[ExpectedDigest]:
        value = request.header("Upload-Checksum")
        if value is None:
            return []
        return [parse_checksum(value, algorithms=self.checksum_algorithms)]


def _has_body(request: TusRequest, content_length: int | None) -> bool:
    """Whether a creation request carries the first chunk (creation-with-upload)."""
    if wire.media_type(request.header("Content-Type")) != wire.OFFSET_OCTET_STREAM:
        return False
    return request.body is not None and content_length != 0


def _add_expires(headers: dict[str, str], info: UploadInfo) -> None:
    """``Upload-Expires`` while the upload is unfinished (expiration)."""
    if info.expires is not None and not info.is_complete:
        headers["Upload-Expires"] = http_date(info.expires)


def http_date(timestamp: float) -> str:
    """``timestamp`` as an HTTP date (RFC 9110), as ``Upload-Expires`` wants it."""
    return email.utils.formatdate(timestamp, usegmt=True)
