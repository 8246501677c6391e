"""Sessions and their files as persistent records in the site's ZODB.

Every Zope instance of a site sees the same sessions, so a session works
unchanged in a cluster; the staged bytes stay in the upload store. All
sessions of a site live in one :class:`SessionStorage` (an annotation of
the site): by id, and by their preview token (the stage link works without
knowing the folder). Each file is its own persistent object, so files of
one session that change at once (two uploads finishing) do not conflict.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from collective.tusupload.sessions.states import FileStatus
from collective.tusupload.sessions.states import LIVE
from collective.tusupload.sessions.states import SessionStatus
from persistent import Persistent
from persistent.list import PersistentList
from zope.annotation.interfaces import IAnnotations

import re
import secrets
import time


STORAGE_KEY = "collective.tusupload.sessions"
#: Session and file ids: 128 random bits, as hex.
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
#: Preview tokens: 256 random bits, URL-safe base64.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: Longest session name (PEP 694's project names are far shorter).
MAX_NAME_LENGTH = 200


def new_id() -> str:
    return secrets.token_hex(16)


class SessionFile(Persistent):
    """One declared file: what the client promised, and where its bytes are.

    :ivar upload_id: the upload in the store that receives the bytes.
    :ivar staged: all bytes arrived (the upload's finish staged them).
    :ivar content_uid: the UID the published item gets (decided now, so
        that a publish can be recognised after a crash or a retry).
    :ivar content_path: the published item's path, once published.
    """

    def __init__(
        self,
        *,
        filename: str,
        size: int,
        hashes: dict[str, str],
        mechanism: str,
        content_type: str,
        title: str,
        declared_by: str | None,
        intended_id: str,
    ) -> None:
        self.id = new_id()
        self.filename = filename
        self.size = size
        self.hashes = dict(hashes)
        self.mechanism = mechanism
        self.content_type = content_type
        self.title = title
        self.declared_by = declared_by
        self.intended_id = intended_id
        self.status = FileStatus.PENDING.value
        self.notices = PersistentList()
        self.upload_id: str | None = None
        self.portal_type: str | None = None
        self.content_uid: str | None = None
        self.staged = False
        self.content_path: str | None = None
        self.declared = time.time()

    @property
    def is_current(self) -> bool:
        """Part of the session (a deleted file keeps its record, canceled)."""
        return self.status != FileStatus.CANCELED


class UploadSession(Persistent):
    """A named batch of files for one folder, published all at once.

    :ivar token: the preview capability (``links.stage``, ``session-token``).
    :ivar folder_uid: the folder's UID (its path may change).
    """

    def __init__(
        self,
        *,
        name: str,
        folder_uid: str,
        folder_path: str,
        created_by: str | None,
        lifetime: float,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        self.id = new_id()
        self.token = secrets.token_urlsafe(32)
        self.name = name
        self.folder_uid = folder_uid
        self.folder_path = folder_path
        self.created_by = created_by
        self.created = now
        self.expires = now + lifetime
        self.status = SessionStatus.OPEN.value
        self.notices = PersistentList()
        self.files = OOBTree()
        self.published_by: str | None = None
        self.published_at: float | None = None

    def current_files(self) -> list[SessionFile]:
        """The files of the session (not the deleted ones), by filename."""
        files = [item for item in self.files.values() if item.is_current]
        return sorted(files, key=lambda item: item.filename)

    def file_named(self, filename: str) -> SessionFile | None:
        for item in self.files.values():
            if item.is_current and item.filename == filename:
                return item
        return None

    def is_expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires

    @property
    def is_live(self) -> bool:
        return self.status in LIVE


def name_key(folder_uid: str, name: str) -> str:
    return f"{folder_uid}\n{name}"


class SessionStorage(Persistent):
    """All upload sessions of one site: by id, by preview token, and the live
    ones by folder and name.

    The name index makes get-or-create atomic: two requests that create a
    session of the same name at once both write its key, so one of them
    conflicts, and Zope's retry finds the other's session.
    """

    def __init__(self) -> None:
        self.sessions = OOBTree()
        self.tokens = OOBTree()
        self.names = OOBTree()

    def add(self, session: UploadSession) -> None:
        self.sessions[session.id] = session
        self.tokens[session.token] = session.id
        self.names[name_key(session.folder_uid, session.name)] = session.id

    def release_name(self, session: UploadSession) -> None:
        """The session ended: its name is free in its folder."""
        key = name_key(session.folder_uid, session.name)
        if self.names.get(key) == session.id:
            del self.names[key]

    def remove(self, session: UploadSession) -> None:
        self.release_name(session)
        self.sessions.pop(session.id, None)
        self.tokens.pop(session.token, None)

    def get(self, session_id: str) -> UploadSession | None:
        if not ID_PATTERN.match(session_id or ""):
            return None
        return self.sessions.get(session_id)

    def by_token(self, token: str) -> UploadSession | None:
        if not TOKEN_PATTERN.match(token or ""):
            return None
        session_id = self.tokens.get(token)
        return self.sessions.get(session_id) if session_id else None

    def in_folder(self, folder_uid: str) -> list[UploadSession]:
        """The sessions of one folder, newest first."""
        found = [
            item for item in self.sessions.values() if item.folder_uid == folder_uid
        ]
        return sorted(found, key=lambda item: item.created, reverse=True)

    def live_named(
        self, folder_uid: str, name: str, now: float
    ) -> UploadSession | None:
        """The open, processing or error session of that name, if unexpired."""
        for item in self.in_folder(folder_uid):
            if item.name == name and item.is_live and not item.is_expired(now):
                return item
        return None


def storage_of(site, *, create: bool = False) -> SessionStorage | None:
    """The site's sessions; made on first use when ``create``."""
    annotations = IAnnotations(site)
    found = annotations.get(STORAGE_KEY)
    if found is None and create:
        found = annotations[STORAGE_KEY] = SessionStorage()
    return found
