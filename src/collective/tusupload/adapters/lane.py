"""The upload lane: middle chunks of an upload appended without the host.

Every tus request into Plone pays Zope's price: traversal, authentication,
security checks and a transaction, several milliseconds per request,
which the data itself does not need. :class:`UploadLane` is WSGI
middleware in front of the host (``collective.tusupload.adapters.serve``
puts it in front of Zope). It answers a PATCH itself when all of this
holds, and hands every other request on unchanged:

- it is a tus 1.0 PATCH with a ``Content-Length`` and no query string
  into an upload of known length, and the chunk does **not** complete the
  upload (the completing chunk, which makes the content, always goes to
  the host);
- the upload lives in a store the host offered (:func:`offer`), is
  neither finished nor finishing, its URL names the upload's own folder,
  and the host recorded a :mod:`grant <..core.grants>` on it for exactly
  the credentials this request carries (its ``Authorization`` header and
  its login cookies together), less than
  :data:`~..core.grants.GRANT_TTL` minus :data:`GRANT_MARGIN` ago;
- a browser's request comes from the same origin (cross-origin requests
  get the host's CORS handling).

The upload's owner stays the principal the host saw; anything the lane
can't decide (unknown upload, other credentials, an aged grant) goes to
the host, which answers and renews the grant. A lane reply carries
``Tus-Upload-Lane: direct``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.adapters.webob import to_webob_response
from collective.tusupload.adapters.webob import WebobAdapter
from collective.tusupload.core import errors
from collective.tusupload.core import grants
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.ids import is_valid_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.tus import TUS_VERSION
from dataclasses import dataclass
from urllib.parse import urlsplit

import logging
import re
import threading
import time


logger = logging.getLogger("collective.tusupload")

#: The tail of an upload's URL in Plone: ``.../@tus-upload/<id>``.
UPLOAD_PATH = re.compile(r"/@tus-upload/([0-9a-f]{32,64})/?\Z")

#: Reply header that tells a lane reply from the host's.
LANE_HEADER = "Tus-Upload-Lane"

_OFFSET_MEDIA_TYPE = "application/offset+octet-stream"


@dataclass
class Lane:
    """What the host offered for one store: the handler and the grant key."""

    handler: Handler
    key: bytes
    shape: Callable[[TusResponse], TusResponse] | None = None


#: Offers by (store name, key), with when they were last made (monotonic).
_lanes: dict[tuple[str, bytes], tuple[Lane, float]] = {}
_lanes_guard = threading.Lock()


def offer(
    name: str,
    *,
    handler: Handler,
    key: bytes,
    shape: Callable[[TusResponse], TusResponse] | None = None,
) -> None:
    """Let the lane serve uploads of ``handler``'s store (called by the host).

    The host offers again with every request it handles; an offer not
    renewed for :data:`~..core.grants.GRANT_TTL` lapses (a site that moved
    its directory or was uninstalled stops being served).

    :param name: the store's name (its directory).
    :param handler: a handler over the host's store and locker, with
        :class:`LaneHooks` (see :func:`lane_handler`).
    :param key: the key the host signs its grants with (sites sharing a
        directory each have theirs).
    :param shape: turns an error reply into the host's form (e.g. JSON).
    """
    if not key:
        return
    with _lanes_guard:
        _lanes[(name, key)] = (
            Lane(handler=handler, key=key, shape=shape),
            time.monotonic(),
        )


def withdraw(name: str | None = None) -> None:
    """Stop serving one store (or, without a name, all of them)."""
    with _lanes_guard:
        for offered_name, key in list(_lanes):
            if name is None or offered_name == name:
                del _lanes[(offered_name, key)]


def offered() -> list[Lane]:
    """The lanes offered and renewed within the grant's lifetime."""
    oldest = time.monotonic() - grants.GRANT_TTL
    with _lanes_guard:
        for lane_key, (_, at) in list(_lanes.items()):
            if at < oldest:
                del _lanes[lane_key]
        return [lane for lane, _ in _lanes.values()]


@dataclass
class LaneRequest:
    """The lane's side of a request, handed to :class:`LaneHooks`."""

    credentials: bytes
    key: bytes


