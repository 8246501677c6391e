"""The front server's settings, their defaults, and their names in a config file."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields


@dataclass(frozen=True)
class FrontSettings:
    """How the front server listens, waits and limits.

    :ivar host: the address to listen on.
    :ivar port: the port to listen on.
    :ivar threads: the application's threads (Zope's workers).
    :ivar header_timeout: seconds a request head may take to arrive, from
        its first byte (or the connection's start); slower ones are closed.
    :ivar keepalive_timeout: seconds an open connection may wait for its
        next request.
    :ivar body_timeout: seconds a body may send nothing before it is cut;
        an upload keeps what arrived.
    :ivar recheck_after: seconds after which an upload body that is still
        streaming is authorised again by the application; a refusal cuts it.
    :ivar connection_limit: connections served at once; more wait in the
        listening socket's backlog.
    :ivar max_body: largest body the server buffers for the application
        (any request but an upload's append), in bytes.
    :ivar drain_limit: largest unread body the server reads and drops so a
        refused request's connection can be used again; a longer one is
        closed instead.
    :ivar graceful_timeout: seconds a stop waits for requests in flight.
    :ivar url_scheme: ``http``, or ``https`` behind a proxy that ends TLS.
    :ivar block_size: largest block read from an upload body, in bytes.
    :ivar read_ahead: bytes of an append's body received into memory while
        the application decides on it (0: none; see :mod:`.prefetch`).
    :ivar read_ahead_total: the most memory all appends may hold read
        ahead at once, in bytes; an append that finds it spent is not
        read ahead.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 4
    header_timeout: float = 30.0
    keepalive_timeout: float = 15.0
    body_timeout: float = 60.0
    recheck_after: float = 60.0
    connection_limit: int = 1000
    max_body: int = 1 << 30
    drain_limit: int = 1 << 20
    graceful_timeout: float = 30.0
    url_scheme: str = "http"
    block_size: int = 1 << 20
    read_ahead: int = 8 << 20
    read_ahead_total: int = 64 << 20

    @classmethod
    def from_options(cls, options: dict[str, str]) -> FrontSettings:
        """Settings from a config section's options (names as the fields').

        :raises ValueError: for an unknown option or a value of the wrong kind.
        """
        kinds = {field.name: field.type for field in fields(cls)}
        values: dict[str, object] = {}
        for name, text in options.items():
            key = name.replace("-", "_")
            if key not in kinds:
                raise ValueError(f"{name}: not a setting of the front server")
            kind = kinds[key]
            try:
                if kind == "int":
                    values[key] = int(text)
                elif kind == "float":
                    values[key] = float(text)
                else:
                    values[key] = str(text)
            except ValueError:
                raise ValueError(f"{name} = {text}: not a {kind}") from None
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """:raises ValueError: for a value that can't work."""
        for name in ("threads", "connection_limit", "block_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("read_ahead", "read_ahead_total"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more bytes")
        for name in (
            "header_timeout",
            "keepalive_timeout",
            "body_timeout",
            "recheck_after",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than 0 seconds")
        if self.url_scheme not in ("http", "https"):
            raise ValueError("url_scheme must be http or https")


#: The option names a config section may use.
OPTION_NAMES = frozenset(field.name for field in fields(FrontSettings))
