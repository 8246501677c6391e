"""Write a Zope instance configuration with an embedded ZODB.

Creates ``instance/etc/{zope.conf,zope.ini,site.zcml}``; data lives under
``var/`` (FileStorage in ``var/filestorage``, blobs in ``var/blobstorage``,
unfinished uploads in ``var/tusupload``). Safe to run again: only the
configuration is rewritten, never the data. Settings come from the
environment: HOST, PORT, THREADS, INSTANCE_DIR, VAR_DIR, SERVER: ``front``
(the default: upload bodies stored outside Zope's threads, see
``docs/deployment.rst``), ``gunicorn`` or ``waitress``; for the front
server HEADER_TIMEOUT, BODY_TIMEOUT and RECHECK_AFTER (seconds) and
READ_AHEAD (bytes of an upload chunk received while Zope decides; 0: none).

``make cluster`` (``scripts/cluster.sh``) writes one instance per Zope
process with ZODB_SERVER (a ZEO server's ``host:port``) or ZODB_DSN (a
PostgreSQL DSN for RelStorage): the instance is then a client of that
database, with a blob cache in its own var directory, and TUSUPLOAD_STORE
(``zodb``) goes into its environment.

It first checks that HOST:PORT is free, so that a busy port is reported in
one line at once, not as a traceback after the site's start-up.
"""

from pathlib import Path

import errno
import os
import socket
import sys


ROOT = Path(__file__).resolve().parent.parent

ZOPE_CONF = """\
%define INSTANCE {instance}
%define VAR {var}
instancehome $INSTANCE
clienthome $VAR
debug-mode off
security-policy-implementation C
verbose-security off
default-zpublisher-encoding utf-8

<environment>
  CHAMELEON_CACHE $VAR/cache
  TUSUPLOAD_TMP_DIR $VAR/tusupload
{store_environment}</environment>

<zodb_db main>
  cache-size 30000
{storage}  mount-point /
</zodb_db>

"""

#: The ``<zodb_db main>`` storage: a FileStorage of this instance alone, a
#: ZEO client, or RelStorage on PostgreSQL (both with a blob cache of their
#: own: instances share nothing but the database).
FILE_STORAGE = """\
  <filestorage>
    path $VAR/filestorage/Data.fs
    blob-dir $VAR/blobstorage
  </filestorage>
"""
ZEO_STORAGE = """\
  <clientstorage>
    server {zodb_server}
    storage 1
    name main
    blob-dir $VAR/blobcache
    shared-blob-dir false
    blob-cache-size 2GB
    # A new transaction sees everything other instances committed before
    # it began (an upload's chunks arrive at any instance).
    server-sync true
  </clientstorage>
"""
RELSTORAGE = """\
  <relstorage>
    keep-history false
    blob-dir $VAR/blobcache
    shared-blob-dir false
    blob-cache-size 2GB
    <postgresql>
      dsn {zodb_dsn}
    </postgresql>
  </relstorage>
"""

ZOPE_INI = """\
[app:zope]
use = egg:Zope#main
zope_conf = %(here)s/zope.conf

{server_main}
[pipeline:main]
pipeline =
    egg:collective.tusupload#guard
    egg:Zope#httpexceptions
    zope

[loggers]
keys = root, waitress, waitress.queue

[handlers]
keys = console, eventlog

[formatters]
keys = generic

[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s

[logger_root]
level = INFO
handlers = console, eventlog

[logger_waitress]
level = INFO
handlers =
qualname = waitress

[logger_waitress.queue]
level = WARNING
handlers =
qualname = waitress.queue

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = INFO
formatter = generic

[handler_eventlog]
class = FileHandler
args = (r'{var}/log/instance.log', 'a')
level = INFO
formatter = generic
"""

#: ``[server:main]`` of zope.ini for each SERVER.
SERVER_MAIN = {
    # Upload bodies are stored by threads of the server's own, after Zope
    # said yes; no Zope thread waits on a slow client, and a cut upload
    # keeps what arrived (collective.tusupload.deploy.front).
    "front": """\
[server:main]
use = egg:collective.tusupload#front
host = {host}
port = {port}
threads = {threads}
header_timeout = {header_timeout}
body_timeout = {body_timeout}
recheck_after = {recheck_after}
read_ahead = {read_ahead}
""",
    # gunicorn hands each request body to Zope as it arrives: a tus PATCH is
    # written block by block and a connection cut mid-body keeps what
    # arrived, but each body holds a Zope thread until it has arrived.
    "gunicorn": """\
[server:main]
use = egg:collective.tusupload#gunicorn
host = {host}
port = {port}
threads = {threads}
# One process: the embedded ZODB (FileStorage) is opened by one process only.
workers = 1
""",
    "waitress": """\
[server:main]
use = egg:waitress#main
listen = {host}:{port}
threads = {threads}
clear_untrusted_proxy_headers = false
max_request_body_size = 1099511627776
# Read request bodies from the socket 1 MiB at a time, not 8 KiB: the
# single I/O thread otherwise caps uploads at a third of the disk's speed.
recv_bytes = 1048576
""",
}

