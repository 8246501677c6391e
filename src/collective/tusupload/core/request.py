"""The one request model of the core, and its reply.

A host adapter builds a :class:`TusRequest` from whatever its framework
hands it; every later step (the wire layer that matches, the engine, the
host's hooks) reads from it. What needs deciding is decided here, once: the
headers become a :class:`HeaderMap` keyed by lower-cased name, and the
method meant is resolved (:attr:`TusRequest.verb`, after
``X-HTTP-Method-Override``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collective.tusupload.core import errors
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import Any
from typing import BinaryIO


#: Longest header value the wire layers accept (longer ones get 400).
DEFAULT_MAX_HEADER_LENGTH = 8192

OVERRIDE_HEADER = "X-HTTP-Method-Override"


class HeaderMap(Mapping[str, str]):
    """A request's headers, looked up by lower-cased name; built once, by the host.

    Lookups ignore case; iteration gives the names as the host spelled them.
    A value longer than ``max_length`` is refused when it is read (400), so
    that a long header nobody reads (a cookie) costs nothing.

    :param headers: a mapping or ``(name, value)`` pairs, names in any case.
    :param max_length: the longest value a lookup returns.
    """

    __slots__ = ("_names", "_values", "max_length")

    def __init__(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        *,
        max_length: int = DEFAULT_MAX_HEADER_LENGTH,
    ) -> None:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        self._values: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for name, value in pairs:
            key = str(name).lower()
            self._values[key] = str(value)
            self._names[key] = str(name)
        self.max_length = max_length

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        value = self._values[key]
        if len(value) > self.max_length:
            raise errors.BadRequest(f"{name} header too long")
        return value

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of header ``name`` (any case), or ``default``.

        :raises errors.BadRequest: if the value is longer than ``max_length``.
        """
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._values)


def resolve_verb(method: str, headers: HeaderMap) -> str:
    """The method a request means: ``X-HTTP-Method-Override`` if given, upper-cased.

    The only place the override is resolved; adapters that need the method
    before they build a request call this too.

    :raises errors.BadRequest: if the override header is too long.
    """
    override = (headers.get(OVERRIDE_HEADER) or "").strip()
    return (override or method).upper()


@dataclass
class TusRequest:
    """The facts of one request, as the host adapter sees them.

    :ivar method: the HTTP method as received (see :attr:`verb`).
    :ivar headers: a :class:`HeaderMap` (another mapping is turned into one,
        with the default length limit).
    :ivar body: a readable stream (``read(n)`` returns ``b""`` at EOF) or None.
    :ivar upload_id: the URL segment after the endpoint; None for the endpoint.
    :ivar base_url: the endpoint URL without trailing slash.
    :ivar principal: the acting user id; None for anonymous.
    :ivar content_length: the body's length if the host measured it; else
        the wire layers read ``Content-Length``.
    :ivar context: an opaque host object handed to hooks (its per-request
        state, e.g. the Plone side of the request).
    """

    method: str
    headers: HeaderMap
    body: BinaryIO | None
    upload_id: str | None
    base_url: str
    principal: str | None = None
    content_length: int | None = None
    context: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, HeaderMap):
            self.headers = HeaderMap(self.headers or {})

    @cached_property
    def verb(self) -> str:
        """The method meant: ``X-HTTP-Method-Override`` if given, upper-cased.

        :raises errors.BadRequest: if the override header is too long.
        """
        return resolve_verb(self.method, self.headers)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return self.headers.get(name)


@dataclass
class TusResponse:
    """What to send back: status, headers and a short body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
