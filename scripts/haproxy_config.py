"""Write the HAProxy configuration of ``make cluster`` (scripts/cluster.sh).

Round robin over instances A (PORT+1) and B (PORT+2) on HOST:PORT, with
the settings that matter for uploads (see docs/deployment.rst):

- no request buffering: HAProxy streams bodies to the instance as they
  arrive (``option http-buffer-request`` is *not* set), so a chunk is
  written while it arrives and a cut connection keeps what arrived;
- a body size limit: ``Content-Length`` over MAX_BODY (default 1 TiB) is
  refused with 413 before it is sent on (Plone's own limits still apply);
- timeouts: headers must arrive within HEADER_TIMEOUT (30 s); a client or
  an instance that sends nothing for BODY_TIMEOUT (120 s) is cut; a long
  final PATCH may take SERVER_TIMEOUT (600 s) to answer, since finishing
  copies the upload into the content's blob.

Instances are checked every 2 s; one that fails twice gets no requests
until it answers again, and a request whose connection an instance refused
goes to the other (``option redispatch``).
"""

from pathlib import Path

import os
import sys


CONFIG = """\
global
    maxconn 2000

defaults
    mode http
    log stdout format raw local0 info
    option httplog
    option redispatch
    retries 2
    timeout connect 5s
    timeout http-request {header_timeout}s
    timeout client {body_timeout}s
    timeout server {server_timeout}s
    timeout http-keep-alive 10s

frontend plone
    bind {host}:{port}
    # Bodies are streamed to the instance, never buffered here.
    http-request deny deny_status 413 if {{ req.hdr_val(content-length) gt {max_body} }}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /
    http-check expect rstatus ^[23]
    default-server inter 2s fall 2 rise 1
    server a {host}:{port_a} check
    server b {host}:{port_b} check
"""


def main(path: str) -> None:
    port = int(os.environ.get("PORT", "8080"))
    values = {
        "host": os.environ.get("HOST", "127.0.0.1"),
        "port": port,
        "port_a": port + 1,
        "port_b": port + 2,
        "header_timeout": os.environ.get("HEADER_TIMEOUT", "30"),
        "body_timeout": os.environ.get("BODY_TIMEOUT", "120"),
        "server_timeout": os.environ.get("SERVER_TIMEOUT", "600"),
        "max_body": os.environ.get("MAX_BODY", str(1 << 40)),
    }
    Path(path).write_text(CONFIG.format(**values))


if __name__ == "__main__":
    main(sys.argv[1])
