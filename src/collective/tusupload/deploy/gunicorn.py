"""gunicorn as a choice (``SERVER=gunicorn``): bodies streamed to the application.

gunicorn hands a request body to the application as it arrives, so a cut
upload keeps what arrived; but each request holds one of its threads (and
in Zope a ZODB connection) until its body has arrived, so a few clients on
slow links take every page down (see ``docs/deployment.rst``). The front
server is the default for that reason; gunicorn stays selectable.

How it runs here:

- ``gthread`` workers, ``threads`` threads each; one worker unless
  ``workers`` says otherwise (an embedded ZODB FileStorage can only be
  opened by one process).
- The application is loaded in the worker process, after the fork, never
  in the master: Zope opens its databases and starts threads (the cleanup
  scheduler, :mod:`collective.tusupload.jobs`) when it is loaded, and
  neither survives a fork.
- Zope is served as ``runwsgi`` serves it (:mod:`.zope`): the worker writes
  the pid file (with the master's pid, the one to signal) and on exit
  closes the databases and removes the pid file. SIGTERM stops gracefully,
  Ctrl-C at once.
- Bodies pass :class:`~.streaming.StreamUploadBodies` (upload bodies
  stream, all others are buffered) and :class:`~.guard.RequestGuard`.

As a PasteDeploy server (``use = egg:collective.tusupload#gunicorn``) the
same configuration also starts from ``runwsgi``/``bin/instance fg`` or
``pserve``: the process replaces itself with ``tusupload-serve`` on the
same file before the application is loaded (see :func:`server_factory`).
"""

from __future__ import annotations

from collective.tusupload.deploy import zope
from collective.tusupload.deploy.config import DEFAULT_HOST
from collective.tusupload.deploy.config import DEFAULT_PORT
from collective.tusupload.deploy.config import IGNORED
from collective.tusupload.deploy.config import server_section
from collective.tusupload.deploy.config import WAITRESS_ONLY
from collective.tusupload.deploy.guard import RequestGuard
from collective.tusupload.deploy.startup import freeze_startup_objects
from collective.tusupload.deploy.streaming import StreamUploadBodies

import configparser
import os
import sys


#: gunicorn settings unless the configuration says otherwise.
GUNICORN_DEFAULTS = {
    "worker_class": "gthread",
    "workers": "1",
    "threads": "4",
    # The heartbeat of a gthread worker runs beside its requests, so this
    # bounds a hung worker and the application's start-up (Plone: 10-30 s).
    "timeout": "120",
    "keepalive": "5",
    # gunicorn 27 opens a control socket in ~/.gunicorn by default, one path
    # for every instance on the machine.
    "control_socket_disable": "true",
}

#: Options of the front server or waitress that gunicorn has no use for.
NOT_GUNICORNS = WAITRESS_ONLY | {
    "max_request_body_size",
    "connection_limit",
    "url_scheme",
    "header_timeout",
    "keepalive_timeout",
    "body_timeout",
    "recheck_after",
    "max_body",
    "drain_limit",
    "block_size",
    "read_ahead",
    "read_ahead_total",
}


def gunicorn_settings(
    config_path: str,
    name: str = "main",
    *,
    host: str | None = None,
    port: int | None = None,
) -> dict[str, object]:
    """Return the gunicorn settings of the ``[server:NAME]`` section.

    ``host`` and ``port`` (or waitress's ``listen``) become ``bind``; options
    that only waitress or the front server know are dropped; every other
    option is a gunicorn setting by its name (``worker_class``, ...).

    :raises ValueError: for an option gunicorn does not know.
    """
    from gunicorn.config import KNOWN_SETTINGS

    section = server_section(config_path, name)
    settings = dict(GUNICORN_DEFAULTS)
    bind_host = host or section.get("host") or DEFAULT_HOST
    bind_port = str(port) if port is not None else section.get("port")
    listen = section.get("listen")
    if host is None and port is None and "bind" in section:
        settings["bind"] = section["bind"]
    elif host is None and port is None and listen:
        # waitress's ``listen``: addresses separated by spaces; a bare port
        # means every interface (as plone.recipe.zope2instance's default).
        settings["bind"] = [
            address if ":" in address else f"0.0.0.0:{address}"
            for address in listen.split()
        ]
    else:
        if bind_port is None and listen:
            bind_port = listen.rsplit(":", 1)[-1]
        settings["bind"] = f"{bind_host}:{bind_port or DEFAULT_PORT}"
    known = {setting.name for setting in KNOWN_SETTINGS}
    for key, value in section.items():
        if key in ("host", "port", "listen", "bind") or key in NOT_GUNICORNS:
            continue
        if key in IGNORED:
            continue
        setting = key.replace("-", "_")
        if setting not in known:
            raise ValueError(f"[server:{name}] {key}: not a gunicorn setting")
        settings[setting] = value
    return settings


def serve_gunicorn(
    config_path: str, app_name: str, settings: dict[str, object]
) -> int:  # pragma: no cover - runs the server until it is stopped
    """Run gunicorn's master on ``config_path``; the worker loads the app."""
    from gunicorn.app.base import BaseApplication
    from paste.deploy import loadapp

    has_logging = configparser.ConfigParser()
    has_logging.read(config_path)

    class PasteApplication(BaseApplication):
        def load_config(self):
            for key, value in settings.items():
                self.cfg.set(key, value)
            self.cfg.set("default_proc_name", config_path)
            if has_logging.has_section("loggers"):
                self.cfg.set("logconfig", config_path)
            self.cfg.set(
                "post_worker_init", lambda worker: zope.write_pid_file(os.getppid())
            )
            self.cfg.set("worker_exit", lambda server, worker: zope.close_zope())

        def load(self):
            app = loadapp(f"config:{config_path}", name=app_name)
            freeze_startup_objects()
            return RequestGuard(StreamUploadBodies(app))

    PasteApplication().run()
    return 0


def server_factory(global_conf, **settings):  # pragma: no cover - execs
    """PasteDeploy server factory: serve the same file with ``tusupload-serve``.

    ``runwsgi`` (``bin/instance fg``) and ``pserve`` make the server before
    they load the application, and would then load it in their own process.
    gunicorn must load it in its worker instead, so this process replaces
    itself with ``python -m collective.tusupload.deploy.serve <config>``
    (same pid, same Python path) before the application is loaded.
    """
    config_path = global_conf["__file__"]
    print(
        f"Serving {config_path} with gunicorn"
        " (python -m collective.tusupload.deploy.serve)",
        file=sys.stderr,
        flush=True,
    )
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    os.execve(  # noqa: S606 - replaces this process, by design
        sys.executable,
        [sys.executable, "-m", "collective.tusupload.deploy.serve", config_path],
        environment,
    )
