"""The upload services: every verb on ``@tus-upload`` and ``@tus-replace``.

One class answers OPTIONS, HEAD, POST, PATCH and DELETE, in tus 1.0 or the
IETF draft, and GET, which only the draft's interop 8 answers:
:func:`collective.tusupload.uploads.handle` does the work, and headers,
status and the (small) body come from its reply. The URL segment after the
endpoint is the upload id.
"""

from collective.tusupload.core.ietf.versions import INTEROP_HEADER
from collective.tusupload.interfaces import ENDPOINT
from collective.tusupload.interfaces import REPLACE_ENDPOINT
from collective.tusupload.record import MODE_CREATE
from collective.tusupload.record import MODE_REPLACE
from collective.tusupload.uploads import handle
from plone.restapi.services import Service
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse
from zope.publisher.interfaces import NotFound


@implementer(IPublishTraverse)
class UploadService(Service):
    """``<folder>/@tus-upload`` and ``<folder-or-item>/@tus-upload/<upload id>``."""

    endpoint = ENDPOINT
    mode = MODE_CREATE

    def __init__(self, context, request):
        super().__init__(context, request)
        self.upload_id = None

    def publishTraverse(self, request, name):
        if self.upload_id is not None:
            raise NotFound(self, name, request)
        self.upload_id = name
        return self

    def render(self):
        self.check_permission()
        if self.request.method == "GET" and not self.request.getHeader(INTEROP_HEADER):
            # Only the IETF draft reads an upload's offset with GET.
            raise NotFound(self, self.upload_id or self.endpoint, self.request)
        return handle(
            self.context,
            self.request,
            mode=self.mode,
            endpoint=self.endpoint,
            upload_id=self.upload_id,
        )


class ReplaceService(UploadService):
    """``<item>/@tus-replace``: an upload that replaces the item's file.

    As with plone.restapi, the reply's ``Location`` is
    ``<item>/@tus-upload/<id>``: HEAD, PATCH and DELETE go there.
    """

    endpoint = REPLACE_ENDPOINT
    mode = MODE_REPLACE
