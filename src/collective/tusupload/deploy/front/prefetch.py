"""An append's body received into memory while the application decides on it.

The application authorises every append before its body is stored (phase 1
of :mod:`.uploads`): a whole Zope publication, about 3 ms on a ``make run``
site, where an 8 MiB body takes about 6 ms to receive and store. Without
reading ahead the two add up. With it, a body thread receives the body's
start while the application decides, and the stored bytes follow the yes.

Why one system call: Zope's decision is Python code that holds the GIL, and
a thread that reads a socket in many small ``recv`` calls needs the GIL back
after each one; it then waits for Zope's thread to let go of it (up to
``sys.getswitchinterval()``, 5 ms) and overlaps nothing. So the body's
start is received with a single ``recv(MSG_WAITALL)`` on the socket in
blocking mode, bounded by ``SO_RCVTIMEO``: the kernel fills the buffer
without the GIL while Zope runs on the other core.

What is received stays in memory until the application said yes; it is
never stored before, and is dropped with the body on a refusal. Buffers
come from a :class:`BufferPool` with a fixed budget: an append that finds
none free is served as before, without reading ahead. A client that waits
for ``100 Continue`` sends nothing before it is asked, and a chunked body
has no length to bound the read, so neither is read ahead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import contextlib
import socket
import struct
import threading


if TYPE_CHECKING:
    from collective.tusupload.deploy.front.bodies import SocketBody


class BufferPool:
    """Reusable receive buffers of ``size`` bytes, at most ``budget`` bytes in all.

    Buffers stay allocated once made, so reading ahead costs no page faults
    after the first appends. Used from any thread.
    """

    def __init__(self, size: int, budget: int) -> None:
        self.size = size
        self.limit = budget // size if size > 0 else 0
        self._free: list[bytearray] = []
        #: Buffers made so far (at most ``budget // size``).
        self.made = 0
        self._lock = threading.Lock()

    def take(self) -> bytearray | None:
        """A free buffer, or None when the budget is spent."""
        with self._lock:
            if self._free:
                return self._free.pop()
            if self.made >= self.limit:
                return None
            self.made += 1
        return bytearray(self.size)

    def give_back(self, buffer: bytearray) -> None:
        with self._lock:
            self._free.append(buffer)


def wanted(body: SocketBody, size: int) -> int:
    """How many bytes of ``body`` to read ahead (0: none)."""
    if body.length is None or body.on_first_read is not None:
        return 0
    return max(0, min(size, body.length - len(body.pending)))


def receive_ahead(body: SocketBody, buffer: bytearray, count: int, wait: float) -> None:
    """Receive up to ``count`` bytes of ``body`` into ``buffer`` (a body thread).

    Returns after ``count`` bytes, the client's end, or ``wait`` seconds,
    whichever comes first; what arrived is the body's to give out first
    (:meth:`SocketBody.take_ahead`). Ends the body's read-ahead in any case.
    """
    sock = body.sock
    received = 0
    try:
        sock.setblocking(True)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(wait))
        received = sock.recv_into(memoryview(buffer)[:count], count, socket.MSG_WAITALL)
    except OSError:
        # Nothing at hand within ``wait`` (EAGAIN), or the client is gone:
        # the body's own reads from the socket take it from here.
        received = 0
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(0))
            sock.setblocking(False)
        body.end_ahead(buffer, received)


def _timeval(seconds: float) -> bytes:
    # SO_RCVTIMEO 0 means no timeout: a wait is at least a microsecond.
    seconds = max(seconds, 1e-6) if seconds else 0.0
    whole = int(seconds)
    return struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
