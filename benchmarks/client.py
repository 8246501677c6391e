"""A lean tus 1.0.0 client for the benchmarks.

Every contender is driven by this one client so that differences come from the
servers. It keeps one persistent HTTP/1.1 connection per upload, streams each
chunk from the file with ``readinto`` into one reusable buffer (no chunk and
no file is ever held in memory as a whole), and times each request.

Its own cost is measured against contender 5 (a WSGI app that only writes the
body to a file): see ``run.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlsplit

import base64
import http.client
import json
import os
import time


#: Bytes handed to the socket at a time.
SEND_BLOCK = 1 << 20


class TusError(RuntimeError):
    """A reply the client did not expect."""


@dataclass
class UploadResult:
    """Timings of one upload, in seconds (``time.perf_counter`` deltas)."""

    length: int
    chunk_size: int
    total: float = 0.0
    create: float = 0.0
    #: The whole request that completes the upload (send body + wait).
    final_patch: float = 0.0
    #: Of ``final_patch``: from the last body byte sent to the reply's status line.
    final_wait: float = 0.0
    patches: int = 0
    status: int = 0
    #: URL (path) of the content the server created, if it says so.
    content_url: str | None = None
    #: Path of the upload's own URL (from the creation reply's ``Location``).
    upload_url: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """MB/s (10^6 bytes per second) over the whole upload."""
        return self.length / self.total / 1e6 if self.total else 0.0


def encode_metadata(metadata: dict[str, str]) -> str:
    """``Upload-Metadata`` header value for ``metadata``."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in metadata.items()
    )


class TusClient:
    """Upload files to one tus collection URL.

    :param url: the creation URL, e.g. ``http://127.0.0.1:8081/files``.
    :param headers: extra headers for every request (e.g. ``Authorization``).
    :param timeout: socket timeout in seconds.
    """

    def __init__(
        self, url: str, *, headers: dict[str, str] | None = None, timeout=600
    ) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.buffer = bytearray(SEND_BLOCK)

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout
        )
        connection.connect()
        return connection

    def _path_of(self, location: str) -> str:
        parts = urlsplit(location)
        if parts.scheme:
            return parts.path + (f"?{parts.query}" if parts.query else "")
        if location.startswith("/"):
            return location
        return self.path.rstrip("/") + "/" + location

    def _request(self, connection, method, path, headers, body=None):
        connection.request(method, path, body=body, headers={**self.headers, **headers})
        response = connection.getresponse()
        payload = response.read()
        return response, payload

    def create(self, connection, length: int, metadata: dict[str, str]) -> str:
        """POST a new upload; return the path of its URL."""
        response, payload = self._request(
            connection,
            "POST",
            self.path,
            {
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(length),
                "Upload-Metadata": encode_metadata(metadata),
                "Content-Length": "0",
            },
        )
        if response.status != 201:
            raise TusError(f"POST {self.path}: {response.status} {payload[:300]!r}")
        return self._path_of(response.getheader("Location"))

    def patch(self, connection, path, stream, offset: int, size: int):
        """Send ``size`` bytes of ``stream`` (positioned at ``offset``).

        :returns: ``(response, payload, seconds_after_last_byte)``.
        """
        connection.putrequest("PATCH", path, skip_accept_encoding=True)
        headers = {
            **self.headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(size),
        }
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        view = memoryview(self.buffer)
        remaining = size
        while remaining:
            count = stream.readinto(view[: min(SEND_BLOCK, remaining)])
            if not count:
                raise TusError("file ended early")
            connection.sock.sendall(view[:count])
            remaining -= count
        sent = time.perf_counter()
        response = connection.getresponse()
        payload = response.read()
        return response, payload, time.perf_counter() - sent

    def upload(
        self,
        file_path: str,
        *,
        chunk_size: int,
        metadata: dict[str, str] | None = None,
    ) -> UploadResult:
        """Upload ``file_path`` in ``chunk_size`` PATCHes; return its timings."""
        length = os.path.getsize(file_path)
        result = UploadResult(length=length, chunk_size=chunk_size)
        metadata = metadata or {
            "filename": os.path.basename(file_path),
            "content-type": "application/octet-stream",
        }
        connection = self.connect()
        try:
            started = time.perf_counter()
            upload_path = self.create(connection, length, metadata)
            result.upload_url = upload_path
            result.create = time.perf_counter() - started
            offset = 0
            with open(file_path, "rb", buffering=0) as stream:
                while offset < length:
                    size = min(chunk_size, length - offset)
                    request_started = time.perf_counter()
                    response, payload, wait = self.patch(
                        connection, upload_path, stream, offset, size
                    )
                    result.patches += 1
                    if response.status not in (200, 201, 204):
                        raise TusError(
                            f"PATCH {upload_path} at {offset}: {response.status} "
                            f"{payload[:300]!r}"
                        )
                    new_offset = response.getheader("Upload-Offset")
                    if new_offset is not None and int(new_offset) != offset + size:
                        raise TusError(f"server offset {new_offset} != {offset + size}")
                    offset += size
                    if offset >= length:
                        result.final_patch = time.perf_counter() - request_started
                        result.final_wait = wait
                        result.status = response.status
                        result.content_url = self._content_url(response, payload)
            result.total = time.perf_counter() - started
        finally:
            connection.close()
        return result

    def _content_url(self, response, payload: bytes) -> str | None:
        if payload[:1] == b"{":
            try:
                document = json.loads(payload)
            except ValueError:
                document = {}
            url = document.get("@id") or document.get("url")
            if url:
                return url
        return response.getheader("Location")

    def delete(self, url: str) -> int:
        """DELETE ``url`` (a path or an absolute URL); return the status."""
        connection = self.connect()
        try:
            response, _ = self._request(
                connection,
                "DELETE",
                self._path_of(url),
                {"Accept": "application/json", "Tus-Resumable": "1.0.0"},
            )
            return response.status
        finally:
            connection.close()
