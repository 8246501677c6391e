"""Request bodies read from the connection's socket by a thread.

An upload body (see :mod:`.uploads`) is read by the thread that stores it,
straight from the socket into one reused buffer (64 KiB for a slow client,
growing to the block size for a fast one). A read waits until it has 64 KiB
(or the size asked for, or the body's end), then returns what is at hand:
a fast client's blocks are full, and a slow one's hold little memory. The socket stays
non-blocking (the event loop owns it between requests); a read waits with
``poll`` for at most the idle timeout.

A body ends short when the client disconnects, sends nothing for the idle
timeout, or is refused while it streams (:attr:`SocketBody.guard`); the
reader then reports its end (``b""``) and :attr:`SocketBody.cut` says why.
The tus core counts a short body as a disconnect and keeps what arrived.
"""

from __future__ import annotations

from collections.abc import Callable

import h11
import io
import select
import socket
import threading
import time


#: Why a body ended before its end.
DISCONNECTED = "disconnected"
TIMED_OUT = "timed out"
REFUSED = "refused"

#: A slow client's reads start with this buffer; it grows to the block size
#: when the client fills it GROW_AFTER times in a row.
FIRST_BUFFER = 64 * 1024
GROW_AFTER = 4

#: A read waits for the client until it has this much (or the size asked
#: for); past it, it returns what is at hand.
SMALL_BLOCK = 64 * 1024


