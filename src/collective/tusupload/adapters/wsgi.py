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
``CONTENT_LENGTH`` is its size); otherwise the body is the file's path.

The reply is the one tus asks for (see :func:`reply_to_client`): when the app
answers 2xx, the client gets 204 for a PATCH (201 for a creation) with
``Upload-Offset`` and the app's ``Location``/``Content-Location``, and the
app's body only when it sent ``Prefer: return=representation``. An app's
error goes back whole.

The hand-off contract: **at least once, with the upload id as the
idempotency key.** The upload stays locked while the app works, and only
once its reply is closed, and if it answered 2xx, is the upload recorded
finished: its data leaves ``tmp_file_dir`` (unless ``keep_finished``) and a
small record answers HEAD (offset = length) and a client's replay of its
last chunk (204) until it expires. If the app failed, nothing is
acknowledged: HEAD still reports the offset where the last chunk began, and
the client's retry of that chunk hands the upload on again. A filter can't
know whether its app's work was committed: if the process dies after the
app answered and before the record is written, the client may even have
its reply, and the upload is handed on again when the client resumes. An
app that must act once per upload keeps ``tus.upload_id`` with its result
and answers a second hand-off of the same id as it did the first.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.adapters.common import parse_bool
from collective.tusupload.adapters.common import parse_float
from collective.tusupload.adapters.common import parse_int
from collective.tusupload.adapters.completion import Completion
from collective.tusupload.adapters.completion import NoteCompletion
from collective.tusupload.core import accesslog
from collective.tusupload.core import handoff
from collective.tusupload.core.compose import file_backend
from collective.tusupload.core.filestore.store import DEFAULT_FSYNC
from collective.tusupload.core.finish import Finish
from collective.tusupload.core.handoff import ReceiveHooks
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.wire import prefers_representation
from collective.tusupload.faults import fault_point
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import io
import logging
import os
import threading
import time


logger = logging.getLogger("collective.tusupload")

