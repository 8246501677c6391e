"""Serve a PasteDeploy configuration with waitress.

Usage: ``python -m collective.tusupload.adapters.serve CONFIG [--host H] [--port P]``

A light stand-in for ``pserve``: the application comes from the ``[app:main]``
(or ``--app-name``) section via :func:`paste.deploy.loadapp`; ``host``,
``port`` and ``threads`` come from ``[server:main]`` unless given on the
command line.
"""

from __future__ import annotations

import argparse
import configparser
import logging
import os
import sys


def server_settings(config_path: str, name: str = "main") -> dict[str, str]:
    """Return ``host``/``port``/``threads`` of the ``[server:NAME]`` section."""
    parser = configparser.ConfigParser(
        defaults={"here": os.path.dirname(os.path.abspath(config_path))}
    )
    parser.read(config_path)
    section = f"server:{name}"
    if not parser.has_section(section):
        return {}
    return {
        key: parser.get(section, key)
        for key in ("host", "port", "threads")
        if parser.has_option(section, key)
    }


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(
        prog="python -m collective.tusupload.adapters.serve",
        description=__doc__.splitlines()[0],
    )
    arguments.add_argument("config", help="PasteDeploy ini file")
    arguments.add_argument("--app-name", default="main")
    arguments.add_argument("--host")
    arguments.add_argument("--port", type=int)
    options = arguments.parse_args(argv)

    from paste.deploy import loadapp

    import waitress

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
    )
    config_path = os.path.abspath(options.config)
    app = loadapp(f"config:{config_path}", name=options.app_name)
    settings = server_settings(config_path)
    host = options.host or settings.get("host", "127.0.0.1")
    port = (
        options.port if options.port is not None else int(settings.get("port", "8081"))
    )
    threads = int(settings.get("threads", "4"))
    waitress.serve(app, host=host, port=port, threads=threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
