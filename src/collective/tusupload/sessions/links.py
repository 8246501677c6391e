"""The URLs of a session and its files, as the client spelled the folder's.

Session URLs live under ``<folder>/@upload-sessions/<session id>``; the
preview under ``<site>/@@upload-stage/<token>``, a capability that needs no
login. See docs/sessions.rst for the full scheme.
"""

from __future__ import annotations

from collective.tusupload.interfaces import ENDPOINT
from collective.tusupload.interfaces import SESSIONS_ENDPOINT
from collective.tusupload.interfaces import STAGE_VIEW
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Links:
    """URL maker for one folder: ``folder_url`` and the site's ``portal_url``."""

    folder_url: str
    portal_url: str

    @property
    def sessions(self) -> str:
        return f"{self.folder_url}/{SESSIONS_ENDPOINT}"

    def session(self, session) -> str:
        return f"{self.sessions}/{session.id}"

    def stage(self, session) -> str:
        return f"{self.portal_url}/@@{STAGE_VIEW}/{session.token}"

    def file(self, session, session_file) -> str:
        return f"{self.session(session)}/files/{session_file.id}"

    def upload(self, upload_id: str) -> str:
        """A tus (or IETF draft) upload in the folder."""
        return f"{self.folder_url}/{ENDPOINT}/{upload_id}"

    def staged_download(self, session, session_file) -> str:
        """The staged bytes: ``<stage>/<file id>/<filename>``."""
        return f"{self.stage(session)}/{session_file.id}/{quote(session_file.filename)}"


def folder_url_of(request, folder) -> str:
    """The folder's URL as the client spelled it (``++api++``, virtual hosts)."""
    actual = (request.get("ACTUAL_URL") or "").rstrip("/")
    marker = f"/{SESSIONS_ENDPOINT}"
    if marker in actual:
        return actual[: actual.index(marker)]
    return folder.absolute_url()
