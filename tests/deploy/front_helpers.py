"""Reading replies from raw sockets, for tests of the front server."""

import socket


def read_reply(
    sock: socket.socket, *, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP reply from a raw socket: status, headers (lower-case), body.

    The body is read by ``Content-Length`` (none for ``HEAD``, 204, 304).
    """
    data = b""
    while b"\r\n\r\n" not in data:
        block = sock.recv(65536)
        if not block:
            raise ConnectionError(f"closed before a reply head: {data!r}")
        data += block
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if method == "HEAD" or status in (204, 304):
        length = 0
    while len(rest) < length:
        block = sock.recv(65536)
        if not block:
            break
        rest += block
    return status, headers, rest[:length]
