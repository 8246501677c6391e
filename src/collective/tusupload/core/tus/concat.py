"""The concatenation extension's header: ``Upload-Concat: partial | final;<urls>``."""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.ids import is_valid_upload_id
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest
from urllib.parse import urlsplit


def parse_concat(
    value: str | None, request: TusRequest, *, supported: bool
) -> tuple[list[str] | None, bool]:
    """Return (partial ids of a final upload or None, is_partial).

    :raises errors.BadRequest: malformed, unsupported, or a foreign URL.
    """
    if value is None:
        return None, False
    if not supported:
        raise errors.BadRequest("concatenation is not supported")
    if value == "partial":
        return None, True
    if not value.startswith("final;"):
        raise errors.BadRequest("Upload-Concat must be 'partial' or 'final;<urls>'")
    urls = value[len("final;") :].split()
    if not urls:
        raise errors.BadRequest(
            "Upload-Concat: final needs at least one partial upload"
        )
    return [id_from_url(request, url) for url in urls], False


def id_from_url(request: TusRequest, url: str) -> str:
    """Return the upload id of an upload URL under this endpoint."""
    refused = errors.BadRequest("Upload-Concat: not an upload URL of this endpoint")
    parts = urlsplit(url)
    base = urlsplit(request.base_url)
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise refused
    if (parts.scheme or parts.netloc) and (
        parts.scheme.lower(),
        parts.netloc.lower(),
    ) != (base.scheme.lower(), base.netloc.lower()):
        raise refused
    prefix = base.path.rstrip("/") + "/"
    if not parts.path.startswith(prefix):
        raise refused
    upload_id = parts.path[len(prefix) :]
    if not is_valid_upload_id(upload_id):
        raise refused
    return upload_id


def load_partials(
    engine: Engine, request: TusRequest, partial_ids: list[str]
) -> list[UploadInfo]:
    """The requester's partial uploads named in a final's ``Upload-Concat``."""
    partials = []
    for upload_id in partial_ids:
        try:
            info = engine.load(request, upload_id)
        except (errors.NotFound, errors.Gone):
            raise errors.BadRequest("Upload-Concat: unknown partial upload") from None
        if not info.is_partial:
            raise errors.BadRequest("Upload-Concat: not a partial upload")
        partials.append(info)
    return partials


def format_concat(request: TusRequest, info: UploadInfo, location) -> str | None:
    """The ``Upload-Concat`` a HEAD echoes, or None for a plain upload."""
    if info.is_partial:
        return "partial"
    if info.is_final:
        urls = " ".join(
            location(request, partial_id) for partial_id in info.partial_ids
        )
        return f"final;{urls}"
    return None
