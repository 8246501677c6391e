"""The tus 1.0.0 handler: request facts in, reply out.

A host adapter builds a :class:`TusRequest`, calls :meth:`Handler.handle`
(or one of the per-verb methods when it routes itself) and sends the
returned :class:`TusResponse`. Protocol errors never leave the handler as
exceptions: each :class:`~.errors.TusError` becomes a 4xx reply with a short
plain-text body. Any other exception propagates to the host unchanged, so
e.g. a Zope ``ConflictError`` raised inside a hook still reaches Zope.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collective.tusupload.core import errors
from collective.tusupload.core.checksum import ExpectedChecksum
from collective.tusupload.core.checksum import parse_checksum
from collective.tusupload.core.checksum import SUPPORTED_ALGORITHMS
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.finishing import remove_upload
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.metadata import format_metadata
from collective.tusupload.core.metadata import parse_metadata
from collective.tusupload.core.regions import body_region
from collective.tusupload.core.store import check_upload_id
from collective.tusupload.core.store import is_valid_upload_id
from collective.tusupload.core.store import new_upload_id
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import UploadInfo
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any
from typing import BinaryIO
from urllib.parse import urlsplit

import contextlib
import email.utils
import logging
import re
import time


logger = logging.getLogger("collective.tusupload")


TUS_VERSION = "1.0.0"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
INTEGER_PATTERN = re.compile(r"^[0-9]{1,20}\Z")
DEFAULT_MAX_HEADER_LENGTH = 8192
VERBS = ("OPTIONS", "HEAD", "POST", "PATCH", "DELETE")


@dataclass
class TusRequest:
    """The facts of one request, as the host adapter sees them.

    :ivar method: the HTTP method as received; the handler applies
        ``X-HTTP-Method-Override`` itself.
    :ivar headers: any mapping; looked up case-insensitively.
    :ivar body: a readable stream (``read(n)`` returns ``b""`` at EOF) or None.
    :ivar upload_id: the URL segment after the endpoint; None for the endpoint.
    :ivar base_url: the endpoint URL without trailing slash.
    :ivar principal: the acting user id; None for anonymous.
    :ivar content_length: the request's Content-Length if the host knows it.
    :ivar context: an opaque host object handed to hooks.
    """

    method: str
    headers: Mapping[str, str]
    body: BinaryIO | None
    upload_id: str | None
    base_url: str
    principal: str | None = None
    content_length: int | None = None
    context: Any = None

    @property
    def verb(self) -> str:
        """The method meant: ``X-HTTP-Method-Override`` if given, upper-cased."""
        for name, value in (self.headers or {}).items():
            if str(name).lower() == "x-http-method-override" and str(value).strip():
                return str(value).strip().upper()
        return self.method.upper()


@dataclass
class TusResponse:
    """What to send back: status, headers and a short body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Hooks:
    """Lifecycle hooks; the defaults do nothing. Hosts subclass this."""

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        """Called after validation and before any data byte is accepted.

        May raise :class:`~.errors.HookRefused` (e.g. 403, 413, 415) or change
        ``info.extra``/``info.metadata`` before the upload is stored.
        """

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finishing: Finishing
    ) -> dict[str, Any] | None:
        """Take over an upload (not a partial one) whose bytes are all stored.

        Runs once per upload unless it fails: raising (e.g.
        :class:`~.errors.HookRefused`) leaves the upload unacknowledged, and
        the client's retry of its last chunk calls this again.

        :param finishing: the finish in progress. By default the handler
            commits it (keeping the data) when this returns. A host whose work
            ends later calls ``finishing.defer()`` and then, once its work is
            durable, ``finishing.commit(...)``, or ``finishing.abort()``.
        :returns: what the upload became, e.g. ``{"url": ...}``: kept in the
            finished record, the ``url`` is sent as ``Content-Location``.
        """
        return None

    def find_finished(
        self, request: TusRequest, info: UploadInfo
    ) -> dict[str, Any] | None:
        """For a ``finishing`` upload: did the host take it already?

        A host that records its outcome durably returns it here (what
        :meth:`after_finish` returned), else None. Called when a crash may
        have come between the host's commit and the handler's record.
        """
        return None

    def finished_reply(
        self, request: TusRequest, info: UploadInfo, response: TusResponse
    ) -> TusResponse:
        """Adjust the reply about a finished upload (final chunk, replay, HEAD)."""
        return response

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        """Called before a DELETE removes an upload; may raise HookRefused."""

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        """Extra ownership check beyond the principal (e.g. the container).

        Returning False makes the upload look unknown (404).
        """
        return True


