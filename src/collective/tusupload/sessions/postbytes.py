"""``http-post-bytes``: the whole file in one POST to its ``file_url``.

PEP 694's required mechanism. The body goes into the file's upload through
the engine, as one append from offset 0 that ends the upload, so it is
streamed in bounded blocks and its finish stages the file, exactly once,
like a tus upload's last PATCH. A POST that broke off part-way is simply
sent again: what the earlier one left is dropped first.
"""

from __future__ import annotations

from collective.tusupload.backend import site_handler
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.info import State
from collective.tusupload.core.transfer import Body
from collective.tusupload.sessions.access import SessionRequest
from collective.tusupload.sessions.mechanisms import HTTP_POST_BYTES
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.states import check_editable
from collective.tusupload.sessions.states import FileStatus
from collective.tusupload.sessions.uploads import file_upload_request


#: Bodies Zope would parse as a form instead of handing them over.
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def receive_bytes(request: SessionRequest, session, session_file) -> None:
    """Store the POST's body as the file's bytes (and stage it).

    :raises SessionProblem: 409 (wrong mechanism, not pending, session not
        editable), 415 (a form body), or the engine's refusal (e.g. 400 when
        the body is not the declared size, 413 past it).
    """
    check_editable(session)
    if session_file.mechanism != HTTP_POST_BYTES:
        raise SessionProblem(
            409,
            "Wrong mechanism",
            f"{session_file.filename} was declared for {session_file.mechanism}",
            source="mechanism",
        )
    if session_file.status != FileStatus.PENDING or session_file.staged:
        raise SessionProblem(
            409,
            "Bytes already here",
            f"{session_file.filename} is {session_file.status} and has its bytes; "
            "declare it again to replace it",
            source=session_file.filename,
        )
    zope_request = request.zope_request
    content_type = (zope_request.getHeader("Content-Type") or "").lower()
    if content_type.startswith(FORM_TYPES):
        raise SessionProblem(
            415,
            "Unsupported Media Type",
            "send the file's bytes as application/octet-stream",
            source="Content-Type",
        )
    upload_id = session_file.upload_id
    upload_request = file_upload_request(
        request, session, session_file, upload_id=upload_id
    )
    engine = site_handler(request.settings).engine
    try:
        _start_over(engine, upload_request, upload_id)
        engine.append(
            upload_request,
            upload_id,
            offset=0,
            body=Body(upload_request.body, upload_request.content_length),
            complete=True,
        )
    except TusError as error:
        raise SessionProblem(
            error.status, "Bytes refused", error.message, source=session_file.filename
        ) from None


def _start_over(engine, upload_request, upload_id: str) -> None:
    """Drop what an earlier, broken POST stored (the body is the whole file)."""
    with engine.locked(upload_id) as _lease:
        info = engine.load(upload_request, upload_id)
        if info.state is State.RECEIVING and info.offset > 0:
            engine.store.truncate(upload_id, 0)
            info.offset = 0
            engine.store.update_info(info)