class LaneHooks(Hooks):
    """Hooks of a lane handler: appends under a valid grant, nothing else."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        lane: LaneRequest = request.context
        return grants.allows(
            info.extra.get(grants.EXTRA_KEY), lane.key, lane.credentials, self.clock()
        )

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        raise HookRefused(405, "uploads are created through the site")

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        raise HookRefused(405, "uploads are ended through the site")

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finishing: Finishing
    ) -> None:
        # Not reached: the lane never takes a completing chunk. Should it be,
        # nothing is acknowledged and the client's retry reaches the site.
        raise HookRefused(503, "try again: the site finishes this upload")


def lane_handler(**handler_options) -> Handler:
    """A handler for the lane over the host's store (same options as the host's)."""
    handler_options["hooks"] = LaneHooks(clock=handler_options.get("clock", time.time))
    handler_options["allow_anonymous"] = False
    return Handler(**handler_options)


#: Seconds before a grant ages that the lane hands requests to the host
#: already, so that a grant can't age between the lane's two checks.
GRANT_MARGIN = 60.0


def _digits(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) < 20:
        return int(value)
    return None


def _same_origin(environ: dict) -> bool:
    origin = environ.get("HTTP_ORIGIN")
    if not origin:
        return True
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return False
    hosts = [environ.get("HTTP_HOST") or ""]
    # Behind a proxy that passes its own Host on, the client's is forwarded.
    hosts += (environ.get("HTTP_X_FORWARDED_HOST") or "").split(",")
    return any(netloc == host.strip().lower() for host in hosts if host.strip())


def lane_candidate(environ: dict) -> tuple[str, int, int] | None:
    """``(upload_id, offset, length)`` of a PATCH the lane might take, else None.

    Only what the request says is checked here (no store access).
    """
    if environ.get("REQUEST_METHOD") != "PATCH":
        return None
    # Zope also reads credentials (``__ac``) from the query string.
    if environ.get("HTTP_X_HTTP_METHOD_OVERRIDE") or environ.get("QUERY_STRING"):
        return None
    if environ.get("HTTP_TUS_RESUMABLE") != TUS_VERSION:
        return None
    if environ.get("HTTP_UPLOAD_DRAFT_INTEROP_VERSION") or environ.get(
        "HTTP_UPLOAD_LENGTH"
    ):
        return None
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != _OFFSET_MEDIA_TYPE:
        return None
    length = _digits(environ.get("CONTENT_LENGTH"))
    offset = _digits(environ.get("HTTP_UPLOAD_OFFSET"))
    if not length or offset is None:
        return None
    match = UPLOAD_PATH.search(environ.get("PATH_INFO", ""))
    if match is None or not _same_origin(environ):
        return None
    return match.group(1), offset, length


def credentials_of_environ(environ: dict) -> bytes:
    """The request's credentials, as the host's grants are signed over."""
    return grants.credentials_of(
        environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_COOKIE")
    )


def _names_its_folder(path_info: str, info: UploadInfo) -> bool:
    """Whether the URL names the folder (or item) the upload belongs to.

    Compared by the last segment before ``@tus-upload``, which is all a
    virtual-hosted URL is sure to share with the object's path; a URL of the
    site root under a virtual host root names no segment and goes to Zope.
    """
    context_path = info.extra.get("context_path")
    if not isinstance(context_path, str):
        return True  # a host that does not bind uploads to a path
    head = path_info[: path_info.rfind("/@tus-upload/")]
    return head.rsplit("/", 1)[-1] == context_path.rsplit("/", 1)[-1]


def find_lane(
    environ: dict, candidate: tuple[str, int, int], credentials: bytes, now: float
) -> tuple[Lane, UploadInfo] | None:
    """The offered lane that holds the upload and may take this chunk."""
    upload_id, offset, length = candidate
    if not is_valid_upload_id(upload_id):
        return None
    for lane in offered():
        try:
            info = lane.handler.engine.store.get_info(upload_id)
        except (errors.TusError, OSError):
            continue
        if (
            info.finished
            or info.finishing
            or info.is_final
            or info.length is None
            or info.principal is None
            or offset + length >= info.length
            or info.is_expired(now)
            or not _names_its_folder(environ.get("PATH_INFO", ""), info)
        ):
            return None
        grant = info.extra.get(grants.EXTRA_KEY)
        ttl = grants.GRANT_TTL - GRANT_MARGIN
        if grants.allows(grant, lane.key, credentials, now, ttl=ttl):
            return lane, info
    return None


class UploadLane:
    """WSGI middleware: middle chunks of granted uploads, without the host.

    :param app: the host application (Zope), which gets every other request.
    """

    def __init__(self, app: Callable, *, clock: Callable[[], float] = time.time):
        self.app = app
        self.clock = clock

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            found = self.decide(environ)
        except Exception:  # the lane is an optimisation: never fail for it
            logger.exception("upload lane: handing the request to the site")
            found = None
        if found is None:
            return self.app(environ, start_response)
        lane, info, credentials = found
        return self.serve(lane, info, credentials, environ, start_response)

    def decide(self, environ: dict) -> tuple[Lane, UploadInfo, bytes] | None:
        """The lane and upload for this request, or None (the host's)."""
        candidate = lane_candidate(environ)
        if candidate is None:
            return None
        credentials = credentials_of_environ(environ)
        if not credentials:
            return None
        found = find_lane(environ, candidate, credentials, self.clock())
        if found is None:
            return None
        return found[0], found[1], credentials

    def serve(
        self,
        lane: Lane,
        info: UploadInfo,
        credentials: bytes,
        environ: dict,
        start_response: Callable,
    ) -> Iterable[bytes]:
        """Append the chunk with the lane's handler and reply."""
        from webob import Request

        request = Request(environ)
        adapter = WebobAdapter(request, upload_id=info.id, principal=info.principal)
        tus_request = adapter.tus_request(
            context=LaneRequest(credentials=credentials, key=lane.key)
        )
        tus_response = lane.handler.handle(tus_request)
        if lane.shape is not None:
            tus_response = lane.shape(tus_response)
        tus_response.headers[LANE_HEADER] = "direct"
        return to_webob_response(tus_response)(environ, start_response)


def filter_factory(global_conf: dict, **local_conf) -> Callable[[Callable], UploadLane]:
    """PasteDeploy ``paste.filter_factory``: the lane in a pipeline (no options)."""
    if local_conf:
        raise TypeError(f"unknown upload lane option(s): {', '.join(local_conf)}")
    return UploadLane
