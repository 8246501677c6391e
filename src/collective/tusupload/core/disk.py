"""The disk under a file store: usable directories, free space, a full disk.

A full disk (or an exhausted quota) is a state of the server, not a bug:
:func:`no_space_as_507` turns it into
:class:`~.errors.InsufficientStorage`, which the handler answers with 507
and a message instead of a 500 with the raw OS error. The other helpers give
messages in words: why a directory can't hold uploads, how large a number of
bytes is.
"""

from __future__ import annotations

from collections.abc import Iterator
from collective.tusupload.core import errors

import contextlib
import errno
import os
import tempfile


#: errno values that mean "the disk or the quota is full".
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")


@contextlib.contextmanager
def no_space_as_507() -> Iterator[None]:
    """Turn a full disk or quota (ENOSPC, EDQUOT) into InsufficientStorage.

    Any other OSError propagates unchanged.
    """
    try:
        yield
    except OSError as error:
        if error.errno not in NO_SPACE_ERRNOS:
            raise
        raise errors.InsufficientStorage() from error


def free_space(directory: str | os.PathLike[str]) -> int:
    """Return the bytes an unprivileged process can still write in ``directory``."""
    status = os.statvfs(directory)
    return status.f_bavail * status.f_frsize


def directory_problem(directory: str | os.PathLike[str]) -> str | None:
    """Say why ``directory`` can't hold uploads; None if it can.

    Creates the directory if it is missing, then creates and removes a small
    probe file in it: what a store does with it, short of an upload.

    :param directory: an absolute path.
    :returns: the reason in words (``it is a file, not a directory``), or
        None when the directory is usable.
    """
    path = os.fspath(directory)
    if not os.path.isabs(path):
        return "it is not an absolute path"
    if os.path.exists(path) and not os.path.isdir(path):
        return "it is a file, not a directory"
    try:
        os.makedirs(path, exist_ok=True)
        descriptor, probe_path = tempfile.mkstemp(dir=path, prefix=".tusupload-probe-")
        os.close(descriptor)
        os.unlink(probe_path)
    except OSError as error:
        return error.strerror or str(error)
    return None


def format_size(count: int) -> str:
    """Return ``count`` bytes as a short text: ``512 bytes``, ``9.5 GiB``.

    :param count: a non-negative number of bytes.
    """
    if count < 1024:
        return f"{count} bytes" if count != 1 else "1 byte"
    size = float(count)
    for unit in _UNITS[1:]:
        size /= 1024
        if size < 1024 or unit == _UNITS[-1]:
            break
    text = f"{size:.1f}".removesuffix(".0")
    return f"{text} {unit}"
