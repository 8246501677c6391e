"""The one request model of the core, and its reply.

A host adapter builds a :class:`TusRequest` from whatever its framework
hands it; every later step (the wire layer that matches, the engine, the
host's hooks) reads from it. Facts that need deciding are decided here, once:
the method meant (:attr:`TusRequest.verb`, after ``X-HTTP-Method-Override``)
and header lookups that ignore case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import Any
from typing import BinaryIO


OVERRIDE_HEADER = "X-HTTP-Method-Override"


def resolve_verb(method: str, headers: Mapping[str, str] | None) -> str:
    """The method a request means: ``X-HTTP-Method-Override`` if given, upper-cased.

    The only place the override is resolved; adapters that need the method
    before they build a request call this too.
    """
    for name, value in (headers or {}).items():
        if str(name).lower() == OVERRIDE_HEADER.lower() and str(value).strip():
            return str(value).strip().upper()
    return method.upper()


@dataclass
class TusRequest:
    """The facts of one request, as the host adapter sees them.

    :ivar method: the HTTP method as received (see :attr:`verb`).
    :ivar headers: any mapping; looked up case-insensitively.
    :ivar body: a readable stream (``read(n)`` returns ``b""`` at EOF) or None.
    :ivar upload_id: the URL segment after the endpoint; None for the endpoint.
    :ivar base_url: the endpoint URL without trailing slash.
    :ivar principal: the acting user id; None for anonymous.
    :ivar content_length: the request's Content-Length if the host knows it.
    :ivar context: an opaque host object handed to hooks (its per-request
        state, e.g. the Plone context).
    """

    method: str
    headers: Mapping[str, str]
    body: BinaryIO | None
    upload_id: str | None
    base_url: str
    principal: str | None = None
    content_length: int | None = None
    context: Any = None

    @cached_property
    def verb(self) -> str:
        """The method meant: ``X-HTTP-Method-Override`` if given, upper-cased."""
        return resolve_verb(self.method, self.headers)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        wanted = name.lower()
        for key, value in (self.headers or {}).items():
            if str(key).lower() == wanted:
                return str(value)
        return None


@dataclass
class TusResponse:
    """What to send back: status, headers and a short body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