#: Reply headers of the core that describe its own (empty) body, not the app's.
_BODY_HEADERS = {"content-length", "content-type"}
#: Headers of the app's reply that say where its result is; kept in a 204.
_WHERE_HEADERS = {"location", "content-location"}

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
        it (default: :data:`~..core.filestore.store.DEFAULT_FSYNC`, off).
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
        fsync: bool = DEFAULT_FSYNC,
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
        backend = file_backend(
            self.tmp_file_dir, fsync=parse_bool(fsync, DEFAULT_FSYNC)
        )
        self.store = backend.store
        self.locker = backend.locker
        options = {
            "max_size": self.max_size,
            "expiry": self.upload_valid_duration,
            # The upload is acknowledged only once the app has taken it.
            "hooks": NoteCompletion(defer=True),
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
        completion = Completion(host=request)
        tus_request = adapter.tus_request(context=completion)
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
        if completion.finish is None:
            accesslog.log_reply(tus_request, tus_response, client=client)
            return adapter.apply_response(tus_response)(environ, start_response)
        return self.hand_on(
            environ,
            start_response,
            tus_request,
            tus_response,
            completion.finish,
            log=lambda status: accesslog.log_reply(
                tus_request, replace(tus_response, status=status), client=client
            ),
        )

    def hand_on(
        self,
        environ: dict,
        start_response: Callable,
        tus_request: TusRequest,
        tus_response: TusResponse,
        finish: Finish,
        log: Callable[[int], None] | None = None,
    ) -> Iterable[bytes]:
        """Call the wrapped app for a finished upload; answer as tus says.

        The finish is committed once the app's reply was closed with a 2xx
        status, and aborted otherwise (see :func:`reply_to_client` for what
        the client gets). ``log`` is called with the status sent.
        """
        try:
            return self._call_app(
                environ, start_response, tus_request, tus_response, finish, log
            )
        except BaseException:
            finish.abort()
            raise

    def _call_app(
        self,
        environ: dict,
        start_response: Callable,
        tus_request: TusRequest,
        tus_response: TusResponse,
        finish: Finish,
        log: Callable[[int], None] | None,
    ) -> Iterable[bytes]:
        info = finish.info
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
        representation = prefers_representation(tus_request)
        app_status: list[str] = []
        sent_status: list[str] = []
        body_goes: list[bool] = []

        def start_merged(status: str, headers: list, exc_info=None):
            app_status[:] = [status]
            status, headers, with_body = reply_to_client(
                status, headers, tus_response, representation=representation
            )
            sent_status[:] = [status]
            body_goes[:] = [with_body]
            return start_response(status, headers, exc_info)

        def finished() -> None:
            body.close()
            if log is not None:
                code = sent_status[0].split(" ", 1)[0] if sent_status else "500"
                log(int(code) if code.isdigit() else 500)
            if app_status and app_status[0].startswith("2"):
                # A crash right here hands the upload on again after a
                # restart: at least once (see the module's docstring).
                fault_point("filter-after-app")
                finish.commit(keep_data=self.keep_finished)
            else:
                finish.abort()  # the client may retry the last chunk

        try:
            result = self.app(downstream, start_merged)
        except BaseException:
            body.close()
            raise
        return _ClosingIterable(
            result, finished, keep_body=lambda: not body_goes or body_goes[0]
        )

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

            cleanup(self.store, locker=self.locker, clock=self.handler.engine.clock)
        except Exception:
            logger.exception("cleanup of %s failed", self.tmp_file_dir)
        finally:
            self._cleanup_guard.release()


def reply_to_client(
    app_status: str,
    app_headers: list[tuple[str, str]],
    tus_response: TusResponse,
    *,
    representation: bool,
) -> tuple[str, list[tuple[str, str]], bool]:
    """What the client gets when the app took an upload: status, headers, body?

    tus 1.0: "The Server MUST acknowledge successful PATCH requests with the
    204 No Content status. It MUST include the Upload-Offset header", and a
    creation answers 201 with the upload's ``Location``. So when the app
    answers 2xx, the client gets the core's reply (204 or 201 with the tus
    headers) plus the app's ``Location`` and ``Content-Location`` where tus
    sets none (as Plone's final PATCH: ``Location`` = the content), and no
    body, unless it asked for one with ``Prefer: return=representation``
    (RFC 7240): then the app's reply, with the tus headers,
    ``Preference-Applied`` and 201 for a creation. An app that refused
    (not 2xx) is answered whole, with the tus headers.

    :returns: ``(status, headers, whether the app's body goes too)``.
    """
    tus_headers = [
        (name, str(value))
        for name, value in tus_response.headers.items()
        if name.lower() not in _BODY_HEADERS
    ]
    tus_names = {name.lower() for name, _ in tus_headers}
    kept = [
        (name, value) for name, value in app_headers if name.lower() not in tus_names
    ]
    if not app_status.startswith("2"):
        return app_status, kept + tus_headers, True
    if representation:
        status = _status_line(201) if tus_response.status == 201 else app_status
        applied = [("Preference-Applied", "return=representation")]
        return status, kept + tus_headers + applied, True
    where = [(name, value) for name, value in kept if name.lower() in _WHERE_HEADERS]
    if tus_response.status != 204:
        where.append(("Content-Length", "0"))
    return _status_line(tus_response.status), where + tus_headers, False


def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


class _ClosingIterable:
    """Wrap a WSGI result so that ``on_close`` runs after the server closed it.

    :param keep_body: asked at each block: pass the app's body on, or read
        and drop it (the reply is a bodiless 204 or 201).
    """

    def __init__(
        self,
        result: Iterable[bytes],
        on_close: Callable[[], None],
        *,
        keep_body: Callable[[], bool] = lambda: True,
    ) -> None:
        self._result = result
        self._on_close = on_close
        self._keep_body = keep_body

    def __iter__(self):
        for block in self._result:
            if self._keep_body():
                yield block

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
