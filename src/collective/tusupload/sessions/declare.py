"""Declaring a file (``POST links.upload``): every check before a byte arrives.

In this order: the session is editable (409), the declaration is well
formed (400), the mechanism (422) and hash algorithms (422) are known, the
name would not collide in the folder once published (409). Then the file's
upload is created in the store with ``Upload-Length`` = the declared size,
through the engine and the Plone hooks, which check the permission (403),
the size (413), the type (415, or 403 if it can't be added here) and the
user's pending limits, as for any upload. A filename declared before in the
session is replaced: the old file and its bytes go.
"""

from __future__ import annotations

from collective.tusupload.backend import site_handler
from collective.tusupload.content import guess_content_type
from collective.tusupload.core.errors import TusError
from collective.tusupload.record import UploadRecord
from collective.tusupload.sessions.access import SessionRequest
from collective.tusupload.sessions.discard import discard_after_commit
from collective.tusupload.sessions.mechanisms import MECHANISMS
from collective.tusupload.sessions.model import SessionFile
from collective.tusupload.sessions.model import UploadSession
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import advance_file
from collective.tusupload.sessions.states import check_editable
from collective.tusupload.sessions.states import FileEvent
from collective.tusupload.sessions.states import SessionStatus
from collective.tusupload.sessions.uploads import file_upload_request
from dataclasses import dataclass
from plone.i18n.normalizer.interfaces import IURLNormalizer
from zope.component import getUtility

import posixpath
import re


#: Hash algorithms a declaration may name; all given are verified at complete.
SUPPORTED_HASHES = {"sha256": 64, "sha384": 96, "sha512": 128, "sha1": 40, "md5": 32}
#: The one every declaration must give (PEP 694 recommends it).
REQUIRED_HASH = "sha256"
HEX = re.compile(r"^[0-9a-f]+$")
#: A MIME type without parameters (RFC 6838 names).
MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class Declaration:
    """A well-formed ``POST links.upload`` body."""

    filename: str
    size: int
    hashes: dict[str, str]
    mechanism: str
    content_type: str
    title: str
    portal_type: str | None


def _bad(source: str, message: str, status: int = 400) -> SessionProblem:
    title = "Invalid declaration" if status == 400 else "Unprocessable declaration"
    return SessionProblem(status, title, message, source=source)


def read_declaration(payload: dict) -> Declaration:
    """Check the body's fields; 400 for malformed ones, 422 for unknown choices."""
    raw_name = payload.get("filename")
    if not isinstance(raw_name, str):
        raise _bad("filename", "filename is required")
    filename = posixpath.basename(raw_name.replace("\\", "/")).strip()
    if filename in ("", ".", "..") or any(ord(char) < 32 for char in filename):
        raise _bad("filename", f"{raw_name!r} is not a usable file name")
    size = payload.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise _bad("size", "size is the file's length in bytes, a whole number")
    hashes = payload.get("hashes")
    if not isinstance(hashes, dict) or not hashes:
        raise _bad("hashes", "hashes maps algorithms to hex digests")
    hashes = {str(name).lower(): value for name, value in hashes.items()}
    for name, value in hashes.items():
        if name not in SUPPORTED_HASHES:
            raise _bad(
                f"hashes.{name}",
                f"hash algorithm {name!r} is not supported; use "
                + ", ".join(sorted(SUPPORTED_HASHES)),
                422,
            )
        if (
            not isinstance(value, str)
            or len(value) != SUPPORTED_HASHES[name]
            or not HEX.match(value.lower())
        ):
            raise _bad(f"hashes.{name}", f"the {name} digest is not hex of its length")
    if REQUIRED_HASH not in hashes:
        raise _bad("hashes", f"hashes must include {REQUIRED_HASH}", 422)
    mechanism = payload.get("mechanism")
    if mechanism not in MECHANISMS:
        raise _bad(
            "mechanism",
            f"mechanism {mechanism!r} is not offered; use one of "
            + ", ".join(MECHANISMS),
            422,
        )
    content_type = payload.get("content-type") or ""
    title = payload.get("title") or ""
    portal_type = payload.get("@type") or None
    for source, value in (("content-type", content_type), ("title", title)):
        if not isinstance(value, str):
            raise _bad(source, f"{source} is a string")
    if portal_type is not None and not isinstance(portal_type, str):
        raise _bad("@type", "@type is a string")
    content_type = content_type.split(";", 1)[0].strip().lower()
    if content_type and not MIME_TYPE.match(content_type):
        raise _bad("content-type", f"{content_type!r} is not a MIME type")
    return Declaration(
        filename=filename,
        size=size,
        hashes={name: value.lower() for name, value in hashes.items()},
        mechanism=mechanism,
        content_type=content_type or guess_content_type(filename),
        title=title.strip() or filename,
        portal_type=portal_type,
    )


