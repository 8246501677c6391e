"""``@@tusupload-pending``: the unfinished uploads of the site, deletable.

Only for holders of "collective.tusupload: Manage uploads". This page is the
one place where an upload can be removed by someone other than its owner.
When the upload directory can't be used, the page says why instead of
failing.
"""

from collective.tusupload import _
from collective.tusupload.core.errors import ServiceUnavailable
from collective.tusupload.core.info import is_valid_upload_id
from collective.tusupload.pending import delete_pending
from collective.tusupload.pending import list_pending
from plone.base.utils import safe_text
from plone.protect.authenticator import check as check_csrf_token
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from zExceptions import BadRequest

import datetime


class PendingUploadsView(BrowserView):
    """List pending uploads (owner, folder, filename, progress, expiry)."""

    index = ViewPageTemplateFile("templates/pending.pt")

    #: Why the uploads can't be listed (an unusable upload directory), if so.
    problem: str | None = None

    def __call__(self):
        if self.request.method == "POST":
            return self.delete()
        return self.index()

    def delete(self):
        """Delete the upload named in the form (POST with a CSRF token)."""
        check_csrf_token(self.request)
        upload_id = safe_text(self.request.form.get("upload_id", ""))
        if not is_valid_upload_id(upload_id):
            raise BadRequest("no such upload")
        try:
            delete_pending(upload_id)
        except ServiceUnavailable as error:
            IStatusMessage(self.request).add(error.message, type="error")
        else:
            IStatusMessage(self.request).add(_("The upload was deleted."), type="info")
        self.request.response.redirect(self.url())
        return ""

    def url(self) -> str:
        return f"{self.context.absolute_url()}/@@tusupload-pending"

    def uploads(self) -> list[dict]:
        """The rows of the table, oldest expiry first."""
        site_path = "/".join(self.context.getPhysicalPath())
        try:
            pending = list_pending(site_path)
        except ServiceUnavailable as error:
            self.problem = error.message
            return []
        rows = []
        for upload in pending:
            progress = upload.progress
            rows.append(
                {
                    "upload_id": upload.upload_id,
                    "owner": upload.owner or "",
                    "folder": upload.folder[len(site_path) :] or "/",
                    "filename": upload.filename,
                    "received": upload.offset,
                    "length": upload.length,
                    "progress": "" if progress is None else f"{progress} %",
                    "expires": _format_time(upload.expires),
                    "mode": upload.mode,
                }
            )
        return rows


def _format_time(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
