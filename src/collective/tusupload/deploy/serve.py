"""Serve a PasteDeploy configuration: the front server (default), gunicorn or waitress.

Usage: ``python -m collective.tusupload.deploy.serve CONFIG [--host H]
[--port P] [--server front|gunicorn|waitress]`` (also installed as
``tusupload-serve``).

The application comes from the ``[app:main]`` (or ``--app-name``) section
via :func:`paste.deploy.loadapp`; the options of ``[server:main]`` go to the
server, ``--host``/``--port`` win over the file. Which server: ``--server``,
else the section's ``use`` (:func:`~.config.server_choice`).

The front server (:mod:`.front.server`) is the default because it is the
one that keeps a site answering while clients upload slowly and keeps what
a cut upload sent; ``docs/deployment.rst`` compares the three with
measurements. Zope is served as ``runwsgi`` serves it: the pid file is
written, and on exit the databases are closed (so ``Data.fs.index`` is
saved) and the pid file removed. SIGTERM stops gracefully, Ctrl-C at once.

As a PasteDeploy server (``use = egg:collective.tusupload#front``) the front
server also runs under ``runwsgi``/``bin/instance fg`` and ``pserve``
(:func:`front_server_factory`).
"""

from __future__ import annotations

from collective.tusupload.deploy import config
from collective.tusupload.deploy import zope
from collective.tusupload.deploy.front.server import FrontServer
from collective.tusupload.deploy.front.settings import FrontSettings
from collective.tusupload.deploy.guard import RequestGuard
from collective.tusupload.deploy.startup import freeze_startup_objects

import argparse
import logging
import os
import sys


LOG_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


def run_front(app, settings: FrontSettings) -> None:  # pragma: no cover - serves
    """Serve ``app`` with the front server until it is stopped."""
    freeze_startup_objects()
    FrontServer(app, settings).run()


def front_server_factory(global_conf, **options):
    """PasteDeploy ``paste.server_factory`` of the front server.

    :raises ValueError: for an option the front server does not know.
    """
    settings = config.front_settings_of(options)

    def serve(app) -> None:  # pragma: no cover - serves
        run_front(app, settings)

    return serve


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(
        prog="python -m collective.tusupload.deploy.serve",
        description=__doc__.splitlines()[0],
    )
    arguments.add_argument("config", help="PasteDeploy ini file")
    arguments.add_argument("--app-name", default="main")
    arguments.add_argument("--server-name", default="main")
    arguments.add_argument("--server", choices=config.SERVERS)
    arguments.add_argument("--host")
    arguments.add_argument("--port", type=int)
    options = arguments.parse_args(argv)

    config_path = os.path.abspath(options.config)
    server = options.server or config.server_choice(config_path, options.server_name)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        if server == "gunicorn":
            from collective.tusupload.deploy.gunicorn import gunicorn_settings
            from collective.tusupload.deploy.gunicorn import serve_gunicorn

            settings = gunicorn_settings(
                config_path, options.server_name, host=options.host, port=options.port
            )
            return serve_gunicorn(config_path, options.app_name, settings)
        if server == "front":
            front = config.front_settings(
                config_path, options.server_name, host=options.host, port=options.port
            )
    except ValueError as error:
        arguments.error(str(error))

    from paste.deploy import loadapp

    app = loadapp(f"config:{config_path}", name=options.app_name)
    if server == "front":
        zope.write_pid_file(os.getpid())
        try:
            run_front(app, front)
        finally:
            zope.close_zope()
        return 0

    import waitress

    freeze_startup_objects()
    settings = config.waitress_settings(config_path, options.server_name)
    if options.host:
        settings["host"] = options.host
    if options.port is not None:
        settings["port"] = str(options.port)
    waitress.serve(RequestGuard(app), **settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
