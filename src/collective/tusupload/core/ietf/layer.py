"""The IETF draft's wire layer: its fields in, engine calls, its replies out.

A request is the draft's when it carries ``Upload-Draft-Interop-Version``;
:class:`IetfLayer` reads the version's row of
:data:`~.versions.VERSIONS` and speaks that version. The upload itself is
the engine's, as for tus 1.0: the same owner binding, limits before bytes,
exactly-once finish and expiry.

What WSGI can't do: a ``104 (Upload Resumption Supported)`` interim reply.
A client learns the upload's URL from the ``201`` (``Location``) instead, so
it should create with ``Upload-Complete: ?0`` and append afterwards to be
able to resume from the first byte.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.core import errors
from collective.tusupload.core import wire
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.ietf.digests import parse_digests
from collective.tusupload.core.ietf.fields import format_boolean
from collective.tusupload.core.ietf.fields import format_dictionary
from collective.tusupload.core.ietf.fields import parse_boolean
from collective.tusupload.core.ietf.fields import parse_integer
from collective.tusupload.core.ietf.problems import problem_response
from collective.tusupload.core.ietf.versions import Interop
from collective.tusupload.core.ietf.versions import INTEROP_HEADER
from collective.tusupload.core.ietf.versions import VERSIONS
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.metadata import parse_metadata
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.transfer import Body
from email.message import Message

import base64


class IetfLayer:
    """The IETF draft over an engine.

    :param engine: the upload engine shared with tus 1.0.
    :param max_append_size: largest body of one request, advertised as
        ``max-append-size`` (None = no limit).
    """

    def __init__(self, engine: Engine, *, max_append_size: int | None = None) -> None:
        self.engine = engine
        self.max_append_size = max_append_size

    def handle(self, request: TusRequest) -> TusResponse:
        """Answer ``request`` in the interop version it names."""
        interop: Interop | None = None
        try:
            interop = self._interop(request)
            verbs: dict[str, Callable[[TusRequest, Interop], TusResponse]] = {
                "OPTIONS": self._options,
                "HEAD": self._head,
                "POST": self._post,
                "PATCH": self._patch,
                "DELETE": self._delete,
            }
            if interop.offset_by_get:
                verbs["GET"] = self._head
            verb = verbs.get(request.verb)
            if verb is None:
                raise errors.MethodNotAllowed(headers={"Allow": ", ".join(verbs)})
            return verb(request, interop)
        except errors.TusError as error:
            response = problem_response(error)
            if isinstance(error, errors.TooLarge) and (
                interop is None or interop.upload_limit
            ):
                self._add_limit(response.headers, interop, None)
            if isinstance(error, errors.OffsetMismatch) and (
                interop is not None and interop.state_on_conflict
            ):
                self._add_completion(response.headers, interop, error.complete)
            if error.upload_id is not None:
                response.headers.setdefault(
                    "Location", wire.location(request, error.upload_id)
                )
            return response

    # -- verbs ----------------------------------------------------------------

    def _options(self, request: TusRequest, interop: Interop) -> TusResponse:
        allowed = wire.VERBS + (("GET",) if interop.offset_by_get else ())
        headers = {"Accept-Patch": wire.PARTIAL_UPLOAD, "Allow": ", ".join(allowed)}
        if interop.upload_limit:
            self._add_limit(headers, interop, None)
        return TusResponse(status=204, headers=headers)

    def _head(self, request: TusRequest, interop: Interop) -> TusResponse:
        """Offset, completeness, length and limits; changes nothing.

        "A successful response to a HEAD request against an upload resource
        MUST include the offset in the Upload-Offset header field [and] the
        completeness state in the Upload-Complete header field". Where the
        version says so, a GET is answered the same way, without a body.
        """
        info = self.engine.retrieve_offset(request, wire.upload_id_of(request))
        headers = {"Cache-Control": "no-store"}
        self._add_state(headers, interop, info)
        if interop.limit_everywhere:
            self._add_limit(headers, interop, info)
        response = TusResponse(status=204, headers=headers)
        if info.finished and not info.is_partial:
            return wire.finished_reply(self.engine.hooks, request, info, response)
        return response

    def _post(self, request: TusRequest, interop: Interop) -> TusResponse:
        engine = self.engine
        if request.upload_id is not None:
            raise errors.MethodNotAllowed("create uploads at the endpoint URL")
        engine.check_may_create(request)
        complete = self._complete(request, interop)
        content_length = wire.content_length(request)
        length = self._length(request, interop, complete, 0, content_length)
        info = engine.new_upload(request, length=length, metadata=_metadata(request))
        for digest in parse_digests(request.header("Repr-Digest"), "Repr-Digest"):
            info.repr_digests[digest.algorithm] = base64.b64encode(
                digest.digest
            ).decode("ascii")
        body = None
        digests = parse_digests(request.header("Content-Digest"), "Content-Digest")
        if request.body is not None and content_length != 0:
            body = Body(request.body, content_length)
        info = engine.create(
            request,
            info,
            body=body,
            digests=digests,
            complete=complete,
            max_append=self.max_append_size,
        )
        headers = {"Location": wire.location(request, info.id)}
        self._add_state(headers, interop, info)
        if interop.limit_everywhere:
            self._add_limit(headers, interop, info)
        response = TusResponse(status=201, headers=headers)
        if info.finished:
            return wire.finished_reply(engine.hooks, request, info, response)
        return response

    def _patch(self, request: TusRequest, interop: Interop) -> TusResponse:
        wanted = interop.append_media_type
        content_type = wire.media_type(request.header("Content-Type"))
        if wanted is not None and content_type != wanted:
            raise errors.UnsupportedMediaType(f"Content-Type must be {wanted}")
        offset = parse_integer(request.header("Upload-Offset"))
        if offset is None:
            raise errors.BadRequest(
                "Upload-Offset (a non-negative Integer) is required"
            )
        complete = self._complete(request, interop)
        content_length = wire.content_length(request)
        length = self._length(request, interop, complete, offset, content_length)
        digests = parse_digests(request.header("Content-Digest"), "Content-Digest")
        info = self.engine.append(
            request,
            wire.upload_id_of(request),
            offset=offset,
            body=Body(request.body, content_length),
            length=length,
            complete=complete,
            digests=digests,
            max_append=self.max_append_size,
        )
        headers: dict[str, str] = {}
        self._add_state(headers, interop, info)
        response = TusResponse(status=204, headers=headers)
        if info.finished and not info.is_partial:
            return wire.finished_reply(self.engine.hooks, request, info, response)
        return response

    def _delete(self, request: TusRequest, interop: Interop) -> TusResponse:
        self.engine.terminate(request, wire.upload_id_of(request))
        return TusResponse(status=204, headers={})

    # -- fields ---------------------------------------------------------------

    @staticmethod
    def _interop(request: TusRequest) -> Interop:
        number = parse_integer(request.header(INTEROP_HEADER))
        interop = VERSIONS.get(number) if number is not None else None
        if interop is None:
            supported = ", ".join(str(version) for version in VERSIONS)
            raise errors.BadRequest(
                f"{INTEROP_HEADER} must be one of {supported} on this server"
            )
        return interop

    @staticmethod
    def _complete(request: TusRequest, interop: Interop) -> bool:
        """Whether the request says it ends the upload."""
        value = parse_boolean(request.header(interop.complete_field))
        if value is None:
            return interop.complete_by_default
        return not value if interop.inverted else value

    @staticmethod
    def _length(
        request: TusRequest,
        interop: Interop,
        complete: bool,
        offset: int,
        content_length: int | None,
    ) -> int | None:
        """The length the request declares; both indicators must agree."""
        # Read in every version: tus-js-client declares it with interop 5
        # too, and relies on completion at the declared length.
        declared = parse_integer(request.header("Upload-Length"))
        if complete and content_length is not None:
            deduced = offset + content_length
            if declared is not None and declared != deduced:
                raise errors.InconsistentLength(
                    f"Upload-Length says {declared} bytes, but the request "
                    f"ends the upload at {deduced}"
                )
            return deduced
        return declared

    def _add_state(self, headers: dict[str, str], interop: Interop, info: UploadInfo):
        """``Upload-Offset``, the completion field and ``Upload-Length``."""
        headers["Upload-Offset"] = str(info.offset)
        self._add_completion(headers, interop, info.finished)
        if interop.upload_length and info.length is not None:
            headers["Upload-Length"] = str(info.length)

    @staticmethod
    def _add_completion(headers: dict[str, str], interop: Interop, done: bool):
        """The completion field: whether the upload is complete, as the
        version words it."""
        headers[interop.complete_field] = format_boolean(
            not done if interop.inverted else done
        )

    def _add_limit(
        self,
        headers: dict[str, str],
        interop: Interop | None,
        info: UploadInfo | None,
    ) -> None:
        """``Upload-Limit``: max-size, max-append-size and the remaining age.

        In a version that always sends it, ``min-size=0`` comes first: this
        server takes uploads of any size down to none.
        """
        limits: dict[str, int] = {}
        if interop is not None and interop.limit_always:
            limits["min-size"] = 0
        engine = self.engine
        if engine.max_size is not None:
            limits["max-size"] = engine.max_size
        if self.max_append_size is not None:
            limits["max-append-size"] = self.max_append_size
        age = None
        if info is not None and info.expires is not None and not info.finished:
            age = max(0, int(info.expires - engine.clock()))
        elif info is None and engine.expiry is not None:
            age = int(engine.expiry)
        if age is not None:
            limits[interop.age_key if interop is not None else "max-age"] = age
        if limits:
            headers["Upload-Limit"] = format_dictionary(limits)


def _metadata(request: TusRequest) -> dict[str, str | None]:
    """What the creation request says of the file.

    ``Upload-Metadata`` as tus writes it (tus-js-client sends it with the
    draft too), then the representation's ``Content-Type`` and the file name
    of ``Content-Disposition`` as the draft suggests.
    """
    metadata = parse_metadata(request.header("Upload-Metadata"))
    content_type = wire.media_type(request.header("Content-Type"))
    if content_type and content_type not in (
        wire.PARTIAL_UPLOAD,
        wire.OFFSET_OCTET_STREAM,
    ):
        metadata.setdefault("content-type", content_type)
    disposition = request.header("Content-Disposition")
    if disposition:
        message = Message()
        message["Content-Disposition"] = disposition
        filename = message.get_filename()
        if filename:
            metadata.setdefault("filename", str(filename))
    return metadata
