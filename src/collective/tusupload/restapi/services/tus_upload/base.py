"""What every tus verb service shares: the upload id from the URL, the reply."""

from collective.tusupload.uploads import ENDPOINT
from collective.tusupload.uploads import handle
from collective.tusupload.uploads import MODE_CREATE
from plone.restapi.services import Service
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse
from zope.publisher.interfaces import NotFound


@implementer(IPublishTraverse)
class TusService(Service):
    """A tus verb on ``<context>/<endpoint>[/<upload id>]``.

    The tus core answers; this class only hands it the request. Headers,
    status and the (small) body come from the core's reply.
    """

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
        return handle(
            self.context,
            self.request,
            mode=self.mode,
            endpoint=self.endpoint,
            upload_id=self.upload_id,
        )
