"""The interop versions of the IETF draft, and what each one's wire says.

Every difference between the versions lives in :data:`VERSIONS`, one row per
version; the handler reads its row and never compares version numbers.
A client names its version in ``Upload-Draft-Interop-Version``.

======= ================== ================ ======= ============== ======= ===========
version completion field   PATCH media type length  Upload-Limit   expiry  409, GET
                                            replied
======= ================== ================ ======= ============== ======= ===========
3       Upload-Incomplete  any              no      no             --      --
4, 5    Upload-Complete    any              no      no             --      --
6       Upload-Complete    partial-upload   yes     OPTIONS, 413   expires --
7       Upload-Complete    partial-upload   yes     OPTIONS, 413   max-age --
8       Upload-Complete    partial-upload   yes     also HEAD,     max-age 409 says
                                                    201; always,           complete?;
                                                    min-size=0             GET = HEAD
======= ================== ================ ======= ============== ======= ===========

A declared ``Upload-Length`` is honoured in every version (tus-js-client
sends it with interop 5 too): an upload whose offset reaches it completes,
with or without the completion field saying so.

Who speaks which: iOS 17 version 3, iOS 18.0 version 5, iOS 18.1 and later
version 6; tus-js-client 4.3 version 5 (``protocol: 'ietf-draft-03'``) and 6
(``'ietf-draft-05'``). Version 8 is the newest interop version the draft
declares (draft-ietf-httpbis-resumable-upload-09 to -12); its row follows
the editors' text of July 2026 (-12), which kept interop 8 and added: a 409
carries ``Upload-Complete``, ``Upload-Limit`` is always sent (``min-size=0``
when nothing else limits an upload), and ``GET`` on an upload resource is
answered like ``HEAD``.
"""

from __future__ import annotations

from collective.tusupload.core.wire import PARTIAL_UPLOAD
from dataclasses import dataclass


INTEROP_HEADER = "Upload-Draft-Interop-Version"


@dataclass(frozen=True)
class Interop:
    """The wire rules of one interop version.

    :ivar complete_field: the header that says whether a request ends the
        upload: ``Upload-Complete`` (true = complete) or, in version 3,
        ``Upload-Incomplete`` (true = more to come).
    :ivar append_media_type: the Content-Type a PATCH must carry, or None
        when the version names none.
    :ivar upload_length: whether replies carry ``Upload-Length``.
    :ivar upload_limit: whether ``Upload-Limit`` exists (OPTIONS, 413).
    :ivar limit_everywhere: ``Upload-Limit`` also on HEAD and on the 201.
    :ivar limit_always: ``Upload-Limit`` is never left out: it says
        ``min-size=0`` (no minimum) beside whatever else limits an upload.
    :ivar age_key: the ``Upload-Limit`` key of the remaining lifetime.
    :ivar state_on_conflict: a 409 (mismatching offset) says whether the
        upload is complete, in the completion field.
    :ivar offset_by_get: ``GET`` on an upload resource is answered like
        ``HEAD`` (the offset, no body).
    """

    number: int
    complete_field: str = "Upload-Complete"
    append_media_type: str | None = PARTIAL_UPLOAD
    upload_length: bool = True
    upload_limit: bool = True
    limit_everywhere: bool = False
    limit_always: bool = False
    age_key: str = "max-age"
    state_on_conflict: bool = False
    offset_by_get: bool = False

    @property
    def inverted(self) -> bool:
        """True when the completion field says "incomplete" (version 3)."""
        return self.complete_field == "Upload-Incomplete"

    @property
    def complete_by_default(self) -> bool:
        """What a request without the completion field means.

        Version 3 marks the incomplete requests, so an unmarked one ends the
        upload; later versions mark the completing one.
        """
        return self.inverted


_OLD = {"append_media_type": None, "upload_length": False, "upload_limit": False}

VERSIONS: dict[int, Interop] = {
    3: Interop(3, complete_field="Upload-Incomplete", **_OLD),
    4: Interop(4, **_OLD),
    5: Interop(5, **_OLD),
    6: Interop(6, age_key="expires"),
    7: Interop(7),
    8: Interop(
        8,
        limit_everywhere=True,
        limit_always=True,
        state_on_conflict=True,
        offset_by_get=True,
    ),
}
