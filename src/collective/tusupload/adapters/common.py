"""Small helpers shared by the adapters (no host framework imported here)."""

from __future__ import annotations

from collective.tusupload.core.errors import TusError
from collective.tusupload.core.ietf.versions import INTEROP_HEADER
from collective.tusupload.core.regions import BodyRegion
from collective.tusupload.core.regions import file_region
from collective.tusupload.core.request import HeaderMap
from collective.tusupload.core.request import resolve_verb
from collective.tusupload.core.wire import VERBS
from typing import Any
from typing import BinaryIO


#: Default of adapter arguments that are derived from the request URL.
DERIVE = object()


#: Reasons of the statuses tus adds to HTTP's (frameworks don't know them).
STATUS_REASONS = {460: "Checksum Mismatch"}


def resolve_location(
    url: str, method: str, base_url: str | None, upload_id: Any
) -> tuple[str, str | None]:
    """Return ``(base_url, upload_id)``: given values win over derived ones.

    :param base_url: the collection URL, or None to derive it from ``url``.
    :param upload_id: the upload id (None for the collection), or
        :data:`DERIVE` to take it from ``url``.
    """
    derived_base, derived_id = split_upload_url(url, method)
    base_url = base_url if base_url is not None else derived_base
    upload_id = derived_id if upload_id is DERIVE else upload_id
    return base_url.rstrip("/"), upload_id


def split_upload_url(url: str, method: str) -> tuple[str, str | None]:
    """Split a request URL into the collection URL and an upload id.

    A POST goes to the collection itself; every other verb addresses one
    upload, whose id is the last path segment. Used when the host does not
    know where its tus endpoint is mounted (the legacy ``Tus`` API).

    :param url: the request URL without query string.
    :param method: the method meant (:func:`~..core.request.resolve_verb`).
    :returns: ``(base_url, upload_id)``; ``upload_id`` is ``None`` for the
        collection URL.
    """
    url = url.rstrip("/")
    if method in ("POST", "OPTIONS"):
        return url, None
    base_url, _, upload_id = url.rpartition("/")
    return base_url, upload_id or None


def is_tus_request(method: str, headers: HeaderMap) -> bool:
    """Tell whether a request is an upload request: tus 1.0 or the IETF draft.

    A tus verb (after ``X-HTTP-Method-Override``) carrying ``Tus-Resumable``
    or ``Upload-Draft-Interop-Version``; OPTIONS needs neither (tus exempts
    it from the version check). A request whose header is too long is one:
    the core answers it with 400.

    :param method: the method as received.
    """
    try:
        verb = resolve_verb(method, headers)
        marked = bool(headers.get("Tus-Resumable") or headers.get(INTEROP_HEADER))
    except TusError:
        return True
    if verb not in VERBS:
        return False
    return verb == "OPTIONS" or marked


class BoundedReader:
    """Read at most ``length`` bytes from ``stream``, then report EOF.

    WSGI servers need not signal the end of the body; reading past
    ``CONTENT_LENGTH`` may block. ``length=None`` reads until the stream ends
    (for servers that set ``wsgi.input_terminated``).
    """

    def __init__(self, stream: BinaryIO, length: int | None) -> None:
        self._stream = stream
        self._remaining = length

    def read(self, size: int = -1) -> bytes:
        if self._remaining is None:
            return self._stream.read(size)
        if self._remaining <= 0:
            return b""
        if size is None or size < 0 or size > self._remaining:
            size = self._remaining
        block = self._stream.read(size)
        self._remaining -= len(block)
        return block

    def readable(self) -> bool:
        return True

    def file_region(self, count: int) -> BodyRegion | None:
        """The next ``count`` bytes as a file region, if the server spooled them.

        The tus core copies such a region in the kernel (see
        :mod:`collective.tusupload.core.regions`).
        """
        if self._remaining is not None and count > self._remaining:
            return None
        region = file_region(self._stream, count)
        if region is None:
            return None
        stream_consume = region.consume

        def consume(copied: int) -> None:
            stream_consume(copied)
            if self._remaining is not None:
                self._remaining -= copied

        region.consume = consume
        return region


def parse_int(value, default: int | None = None) -> int | None:
    """Convert an option given as text (PasteDeploy) or a number to ``int``."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = str(value).strip()
    if text.lower() in ("none", "null", "unlimited"):
        return None
    return int(text)


def parse_float(value, default: float | None = None) -> float | None:
    """Convert an option given as text or a number to ``float``."""
    if value is None or value == "":
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(str(value).strip())


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(value, default: bool = False) -> bool:
    """Convert an option given as text (``true``/``false``/``1``/``0``) to bool."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")
