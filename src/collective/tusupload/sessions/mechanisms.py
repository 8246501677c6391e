"""How a session's file brings its bytes: the upload mechanisms offered.

- ``http-post-bytes`` (PEP 694's required one): one POST of the whole file,
  ``Content-Type: application/octet-stream``, to ``file_url``.
- ``vnd-tusupload-tus-v1``: ``file_url`` is a tus 1.0 upload, created at
  declaration with ``Upload-Length`` = the declared size; PATCH (and HEAD,
  checksums, ...) as with any tus upload of the folder.
- ``vnd-tusupload-resumable-v1``: the same upload resource for the IETF
  resumable-upload draft (interop versions 3 to 8): append with PATCH and
  ``Upload-Draft-Interop-Version``, query the offset with HEAD.

Every mechanism writes an ordinary upload of the store; its finish stages
the file (:mod:`.staging`).
"""

from __future__ import annotations


HTTP_POST_BYTES = "http-post-bytes"
TUS = "vnd-tusupload-tus-v1"
IETF = "vnd-tusupload-resumable-v1"

#: In the server's order of preference (``mechanisms`` of a session).
MECHANISMS = (HTTP_POST_BYTES, TUS, IETF)


def mechanism_reply(session, session_file, links) -> dict:
    """``mechanism`` of a file's JSON: its identifier and where bytes go."""
    if session_file.mechanism == HTTP_POST_BYTES:
        url = f"{links.file(session, session_file)}/bytes"
    else:
        url = links.upload(session_file.upload_id)
    return {"identifier": session_file.mechanism, "file_url": url}
