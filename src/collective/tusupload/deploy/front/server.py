"""The front server: an event loop for connections, threads for the application.

Why it exists: a server that gives each request a thread until its body has
arrived (gunicorn's gthread, Zope's own) is taken down by a handful of
clients on slow links. Six uploads at 256 KiB/s held all four threads of a
``make run`` site and every page timed out; connections that send their
head a byte a second did the same. waitress reads bodies in its I/O thread
and stays up, but throws away a body cut short, and a crash loses all of a
body that was arriving. The front server has both properties:

- one event loop thread accepts connections and reads request heads and
  buffered bodies (:mod:`.connection`), with timeouts for each;
- the application runs in ``threads`` threads, only with complete requests,
  and its replies are sent by the loop;
- an upload's append is authorised by the application, then its body is
  stored by a thread of the server's own, straight from the socket into the
  upload, keeping what arrives (:mod:`.uploads`).

``docs/deployment.rst`` has the measurements and the settings
(:class:`~.settings.FrontSettings`).
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.deploy.front import application
from collective.tusupload.deploy.front.connection import Connection
from collective.tusupload.deploy.front.environ import Listener
from collective.tusupload.deploy.front.prefetch import BufferPool
from collective.tusupload.deploy.front.replies import Reply
from collective.tusupload.deploy.front.settings import FrontSettings
from concurrent.futures import ThreadPoolExecutor

import asyncio
import contextlib
import logging
import signal
import socket
import threading


logger = logging.getLogger("collective.tusupload.front")


class FrontServer:
    """Serve a WSGI application.

    :param app: the WSGI application.
    :param settings: where to listen, the timeouts and limits.
    :param sock: an already bound, listening socket (tests; else one is made).
    """

    def __init__(
        self,
        app: Callable,
        settings: FrontSettings | None = None,
        *,
        sock: socket.socket | None = None,
    ) -> None:
        self.app = app
        self.settings = settings if settings is not None else FrontSettings()
        self.settings.check()
        self.sock = sock
        self.stopping = False
        self.app_threads = ThreadPoolExecutor(
            self.settings.threads, thread_name_prefix="front-app"
        )
        self.body_threads = ThreadPoolExecutor(
            self.settings.connection_limit, thread_name_prefix="front-body"
        )
        self.read_ahead_buffers = BufferPool(
            self.settings.read_ahead, self.settings.read_ahead_total
        )
        self.connections: set[Connection] = set()
        self.listener: Listener | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._graceful = True
        self.ready = threading.Event()

    # -- running --------------------------------------------------------------

    def run(self, *, handle_signals: bool = True) -> None:
        """Serve until :meth:`stop` (or SIGTERM: graceful; SIGINT: at once)."""
        asyncio.run(self._serve(handle_signals=handle_signals))

    def stop(self, *, graceful: bool = True) -> None:
        """Stop serving; from any thread. Graceful: finish requests in flight."""
        if self.loop is None or self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closed meanwhile: stopped
            self.loop.call_soon_threadsafe(self._begin_stop, graceful)

    @property
    def address(self) -> tuple[str, int]:
        """The address actually listened on (after start-up)."""
        assert self.sock is not None
        return self.sock.getsockname()[:2]

    async def _serve(self, *, handle_signals: bool) -> None:
        self.loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        if self.sock is None:
            self.sock = socket.create_server(
                (self.settings.host, self.settings.port),
                family=_family(self.settings.host),
                backlog=2048,
                reuse_port=False,
            )
        self.sock.setblocking(False)
        host, port = self.address
        self.listener = Listener(
            server_name=self.settings.host or host,
            server_port=str(port),
            url_scheme=self.settings.url_scheme,
        )
        if handle_signals:
            self.loop.add_signal_handler(signal.SIGTERM, self._begin_stop, True)
            self.loop.add_signal_handler(signal.SIGINT, self._begin_stop, False)
        slots = asyncio.Semaphore(self.settings.connection_limit)
        tasks: set[asyncio.Task] = set()
        accepting = asyncio.ensure_future(self._accept(slots, tasks))
        self.ready.set()
        logger.info(
            "serving on http://%s:%s (%d application threads)",
            host,
            port,
            self.settings.threads,
        )
        await self._stopped.wait()
        accepting.cancel()
        with contextlib.suppress(OSError):
            self.sock.close()
        await self._drain(tasks)
        self.app_threads.shutdown(wait=True)
        self.body_threads.shutdown(wait=True)

    async def _accept(self, slots: asyncio.Semaphore, tasks: set) -> None:
        assert self.loop is not None and self.sock is not None
        while not self.stopping:
            await slots.acquire()
            try:
                client_sock, client = await self.loop.sock_accept(self.sock)
            except OSError as error:
                slots.release()
                if self.stopping:
                    return
                logger.warning("accepting a connection failed: %s", error)
                await asyncio.sleep(0.1)
                continue
            except asyncio.CancelledError:
                slots.release()
                raise
            client_sock.setblocking(False)
            with contextlib.suppress(OSError):
                client_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(self, client_sock, client)
            task = asyncio.ensure_future(self._run_connection(connection, slots))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def _run_connection(
        self, connection: Connection, slots: asyncio.Semaphore
    ) -> None:
        self.connections.add(connection)
        try:
            await connection.serve()
        except Exception:
            logger.exception("serving a connection failed")
        finally:
            self.connections.discard(connection)
            slots.release()

    def _begin_stop(self, graceful: bool) -> None:
        if self._stopped is None:
            return
        if self.stopping and graceful:
            return
        self.stopping = True
        self._graceful = self._graceful and graceful
        logger.info("stopping%s", "" if graceful else " at once")
        self._stopped.set()
        # Idle connections (between requests) stop at once.
        for connection in list(self.connections):
            if not connection.busy or not graceful:
                connection.close_now()

    async def _drain(self, tasks: set) -> None:
        if not tasks:
            return
        timeout = self.settings.graceful_timeout if self._graceful else 0.5
        _done, left = await asyncio.wait(set(tasks), timeout=timeout)
        if left:
            for connection in list(self.connections):
                connection.close_now()
            await asyncio.wait(left, timeout=5)

    # -- the application's threads and the body threads -----------------------

    async def call_app(self, environ: dict) -> Reply:
        """Run the application on ``environ`` in one of its threads."""
        assert self.loop is not None
        return await self.loop.run_in_executor(
            self.app_threads, application.call, self.app, environ
        )

    def call_app_from_thread(self, environ: dict) -> Reply:
        """:meth:`call_app` for a body thread: waits for the application's turn."""
        return self.app_threads.submit(application.call, self.app, environ).result()

    async def in_body_thread(self, function: Callable, *args):
        """Run ``function(*args)`` in a body thread (no application thread)."""
        assert self.loop is not None
        return await self.loop.run_in_executor(self.body_threads, function, *args)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
