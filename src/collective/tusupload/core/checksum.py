"""The checksum extension: ``Upload-Checksum: <algorithm> <base64 digest>``."""

from __future__ import annotations

from collective.tusupload.core import errors
from dataclasses import dataclass
from typing import Any

import base64
import binascii
import hashlib


SUPPORTED_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")


@dataclass
class ExpectedChecksum:
    """The algorithm and digest a client announced for one chunk."""

    algorithm: str
    digest: bytes

    def new_hasher(self) -> Any:
        """Return a fresh hashlib object for the algorithm."""
        return new_hasher(self.algorithm)

    def verify(self, hasher: Any) -> None:
        """Compare the hasher's digest with the expected one.

        :raises errors.ChecksumMismatch: if they differ.
        """
        if hasher.digest() != self.digest:
            raise errors.ChecksumMismatch()


def new_hasher(algorithm: str) -> Any:
    """Return a hashlib object for a supported ``algorithm``."""
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise errors.BadRequest(f"unsupported checksum algorithm {algorithm!r}")
    return hashlib.new(algorithm, usedforsecurity=False)


def parse_checksum(
    header: str, *, algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS
) -> ExpectedChecksum:
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
    return ExpectedChecksum(algorithm=algorithm, digest=digest)
