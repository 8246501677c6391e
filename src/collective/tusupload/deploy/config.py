"""A PasteDeploy file's server section: which server, and its settings.

The same ``[server:main]`` may name any of the three servers by its
``use`` line: ``egg:collective.tusupload#front`` (the default, also when
``use`` is missing), ``egg:collective.tusupload#gunicorn`` or
``egg:waitress#main``. Options another server would understand are
accepted where they mean the same, and dropped where they mean nothing, so
that changing the ``use`` line is enough to change servers.
"""

from __future__ import annotations

from collective.tusupload.deploy.front.settings import FrontSettings
from collective.tusupload.deploy.front.settings import OPTION_NAMES

import configparser
import os


SERVERS = ("front", "gunicorn", "waitress")

#: Where a section says nothing.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8081"

#: Options of waitress that have no meaning for gunicorn or the front.
WAITRESS_ONLY = frozenset(
    {
        "recv_bytes",
        "send_bytes",
        "clear_untrusted_proxy_headers",
        "channel_timeout",
        "inbuf_overflow",
        "outbuf_overflow",
        "asyncore_use_poll",
        "ident",
        "trusted_proxy",
        "trusted_proxy_headers",
    }
)

#: Options that belong to no server. ``upload_lane`` named the upload lane,
#: which was removed; it is still accepted (and ignored) so that older
#: configurations start.
IGNORED = frozenset({"use", "upload_lane"})

#: waitress's names for settings the front server has under another name.
FRONT_ALIASES = {"max_request_body_size": "max_body"}


def server_section(config_path: str, name: str = "main") -> dict[str, str]:
    """The options of ``[server:NAME]`` (``%(here)s`` resolved); empty if none."""
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
    """The server ``[server:NAME]`` names: ``front``, ``gunicorn`` or ``waitress``."""
    use = server_section(config_path, name).get("use", "")
    if "waitress" in use:
        return "waitress"
    if use.rstrip().endswith("#gunicorn"):
        return "gunicorn"
    return "front"


def listen_address(
    section: dict[str, str], host: str | None = None, port: int | None = None
) -> tuple[str, str]:
    """``(host, port)`` from ``host``/``port`` or waitress's ``listen``.

    ``host`` and ``port`` given here win over the section's.
    """
    section_host = section.get("host")
    section_port = section.get("port")
    listen = (section.get("listen") or "").split()
    if listen:
        first = listen[0]
        if ":" in first:
            listen_host, listen_port = first.rsplit(":", 1)
            section_host = section_host or listen_host.strip("[]") or "0.0.0.0"  # noqa: S104
        else:
            # A bare port means every interface (plone.recipe.zope2instance).
            section_host, listen_port = section_host or "0.0.0.0", first  # noqa: S104
        section_port = section_port or listen_port
    return (
        host or section_host or DEFAULT_HOST,
        str(port) if port is not None else (section_port or DEFAULT_PORT),
    )


def waitress_settings(config_path: str, name: str = "main") -> dict[str, str]:
    """The waitress options of ``[server:NAME]``, with this project's defaults.

    waitress reads request bodies 8 KiB at a time by default, which caps an
    upload at a fraction of the disk's speed (see ``docs/deployment.rst``).
    """
    settings = {
        "host": DEFAULT_HOST,
        "port": DEFAULT_PORT,
        "threads": "4",
        "recv_bytes": "1048576",
    }
    settings.update(
        (key, value)
        for key, value in server_section(config_path, name).items()
        if key not in IGNORED
    )
    return settings


def front_settings(
    config_path: str,
    name: str = "main",
    *,
    host: str | None = None,
    port: int | None = None,
) -> FrontSettings:
    """The front server's settings of ``[server:NAME]``.

    :raises ValueError: for an option the front server does not know.
    """
    return front_settings_of(server_section(config_path, name), host=host, port=port)


def front_settings_of(
    section: dict[str, str], *, host: str | None = None, port: int | None = None
) -> FrontSettings:
    """:func:`front_settings` from a section's options (a server factory's)."""
    bind_host, bind_port = listen_address(section, host, port)
    options = {"host": bind_host, "port": bind_port}
    unknown = []
    for key, value in section.items():
        setting = FRONT_ALIASES.get(key, key.replace("-", "_"))
        if key in IGNORED or key in WAITRESS_ONLY or key in ("host", "port", "listen"):
            continue
        if setting not in OPTION_NAMES:
            unknown.append(key)
            continue
        options[setting] = value
    if unknown:
        raise ValueError(
            f"not a setting of the front server: {', '.join(sorted(unknown))}"
        )
    return FrontSettings.from_options(options)
