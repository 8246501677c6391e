"""``<site>/@@upload-stage/<token>``: the staged preview of an upload session.

HTML in the site's layout, or JSON with ``Accept: application/json``;
``<token>/<file id>/<filename>`` downloads a staged file as it arrived.
No login: the token is the capability (see :mod:`..sessions.preview`).
"""

from collective.tusupload.backend import site_handler
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.sizes import BLOCK_SIZE
from collective.tusupload.sessions.links import Links
from collective.tusupload.sessions.preview import preview_json
from collective.tusupload.sessions.preview import previewable_session
from collective.tusupload.sessions.preview import staged_files
from collective.tusupload.sessions.serialize import rfc3339
from collective.tusupload.settings import get_settings
from plone import api
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from zExceptions import NotFound
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse
from ZPublisher.Iterators import filestream_iterator
from ZPublisher.Iterators import IStreamIterator

import json


@implementer(IPublishTraverse)
class StageView(BrowserView):
    """The preview page, its JSON, and the downloads."""

    index = ViewPageTemplateFile("templates/stage.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.segments = []

    def publishTraverse(self, request, name):
        if len(self.segments) >= 3:
            raise NotFound(name)
        self.segments.append(name)
        return self

    def __call__(self):
        if not self.segments:
            raise NotFound("upload-stage")
        self.session = previewable_session(api.portal.get(), self.segments[0])
        if self.session is None:
            raise NotFound("upload-stage")
        # A capability URL: never cached by shared caches, never sent on.
        response = self.request.response
        response.setHeader("Cache-Control", "private, no-store")
        response.setHeader("Referrer-Policy", "no-referrer")
        response.setHeader("X-Robots-Tag", "noindex")
        if len(self.segments) > 1:
            return self.download()
        if "application/json" in (self.request.getHeader("Accept") or ""):
            response.setHeader("Content-Type", "application/json")
            return json.dumps(preview_json(self.session, self.links()))
        return self.index()

    def links(self) -> Links:
        portal_url = api.portal.get().absolute_url()
        return Links(
            folder_url=portal_url + self.session.folder_path, portal_url=portal_url
        )

    def files(self):
        links = self.links()
        return [
            {
                "filename": item.filename,
                "size": item.size,
                "status": item.status,
                "sha256": item.hashes.get("sha256", ""),
                "url": links.staged_download(self.session, item),
            }
            for item in staged_files(self.session)
        ]

    def expires(self) -> str:
        return rfc3339(self.session.expires)

    def download(self):
        session_file = self.session.files.get(self.segments[1])
        if session_file is None or session_file not in staged_files(self.session):
            raise NotFound(self.segments[1])
        store = site_handler(get_settings()).store
        try:
            path = store.local_path(session_file.upload_id)
            body = (
                filestream_iterator(path, "rb")
                if path is not None
                else StoreStream(
                    store.open_data(session_file.upload_id), session_file.size
                )
            )
        except (TusError, OSError):
            raise NotFound(self.segments[1]) from None
        response = self.request.response
        response.setHeader("Content-Type", session_file.content_type)
        response.setHeader("Content-Length", str(session_file.size))
        response.setHeader("X-Content-Type-Options", "nosniff")
        response.setHeader(
            "Content-Disposition",
            f"attachment; filename*=UTF-8''{quote(session_file.filename)}",
        )
        return body


@implementer(IStreamIterator)
class StoreStream:
    """The bytes of a store without local files, sent in blocks."""

    def __init__(self, stream, length: int) -> None:
        self.stream = stream
        self.length = length

    def __next__(self) -> bytes:
        block = self.stream.read(BLOCK_SIZE)
        if not block:
            self.stream.close()
            raise StopIteration
        return block

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return self.length
