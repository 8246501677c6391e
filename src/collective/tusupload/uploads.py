"""A resumable upload request against a Plone folder or item.

A REST service (:mod:`.restapi.services.tus_upload`) calls :func:`handle`
with its context and request. The request becomes the core's request (the
Zope adapter), carrying the Plone side (:class:`~.policy.PloneContext`) for
the hooks; the site's handler (:mod:`.backend`) answers it in the protocol
the client speaks, tus 1.0 or the IETF draft; errors get plone.restapi's
JSON body (the IETF draft's ``application/problem+json`` stays as it is).
"""

from __future__ import annotations

from collective.tusupload.adapters.zope import Zope2RequestAdapter
from collective.tusupload.backend import site_handler
from collective.tusupload.backend import site_receiver
from collective.tusupload.core import accesslog
from collective.tusupload.core import handoff
from collective.tusupload.core.errors import ServiceUnavailable
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.tus import TUS_VERSION
from collective.tusupload.policy import MODE_CREATE
from collective.tusupload.policy import MODE_REPLACE
from collective.tusupload.policy import PloneContext
from collective.tusupload.settings import get_settings

import json
import logging


logger = logging.getLogger("collective.tusupload")


__all__ = ["ENDPOINT", "MODE_CREATE", "MODE_REPLACE", "REPLACE_ENDPOINT", "handle"]

ENDPOINT = "@tus-upload"
REPLACE_ENDPOINT = "@tus-replace"


def client_urls(request, context, *, endpoint: str, upload_id: str | None):
    """The context's and the upload endpoint's URL as the client spelled them.

    Taken from ``ACTUAL_URL`` so that ``++api++`` and virtual hosting are
    kept; falls back to ``context.absolute_url()``.

    :returns: ``(context_url, endpoint_url)``; the endpoint is always
        ``<context>/@tus-upload`` (where plone.restapi puts replace uploads
        too).
    """
    actual = (request.get("ACTUAL_URL") or "").rstrip("/")
    suffix = f"/{endpoint}" + (f"/{upload_id}" if upload_id else "")
    if actual.endswith(suffix):
        context_url = actual[: -len(suffix)]
    else:
        context_url = context.absolute_url()
    return context_url, f"{context_url}/{ENDPOINT}"


def handle(context, request, *, mode: str, endpoint: str, upload_id: str | None):
    """Run one upload request against ``context`` and fill in ``request.response``.

    :param mode: MODE_CREATE (``@tus-upload`` on a folder) or MODE_REPLACE.
    :param endpoint: the URL segment the client called (for the base URL).
    :param upload_id: the segment after the endpoint, if any.
    :returns: the reply body (bytes).
    """
    context_url, endpoint_url = client_urls(
        request, context, endpoint=endpoint, upload_id=upload_id
    )
    plone = PloneContext(
        context=context, request=request, mode=mode, context_url=context_url
    )
    adapter = Zope2RequestAdapter(request, base_url=endpoint_url, upload_id=upload_id)
    upload_request = adapter.tus_request(context=plone)
    try:
        settings = get_settings()
        handler = site_handler(settings)
    except ServiceUnavailable as error:  # the upload directory is unusable
        tus_response = TusResponse(
            status=error.status,
            headers={"Tus-Resumable": TUS_VERSION},
            body=error.message.encode("utf-8"),
        )
    else:
        tus_response = handoff.handle(
            handler,
            upload_request,
            request.environ.get(handoff.ENVIRON_KEY),
            receiver=lambda: site_receiver(settings),
            shape=as_rest_error,
        )
        if tus_response is None:  # the front server receives the body
            request.response.setStatus(204)
            return b""
    accesslog.log_reply(upload_request, tus_response, client=request.getClientAddr())
    tus_response = as_rest_error(tus_response)
    if upload_request.verb == "HEAD":
        # Zope sends what it is given, even for HEAD (see also heads.py).
        tus_response.body = b""
    return adapter.apply_response(tus_response)


def as_rest_error(response: TusResponse) -> TusResponse:
    """Give an error reply plone.restapi's JSON error body.

    Replies that are JSON already (problem details of the IETF draft,
    ``application/problem+json``) are left as they are.
    """
    if response.status < 400:
        return response
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith(("application/json", "application/problem+json")):
        return response
    message = response.body.decode("utf-8", "replace")
    response.headers["Content-Type"] = "application/json"
    response.body = json.dumps(
        {
            "error": {
                "type": _ERROR_TYPES.get(response.status, "Error"),
                "message": message,
            }
        }
    ).encode("utf-8")
    return response


_ERROR_TYPES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    423: "Locked",
    460: "Checksum Mismatch",
    503: "Service Unavailable",
    507: "Insufficient Storage",
}
