"""The files of a file store's directory: their names, sizes and removal."""

from __future__ import annotations

from collective.tusupload.core.info import is_valid_upload_id

import contextlib
import os


DATA_SUFFIX = ".data"
INFO_SUFFIX = ".info"
#: Marks a file being written beside the one it will replace.
TEMP_MARKER = ".tmp-"


def upload_id_of(name: str) -> str | None:
    """The upload id a file name in a store directory belongs to."""
    upload_id = name.split(".", 1)[0]
    return upload_id if is_valid_upload_id(upload_id) and "." in name else None


def size_of(path: str) -> int:
    """The size of ``path``; 0 when it does not exist."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def mtime_of(path: str) -> float:
    """The modification time of ``path``; infinitely late when it is gone."""
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return float("inf")


def unlink_quietly(path: str) -> None:
    """Remove ``path`` if it is there."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