class SocketBody(io.RawIOBase):
    """A request body of known length (or chunked), read once from a socket.

    :param sock: the connection's socket (non-blocking).
    :param pending: bytes received after the head (the body's start, and
        possibly more); consumed first, and what is left after the body
        stays in it for the next request.
    :param length: ``Content-Length``; None for a chunked body, which
        ``parser`` (the h11 connection that parsed the head) decodes.
    :param timeout: seconds a read waits for the client before the body is cut.
    :param block_size: the largest block one read returns.
    :param on_first_read: called before the first byte is read (sends
        ``100 Continue`` to a client that waits for it).
    """

    def __init__(
        self,
        sock: socket.socket,
        pending: bytearray,
        length: int | None,
        *,
        timeout: float,
        block_size: int = 1 << 20,
        parser: h11.Connection | None = None,
        on_first_read: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        if length is None and parser is None:
            raise ValueError("a chunked body needs its parser")
        self.sock = sock
        self.pending = pending
        self.length = length
        self.timeout = timeout
        self.block_size = block_size
        self.parser = parser
        self.on_first_read = on_first_read
        #: Called before each read; returns False to cut the body (refused).
        self.guard: Callable[[], bool] | None = None
        self.received = 0
        self.cut: str | None = None
        self.ended = length == 0
        self._buffer = bytearray(min(FIRST_BUFFER, block_size))
        self._chunk_rest = b""
        self._full_receives = 0
        self._poller = select.poll()
        self._poller.register(sock.fileno(), select.POLLIN | select.POLLPRI)
        # Read ahead (see :mod:`.prefetch`): set while a body thread receives
        # the body's start; what it received is given out after ``pending``.
        self._ahead_done: threading.Event | None = None
        self._ahead_buffer: bytearray | None = None
        self._ahead = memoryview(b"")
        #: Whether blocks read ahead may be given out as views of the pooled
        #: buffer (the server's own store writes them before the next read);
        #: an application that reads the body gets copies.
        self.views = False

    # -- state ----------------------------------------------------------------

    @property
    def remaining(self) -> int | None:
        """Bytes of a ``Content-Length`` body not read yet (None: chunked)."""
        if self.length is None:
            return None
        return self.length - self.received

    @property
    def complete(self) -> bool:
        """Whether the body was read to its end, and the connection is usable."""
        return self.ended and self.cut is None

    # -- io.RawIOBase ---------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.received

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Rewind: allowed only while nothing was read (Zope rewinds bodies)."""
        if offset == 0 and whence in (io.SEEK_SET, io.SEEK_CUR) and not self.received:
            return 0
        raise io.UnsupportedOperation("a streamed body can't be read again")

    def readinto(self, buffer) -> int:
        block = self.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all that is left for -1); fewer only at its end.

        Bytes are only given out while :attr:`guard` allows: a block that
        arrives after the host withdrew its yes is dropped, and the body cut.
        """
        if size is None or size < 0:
            blocks = []
            while block := self.read(self.block_size):
                blocks.append(block)
            return b"".join(blocks)
        if self._ahead_done is not None:
            self._ahead_done.wait()
        if self.ended or self.cut is not None or size == 0:
            return b""
        if self.on_first_read is not None:
            on_first_read, self.on_first_read = self.on_first_read, None
            on_first_read()
        wanted = min(size, self.block_size)
        blocks = []
        count = 0
        while count < wanted and not self.ended and self.cut is None:
            # Wait for more only while the block is small: a slow client's
            # blocks stay small (little memory each), a fast one's are full.
            wait = count < SMALL_BLOCK
            if self.length is None:
                block = self._read_chunked(wanted - count, wait)
            else:
                block = self._read_counted(min(wanted - count, self.remaining), wait)
            if not block:
                break
            blocks.append(block)
            count += len(block)
            self.received += len(block)
            if self.length is not None and self.received >= self.length:
                self.ended = True
            if isinstance(block, memoryview):
                # A view of the read-ahead buffer goes out alone, uncopied.
                break
        data = b"".join(blocks) if len(blocks) != 1 else blocks[0]
        if data and self.guard is not None and not self.guard():
            self.received -= len(data)
            self.cut = REFUSED
            return b""
        return data

    def readline(self, size: int | None = -1) -> bytes:
        # Only a host that does not know the front reads lines of an upload
        # body; a block is as good as a line for it.
        return self.read(size)

    # -- reading --------------------------------------------------------------

    def _read_counted(self, wanted: int, wait: bool) -> bytes:
        if wanted <= 0:
            return b""
        if self.pending:
            block = bytes(self.pending[:wanted])
            del self.pending[:wanted]
            return block
        if self._ahead:
            view, self._ahead = self._ahead[:wanted], self._ahead[wanted:]
            return view if self.views else bytes(view)
        return self._receive(wanted, wait)

    def _receive(self, wanted: int, wait: bool) -> bytes:
        """Up to ``wanted`` bytes: wait for the first (if ``wait``), take the
        rest at hand. ``b""``: nothing at hand, or the body was cut."""
        wanted = min(wanted, len(self._buffer))
        view = memoryview(self._buffer)[:wanted]
        filled = self._receive_into(view, wait=wait)
        if filled <= 0:
            return b""
        while filled < wanted:
            more = self._receive_into(view[filled:], wait=False)
            if more <= 0:
                break
            filled += more
        if filled < len(self._buffer):
            self._full_receives = 0
        elif len(self._buffer) < self.block_size:
            self._full_receives += 1
            if self._full_receives >= GROW_AFTER:
                # The client sends faster than a small buffer holds.
                self._buffer = bytearray(self.block_size)
        return bytes(view[:filled])

    def _receive_into(self, view: memoryview, *, wait: bool) -> int:
        """Receive into ``view``: the count, 0 at the end, -1 if nothing is at hand."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                count = self.sock.recv_into(view)
            except (BlockingIOError, InterruptedError):
                if not wait:
                    return -1
                left = deadline - time.monotonic()
                if left > 0:
                    self._poller.poll(left * 1000)
                elif not self._poller.poll(0):
                    self.cut = TIMED_OUT
                    return 0
                continue
            except OSError:
                self.cut = DISCONNECTED
                return 0
            if count == 0:
                self.cut = DISCONNECTED
            return count

    def _read_chunked(self, wanted: int, wait: bool) -> bytes:
        if self._chunk_rest:
            block = self._chunk_rest[:wanted]
            self._chunk_rest = self._chunk_rest[wanted:]
            return block
        assert self.parser is not None
        while True:
            try:
                event = self.parser.next_event()
            except h11.RemoteProtocolError:
                self.cut = DISCONNECTED
                return b""
            if isinstance(event, h11.Data):
                data = bytes(event.data)
                # h11 has no "give back": keep the rest for the next read.
                data, self._chunk_rest = data[:wanted], data[wanted:]
                if data:
                    return data
            elif isinstance(event, h11.EndOfMessage):
                self.ended = True
                return b""
            elif event is h11.NEED_DATA:
                data = self._receive(self.block_size, wait)
                if not data:
                    return b""
                self.parser.receive_data(data)
            else:
                self.cut = DISCONNECTED
                return b""

    # -- reading ahead (see :mod:`.prefetch`) -----------------------------------

    def start_ahead(self) -> None:
        """A body thread is about to receive the body's start: reads wait for it."""
        self._ahead_done = threading.Event()

    def end_ahead(self, buffer: bytearray, count: int) -> None:
        """The body thread received ``count`` bytes into ``buffer`` (or none)."""
        self._ahead_buffer = buffer
        self._ahead = memoryview(buffer)[:count]
        assert self._ahead_done is not None
        self._ahead_done.set()

    @property
    def ahead_received(self) -> bool:
        """Whether reading ahead is over (or never started)."""
        return self._ahead_done is None or self._ahead_done.is_set()

    def wait_ahead(self) -> None:
        """Wait until reading ahead is over (a body thread, never the loop)."""
        if self._ahead_done is not None:
            self._ahead_done.wait()

    def release_ahead(self) -> bytearray | None:
        """The buffer read ahead into, once nothing more is read from it."""
        if self._ahead_done is None:
            return None
        self._ahead_done.wait()
        buffer, self._ahead_buffer = self._ahead_buffer, None
        self._ahead = memoryview(b"")
        return buffer

    def drain(self, limit: int) -> bool:
        """Read and drop the rest of the body, if it is at most ``limit`` bytes.

        :returns: whether the body was read to its end.
        """
        if self.remaining is None or self.remaining > limit:
            return False
        while not self.ended and self.cut is None:
            if not self.read(self.block_size):
                break
        return self.complete

    def leftover(self) -> bytes:
        """What was received past the body (the next request's start)."""
        if self.parser is not None:
            data, _closed = self.parser.trailing_data
            return bytes(data)
        return bytes(self.pending)
