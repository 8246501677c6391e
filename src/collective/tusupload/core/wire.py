"""What both wire layers share: URLs and ids, media types, verbs, numbers, replies.

tus 1.0 (:mod:`.tus`) and the IETF draft (:mod:`.ietf`) differ in their
headers and error bodies, but address uploads the same way, accept the same
request bodies and report a finished upload the same way. Those facts live
here, once; neither wire layer imports the other.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import is_valid_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from urllib.parse import urlsplit

import re


#: The body of a tus PATCH (and of a creation request with data).
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
#: The body of an IETF append (interop 6 and later).
PARTIAL_UPLOAD = "application/partial-upload"
#: Error bodies of the IETF draft (RFC 9457).
PROBLEM_JSON = "application/problem+json"

#: The methods an upload server answers (the IETF draft's GET is HEAD's twin).
VERBS = ("OPTIONS", "HEAD", "POST", "PATCH", "DELETE")

_DECIMAL = re.compile(r"^[0-9]{1,20}\Z")


def parse_decimal(value: str | None, name: str) -> int | None:
    """A non-negative decimal integer header value; None stays None.

    tus 1.0 allows nothing else in its integer headers, and neither does
    HTTP in ``Content-Length``.

    :raises errors.BadRequest: for signs, spaces, exponents, empty or huge values.
    """
    if value is None:
        return None
    if not _DECIMAL.match(value):
        raise errors.BadRequest(f"{name} must be a non-negative decimal integer")
    return int(value)


def parse_content_length(value: str | None) -> int | None:
    """A ``Content-Length`` value (strict; None when absent).

    :raises errors.BadRequest: for anything but a non-negative decimal.
    """
    return parse_decimal(value, "Content-Length")


def content_length(request: TusRequest) -> int | None:
    """The body's length: what the host measured, else ``Content-Length``."""
    if request.content_length is not None:
        return request.content_length
    return parse_content_length(request.header("Content-Length"))


def media_type(value: str | None) -> str | None:
    """The media type of a ``Content-Type`` value, lower-cased, without parameters."""
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def upload_id_of(request: TusRequest) -> str:
    """The upload a request addresses; 405 for the endpoint itself."""
    if request.upload_id is None:
        raise errors.MethodNotAllowed("use an upload URL")
    return request.upload_id


def location(request: TusRequest, upload_id: str) -> str:
    """The URL of an upload under the request's endpoint."""
    return f"{request.base_url.rstrip('/')}/{upload_id}"


def upload_id_from_url(request: TusRequest, url: str) -> str | None:
    """The id of an upload URL under the request's endpoint, else None.

    A relative URL is read against the endpoint's host; an absolute one
    must name the endpoint's scheme and host. No query, no fragment.
    """
    parts = urlsplit(url)
    base = urlsplit(request.base_url)
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return None
    if (parts.scheme or parts.netloc) and (
        parts.scheme.lower(),
        parts.netloc.lower(),
    ) != (base.scheme.lower(), base.netloc.lower()):
        return None
    prefix = base.path.rstrip("/") + "/"
    if not parts.path.startswith(prefix):
        return None
    upload_id = parts.path[len(prefix) :]
    return upload_id if is_valid_upload_id(upload_id) else None


def finished_reply(
    hooks: Hooks, request: TusRequest, info: UploadInfo, response: TusResponse
) -> TusResponse:
    """The reply about a finished upload, in either protocol.

    ``Content-Location`` names what the host made of the upload (the IETF
    draft: "The server MAY indicate the location of this subsequent
    resource by including the Content-Location header field"); then the
    host may adjust the reply (:meth:`~.hooks.Hooks.finished_reply`).
    """
    url = info.content.get("url")
    if url:
        response.headers["Content-Location"] = str(url)
    return hooks.finished_reply(request, info, response)


def prefers_representation(request: TusRequest) -> bool:
    """Whether the request says ``Prefer: return=representation`` (RFC 7240).

    A finished upload's reply then carries what the host made of it (its
    JSON) instead of nothing.
    """
    for preference in (request.header("Prefer") or "").split(","):
        token = preference.split(";", 1)[0].replace(" ", "").lower()
        if token in ("return=representation", 'return="representation"'):
            return True
    return False