def intended_id(filename: str) -> str:
    """The id Plone's name chooser starts from for ``filename``."""
    return getUtility(IURLNormalizer).normalize(filename)


def check_name_is_free(request: SessionRequest, session: UploadSession, filename: str):
    """409 if the file's item would not get the name it asks for.

    Taken: an item of the folder, another file of the session, or a file of
    a session of this folder being published right now (reserved).
    """
    wanted = intended_id(filename)
    if wanted in request.folder.objectIds():
        raise SessionProblem(
            409,
            "Name taken",
            f"{filename}: the folder has an item {wanted!r} already",
            source=filename,
        )
    for item in session.current_files():
        if item.filename != filename and item.intended_id == wanted:
            raise SessionProblem(
                409,
                "Name taken",
                f"{filename} and {item.filename} would both become {wanted!r}",
                source=filename,
            )
    storage = request.storage()
    for other in storage.in_folder(request.folder_uid) if storage else ():
        if other is session or other.status != SessionStatus.PROCESSING:
            continue
        if any(item.intended_id == wanted for item in other.current_files()):
            raise SessionProblem(
                409,
                "Name reserved",
                f"{filename}: session {other.name!r} is publishing {wanted!r}",
                source=filename,
            )
    return wanted


def declare(
    request: SessionRequest, session: UploadSession, payload: dict
) -> SessionFile:
    """Declare (or redeclare) a file and create the upload for its bytes."""
    check_editable(session)
    declaration = read_declaration(payload)
    wanted = check_name_is_free(request, session, declaration.filename)
    previous = session.file_named(declaration.filename)
    session_file = SessionFile(
        filename=declaration.filename,
        size=declaration.size,
        hashes=declaration.hashes,
        mechanism=declaration.mechanism,
        content_type=declaration.content_type,
        title=declaration.title,
        declared_by=request.userid,
        intended_id=wanted,
    )
    create_upload(request, session, session_file, declaration)
    if previous is not None:
        advance_file(previous, FileEvent.DELETED)
        discard_after_commit(request.settings, [previous.upload_id])
    session.files[session_file.id] = session_file
    return session_file


def create_upload(
    request: SessionRequest,
    session: UploadSession,
    session_file: SessionFile,
    declaration: Declaration,
) -> None:
    """The store's upload for the file's bytes, made by the engine with the
    Plone hooks (permission, size, type, pending limits)."""
    metadata = {
        "filename": declaration.filename,
        "content-type": declaration.content_type,
        "title": declaration.title,
    }
    if declaration.portal_type:
        metadata["@type"] = declaration.portal_type
    upload_request = file_upload_request(request, session, session_file, upload_id=None)
    engine = site_handler(request.settings).engine
    try:
        engine.check_may_create(upload_request)
        info = engine.new_upload(
            upload_request, length=declaration.size, metadata=metadata
        )
        session_file.upload_id = info.id
        if declaration.size == 0:
            # Complete at creation: the finish stages it, and finds it here.
            session.files[session_file.id] = session_file
        info = engine.create(upload_request, info)
    except TusError as error:
        if declaration.size == 0:
            session.files.pop(session_file.id, None)
        raise SessionProblem(
            error.status,
            "Declaration refused",
            error.message,
            source=declaration.filename,
        ) from None
    record = UploadRecord.of(info)
    session_file.portal_type = record.portal_type
    session_file.content_uid = record.content_uid