class Headers:
    """Case-insensitive, length-checked view of request headers."""

    def __init__(self, raw: Mapping[str, str], *, max_length: int) -> None:
        self._values = {str(name).lower(): value for name, value in raw.items()}
        self.max_length = max_length

    def get(self, name: str) -> str | None:
        """Return the header value or None.

        :raises errors.BadRequest: if the value is longer than ``max_length``.
        """
        value = self._values.get(name.lower())
        if value is None:
            return None
        value = str(value)
        if len(value) > self.max_length:
            raise errors.BadRequest(f"{name} header too long")
        return value


def parse_integer(value: str | None, name: str) -> int | None:
    """Parse a non-negative decimal header value (None stays None).

    :raises errors.BadRequest: for signs, spaces, exponents, empty or huge values.
    """
    if value is None:
        return None
    if not INTEGER_PATTERN.match(value):
        raise errors.BadRequest(f"{name} must be a non-negative decimal integer")
    return int(value)


def http_date(timestamp: float) -> str:
    """Format ``timestamp`` as an HTTP date (RFC 7231)."""
    return email.utils.formatdate(timestamp, usegmt=True)


def media_type(value: str | None) -> str | None:
    """Return the media type of a Content-Type value, without parameters."""
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


@dataclass
class _BodyState:
    """What the block reader observed while streaming a body."""

    received: int = 0
    disconnected: bool = False


