"""The checksum extension: ``Upload-Checksum: <algorithm> <base64 digest>``."""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.transfer import DIGEST_ALGORITHMS
from collective.tusupload.core.transfer import ExpectedDigest
from collective.tusupload.core.transfer import new_hasher

import base64
import binascii


#: tus names the algorithms as hashlib does.
SUPPORTED_ALGORITHMS = DIGEST_ALGORITHMS


def parse_checksum(
    header: str, *, algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS
) -> ExpectedDigest:
    """Parse an ``Upload-Checksum`` header value.

    :raises errors.BadRequest: unknown algorithm, bad base64, wrong digest size.
    """
    parts = header.split(" ")
    if len(parts) != 2:
        raise errors.BadRequest("Upload-Checksum must be '<algorithm> <base64 digest>'")
    algorithm, encoded = parts
    if algorithm not in algorithms:
        raise errors.BadRequest(f"unsupported checksum algorithm {algorithm!r}")
    try:
        digest = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        raise errors.BadRequest("Upload-Checksum: bad base64 digest") from None
    if len(digest) != new_hasher(algorithm).digest_size:
        raise errors.BadRequest("Upload-Checksum: digest has the wrong length")
    return ExpectedDigest(algorithm=algorithm, digest=digest)
