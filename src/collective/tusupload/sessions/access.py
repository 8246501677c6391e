"""Who may act on a session, checked on every request against the folder now.

PEP 694: a session is not bound to the credentials that created it; every
request must come from someone who may upload to the project at that
moment. Here that is whoever may add uploads and content to the folder.
The preview (``links.stage``) is the one exception: a capability.
"""

from __future__ import annotations

from AccessControl.SecurityManagement import getSecurityManager
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.policy import ADD_CONTENT
from collective.tusupload.policy import ADD_UPLOAD
from collective.tusupload.policy import check_csrf
from collective.tusupload.sessions.links import folder_url_of
from collective.tusupload.sessions.links import Links
from collective.tusupload.sessions.model import SessionStorage
from collective.tusupload.sessions.model import storage_of
from collective.tusupload.sessions.model import UploadSession
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.settings import get_settings
from collective.tusupload.settings import UploadSettings
from dataclasses import dataclass
from plone import api
from plone.uuid.interfaces import IUUID

import time


@dataclass(frozen=True)
class SessionRequest:
    """One request to the session endpoints: the folder, who asks, the settings."""

    folder: object
    folder_uid: str
    zope_request: object
    settings: UploadSettings
    links: Links
    userid: str | None

    @property
    def site(self):
        return api.portal.get()

    def storage(self, *, create: bool = False) -> SessionStorage | None:
        return storage_of(self.site, create=create)


def session_request(folder, request) -> SessionRequest:
    """Read what a session request needs, once."""
    user = getSecurityManager().getUser()
    userid = (
        None if user is None or user.getUserName() == "Anonymous User" else user.getId()
    )
    return SessionRequest(
        folder=folder,
        folder_uid=IUUID(folder, None) or "/".join(folder.getPhysicalPath()),
        zope_request=request,
        settings=get_settings(),
        links=Links(
            folder_url=folder_url_of(request, folder),
            portal_url=api.portal.get().absolute_url(),
        ),
        userid=userid,
    )


def check_may_upload(session_request: SessionRequest) -> None:
    """401 for anonymous callers, 403 for those who may not add content here."""
    if session_request.userid is None:
        raise SessionProblem(401, "Login required", "log in to use upload sessions")
    manager = getSecurityManager()
    folder = session_request.folder
    if not (
        manager.checkPermission(ADD_UPLOAD, folder)
        and manager.checkPermission(ADD_CONTENT, folder)
    ):
        raise SessionProblem(
            403, "Forbidden", "you may not upload into this folder", source="folder"
        )


def check_may_change(session_request: SessionRequest) -> None:
    """A request that changes something: the permission, and CSRF for cookies."""
    check_may_upload(session_request)
    try:
        check_csrf(session_request.zope_request)
    except HookRefused as error:
        raise SessionProblem(403, "Forbidden", error.message) from None


def find_session(session_request: SessionRequest, session_id: str) -> UploadSession:
    """The folder's session ``session_id``; 404 if unknown, elsewhere or expired."""
    storage = session_request.storage()
    session = storage.get(session_id) if storage is not None else None
    if (
        session is None
        or session.folder_uid != session_request.folder_uid
        or session.is_expired(time.time())
    ):
        raise SessionProblem(
            404, "Not Found", "no such upload session here", source="session"
        )
    return session


def find_file(session: UploadSession, file_id: str):
    session_file = session.files.get(file_id) if file_id else None
    if session_file is None:
        raise SessionProblem(
            404, "Not Found", "no such file in this session", source="file"
        )
    return session_file
