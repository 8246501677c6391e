"""Serve a PasteDeploy configuration with gunicorn (the default) or waitress.

Usage: ``python -m collective.tusupload.adapters.serve CONFIG [--host H]
[--port P] [--server gunicorn|waitress]`` (also installed as
``tusupload-serve``).

The application comes from the ``[app:main]`` (or ``--app-name``) section
via :func:`paste.deploy.loadapp`; the options of ``[server:main]`` go to the
server, ``--host``/``--port`` win over the file. Which server: ``--server``,
else the section's ``use`` (``egg:waitress#main`` means waitress), else
gunicorn.

Why gunicorn: it hands the request body to the application as it arrives
(``wsgi.input`` reads the socket), so the tus core writes a PATCH block by
block and a connection that breaks mid-body keeps what arrived. waitress
reads every body to its end before the application runs: a broken PATCH
loses all of it. ``docs/deployment.rst`` has the measurements.

How gunicorn runs here:

- ``gthread`` workers, ``threads`` threads each; one worker unless
  ``workers`` says otherwise (an embedded ZODB FileStorage can only be
  opened by one process).
- The application is loaded in the worker process, after the fork, never
  in the master: Zope opens its databases and starts threads (the cleanup
  scheduler, :mod:`collective.tusupload.jobs`) when it is loaded, and
  neither survives a fork.
- Zope (when the configuration is one) is served as ``runwsgi`` serves it:
  the worker writes the pid file (with the master's pid, the one to signal)
  and on exit closes the databases (so ``Data.fs.index`` is saved) and
  removes the pid file. SIGTERM stops gracefully, Ctrl-C at once.
- Bodies pass :class:`~.streaming.StreamUploadBodies`: tus upload bodies
  stream, all others are buffered as waitress does.
- What the application made while loading is frozen out of Python's full
  garbage collections (:func:`freeze_startup_objects`).

As a PasteDeploy server (``use = egg:collective.tusupload#gunicorn``) the
same configuration also starts from ``runwsgi``/``bin/instance fg`` or
``pserve``: the process replaces itself with this command on the same file
before the application is loaded (see :func:`server_factory`).
"""

from __future__ import annotations

from collective.tusupload.adapters.streaming import StreamUploadBodies

import argparse
import configparser
import contextlib
import gc
import logging
import os
import sys


#: Waitress reads request bodies 8 KiB at a time by default, which caps an
#: upload at a fraction of the disk's speed (see docs/deployment.rst).
DEFAULT_SETTINGS = {
    "host": "127.0.0.1",
    "port": "8081",
    "threads": "4",
    "recv_bytes": "1048576",
}

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

#: Options of waitress that have no gunicorn meaning; dropped for gunicorn.
WAITRESS_ONLY = frozenset(
    {
        "recv_bytes",
        "send_bytes",
        "clear_untrusted_proxy_headers",
        "max_request_body_size",
        "channel_timeout",
        "inbuf_overflow",
        "outbuf_overflow",
        "connection_limit",
        "asyncore_use_poll",
        "ident",
        "url_scheme",
        "trusted_proxy",
        "trusted_proxy_headers",
    }
)

SERVERS = ("gunicorn", "waitress")

#: Options of the server section that are this module's, not the server's.
#: ``upload_lane`` belonged to the upload lane, which was removed; it is
#: still accepted (and ignored) so that older configurations start.
OWN_OPTIONS = frozenset({"upload_lane"})


def _server_section(config_path: str, name: str) -> dict[str, str]:
    parser = configparser.ConfigParser(
        defaults={"here": os.path.dirname(os.path.abspath(config_path))},
        interpolation=configparser.BasicInterpolation(),
    )
    parser.read(config_path)
    section = f"server:{name}"
    if not parser.has_section(section):
        return {}
    return {
        key: parser.get(section, key)
        for key in parser.options(section)
        if key != "here" and key not in parser.defaults()
    }


def server_choice(config_path: str, name: str = "main") -> str:
    """``"waitress"`` if ``[server:NAME]`` uses waitress, else ``"gunicorn"``."""
    use = _server_section(config_path, name).get("use", "")
    return "waitress" if "waitress" in use else "gunicorn"


def server_settings(config_path: str, name: str = "main") -> dict[str, str]:
    """Return the waitress options of the ``[server:NAME]`` section, with defaults."""
    settings = dict(DEFAULT_SETTINGS)
    settings.update(
        (key, value)
        for key, value in _server_section(config_path, name).items()
        if key != "use" and key not in OWN_OPTIONS
    )
    return settings


def freeze_startup_objects() -> None:
    """Keep what the application made while loading out of full collections.

    A loaded Plone holds millions of objects that live as long as the
    process; each of Python's full (generation 2) collections walked them
    all, 150-220 ms during which the process answered nothing (measured
    during uploads). Frozen (:func:`gc.freeze`), a full collection takes
    10-20 ms.
    """
    gc.collect()
    gc.freeze()


