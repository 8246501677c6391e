"""Structured Field values (RFC 9651) of the draft's headers, through http-sf.

The draft says a field whose value is not of its type is ignored: the
parsers here return None for such a value, and the handler treats it as
absent (or refuses the request when the field is required).
"""

from __future__ import annotations

from collections.abc import Mapping

import http_sf


def parse_boolean(value: str | None) -> bool | None:
    """A Boolean item (``?1``/``?0``), or None."""
    item = _item(value)
    return item if isinstance(item, bool) else None


def parse_integer(value: str | None) -> int | None:
    """A non-negative Integer item, or None."""
    item = _item(value)
    if isinstance(item, bool) or not isinstance(item, int) or item < 0:
        return None
    return item


def parse_byte_dictionary(value: str | None) -> dict[str, bytes] | None:
    """A Dictionary whose members are Byte Sequences (digest fields), or None."""
    if value is None:
        return None
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError):
        return None
    members: dict[str, bytes] = {}
    for key, (member, _parameters) in parsed.items():
        if not isinstance(member, bytes):
            return None
        members[key] = member
    return members


def format_boolean(value: bool) -> str:
    """``?1`` or ``?0``."""
    return http_sf.ser(bool(value))


def format_dictionary(members: Mapping[str, int]) -> str:
    """A Dictionary of Integers (``Upload-Limit``)."""
    return http_sf.ser(dict(members))


def _item(value: str | None):
    if value is None:
        return None
    try:
        item, _parameters = http_sf.parse(value.encode("ascii"), tltype="item")
    except (ValueError, UnicodeEncodeError):
        return None
    return item
