"""tus header grammar: case-insensitive, length-checked values, integers, dates."""

from __future__ import annotations

from collections.abc import Mapping
from collective.tusupload.core import errors

import email.utils
import re


INTEGER_PATTERN = re.compile(r"^[0-9]{1,20}\Z")
DEFAULT_MAX_HEADER_LENGTH = 8192


class Headers:
    """Case-insensitive, length-checked view of request headers."""

    def __init__(self, raw: Mapping[str, str], *, max_length: int) -> None:
        self._values = {str(name).lower(): value for name, value in raw.items()}
        self.max_length = max_length

    def get(self, name: str) -> str | None:
        """Return the header value or None.

        :raises errors.BadRequest: if the value is longer than ``max_length``.
        """
        value = self._values.get(name.lower())
        if value is None:
            return None
        value = str(value)
        if len(value) > self.max_length:
            raise errors.BadRequest(f"{name} header too long")
        return value


def parse_integer(value: str | None, name: str) -> int | None:
    """Parse a non-negative decimal header value (None stays None).

    :raises errors.BadRequest: for signs, spaces, exponents, empty or huge values.
    """
    if value is None:
        return None
    if not INTEGER_PATTERN.match(value):
        raise errors.BadRequest(f"{name} must be a non-negative decimal integer")
    return int(value)


def http_date(timestamp: float) -> str:
    """Format ``timestamp`` as an HTTP date (RFC 7231)."""
    return email.utils.formatdate(timestamp, usegmt=True)


def media_type(value: str | None) -> str | None:
    """Return the media type of a Content-Type value, without parameters."""
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()
