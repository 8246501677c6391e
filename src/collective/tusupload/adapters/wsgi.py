"""A WSGI filter that serves tus uploads under one path, and its PasteDeploy factories.

Requests under ``upload_path`` are answered by the tus core; all others go to
the wrapped application unchanged. The request that completes an upload is
handed on to the wrapped application, as the original ``tus`` package did:

``environ["tus.filepath"]``
    path of the finished file (also the request body unless ``send_file``)
``environ["tus.upload_id"]``, ``["tus.metadata"]``, ``["tus.upload_length"]``
    the upload's id, its ``Upload-Metadata`` as ``{key: text or None}`` and size
``environ["tus.info"]``
    the :class:`~collective.tusupload.core.store.UploadInfo`
``environ["tus.send_file"]``
    whether the request body is the file (else it is the path)

With ``send_file`` the request body *is* the file (``wsgi.input`` reads it and
``CONTENT_LENGTH`` is its size); otherwise the body is the file's path. The
reply carries the wrapped application's status and body plus the tus headers
(``Upload-Offset``, ``Tus-Resumable``, ``Location`` ...), so tus clients see
their upload succeed.

The app gets each finished upload exactly once. The upload stays locked
while the app works, and only once its reply is closed, and if it answered
2xx, is the upload recorded finished: its data leaves ``tmp_file_dir``
(unless ``keep_finished``) and a small record answers HEAD (offset = length)
and a client's replay of its last chunk (204) until it expires. If the app
failed, nothing is acknowledged: HEAD still reports the offset where the
last chunk began, and the client's retry of that chunk hands the upload on
again.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.adapters.common import parse_bool
from collective.tusupload.adapters.common import parse_float
from collective.tusupload.adapters.common import parse_int
from collective.tusupload.adapters.finish import FinishState
from collective.tusupload.adapters.finish import RecordFinish
from collective.tusupload.core import accesslog
from collective.tusupload.core import handoff
from collective.tusupload.core.compose import file_backend
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.handoff import ReceiveHooks
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.request import TusResponse
from dataclasses import replace
from typing import Any

import io
import logging
import os
import threading
import time


logger = logging.getLogger("collective.tusupload")

#: Reply headers of the core that describe its own (empty) body, not the app's.
_BODY_HEADERS = {"content-length", "content-type"}

_NOT_OURS = object()


class Filter:
    """WSGI middleware serving the tus protocol at ``upload_path``.

    :param app: the wrapped WSGI application.
    :param global_conf: ignored; accepted positionally so that the original
        ``Filter(app, {}, **options)`` call keeps working.
    :param tmp_file_dir: directory for uploads in progress (created if missing).
    :param upload_path: URL path of the tus collection, e.g. ``/files``.
    :param upload_valid_duration: seconds an unfinished upload stays valid.
    :param send_file: hand the finished file itself to ``app`` as the request
        body instead of its path.
    :param max_size: largest upload accepted, in bytes (``None``: no limit).
    :param keep_finished: keep finished uploads in ``tmp_file_dir`` after
        ``app`` has seen them (they then go with the expiry cleanup).
    :param cleanup_interval: seconds between sweeps of expired uploads, run
        from a creation request (``0`` disables).
    :param fsync: flush every chunk to stable storage before acknowledging
        it. Off by default: a killed server process loses nothing either
        way, and after a power loss the store reports only the bytes that
        reached the disk, so clients resume from there.
    :param handler_options: further keyword arguments for
        :class:`~collective.tusupload.core.protocol.Handler`.
    """

    def __init__(
        self,
        app: Callable,
        global_conf: dict | None = None,
        *,
        tmp_file_dir: str,
        upload_path: str = "/files",
        upload_valid_duration: float = 86400,
        send_file: bool = False,
        max_size: int | None = None,
        keep_finished: bool = False,
        cleanup_interval: float = 3600,
        fsync: bool = False,
        handler_options: dict[str, Any] | None = None,
    ) -> None:
        if not tmp_file_dir:
            raise ValueError("tmp_file_dir is required")
        self.app = app
        self.global_conf = global_conf or {}
        self.tmp_file_dir = os.fspath(tmp_file_dir)
        self.upload_path = "/" + str(upload_path).strip("/")
        self.upload_valid_duration = parse_float(upload_valid_duration, 86400.0)
        self.send_file = parse_bool(send_file)
        self.max_size = parse_int(max_size)
        self.keep_finished = parse_bool(keep_finished)
        self.cleanup_interval = parse_float(cleanup_interval, 0.0)
        backend = file_backend(self.tmp_file_dir, fsync=parse_bool(fsync))
        self.store = backend.store
        self.locker = backend.locker
        options = {
            "max_size": self.max_size,
            "expiry": self.upload_valid_duration,
            # The upload is acknowledged only once the app has taken it.
            "hooks": RecordFinish(defer=True),
            "locker": self.locker,
            "allow_anonymous": True,
        }
        options.update(handler_options or {})
        self.handler = Handler(self.store, **options)
        # Appends whose body the front server receives (see core.handoff).
        self.receiver = Handler(self.store, **{**options, "hooks": ReceiveHooks()})
        self._last_cleanup = time.monotonic()
        self._cleanup_guard = threading.Lock()

    # -- routing -------------------------------------------------------

    def upload_id_for(self, path_info: str):
        """Return the upload id addressed by ``path_info``.

        :returns: ``None`` for the collection URL, the id (unchecked: the
            core validates it) for ``<upload_path>/<id>``, or a private
            marker when the path is not under ``upload_path``.
        """
        prefix = self.upload_path.rstrip("/")
        if prefix == "":
            rest = path_info
        elif path_info == prefix or path_info.startswith(prefix + "/"):
            rest = path_info[len(prefix) :]
        else:
            return _NOT_OURS
        rest = rest.strip("/")
        return rest or None

    def base_url(self, request) -> str:
        """The collection URL as the client sees it (``Location`` is built on it)."""
        return (request.host_url + request.script_name + self.upload_path).rstrip("/")

    # -- WSGI ----------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        from collective.tusupload.adapters.webob import WebobAdapter
        from webob import Request

        upload_id = self.upload_id_for(environ.get("PATH_INFO", ""))
        if upload_id is _NOT_OURS:
            return self.app(environ, start_response)
        request = Request(environ)
        adapter = WebobAdapter(
            request, base_url=self.base_url(request), upload_id=upload_id
        )
        state = FinishState(host=request)
        tus_request = adapter.tus_request(context=state)
        tus_response = handoff.handle(
            self.handler,
            tus_request,
            environ.get(handoff.ENVIRON_KEY),
            receiver=lambda: self.receiver,
        )
        if tus_response is None:  # the front server receives the body
            start_response("204 No Content", [])
            return []
        if tus_request.verb == "POST":
            self._maybe_cleanup()
        client = environ.get("REMOTE_ADDR")
        if state.finishing is None:
            accesslog.log_reply(tus_request, tus_response, client=client)
            return adapter.apply_response(tus_response)(environ, start_response)
        return self.hand_on(
            environ,
            start_response,
            tus_response,
            state.finishing,
            log=lambda status: accesslog.log_reply(
                tus_request, replace(tus_response, status=status), client=client
            ),
        )

    def hand_on(
        self,
        environ: dict,
        start_response: Callable,
        tus_response: TusResponse,
        finishing: Finishing,
        log: Callable[[int], None] | None = None,
    ) -> Iterable[bytes]:
        """Call the wrapped app for a finished upload; add tus headers to its reply.

        The finish is committed once the app's reply was closed with a 2xx
        status, and aborted otherwise. ``log`` is called with the status
        sent.
        """
        try:
            return self._call_app(environ, start_response, tus_response, finishing, log)
        except BaseException:
            finishing.abort()
            raise

    def _call_app(
        self,
        environ: dict,
        start_response: Callable,
        tus_response: TusResponse,
        finishing: Finishing,
        log: Callable[[int], None] | None,
    ) -> Iterable[bytes]:
        info = finishing.info
        path = self.store.local_path(info.id)
        downstream = dict(environ)
        downstream.update(
            {
                "tus.filepath": path,
                "tus.upload_id": info.id,
                "tus.metadata": dict(info.metadata),
                "tus.upload_length": info.length,
                "tus.info": info,
                "tus.send_file": self.send_file,
            }
        )
        if self.send_file:
            body = open(path, "rb")  # noqa: SIM115 - closed with the reply
            downstream["CONTENT_LENGTH"] = str(os.fstat(body.fileno()).st_size)
            downstream["CONTENT_TYPE"] = _content_type(info.metadata)
        else:
            body = io.BytesIO(path.encode("utf-8"))
            downstream["CONTENT_LENGTH"] = str(len(body.getvalue()))
            downstream["CONTENT_TYPE"] = "text/plain; charset=utf-8"
        downstream["wsgi.input"] = body
        tus_headers = [
            (name, str(value))
            for name, value in tus_response.headers.items()
            if name.lower() not in _BODY_HEADERS
        ]
        tus_names = {name.lower() for name, _ in tus_headers}

        app_status: list[str] = []

        def start_merged(status: str, headers: list, exc_info=None):
            app_status[:] = [status]
            if tus_response.status == 201 and status.startswith("2"):
                status = "201 Created"
            merged = [
                (name, value)
                for name, value in headers
                if name.lower() not in tus_names
            ]
            return start_response(status, merged + tus_headers, exc_info)

        def finished() -> None:
            body.close()
            if log is not None:
                code = app_status[0].split(" ", 1)[0] if app_status else "500"
                log(int(code) if code.isdigit() else 500)
            if app_status and app_status[0].startswith("2"):
                finishing.commit(keep_data=self.keep_finished)
            else:
                finishing.abort()  # the client may retry the last chunk

        try:
            result = self.app(downstream, start_merged)
        except BaseException:
            body.close()
            raise
        return _ClosingIterable(result, finished)

    # -- housekeeping --------------------------------------------------

    def _maybe_cleanup(self) -> None:
        """Sweep expired uploads at most once per ``cleanup_interval``."""
        if not self.cleanup_interval:
            return
        now = time.monotonic()
        if now - self._last_cleanup < self.cleanup_interval:
            return
        if not self._cleanup_guard.acquire(blocking=False):
            return
        try:
            self._last_cleanup = now
            from collective.tusupload.core.cleanup import cleanup

            cleanup(self.store, locker=self.locker, clock=self.handler.clock)
        except Exception:
            logger.exception("cleanup of %s failed", self.tmp_file_dir)
        finally:
            self._cleanup_guard.release()


class _ClosingIterable:
    """Wrap a WSGI result so that ``on_close`` runs after the server closed it."""

    def __init__(self, result: Iterable[bytes], on_close: Callable[[], None]) -> None:
        self._result = result
        self._on_close = on_close

    def __iter__(self):
        return iter(self._result)

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close()


def _content_type(metadata: dict[str, str | None]) -> str:
    for key in ("content-type", "filetype", "contentType", "type"):
        value = metadata.get(key)
        if value and "/" in value:
            return value
    return "application/octet-stream"


_OPTIONS = {
    "tmp_file_dir",
    "upload_path",
    "upload_valid_duration",
    "send_file",
    "max_size",
    "keep_finished",
    "cleanup_interval",
    "fsync",
}


def _filter_options(local_conf: dict[str, Any]) -> dict[str, Any]:
    unknown = set(local_conf) - _OPTIONS
    if unknown:
        raise TypeError(f"unknown tus filter option(s): {', '.join(sorted(unknown))}")
    return dict(local_conf)


def filter_app_factory(app: Callable, global_conf: dict, **local_conf: Any) -> Filter:
    """PasteDeploy ``paste.filter_app_factory``: wrap ``app`` in a :class:`Filter`.

    Options arrive as text from the ini file and are converted.
    """
    return Filter(app, global_conf, **_filter_options(local_conf))


def filter_factory(
    global_conf: dict, **local_conf: Any
) -> Callable[[Callable], Filter]:
    """PasteDeploy ``paste.filter_factory``: return a function that wraps an app."""
    options = _filter_options(local_conf)

    def make_filter(app: Callable) -> Filter:
        return Filter(app, global_conf, **options)

    return make_filter
