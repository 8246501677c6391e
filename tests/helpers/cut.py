"""Helpers of the streaming-server tests: sources, a cut PATCH, a cutting proxy,
nginx in front.

A "cut" sends the headers of one PATCH for the whole rest of the file, then
part of its body, then closes the connection (FIN, or RST with ``reset``),
as a client does whose network breaks.
"""

from __future__ import annotations

from helpers.digests import sha256
from helpers.network import free_port
from helpers.network import wait_for_port
from pathlib import Path

import base64
import contextlib
import os
import requests
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.parse


MIB = 1 << 20
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def make_source(path: Path, size: int) -> Path:
    """A file of ``size`` bytes: one random MiB repeated, each copy numbered.

    Every MiB starts with its own index, so a resume from a wrong offset
    shows in the hash; writing it costs about what the page cache does.
    """
    block = bytearray(os.urandom(MIB))
    with open(path, "wb") as out:
        for index in range(size // MIB):
            block[:8] = struct.pack(">Q", index)
            out.write(block)
        out.write(os.urandom(size % MIB))
    return path


def sha256_of_url(url: str, auth=None) -> str:
    with requests.get(url, auth=auth, stream=True, timeout=120) as response:
        response.raise_for_status()
        return sha256(response.iter_content(4 * MIB))


def metadata_header(**values: str) -> str:
    return ",".join(
        f"{key.replace('_', '-')} {base64.b64encode(value.encode()).decode()}"
        for key, value in values.items()
    )


def create(endpoint: str, length: int, *, auth=None, **metadata: str) -> str:
    """POST a new upload; return its URL."""
    response = requests.post(
        endpoint,
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata_header(**metadata),
        },
        auth=auth,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return urllib.parse.urljoin(endpoint, response.headers["Location"])


def basic_auth(auth) -> dict[str, str]:
    if auth is None:
        return {}
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def cut_patch(
    url: str,
    source: Path,
    *,
    offset: int,
    send: int,
    auth=None,
    reset: bool = False,
    protocol: dict[str, str] | None = None,
) -> None:
    """Start one PATCH for the rest of ``source`` from ``offset``; send ``send``
    bytes of its body, then break the connection.

    :param protocol: the protocol's headers (default: tus 1.0's).
    """
    parts = urllib.parse.urlsplit(url)
    length = source.stat().st_size - offset
    headers = {
        **(protocol or {**TUS, "Content-Type": OCTETS}),
        **basic_auth(auth),
        "Host": parts.netloc,
        "Upload-Offset": str(offset),
        "Content-Length": str(length),
    }
    head = f"PATCH {parts.path} HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(head.encode() + b"\r\n")
        with open(source, "rb") as stream:
            stream.seek(offset)
            remaining = send
            while remaining:
                block = stream.read(min(MIB, remaining))
                sock.sendall(block)
                remaining -= len(block)
        if reset:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )


def settled_offset(
    url: str, *, auth=None, timeout: float = 60, protocol: dict | None = None
) -> int:
    """HEAD until the offset stops moving (the server finished the cut PATCH)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        response = requests.head(url, headers=protocol or TUS, auth=auth, timeout=30)
        assert response.status_code in (200, 204), response.status_code
        offset = int(response.headers["Upload-Offset"])
        if offset == last and offset > 0:
            return offset
        assert time.monotonic() < deadline, f"offset still moving: {offset}"
        last = offset
        time.sleep(0.5)


class FileSlice:
    """``source`` from ``offset`` to its end, as a streaming request body."""

    def __init__(self, source: Path, offset: int) -> None:
        self.stream = open(source, "rb")  # noqa: SIM115 - closed in read()
        self.stream.seek(offset)
        self.length = source.stat().st_size - offset

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(MIB if size is None or size < 0 else size)
        if not block:
            self.stream.close()
        return block


def resume(
    url: str, source: Path, offset: int, *, auth=None, protocol: dict | None = None
) -> requests.Response:
    """PATCH the rest of ``source`` from ``offset`` in one request."""
    body = FileSlice(source, offset)
    return requests.patch(
        url,
        data=body,
        headers={
            **(protocol or {**TUS, "Content-Type": OCTETS}),
            "Upload-Offset": str(offset),
            "Content-Length": str(len(body)),
        },
        auth=auth,
        timeout=300,
    )


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 that breaks one connection after ``cut_after``
    bytes from the client, once; every other connection passes untouched.

    :attr:`sent` counts the bytes clients sent through it.
    """

    def __init__(self, upstream_port: int, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.cut_done = False
        self.sent = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(
                target=self._upward, args=(client, upstream), daemon=True
            ).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client), daemon=True
            ).start()

    def _upward(self, client: socket.socket, upstream: socket.socket) -> None:
        forwarded = 0
        try:
            while block := client.recv(MIB):
                with self._lock:
                    cut = not self.cut_done and forwarded + len(block) > self.cut_after
                    if cut:
                        block = block[: self.cut_after - forwarded]
                        self.cut_done = True
                    self.sent += len(block)
                upstream.sendall(block)
                forwarded += len(block)
                if cut:
                    break
        except OSError:
            pass
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while block := source.recv(MIB):
                target.sendall(block)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closing = True
        self._listener.close()


NGINX_CONF = """\
# Written by tests/servers: nginx in front of a streaming server, with the
# settings docs/deployment.rst recommends for uploads.
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Uploads: stream the body to the backend as it arrives, any size.
            proxy_request_buffering off;
            client_max_body_size 0;
            client_body_timeout 300s;
            proxy_send_timeout 300s;
            proxy_read_timeout 300s;
            # Downloads: pass the response on as it comes, no temp file.
            proxy_max_temp_file_size 0;
        }}
    }}
}}
"""

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """Debian's nginx on 127.0.0.1 with a temporary configuration."""

    def __init__(self, prefix: Path, upstream_port: int) -> None:
        self.prefix = prefix
        self.port = free_port()
        prefix.mkdir(parents=True, exist_ok=True)
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(
            NGINX_CONF.format(
                prefix=prefix, port=self.port, upstream_port=upstream_port
            )
        )
        self.log = open(prefix / "stderr.log", "wb")  # noqa: SIM115 - stop()
        self.process = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(self.conf)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
