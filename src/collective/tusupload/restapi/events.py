"""Let tus clients reach the REST endpoints without ``Accept: application/json``.

plone.rest only routes a request to a service when its ``Accept`` header
names exactly one media type that a service is registered for, or under
``++api++``. tus clients (tus-js-client, tuspy, Uppy) send no such header, so
a request whose path ends in ``@tus-upload[/<id>]`` or ``@tus-replace`` is
marked as an API request here, as if it had asked for JSON.
"""

from plone.rest.events import mark_as_api_request
from plone.rest.interfaces import IAPIRequest


ENDPOINTS = ("@tus-upload", "@tus-replace")


def is_tus_path(path: str) -> bool:
    """Whether ``path`` addresses a tus endpoint or an upload under it."""
    segments = [segment for segment in path.split("/") if segment]
    return bool(segments) and (
        segments[-1] in ENDPOINTS or (len(segments) > 1 and segments[-2] in ENDPOINTS)
    )


def mark_tus_request_as_api_request(event) -> None:
    """IPubStart subscriber: route tus requests to the REST services."""
    request = event.request
    if IAPIRequest.providedBy(request):
        return
    if not is_tus_path(request.get("PATH_INFO", "")):
        return
    mark_as_api_request(request, "application/json")
