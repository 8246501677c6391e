"""Request bodies that already sit in a file, and copying them in the kernel.

WSGI servers such as waitress spool a large request body to a temporary file
before the application runs. Reading that file into Python and writing it to
the upload's data file copies every byte twice through user space; this
module finds such a body (:func:`body_region`) and copies it file to file
inside the kernel (:func:`copy_region`): ``copy_file_range``, else
``sendfile``, else ``pread``/``pwrite`` in blocks.
"""

from __future__ import annotations

from collective.tusupload.core.sizes import BLOCK_SIZE
from dataclasses import dataclass
from typing import Any

import errno
import io
import os
import stat


#: errno values that mean "this kernel call can't copy between these files".
_UNSUPPORTED = {
    errno.EXDEV,
    errno.ENOSYS,
    errno.EINVAL,
    errno.EOPNOTSUPP,
    errno.EBADF,
    errno.ETXTBSY,
    errno.EPERM,
}


@dataclass
class BodyRegion:
    """The next ``count`` bytes of a body: ``fd`` from ``offset`` on.

    :ivar consume: tell the body that ``n`` of its bytes were copied, so that
        it is positioned after them (as if they had been read).
    """

    fd: int
    offset: int
    count: int
    consume: Any


def body_region(body: Any, count: int) -> BodyRegion | None:
    """Where the next ``count`` bytes of ``body`` are, if in a regular file.

    ``body`` may offer ``file_region(count)`` (adapters' bounded readers do)
    or be a file object itself. None when the bytes are not all in a file on
    disk yet (a socket, a pipe, an in-memory buffer, a short file).
    """
    if body is None or count <= 0:
        return None
    locate = getattr(body, "file_region", None)
    if locate is not None:
        return locate(count)
    return file_region(body, count)


def file_region(stream: Any, count: int) -> BodyRegion | None:
    """:func:`body_region` for a plain file object positioned at its next byte."""
    try:
        if hasattr(stream, "flush"):
            stream.flush()  # a buffered writer's last block, if any
        fd = stream.fileno()
        position = stream.tell()
        status = os.fstat(fd)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(status.st_mode) or status.st_size - position < count:
        return None

    def consume(copied: int) -> None:
        stream.seek(position + copied)

    return BodyRegion(fd=fd, offset=position, count=count, consume=consume)


def copy_region(
    source_fd: int, source_offset: int, target_fd: int, target_offset: int, count: int
) -> int:
    """Copy ``count`` bytes between two files at explicit offsets.

    The source's position does not change (the target's may). Returns the
    bytes copied, fewer than ``count`` only when the source ends early.
    """
    copied = 0
    for copier in (_copy_file_range, _sendfile, _pread_pwrite):
        try:
            copied += copier(
                source_fd,
                source_offset + copied,
                target_fd,
                target_offset + copied,
                count - copied,
            )
        except OSError as error:
            if error.errno not in _UNSUPPORTED:
                raise
            continue
        return copied
    return copied  # pragma: no cover - _pread_pwrite never gives up


def _copy_file_range(source_fd, source_offset, target_fd, target_offset, count) -> int:
    if not hasattr(os, "copy_file_range"):
        raise OSError(errno.ENOSYS, "copy_file_range is not available")
    done = 0
    while done < count:
        step = os.copy_file_range(
            source_fd,
            target_fd,
            count - done,
            source_offset + done,
            target_offset + done,
        )
        if step == 0:
            break
        done += step
    return done


def _sendfile(source_fd, source_offset, target_fd, target_offset, count) -> int:
    # sendfile writes at the target's position: set it, and keep ours.
    if not hasattr(os, "sendfile"):
        raise OSError(errno.ENOSYS, "sendfile is not available")
    os.lseek(target_fd, target_offset, os.SEEK_SET)
    done = 0
    while done < count:
        step = os.sendfile(target_fd, source_fd, source_offset + done, count - done)
        if step == 0:
            break
        done += step
    return done


def _pread_pwrite(source_fd, source_offset, target_fd, target_offset, count) -> int:
    done = 0
    while done < count:
        block = os.pread(source_fd, min(BLOCK_SIZE, count - done), source_offset + done)
        if not block:
            break
        view = memoryview(block)
        while view:
            written = os.pwrite(target_fd, view, target_offset + done)
            view = view[written:]
            done += written
    return done
