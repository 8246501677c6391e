"""One log line per upload request: who sent which bytes of which upload.

Whatever server runs the host, each request to an upload endpoint is logged
once, by the one that sends its reply: the host for the requests it
answers, the front server for the appends it stored itself. A line reads::

    127.0.0.1 alice PATCH 3f1c...9a 8388608-16777216 204

(client address, principal or ``-``, method, upload id or ``-``, the byte
range the upload's offset moved over (``start-end``, end exclusive; ``-``
when nothing was appended), status). The logger is
``collective.tusupload.access``.
"""

from __future__ import annotations

from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse

import logging


logger = logging.getLogger("collective.tusupload.access")


def byte_range(start: int | None, end: int | None) -> str:
    """``start-end`` when both are known, else ``-``."""
    if start is None or end is None:
        return "-"
    return f"{start}-{end}"


def log_request(
    *,
    client: str | None,
    principal: str | None,
    method: str,
    upload_id: str | None,
    start: int | None,
    end: int | None,
    status: int,
) -> None:
    """Log one upload request (see the module's docstring for the format)."""
    logger.info(
        "%s %s %s %s %s %d",
        client or "-",
        principal or "-",
        method,
        upload_id or "-",
        byte_range(start, end),
        status,
    )


def log_reply(
    request: TusRequest, response: TusResponse, *, client: str | None
) -> None:
    """Log the request a host answered with ``response``.

    The byte range is the append's: from the request's ``Upload-Offset`` (0
    for a creation) to the reply's, when the reply reports one.
    """
    end = _integer(response.headers.get("Upload-Offset"))
    start = None
    if end is not None and response.status < 300:
        start = (
            0 if request.verb == "POST" else _integer(request.header("Upload-Offset"))
        )
    upload_id = request.upload_id
    if upload_id is None and request.verb == "POST":
        location = response.headers.get("Location") or ""
        upload_id = location.rstrip("/").rsplit("/", 1)[-1] or None
    log_request(
        client=client,
        principal=request.principal,
        method=request.verb,
        upload_id=upload_id,
        start=start,
        end=end,
        status=response.status,
    )


def _integer(value: str | None) -> int | None:
    if value is not None and value.isascii() and value.isdigit():
        return int(value)
    return None
