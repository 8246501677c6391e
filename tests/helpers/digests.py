"""The one SHA-256 helper of the tests."""

from __future__ import annotations

from collections.abc import Iterable

import hashlib
import os


def sha256(source: bytes | str | os.PathLike | Iterable[bytes]) -> str:
    """The hex SHA-256 of bytes, of a file (read in blocks) or of byte blocks.

    :param source: the bytes themselves; a path (``str`` or path object);
        or an iterable of blocks, e.g. ``response.iter_content(1 << 20)``.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return hashlib.sha256(source).hexdigest()
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as data_file:
            return hashlib.file_digest(data_file, "sha256").hexdigest()
    digest = hashlib.sha256()
    for block in source:
        digest.update(block)
    return digest.hexdigest()
