"""Upload ids: capabilities of 128 random bits, checked before they touch a path."""

from __future__ import annotations

from collective.tusupload.core import errors

import re
import secrets


UPLOAD_ID_PATTERN = re.compile(r"^[0-9a-f]{32,64}\Z")


def new_upload_id() -> str:
    """Return a fresh upload id of 128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


def is_valid_upload_id(upload_id: object) -> bool:
    """Tell whether ``upload_id`` has the strict shape of an upload id."""
    return isinstance(upload_id, str) and UPLOAD_ID_PATTERN.match(upload_id) is not None


def check_upload_id(upload_id: object) -> str:
    """Return ``upload_id`` if well-formed.

    :raises errors.NotFound: for anything else (never build a path from it).
    """
    if not is_valid_upload_id(upload_id):
        raise errors.NotFound()
    return upload_id  # type: ignore[return-value]
