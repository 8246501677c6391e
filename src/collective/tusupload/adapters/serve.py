"""Serve a PasteDeploy configuration with waitress.

Usage: ``python -m collective.tusupload.adapters.serve CONFIG [--host H] [--port P]``

A light stand-in for ``pserve``: the application comes from the ``[app:main]``
(or ``--app-name``) section via :func:`paste.deploy.loadapp`; every other
option of ``[server:main]`` (``host``, ``port``, ``threads``, ``recv_bytes``,
...) goes to :func:`waitress.serve`, ``--host``/``--port`` win over the file.
"""

from __future__ import annotations

import argparse
import configparser
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


def server_settings(config_path: str, name: str = "main") -> dict[str, str]:
    """Return the waitress options of the ``[server:NAME]`` section, with defaults."""
    parser = configparser.ConfigParser(
        defaults={"here": os.path.dirname(os.path.abspath(config_path))}
    )
    parser.read(config_path)
    settings = dict(DEFAULT_SETTINGS)
    section = f"server:{name}"
    if parser.has_section(section):
        settings.update(
            (key, parser.get(section, key))
            for key in parser.options(section)
            if key not in ("use", "here") and key not in parser.defaults()
        )
    return settings


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
    if options.host:
        settings["host"] = options.host
    if options.port is not None:
        settings["port"] = str(options.port)
    waitress.serve(app, **settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