def gunicorn_settings(
    config_path: str,
    name: str = "main",
    *,
    host: str | None = None,
    port: int | None = None,
) -> dict[str, object]:
    """Return the gunicorn settings of the ``[server:NAME]`` section.

    ``host`` and ``port`` (or waitress's ``listen``) become ``bind``; options
    that only waitress knows are dropped; every other option is a gunicorn
    setting by its name (``worker_class``, ``graceful_timeout``, ...).

    :raises ValueError: for an option gunicorn does not know.
    """
    from gunicorn.config import KNOWN_SETTINGS

    section = _server_section(config_path, name)
    settings = dict(GUNICORN_DEFAULTS)
    bind_host = host or section.get("host") or DEFAULT_SETTINGS["host"]
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
        settings["bind"] = f"{bind_host}:{bind_port or DEFAULT_SETTINGS['port']}"
    known = {setting.name for setting in KNOWN_SETTINGS}
    for key, value in section.items():
        if key in ("use", "host", "port", "listen", "bind") or key in WAITRESS_ONLY:
            continue
        if key in OWN_OPTIONS:
            continue
        setting = key.replace("-", "_")
        if setting not in known:
            raise ValueError(f"[server:{name}] {key}: not a gunicorn setting")
        settings[setting] = value
    return settings


# -- Zope, served as runwsgi serves it -------------------------------------------


def _zope_configuration():
    """Zope's configuration if the worker's application is Zope, else None."""
    if "Zope2" not in sys.modules:
        return None
    import Zope2

    if getattr(Zope2, "DB", None) is None:
        return None
    from App.config import getConfiguration

    return getConfiguration()


def _write_pid_file(worker) -> None:
    configuration = _zope_configuration()
    pid_file = getattr(configuration, "pid_filename", None)
    if pid_file:
        try:
            with open(pid_file, "w") as out:
                out.write(str(os.getppid()))
        except OSError as error:
            worker.log.warning("cannot write the pid file %s: %s", pid_file, error)


def _close_zope(worker) -> None:
    configuration = _zope_configuration()
    if configuration is None:
        return
    import Zope2

    for database in list(getattr(Zope2, "opened", ())):
        database.close()
    pid_file = getattr(configuration, "pid_filename", None)
    if pid_file:
        with contextlib.suppress(OSError):
            os.unlink(pid_file)


def serve_gunicorn(
    config_path: str,
    app_name: str,
    settings: dict[str, str],
    server_name: str = "main",
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
            self.cfg.set("post_worker_init", _write_pid_file)
            self.cfg.set("worker_exit", lambda server, worker: _close_zope(worker))

        def load(self):
            app = loadapp(f"config:{config_path}", name=app_name)
            freeze_startup_objects()
            return StreamUploadBodies(app)

    PasteApplication().run()
    return 0


def server_factory(global_conf, **settings):  # pragma: no cover - execs
    """PasteDeploy server factory: serve the same file with :func:`main`.

    ``runwsgi`` (``bin/instance fg``) and ``pserve`` make the server before
    they load the application, and would then load it in their own process.
    gunicorn must load it in its worker instead, so this process replaces
    itself with ``python -m collective.tusupload.adapters.serve <config>``
    (same pid, same Python path) before the application is loaded.
    """
    config_path = global_conf["__file__"]
    print(
        f"Serving {config_path} with gunicorn"
        " (python -m collective.tusupload.adapters.serve)",
        file=sys.stderr,
        flush=True,
    )
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    os.execve(  # noqa: S606 - replaces this process, by design
        sys.executable,
        [sys.executable, "-m", "collective.tusupload.adapters.serve", config_path],
        environment,
    )


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(
        prog="python -m collective.tusupload.adapters.serve",
        description=__doc__.splitlines()[0],
    )
    arguments.add_argument("config", help="PasteDeploy ini file")
    arguments.add_argument("--app-name", default="main")
    arguments.add_argument("--server-name", default="main")
    arguments.add_argument("--server", choices=SERVERS)
    arguments.add_argument("--host")
    arguments.add_argument("--port", type=int)
    options = arguments.parse_args(argv)

    config_path = os.path.abspath(options.config)
    server = options.server or server_choice(config_path, options.server_name)
    if server == "gunicorn":
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s [%(name)s] %(message)s",
        )
        try:
            settings = gunicorn_settings(
                config_path, options.server_name, host=options.host, port=options.port
            )
        except ValueError as error:
            arguments.error(str(error))
        return serve_gunicorn(
            config_path, options.app_name, settings, options.server_name
        )

    from paste.deploy import loadapp

    import waitress

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
    )
    app = loadapp(f"config:{config_path}", name=options.app_name)
    freeze_startup_objects()
    settings = server_settings(config_path, options.server_name)
    if options.host:
        settings["host"] = options.host
    if options.port is not None:
        settings["port"] = str(options.port)
    waitress.serve(app, **settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