class Handler:
    """The tus 1.0.0 server: one method per verb plus :meth:`handle`.

    :param store: where uploads live.
    :param max_size: largest accepted upload in bytes; None = no limit.
    :param expiry: seconds an unfinished upload lives; None = forever.
    :param hooks: host policy; defaults to no-op :class:`Hooks`.
    :param locker: per-upload locks; defaults to ``store.create_locker()``.
    :param checksum_algorithms: algorithms accepted in ``Upload-Checksum``.
    :param block_size: largest read from a request body, in bytes.
    :param clock: returns the current time in seconds since the epoch.
    :param max_header_length: longest accepted tus header value.
    :param allow_anonymous: let a request without principal create uploads.
    :param lock_timeout: seconds to wait for a busy upload before 423.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_size: int | None = None,
        expiry: float | None = 86400.0,
        hooks: Hooks | None = None,
        locker: Locker | None = None,
        checksum_algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS,
        block_size: int = 1 << 20,
        clock: Callable[[], float] = time.time,
        max_header_length: int = DEFAULT_MAX_HEADER_LENGTH,
        allow_anonymous: bool = False,
        lock_timeout: float = 0.5,
    ) -> None:
        unknown = set(checksum_algorithms) - set(SUPPORTED_ALGORITHMS)
        if unknown:
            raise ValueError(f"unsupported checksum algorithms: {sorted(unknown)}")
        if block_size < 1:
            raise ValueError("block_size must be positive")
        self.store = store
        self.max_size = max_size
        self.expiry = expiry
        self.hooks = hooks if hooks is not None else Hooks()
        self.locker = locker if locker is not None else store.create_locker()
        self.checksum_algorithms = tuple(checksum_algorithms)
        self.block_size = block_size
        self.clock = clock
        self.max_header_length = max_header_length
        self.allow_anonymous = allow_anonymous
        self.lock_timeout = lock_timeout

    # -- public API -----------------------------------------------------------

    @property
    def extensions(self) -> list[str]:
        """What ``Tus-Extension`` advertises, from the store's capabilities."""
        names = ["creation", "creation-with-upload"]
        if self.store.supports_defer_length:
            names.append("creation-defer-length")
        if self.expiry is not None:
            names.append("expiration")
        if self.checksum_algorithms:
            names.append("checksum")
        if self.store.supports_termination:
            names.append("termination")
        if self.store.supports_concatenation:
            names += ["concatenation", "concatenation-unfinished"]
        return names

    def handle(self, request: TusRequest) -> TusResponse:
        """Route ``request`` by method (after ``X-HTTP-Method-Override``)."""
        try:
            self._headers(request).get("X-HTTP-Method-Override")
        except errors.TusError as error:
            return self._error_response(error)
        method = request.verb
        verbs: dict[str, Callable[[TusRequest], TusResponse]] = {
            "OPTIONS": self.options,
            "HEAD": self.head,
            "POST": self.post,
            "PATCH": self.patch,
            "DELETE": self.delete,
        }
        verb = verbs.get(method)
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
        """Append a chunk at the upload's offset.

        On a finished upload, a PATCH that ends at its length (the last chunk
        again, or an empty PATCH at the length) is a replay of a client whose
        reply was lost: its body is drained, and it gets the final reply
        again. Nothing is created twice.
        """
        return self._run(self._patch, request)

    def delete(self, request: TusRequest) -> TusResponse:
        """Terminate an upload: remove data, info and lock."""
        return self._run(self._delete, request)

    def discard(self, upload_id: str) -> int:
        """Remove an upload for the host (e.g. after moving its data away).

        :returns: bytes freed. :raises errors.Locked: if busy.
        """
        check_upload_id(upload_id)
        with self._locked(upload_id) as lease:
            return remove_upload(
                self.store, self.locker, upload_id, with_partials=False, lease=lease
            )

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

    # -- OPTIONS --------------------------------------------------------------

    def _options(self, request: TusRequest) -> TusResponse:
        headers = {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(self.extensions),
        }
        if self.max_size is not None:
            headers["Tus-Max-Size"] = str(self.max_size)
        if self.checksum_algorithms:
            headers["Tus-Checksum-Algorithm"] = ",".join(self.checksum_algorithms)
        return TusResponse(status=204, headers=headers)

    # -- HEAD -----------------------------------------------------------------

    def _head(self, request: TusRequest) -> TusResponse:
        """Report the upload as it is; never change anything (HEAD is pure)."""
        info = self._load(request)
        if info.finishing and not info.finished:
            content = self.hooks.find_finished(request, info)
            if content is not None:
                # The host took it; the record was not written (a crash).
                info = _as_finished(info, content)
        headers = {"Cache-Control": "no-store"}
        if not info.is_final or info.is_complete:
            headers["Upload-Offset"] = str(info.offset)
        if info.length is not None:
            headers["Upload-Length"] = str(info.length)
        elif not info.is_final:
            headers["Upload-Defer-Length"] = "1"
        if info.metadata:
            headers["Upload-Metadata"] = format_metadata(info.metadata)
        if info.is_partial:
            headers["Upload-Concat"] = "partial"
        elif info.is_final:
            urls = " ".join(
                self._location(request, partial_id) for partial_id in info.partial_ids
            )
            headers["Upload-Concat"] = f"final;{urls}"
        self._add_expires(headers, info)
        response = TusResponse(status=200, headers=headers)
        if info.finished and not info.is_partial:
            return self._finished_reply(request, info, response)
        return response

    # -- POST -----------------------------------------------------------------

    def _post(self, request: TusRequest) -> TusResponse:
        if request.upload_id is not None:
            raise errors.MethodNotAllowed(
                "POST creates uploads at the endpoint URL only"
            )
        if request.principal is None and not self.allow_anonymous:
            raise errors.Forbidden("anonymous uploads are not allowed")
        headers = self._headers(request)
        partial_ids, is_partial = self._parse_concat(request, headers)
        metadata = parse_metadata(headers.get("Upload-Metadata"))
        content_length = self._content_length(request, headers)
        if partial_ids is not None:
            info = self._new_final(request, headers, partial_ids, metadata)
        else:
            info = self._new_upload(request, headers, metadata, is_partial=is_partial)
        has_body = self._has_body(request, headers, content_length)
        checksum = None
        if has_body and info.is_final:
            raise errors.Forbidden("a final upload takes no data")
        if has_body:
            checksum = self._parse_checksum(headers)
            self._check_room(info, content_length)
        self.hooks.before_create(request, info)
        self.store.create(info)
        location = self._location(request, info.id)
        try:
            if info.is_final:
                self._link_partials(info)
            with self._locked(info.id) as lease:
                if has_body:
                    info = self._write_chunk(
                        request, info, lease, content_length, checksum
                    )
                elif info.is_final:
                    info = self._assemble(request, info, lease)
                elif info.is_complete:
                    info = self._complete(request, info, lease)
        except errors.InsufficientStorage:
            # The first chunk did not fit: keep no empty upload behind.
            remove_upload(self.store, self.locker, info.id, with_partials=False)
            raise
        except errors.TusError as error:
            error.headers.setdefault("Location", location)
            raise
        # tus: Location is the upload's URL, even when it finished already.
        reply_headers = {"Location": location, "Upload-Offset": str(info.offset)}
        response = TusResponse(status=201, headers=reply_headers)
        if info.finished:
            return self._finished_reply(request, info, response)
        self._add_expires(reply_headers, info)
        return response

    def _link_partials(self, final: UploadInfo) -> None:
        """Note the final upload on its partials, so the last one to complete
        assembles it (concatenation-unfinished)."""
        for partial_id in final.partial_ids:
            with self._locked(partial_id):
                partial = self.store.get_info(partial_id)
                if final.id not in partial.final_ids:
                    partial.final_ids.append(final.id)
                    self.store.update_info(partial)

    def _new_upload(
        self,
        request: TusRequest,
        headers: Headers,
        metadata: dict[str, str | None],
        *,
        is_partial: bool,
    ) -> UploadInfo:
        length = parse_integer(headers.get("Upload-Length"), "Upload-Length")
        defer = headers.get("Upload-Defer-Length")
        if defer is not None and (defer != "1" or not self.store.supports_defer_length):
            raise errors.BadRequest("Upload-Defer-Length must be 1")
        if (length is None) == (defer is None):
            raise errors.BadRequest(
                "send either Upload-Length or Upload-Defer-Length: 1"
            )
        self._check_max_size(length)
        return self._new_info(
            request, length=length, metadata=metadata, is_partial=is_partial
        )

    def _new_final(
        self,
        request: TusRequest,
        headers: Headers,
        partial_ids: list[str],
        metadata: dict[str, str | None],
    ) -> UploadInfo:
        if (
            headers.get("Upload-Length") is not None
            or headers.get("Upload-Defer-Length") is not None
        ):
            raise errors.BadRequest("a final upload takes no Upload-Length")
        partials = [
            self._load_partial(request, partial_id) for partial_id in partial_ids
        ]
        length = _total_length(partials)
        self._check_max_size(length)
        info = self._new_info(request, length=length, metadata=metadata)
        info.is_final = True
        info.partial_ids = list(partial_ids)
        return info

    def _new_info(
        self,
        request: TusRequest,
        *,
        length: int | None,
        metadata: dict[str, str | None],
        is_partial: bool = False,
    ) -> UploadInfo:
        now = self.clock()
        return UploadInfo(
            id=new_upload_id(),
            length=length,
            metadata=metadata,
            created=now,
            expires=now + self.expiry if self.expiry is not None else None,
            principal=request.principal,
            is_partial=is_partial,
        )

    def _parse_concat(
        self, request: TusRequest, headers: Headers
    ) -> tuple[list[str] | None, bool]:
        """Return (partial ids of a final upload or None, is_partial)."""
        value = headers.get("Upload-Concat")
        if value is None:
            return None, False
        if not self.store.supports_concatenation:
            raise errors.BadRequest("concatenation is not supported")
        if value == "partial":
            return None, True
        if not value.startswith("final;"):
            raise errors.BadRequest("Upload-Concat must be 'partial' or 'final;<urls>'")
        urls = value[len("final;") :].split()
        if not urls:
            raise errors.BadRequest(
                "Upload-Concat: final needs at least one partial upload"
            )
        return [self._id_from_url(request, url) for url in urls], False

    def _id_from_url(self, request: TusRequest, url: str) -> str:
        """Return the upload id of an upload URL under this endpoint."""
        refused = errors.BadRequest("Upload-Concat: not an upload URL of this endpoint")
        parts = urlsplit(url)
        base = urlsplit(request.base_url)
        if parts.query or parts.fragment or "?" in url or "#" in url:
            raise refused
        if (parts.scheme or parts.netloc) and (
            parts.scheme.lower(),
            parts.netloc.lower(),
        ) != (base.scheme.lower(), base.netloc.lower()):
            raise refused
        prefix = base.path.rstrip("/") + "/"
        if not parts.path.startswith(prefix):
            raise refused
        upload_id = parts.path[len(prefix) :]
        if not is_valid_upload_id(upload_id):
            raise refused
        return upload_id

    def _load_partial(self, request: TusRequest, upload_id: str) -> UploadInfo:
        try:
            info = self._load_by_id(request, upload_id)
        except (errors.NotFound, errors.Gone):
            raise errors.BadRequest("Upload-Concat: unknown partial upload") from None
        if not info.is_partial:
            raise errors.BadRequest("Upload-Concat: not a partial upload")
        return info

    # -- PATCH ----------------------------------------------------------------

    def _patch(self, request: TusRequest) -> TusResponse:
        headers = self._headers(request)
        if media_type(headers.get("Content-Type")) != OFFSET_CONTENT_TYPE:
            raise errors.UnsupportedMediaType()
        client_offset = parse_integer(headers.get("Upload-Offset"), "Upload-Offset")
        if client_offset is None:
            raise errors.BadRequest("Upload-Offset is required")
        new_length = parse_integer(headers.get("Upload-Length"), "Upload-Length")
        checksum = self._parse_checksum(headers)
        content_length = self._content_length(request, headers)
        info = self._load(request)
        if info.is_final:
            raise errors.Forbidden("a final upload can't be patched")
        with self._locked(info.id) as lease:
            info = self._load(request)
            info = self._found_finished(request, info, lease)
            if info.finished:
                if not _is_replay(info, client_offset, content_length):
                    if client_offset == info.offset:
                        raise errors.TooLarge("data past Upload-Length")
                    raise errors.OffsetMismatch()
                self._drain(request.body, content_length or 0)
                if info.is_partial:
                    self._assemble_finals(request, info)
                return self._chunk_response(request, info)
            if client_offset != info.offset:
                raise errors.OffsetMismatch()
            self._apply_length(info, new_length)
            self._check_room(info, content_length)
            info = self._write_chunk(request, info, lease, content_length, checksum)
        return self._chunk_response(request, info)

    def _found_finished(
        self, request: TusRequest, info: UploadInfo, lease: Lease
    ) -> UploadInfo:
        """Record the finish of a ``finishing`` upload the host took already."""
        if not info.finishing or info.finished:
            return info
        content = self.hooks.find_finished(request, info)
        if content is None:
            return info
        return self._finishing(info, lease).commit(content)

    def _apply_length(self, info: UploadInfo, new_length: int | None) -> None:
        """Set a deferred length (once); the same value again is accepted."""
        if new_length is None:
            return
        if info.length is not None:
            if new_length != info.length:
                raise errors.BadRequest("Upload-Length can't be changed")
            return
        if new_length < info.offset:
            raise errors.BadRequest("Upload-Length is smaller than the upload's offset")
        self._check_max_size(new_length)
        info.length = new_length

    def _chunk_response(self, request: TusRequest, info: UploadInfo) -> TusResponse:
        headers = {"Upload-Offset": str(info.offset)}
        response = TusResponse(status=204, headers=headers)
        if info.finished and not info.is_partial:
            return self._finished_reply(request, info, response)
        self._add_expires(headers, info)
        return response

    def _finished_reply(
        self, request: TusRequest, info: UploadInfo, response: TusResponse
    ) -> TusResponse:
        """The reply about a finished upload: its content's URL, then the host's say."""
        url = info.content.get("url")
        if url:
            response.headers["Content-Location"] = str(url)
        return self.hooks.finished_reply(request, info, response)

    # -- DELETE ---------------------------------------------------------------

    def _delete(self, request: TusRequest) -> TusResponse:
        if not self.store.supports_termination:
            raise errors.MethodNotAllowed("termination is not supported")
        info = self._load(request)
        with self._locked(info.id) as lease:
            info = self._load(request)
            self.hooks.before_terminate(request, info)
            remove_upload(
                self.store, self.locker, info.id, with_partials=False, lease=lease
            )
        return TusResponse(status=204, headers={})

    # -- writing --------------------------------------------------------------

    def _write_chunk(
        self,
        request: TusRequest,
        info: UploadInfo,
        lease: Lease,
        content_length: int | None,
        checksum: ExpectedChecksum | None,
    ) -> UploadInfo:
        """Stream the body to ``info.offset``; all-or-nothing when checksummed.

        Call with the lock held and ``info`` freshly loaded. When this
        completes the upload, the finish runs (see :meth:`_complete`).
        """
        old_offset = info.offset
        hasher = checksum.new_hasher() if checksum is not None else None
        # A body the server spooled to a file is copied in the kernel; a
        # checksum needs the bytes in Python, so it takes the read path.
        region = (
            body_region(request.body, content_length)
            if checksum is None and content_length
            else None
        )
        try:
            if region is not None:
                written = self.store.append_region(
                    info.id, old_offset, region.fd, region.offset, region.count
                )
                region.consume(written)
            else:
                state = _BodyState()
                blocks = self._read_blocks(
                    request.body, content_length, self._room(info), hasher, state
                )
                written = self.store.append(info.id, old_offset, blocks)
            if checksum is not None:
                checksum.verify(hasher)
        except errors.TusError:
            self.store.truncate(info.id, old_offset)
            raise
        info.offset = old_offset + written
        if self.expiry is not None:
            # Expiry counts from the last successful PATCH (or the creation).
            info.expires = self.clock() + self.expiry
        if info.is_complete:
            return self._complete(request, info, lease, acknowledged=old_offset)
        self.store.update_info(info)
        return info

    def _read_blocks(
        self,
        body: BinaryIO | None,
        content_length: int | None,
        room: int | None,
        hasher: Any,
        state: _BodyState,
    ) -> Iterator[bytes]:
        """Yield the body in blocks of at most ``block_size`` bytes.

        With a known ``content_length`` exactly that many bytes are read; a
        shorter body counts as a disconnect and ends the stream. Without it the
        body is read to EOF, and more than ``room`` bytes raise TooLarge.
        """
        if body is None:
            return
        to_read = content_length if content_length is not None else room
        while to_read is None or state.received < to_read:
            wanted = (
                self.block_size
                if to_read is None
                else min(self.block_size, to_read - state.received)
            )
            block = self._read(body, wanted, state)
            if not block:
                state.disconnected = content_length is not None
                return
            state.received += len(block)
            if hasher is not None:
                hasher.update(block)
            yield block
        if content_length is None and self._read(body, 1, state):
            raise errors.TooLarge("data past Upload-Length")

    @staticmethod
    def _read(body: BinaryIO, size: int, state: _BodyState) -> bytes:
        try:
            return body.read(size)
        except OSError:
            # The client went away; keep what arrived (WSGI servers raise
            # OSError subclasses such as webob's DisconnectionError).
            state.disconnected = True
            return b""

    def _drain(self, body: BinaryIO | None, content_length: int) -> None:
        state = _BodyState()
        for _ in self._read_blocks(body, content_length, None, None, state):
            pass

    def _assemble(
        self, request: TusRequest, info: UploadInfo, lease: Lease
    ) -> UploadInfo:
        """Copy complete partials into a final upload and finish it; lock held."""
        info = self._found_finished(request, info, lease)
        if info.finished:
            return info
        partials = [self.store.get_info(partial_id) for partial_id in info.partial_ids]
        if not all(partial.is_complete for partial in partials):
            return info
        length = _total_length(partials)
        written = self.store.append(info.id, 0, self._partial_blocks(partials))
        if written != length:
            self.store.truncate(info.id, 0)
            return info
        info.length = length
        info.offset = written
        return self._complete(request, info, lease, acknowledged=0)

    def _assemble_finals(self, request: TusRequest, partial: UploadInfo) -> None:
        """Assemble the final uploads waiting for ``partial`` (now complete).

        A final that is busy is being assembled by the request that completed
        another of its partials. A refusal of its finish does not fail this
        request: the partial itself was stored.
        """
        for final_id in partial.final_ids:
            try:
                with self._locked(final_id) as lease:
                    final = self._load_by_id(request, final_id)
                    self._assemble(request, final, lease)
            except (errors.Locked, errors.NotFound, errors.Gone):
                continue
            except errors.TusError as error:
                logger.warning(
                    "final upload %s was not finished: %s", final_id, error.message
                )

    def _partial_blocks(self, partials: list[UploadInfo]) -> Iterator[bytes]:
        for partial in partials:
            remaining = partial.length or 0
            with self.store.open_data(partial.id) as data_file:
                while remaining > 0:
                    block = data_file.read(min(self.block_size, remaining))
                    if not block:
                        return
                    remaining -= len(block)
                    yield block

    def _complete(
        self,
        request: TusRequest,
        info: UploadInfo,
        lease: Lease,
        *,
        acknowledged: int | None = None,
    ) -> UploadInfo:
        """Finish a complete upload; with its lock held.

        A partial upload is simply done, and the finals waiting for it are
        assembled. Any other upload is handed to the host
        (:meth:`Hooks.after_finish`); until the host commits the finish, the
        stored offset stays at ``acknowledged``, where the last chunk began.

        :returns: the upload as the reply describes it.
        """
        if info.is_partial:
            info.finished = True
            self.store.update_info(info)
            self._assemble_finals(request, info)
            return info
        info.finishing = True
        pending = info.offset if acknowledged is None else acknowledged
        self.store.update_info(replace(info, offset=pending))
        finishing = self._finishing(info, lease)
        content = self.hooks.after_finish(request, info, finishing)
        if not finishing.deferred:
            return finishing.commit(content, keep_data=True)
        return _as_finished(info, content)

    def _finishing(self, info: UploadInfo, lease: Lease) -> Finishing:
        return Finishing(
            self.store,
            self.locker,
            lease,
            info,
            expiry=self.expiry,
            clock=self.clock,
        )

    # -- helpers --------------------------------------------------------------

    def _load(self, request: TusRequest) -> UploadInfo:
        if request.upload_id is None:
            raise errors.MethodNotAllowed("use an upload URL")
        return self._load_by_id(request, request.upload_id)

    def _load_by_id(self, request: TusRequest, upload_id: str) -> UploadInfo:
        """Return an upload the requester may see (404 unknown/foreign, 410 expired)."""
        info = self.store.get_info(check_upload_id(upload_id))
        if info.principal != request.principal or not self.hooks.may_access(
            request, info
        ):
            raise errors.NotFound()
        if info.is_expired(self.clock()):
            raise errors.Gone()
        return info

    @contextlib.contextmanager
    def _locked(
        self, upload_id: str, *, timeout: float | None = None
    ) -> Iterator[Lease]:
        """Hold the upload's lock; drop the lock file if the upload vanished."""
        wait = self.lock_timeout if timeout is None else timeout
        with self.locker.lock(upload_id, timeout=wait) as lease:
            try:
                yield lease
            except errors.NotFound:
                if upload_id not in self.store.list_ids():
                    self.locker.forget(upload_id)
                raise

    def _parse_checksum(self, headers: Headers) -> ExpectedChecksum | None:
        value = headers.get("Upload-Checksum")
        if value is None:
            return None
        return parse_checksum(value, algorithms=self.checksum_algorithms)

    def _content_length(self, request: TusRequest, headers: Headers) -> int | None:
        if request.content_length is not None:
            return request.content_length
        return parse_integer(headers.get("Content-Length"), "Content-Length")

    def _has_body(
        self, request: TusRequest, headers: Headers, content_length: int | None
    ) -> bool:
        if media_type(headers.get("Content-Type")) != OFFSET_CONTENT_TYPE:
            return False
        return request.body is not None and content_length != 0

    def _room(self, info: UploadInfo) -> int | None:
        """How many more bytes the upload may take (None = unlimited)."""
        if info.length is not None:
            return info.length - info.offset
        if self.max_size is not None:
            return self.max_size - info.offset
        return None

    def _check_room(self, info: UploadInfo, content_length: int | None) -> None:
        room = self._room(info)
        if content_length is not None and room is not None and content_length > room:
            raise errors.TooLarge("data past Upload-Length")

    def _check_max_size(self, length: int | None) -> None:
        if length is not None and self.max_size is not None and length > self.max_size:
            raise errors.TooLarge(
                f"upload larger than the maximum of {self.max_size} bytes"
            )

    def _location(self, request: TusRequest, upload_id: str) -> str:
        return f"{request.base_url.rstrip('/')}/{upload_id}"

    def _add_expires(self, headers: dict[str, str], info: UploadInfo) -> None:
        if info.expires is not None and not info.is_complete:
            headers["Upload-Expires"] = http_date(info.expires)


def _as_finished(info: UploadInfo, content: dict[str, Any] | None) -> UploadInfo:
    """``info`` as it reads once the host has taken it (in memory only)."""
    return replace(
        info,
        offset=info.length if info.length is not None else info.offset,
        finishing=False,
        finished=True,
        content=dict(content or {}),
    )


def _is_replay(
    info: UploadInfo, client_offset: int, content_length: int | None
) -> bool:
    """A PATCH on a finished upload that ends where the upload ends."""
    if info.length is None or client_offset > info.length:
        return False
    if content_length is None:
        return client_offset == info.length
    return client_offset + content_length == info.length


def _total_length(partials: list[UploadInfo]) -> int | None:
    """Sum of the partials' lengths, or None while one is unknown."""
    lengths = [partial.length for partial in partials]
    if any(length is None for length in lengths):
        return None
    return sum(lengths)  # type: ignore[arg-type]
