"""Moving a request body into a store: one chunk writer for every protocol.

Bodies are read in bounded blocks (constant memory), hashed on the way when
the client sent digests, and appended to the upload's data. A body the
server spooled to a file is copied in the kernel instead
(:mod:`.regions`) when no digest needs the bytes in Python. A chunk whose
digest fails, or that runs past the room the upload has, is cut off again:
the upload is left exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collective.tusupload.core import errors
from collective.tusupload.core.info import State
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.regions import body_region
from collective.tusupload.core.store import Store
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import BinaryIO

import base64
import hashlib
import logging
import time


logger = logging.getLogger("collective.tusupload")


#: hashlib names of the digest algorithms the core can verify.
DIGEST_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")


def new_hasher(algorithm: str) -> Any:
    """Return a hashlib object for a supported ``algorithm`` (hashlib name)."""
    if algorithm not in DIGEST_ALGORITHMS:
        raise errors.BadRequest(f"unsupported checksum algorithm {algorithm!r}")
    return hashlib.new(algorithm, usedforsecurity=False)


@dataclass
class ExpectedDigest:
    """A digest a client announced for some bytes (one chunk, or the upload).

    :ivar algorithm: the hashlib name (``sha256``).
    :ivar digest: the raw digest bytes.
    :ivar label: how the client sent it, for the message on a mismatch.
    """

    algorithm: str
    digest: bytes
    label: str = "checksum"

    def new_hasher(self) -> Any:
        """Return a fresh hashlib object for the algorithm."""
        return new_hasher(self.algorithm)

    def verify(self, hasher: Any) -> None:
        """Compare the hasher's digest with the expected one.

        :raises errors.ChecksumMismatch: if they differ.
        """
        if hasher.digest() != self.digest:
            if self.label == "checksum":
                raise errors.ChecksumMismatch()
            raise errors.ChecksumMismatch(
                f"{self.label} mismatch: the request's content was not kept, "
                "the upload's offset is unchanged"
            )


@dataclass
class Body:
    """A request body: a stream and, if the request said, its length."""

    stream: BinaryIO | None
    length: int | None = None


class Prefixed:
    """A stream that gives ``first`` before the rest of ``stream`` (a peeked body)."""

    def __init__(self, first: bytes, stream) -> None:
        # A stream may give out views of its buffer (the front server's
        # read-ahead); the peeked bytes are kept as bytes of their own.
        self._first = bytes(first)
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._first:
            return self._stream.read(size)
        first, self._first = self._first, b""
        if size is None or size < 0:
            return first + self._stream.read()
        if size <= len(first):
            self._first = first[size:]
            return first[:size]
        return first + self._stream.read(size - len(first))

    def readable(self) -> bool:
        return True


@dataclass
class Written:
    """What :func:`write_chunk` stored.

    :ivar count: bytes appended.
    :ivar complete: whether the body arrived whole (not cut by a disconnect).
    """

    count: int
    complete: bool


class Checkpoints:
    """When a long append records its progress, so that a crash loses little.

    The offset of an upload is recorded when its request ends; a server
    killed during a long body would lose all of it. Every ``every_bytes``
    bytes or ``every_seconds`` seconds (whichever comes first) the bytes so
    far are made durable and recorded by ``reach``, so a crash loses at most
    one interval, and HEAD never reports a byte that is not stored.

    :param reach: makes the first ``count`` bytes of the body durable and
        records them (the engine: data synced, then the info's offset).
    """

    def __init__(
        self,
        reach: Callable[[int], None],
        *,
        every_bytes: int = 64 << 20,
        every_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reach = reach
        self.every_bytes = every_bytes
        self.every_seconds = every_seconds
        self.clock = clock
        self.recorded = 0
        self.count = 0
        self._last = clock()

    def after(self, written: int) -> None:
        """``written`` bytes are in the store: record them if one is due."""
        if written <= self.recorded:
            return
        now = self.clock()
        if (
            written - self.recorded >= self.every_bytes
            or now - self._last >= self.every_seconds
        ):
            self.reach(written)
            self.recorded = written
            self.count += 1
            self._last = now


def checkpointed(blocks: Iterator[bytes], checkpoints: Checkpoints) -> Iterator[bytes]:
    """``blocks``, recording progress between them (see :meth:`.Store.append`:
    a block is stored before the next one is asked for)."""
    written = 0
    for block in blocks:
        if written:
            checkpoints.after(written)
        yield block
        written += len(block)


@dataclass
class _BodyState:
    """What the block reader observed while streaming a body."""

    received: int = 0
    disconnected: bool = False
    hashers: list[Any] = field(default_factory=list)


def write_chunk(
    store: Store,
    upload_id: str,
    offset: int,
    body: Body,
    *,
    room: int | None,
    digests: list[ExpectedDigest],
    block_size: int,
    checkpoints: Checkpoints | None = None,
) -> Written:
    """Append ``body`` to the upload's data at ``offset``; all-or-nothing if hashed.

    :param room: most bytes the upload may take (None = unlimited); more
        raise :class:`~.errors.PastLength` and nothing is kept.
    :param checkpoints: record progress during the body (not with digests:
        a hashed chunk is kept whole or not at all).
    :raises errors.TusError: the chunk was cut off again (digest mismatch,
        too long); the store is as before.
    """
    state = _BodyState(hashers=[digest.new_hasher() for digest in digests])
    # A body the server spooled to a file is copied in the kernel; a digest
    # needs the bytes in Python, so it takes the read path.
    region = (
        body_region(body.stream, body.length) if not digests and body.length else None
    )
    try:
        if region is not None:
            count = store.append_region(
                upload_id, offset, region.fd, region.offset, region.count
            )
            region.consume(count)
            complete = count == body.length
        else:
            blocks = read_blocks(body, room, state, block_size)
            if checkpoints is not None and not digests:
                blocks = checkpointed(blocks, checkpoints)
            count = store.append(upload_id, offset, blocks)
            complete = not state.disconnected
        # A body cut short fails its digest too: nothing of it is kept.
        for digest, hasher in zip(digests, state.hashers, strict=True):
            digest.verify(hasher)
    except errors.TusError:
        store.truncate(upload_id, offset)
        raise
    return Written(count=count, complete=complete)


def read_blocks(
    body: Body, room: int | None, state: _BodyState, block_size: int
) -> Iterator[bytes]:
    """Yield the body in blocks of at most ``block_size`` bytes.

    With a known length exactly that many bytes are read; a shorter body
    counts as a disconnect and ends the stream. Without it the body is read
    to EOF, and more than ``room`` bytes raise PastLength.
    """
    if body.stream is None:
        return
    to_read = body.length if body.length is not None else room
    while to_read is None or state.received < to_read:
        wanted = (
            block_size if to_read is None else min(block_size, to_read - state.received)
        )
        block = _read(body.stream, wanted, state)
        if not block:
            state.disconnected = body.length is not None
            return
        state.received += len(block)
        for hasher in state.hashers:
            hasher.update(block)
        yield block
    if body.length is None and _read(body.stream, 1, state):
        raise errors.PastLength()


def drain(body: Body, block_size: int) -> None:
    """Read and drop a body (a replay's chunk, already stored)."""
    state = _BodyState()
    for _ in read_blocks(Body(body.stream, body.length or 0), None, state, block_size):
        pass


def digest_of_data(
    store: Store, upload_id: str, algorithm: str, length: int, block_size: int
) -> bytes:
    """The digest of the first ``length`` bytes of an upload's data."""
    hasher = new_hasher(algorithm)
    remaining = length
    with store.open_data(upload_id) as data:
        while remaining > 0:
            block = data.read(min(block_size, remaining))
            if not block:
                break
            remaining -= len(block)
            hasher.update(block)
    return hasher.digest()


def _read(stream: BinaryIO, size: int, state: _BodyState) -> bytes:
    try:
        return stream.read(size)
    except OSError:
        # The client went away; keep what arrived (WSGI servers raise
        # OSError subclasses such as webob's DisconnectionError).
        state.disconnected = True
        return b""


def body_of_retry(
    store: Store, info: UploadInfo, offset: int, body: Body
) -> Body | None:
    """The body to write, or None when the stored last chunk is to be reused.

    Zope re-runs a request after a ConflictError with the same body
    stream. A server that streams bodies (gunicorn) has nothing left to
    read then, but the first attempt stored the whole last chunk before
    its finish was aborted (the upload is ``FINISHING``). Only in that
    case (FINISHING, this request ends the upload, and its body has no
    byte to give) are the stored bytes finished again.
    """
    if not (
        info.state is State.FINISHING
        and info.length is not None
        and body.length
        and offset + body.length == info.length
        and body.stream is not None
    ):
        return body
    first = body.stream.read(1)
    if first:
        return Body(Prefixed(first, body.stream), body.length)
    with store.open_data(info.id) as data:
        stored = data.seek(0, 2)
    if stored < info.length:
        return body  # nothing stored to reuse: a cut body, as usual
    logger.info(
        "upload %s: the retried request's body was read already; "
        "finishing the bytes its first attempt stored",
        info.id,
    )
    return None


def verify_repr_digests(
    store: Store, info: UploadInfo, old_offset: int, *, block_size: int
) -> None:
    """Check the whole upload against the digests the client announced.

    The IETF draft's ``Repr-Digest``, sent at creation, covers the whole
    upload; it is checked when the upload completes. A mismatch refuses the
    last chunk: it is cut off again and the offset stays where it began.

    :raises errors.ChecksumMismatch: if a digest differs.
    """
    for algorithm, expected in sorted(info.repr_digests.items()):
        actual = digest_of_data(store, info.id, algorithm, info.length or 0, block_size)
        if base64.b64encode(actual).decode("ascii") != expected:
            store.truncate(info.id, old_offset)
            raise errors.ChecksumMismatch(
                "Repr-Digest mismatch: the upload's bytes are not the ones "
                "announced; the last chunk was not kept"
            )
