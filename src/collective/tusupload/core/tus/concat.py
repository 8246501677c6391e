"""The concatenation extension's header: ``Upload-Concat: partial | final;<urls>``."""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core import wire
from collective.tusupload.core.engine import Engine
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.request import TusRequest


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
    partial_ids = []
    for url in urls:
        upload_id = wire.upload_id_from_url(request, url)
        if upload_id is None:
            raise errors.BadRequest("Upload-Concat: not an upload URL of this endpoint")
        partial_ids.append(upload_id)
    return partial_ids, False


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


def format_concat(request: TusRequest, info: UploadInfo) -> str | None:
    """The ``Upload-Concat`` a HEAD echoes, or None for a plain upload."""
    if info.is_partial:
        return "partial"
    if info.is_final:
        urls = " ".join(
            wire.location(request, partial_id) for partial_id in info.partial_ids
        )
        return f"final;{urls}"
    return None