SITE_ZCML = """\
<configure
    xmlns="http://namespaces.zope.org/zope"
    xmlns:meta="http://namespaces.zope.org/meta"
    xmlns:five="http://namespaces.zope.org/five"
    >
  <include package="Products.Five" />
  <meta:redefinePermission from="zope2.Public" to="zope.Public" />
  <five:loadProducts file="meta.zcml" />
  <five:loadProducts />
  <five:loadProductsOverrides />
  <securityPolicy component="AccessControl.security.SecurityPolicy" />
</configure>
"""


def port_in_use(host: str, port: int) -> str | None:
    """Say why the server could not listen on ``host:port``, or ``None``.

    Binds every address ``host`` resolves to the way gunicorn and waitress
    do (with ``SO_REUSEADDR``, so connections still closing do not count).
    """
    try:
        addresses = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        return f"HOST={host} does not resolve ({error.strerror}); set HOST=127.0.0.1"
    for family, kind, protocol, _name, address in addresses:
        with socket.socket(family, kind, protocol) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return (
                        f"port {port} on {host} is in use; set another PORT"
                        f" (make run PORT={port + 1})"
                    )
                return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def _seconds(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8080")
    server = os.environ.get("SERVER", "front")
    if server not in SERVER_MAIN:
        sys.exit(f"SERVER={server} is not one of {', '.join(SERVER_MAIN)}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"PORT={port} is not a port number (1-65535)")
    problem = port_in_use(host, int(port))
    if problem:
        sys.exit(problem)
    instance = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance")).resolve()
    var = Path(os.environ.get("VAR_DIR", ROOT / "var")).resolve()
    values = {
        "instance": instance,
        "var": var,
        "host": host,
        "port": port,
        "threads": os.environ.get("THREADS", "4"),
        # The front server's timeouts (seconds), see docs/deployment.rst.
        "header_timeout": os.environ.get("HEADER_TIMEOUT", "30"),
        "body_timeout": os.environ.get("BODY_TIMEOUT", "60"),
        "recheck_after": os.environ.get("RECHECK_AFTER", "60"),
        "read_ahead": os.environ.get("READ_AHEAD", str(8 << 20)),
    }
    for name in ("header_timeout", "body_timeout", "recheck_after"):
        if not _seconds(values[name]):
            sys.exit(f"{name.upper()}={values[name]} is not a number of seconds (> 0)")
    if not values["read_ahead"].isdigit():
        sys.exit(f"READ_AHEAD={values['read_ahead']} is not a number of bytes")
    values["server_main"] = SERVER_MAIN[server].format(**values)
    values["zodb_server"] = os.environ.get("ZODB_SERVER", "")
    values["zodb_dsn"] = os.environ.get("ZODB_DSN", "")
    store = os.environ.get("TUSUPLOAD_STORE", "")
    values["store_environment"] = f"  TUSUPLOAD_STORE {store}\n" if store else ""
    if values["zodb_dsn"]:
        storage = RELSTORAGE
    elif values["zodb_server"]:
        storage = ZEO_STORAGE
    else:
        storage = FILE_STORAGE
    values["storage"] = storage.format(**values)
    for folder in ("filestorage", "blobstorage", "cache", "log", "tusupload"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    etc = instance / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    conf = ZOPE_CONF.format(**values)
    if storage is RELSTORAGE:
        conf = "%import relstorage\n" + conf
    elif storage is ZEO_STORAGE:
        conf = "%import ZEO\n" + conf
    (etc / "zope.conf").write_text(conf)
    (etc / "zope.ini").write_text(ZOPE_INI.format(**values))
    (etc / "site.zcml").write_text(SITE_ZCML)
    print(f"Zope instance configured in {instance} (data in {var})")


if __name__ == "__main__":
    main()
