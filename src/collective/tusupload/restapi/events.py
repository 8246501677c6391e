"""Publisher events around the tus endpoints.

Routing: plone.rest only routes a request to a service when its ``Accept``
header names exactly one media type that a service is registered for, or
under ``++api++``. tus clients (tus-js-client, tuspy, Uppy) send no such
header, so a request whose path ends in ``@tus-upload[/<id>]`` or
``@tus-replace`` is marked as an API request here, as if it had asked for JSON.

Bodies without Content-Type: the IETF draft's clients may send one (a PATCH
of interop 3 to 5, a creation request), and Zope would parse it as a form.
Such a request under the endpoints is given ``application/octet-stream``
before Zope reads its body.

Upload sessions: the ``http-post-bytes`` URL of a session's file
(``.../@upload-sessions/<session>/files/<file>/bytes``) is routed the same
way, and its body is the file, whatever form type the client named by
default (curl's ``--data-binary`` says ``x-www-form-urlencoded``).

HEAD: Zope and waitress send whatever body a response holds, HEAD or not. An
error view (plone.rest's JSON errors, a traversal 404, a 401) writes one, and
a client on a kept-alive connection then reads it as the next reply's status
line. So for HEAD requests under the endpoints the body is dropped once it
is written, before the response goes out.
"""

from collective.tusupload import logger
from collective.tusupload.interfaces import ENDPOINT
from collective.tusupload.interfaces import REPLACE_ENDPOINT
from collective.tusupload.interfaces import SESSIONS_ENDPOINT
from plone.rest.events import mark_as_api_request
from plone.rest.interfaces import IAPIRequest


ENDPOINTS = (ENDPOINT, REPLACE_ENDPOINT)


def is_tus_path(path: str) -> bool:
    """Whether ``path`` addresses a tus endpoint or an upload under it."""
    segments = [segment for segment in path.split("/") if segment]
    return bool(segments) and (
        segments[-1] in ENDPOINTS or (len(segments) > 1 and segments[-2] in ENDPOINTS)
    )


def under_tus_endpoint(path: str) -> bool:
    """Whether any segment of ``path`` is a tus endpoint (also for odd paths)."""
    return any(segment in ENDPOINTS for segment in path.split("/"))


def drop_head_body(event) -> None:
    """IPubBeforeCommit subscriber (and via answer_failure): no body on HEAD."""
    request = event.request
    if request.get("REQUEST_METHOD", "").upper() != "HEAD":
        return
    if not under_tus_endpoint(request.get("PATH_INFO", "")):
        return
    response = request.response
    if response.body:
        response.body = b""
        response.setHeader("Content-Length", "0")


#: Reply headers that report progress; a request that failed made none.
PROGRESS_HEADERS = (
    "upload-offset",
    "upload-expires",
    "upload-complete",
    "upload-incomplete",
    "location",
    "content-location",
)


def answer_failure(event) -> None:
    """IPubFailure subscriber: a failed tus request reports no progress.

    The handler set its reply's headers before Zope tried to commit; when
    the commit (or anything after the handler) fails for good, e.g. a
    ConflictError that Zope's retries could not get past, those headers
    would claim bytes the transaction never kept. The bytes are stored,
    unacknowledged, and the client's next try finishes the upload.
    """
    request = event.request
    if event.retry or not under_tus_endpoint(request.get("PATH_INFO", "")):
        return
    response = request.response
    for name in PROGRESS_HEADERS:
        response.headers.pop(name, None)
    drop_head_body(event)


#: Tus requests Zope retried after a ConflictError in this process (see
#: :func:`count_retry`); benchmarks read it from the log.
retried_requests = 0


def count_retry(event) -> None:
    """IPubFailure subscriber: log each tus request Zope is about to retry.

    A retry re-runs the whole request, so finishes that conflict cost real
    time; the log line (``tus request retried after a conflict``) lets
    benchmarks and admins count them.
    """
    global retried_requests
    if not event.retry:
        return
    request = event.request
    path = request.get("PATH_INFO", "")
    if not under_tus_endpoint(path):
        return
    retried_requests += 1
    logger.info(
        "tus request retried after a conflict (%s %s; %d in this process)",
        request.get("REQUEST_METHOD", ""),
        path,
        retried_requests,
    )


def is_session_bytes_path(path: str) -> bool:
    """Whether ``path`` is an ``http-post-bytes`` URL of an upload session,
    ``<folder>/@upload-sessions/<session>/files/<file>/bytes``.

    Its clients send the file, not JSON, and may accept anything.
    """
    segments = [segment for segment in path.split("/") if segment]
    return (
        len(segments) >= 5
        and segments[-5] == SESSIONS_ENDPOINT
        and segments[-3] == "files"
        and segments[-1] == "bytes"
    )


#: Body types a client sends without meaning them (curl's default for
#: ``--data-binary``): a session file's bytes are never a form.
NOT_MEANT = ("", "application/x-www-form-urlencoded")


def mark_tus_request_as_api_request(event) -> None:
    """IPubStart subscriber: route tus requests to the REST services."""
    request = event.request
    path = request.get("PATH_INFO", "")
    session_bytes = is_session_bytes_path(path)
    if not (is_tus_path(path) or session_bytes):
        return
    environ = getattr(request, "environ", None)
    if environ is not None and not environ.get("CONTENT_TYPE"):
        environ["CONTENT_TYPE"] = "application/octet-stream"
    elif environ is not None and session_bytes:
        content_type = environ["CONTENT_TYPE"].split(";")[0].strip().lower()
        if content_type in NOT_MEANT:
            environ["CONTENT_TYPE"] = "application/octet-stream"
    if not IAPIRequest.providedBy(request):
        mark_as_api_request(request, "application/json")
