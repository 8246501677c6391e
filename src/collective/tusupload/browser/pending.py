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
from collective.tusupload.sessions.lifecycle import cancel_session
from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import EDITABLE
from collective.tusupload.settings import get_settings
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
        if "session_id" in self.request.form:
            return self.cancel_session()
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

    def cancel_session(self):
        """Cancel the upload session named in the form; its bytes go."""
        storage = storage_of(self.context)
        session_id = safe_text(self.request.form.get("session_id", ""))
        session = storage.get(session_id) if storage is not None else None
        if session is None:
            raise BadRequest("no such upload session")
        messages = IStatusMessage(self.request)
        try:
            cancel_session(storage, session, get_settings())
        except SessionProblem as problem:
            messages.add(problem.detail, type="error")
        else:
            messages.add(_("The upload session was canceled."), type="info")
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

    def sessions(self) -> list[dict]:
        """The site's upload sessions (files staged to be published together)."""
        site_path = "/".join(self.context.getPhysicalPath())
        storage = storage_of(self.context)
        if storage is None:
            return []
        found = sorted(storage.sessions.values(), key=lambda item: item.expires)
        return [
            {
                "session_id": session.id,
                "cancelable": session.status in EDITABLE,
                "name": session.name,
                "status": session.status,
                "folder": session.folder_path[len(site_path) :] or "/",
                "owner": session.created_by or "",
                "files": len(session.current_files()),
                "staged": sum(
                    item.size for item in session.current_files() if item.staged
                ),
                "expires": _format_time(session.expires),
            }
            for session in found
        ]


def _format_time(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
