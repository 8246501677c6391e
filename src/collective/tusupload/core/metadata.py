"""Parse and format the ``Upload-Metadata`` header.

The header is a comma-separated list of ``key`` or ``key base64value``
pairs. Keys are printable ASCII without space or comma and unique. Values
must be strict base64 of UTF-8 text without control characters: a value
that decodes to CR, LF or NUL could otherwise inject headers or break file
names wherever a host echoes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from collective.tusupload.core import errors

import base64
import binascii
import re


KEY_PATTERN = re.compile(r"^[\x21-\x2b\x2d-\x7e]+\Z")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def parse_metadata(header: str | None) -> dict[str, str | None]:
    """Return the metadata in ``header`` as ``{key: text or None}``.

    :raises errors.BadRequest: on any malformed pair, bad base64, a value
        that is not UTF-8 or contains control characters, or a duplicate key.
    """
    metadata: dict[str, str | None] = {}
    if header is None or header.strip() == "":
        return metadata
    for pair in header.split(","):
        key, value = _parse_pair(pair.lstrip(" "))
        if key in metadata:
            raise errors.BadRequest(f"Upload-Metadata: duplicate key {key!r}")
        metadata[key] = value
    return metadata


def format_metadata(metadata: Mapping[str, str | None]) -> str:
    """Return ``metadata`` encoded as an ``Upload-Metadata`` header value."""
    pairs = []
    for key, value in metadata.items():
        if value is None:
            pairs.append(key)
        else:
            encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
            pairs.append(f"{key} {encoded}")
    return ",".join(pairs)


def _parse_pair(pair: str) -> tuple[str, str | None]:
    parts = pair.split(" ")
    if len(parts) > 2 or not KEY_PATTERN.match(parts[0]):
        raise errors.BadRequest("Upload-Metadata: malformed key")
    if len(parts) == 1:
        return parts[0], None
    return parts[0], _decode_value(parts[0], parts[1])


def _decode_value(key: str, encoded: str) -> str:
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise errors.BadRequest(
            f"Upload-Metadata: bad base64 value for {key!r}"
        ) from None
    if CONTROL_CHARACTERS.search(text):
        raise errors.BadRequest(
            f"Upload-Metadata: control character in value of {key!r}"
        )
    return text
