"""Reading and cutting an upload's chunk blobs (see :class:`~.records.DataRecord`)."""

from __future__ import annotations

from collective.tusupload.core.regions import copy_region
from collective.tusupload.core.sizes import BLOCK_SIZE
from collective.tusupload.zodbstore.records import DataRecord
from dataclasses import dataclass
from ZODB.blob import Blob

import io
import os
import time


@dataclass(frozen=True)
class Chunk:
    """One chunk: its bytes are ``[start, end)`` of the upload, in ``blob``.

    ``whole`` is False when a limit ends the chunk before its blob does.
    """

    start: int
    end: int
    blob: Blob
    whole: bool = True


def chunks_of(data: DataRecord, *, limit: int | None = None) -> list[Chunk]:
    """The chunks of ``data`` in order, up to ``limit`` bytes (default: all)."""
    end_of_data = data.size if limit is None else min(limit, data.size)
    starts = [start for start in data.chunks.keys() if start < data.size]  # noqa: SIM118 - a BTree
    ends = [*starts[1:], data.size] if starts else []
    return [
        Chunk(start, min(end, end_of_data), data.chunks[start], end <= end_of_data)
        for start, end in zip(starts, ends, strict=True)
        if min(end, end_of_data) > start
    ]


def copy_prefix(blob: Blob, count: int) -> Blob:
    """A new blob with the first ``count`` bytes of ``blob`` (copied in the kernel)."""
    prefix = Blob()
    with blob.open("r") as source, prefix.open("w") as target:
        copy_region(source.fileno(), 0, target.fileno(), 0, count)
    return prefix


def cut(data: DataRecord, offset: int) -> int:
    """Drop the bytes of ``data`` past ``offset``; return how many went.

    Chunks that begin at or after ``offset`` are dropped; a chunk that
    ``offset`` falls into is replaced by a copy of its first part (rare:
    chunks begin where appends began, and cuts fall there).
    """
    if data.size <= offset:
        return 0
    dropped = data.size - offset
    for chunk in chunks_of(data):
        if chunk.start >= offset:
            del data.chunks[chunk.start]
        elif chunk.end > offset:
            data.chunks[chunk.start] = copy_prefix(chunk.blob, offset - chunk.start)
    for start in list(data.chunks.keys(min=offset)):
        del data.chunks[start]  # empty chunks past the end
    data.size = offset
    data.changed = time.time()
    return dropped


class ChunkReader(io.RawIOBase):
    """The bytes of an upload's chunks as one read-only stream.

    Holds the store's session (a connection) open until it is closed.
    :meth:`copy_to` copies everything to a file descriptor in the kernel.
    """

    def __init__(self, chunks: list[Chunk], size: int, close_session) -> None:
        super().__init__()
        self._chunks = chunks
        self._size = size
        self._position = 0
        self._close_session = close_session
        self._open_file = None
        self._open_start = -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}
        self._position = max(0, base[whence] + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        chunk = self._chunk_at(self._position)
        if chunk is None or not len(view):
            return 0
        wanted = min(len(view), chunk.end - self._position)
        source = self._file_of(chunk)
        within = self._position - chunk.start
        count = os.preadv(source.fileno(), [view[:wanted]], within)
        self._position += count
        return count

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(BLOCK_SIZE), b""))
        size = min(size, max(0, self._size - self._position))
        buffer = bytearray(size)
        count = self.readinto(buffer)
        return bytes(buffer[:count])

    def copy_to(self, descriptor: int) -> int:
        """Copy the rest of the bytes to ``descriptor`` (at its position 0 on)."""
        written = 0
        for chunk in self._chunks:
            if chunk.end <= self._position:
                continue
            skip = max(0, self._position - chunk.start)
            with chunk.blob.open("r") as source:
                written += copy_region(
                    source.fileno(),
                    skip,
                    descriptor,
                    written,
                    chunk.end - chunk.start - skip,
                )
            self._position = chunk.end
        return written

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._open_file is not None:
                self._open_file.close()
            self._close_session()
        finally:
            super().close()

    def _chunk_at(self, position: int) -> Chunk | None:
        for chunk in self._chunks:
            if chunk.start <= position < chunk.end:
                return chunk
        return None

    def _file_of(self, chunk: Chunk):
        if self._open_start != chunk.start:
            if self._open_file is not None:
                self._open_file.close()
            self._open_file = chunk.blob.open("r")
            self._open_start = chunk.start
        return self._open_file
