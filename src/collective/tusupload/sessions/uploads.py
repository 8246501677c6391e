"""The core's request for the upload of a session's file (declare, http-post-bytes).

The upload is the store's like any other; the Plone hooks learn from the
request's Plone side (:class:`~..policy.PloneRequest`, stage mode) which
session and file it brings, so that its finish stages it.
"""

from __future__ import annotations

from collective.tusupload.adapters.zope import Zope2RequestAdapter
from collective.tusupload.core.request import TusRequest
from collective.tusupload.policy import PloneRequest
from collective.tusupload.record import MODE_STAGE
from collective.tusupload.sessions.access import SessionRequest


def file_upload_request(
    request: SessionRequest, session, session_file, *, upload_id: str | None
) -> TusRequest:
    """The Zope request as the core's, for the file's upload (``upload_id``)."""
    plone = PloneRequest(
        target=request.folder,
        zope_request=request.zope_request,
        mode=MODE_STAGE,
        target_url=request.links.folder_url,
        settings=request.settings,
        stage=(session.id, session_file.id),
    )
    adapter = Zope2RequestAdapter(
        request.zope_request, base_url=request.links.upload(""), upload_id=upload_id
    )
    return adapter.tus_request(context=plone)
