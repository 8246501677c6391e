"""Where a partial upload belongs in its final upload: the ``concat-layout`` hint.

A client that sends one file as parallel partial uploads (tus
concatenation) joins them with a final upload at the end. Joining by
copying costs the disk as much as the upload itself. A partial upload may
instead say where its bytes go, in its metadata::

    concat-layout: <token> <size of part 0> <size of part 1> ...

The token (16-64 letters, digits, ``-`` or ``_``) names the file the parts
share; the sizes are the parts' lengths in the final's order. They are
distinct, so a part is known by its own length alone (tus-js-client sends
the same metadata with every part): its offset is the sum of the sizes
before it. A store that can (:class:`~.store.SharedPartials`) writes each
part there in one shared file, and a final that names exactly those parts,
in order, is that file. The hint is only a hint: anything that does not
fit makes an ordinary partial upload, and a final upload copies as before.

Groups are per principal, so that nobody writes into another's file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import hashlib
import re


#: The metadata key of the hint.
LAYOUT_KEY = "concat-layout"
#: Parts start at multiples of this, so that no two share a disk block.
ALIGNMENT = 4096
#: More parts than this are not placed (a client sends a handful).
MOST_PARTS = 64
#: A layout longer than this is not placed, whatever the size limit: a
#: shared file stays far below what filesystems allow (ext4: 16 TiB).
MOST_BYTES = 1 << 42
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z")
SIZE_PATTERN = re.compile(r"^[0-9]{1,19}\Z")


@dataclass(frozen=True)
class Placement:
    """A partial upload's place: ``offset`` in the file of ``group``."""

    group: str
    offset: int


def group_of(principal: str | None, token: str) -> str:
    """The group id of ``token`` for ``principal`` (the shape of an upload id)."""
    key = f"{principal or ''}\0{token}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


def placement_of(
    metadata: Mapping[str, str | None],
    length: int | None,
    principal: str | None,
    *,
    max_size: int | None = None,
) -> Placement | None:
    """Where the partial upload of ``length`` bytes belongs, if its hint says.

    None for no hint, a malformed one, a length it does not name exactly
    once, an offset that is not aligned, or a layout longer than
    ``max_size`` (the final upload could not be made anyway).
    """
    hint = metadata.get(LAYOUT_KEY)
    if not hint or not length:
        return None
    words = hint.split(" ")
    token, sizes_text = words[0], words[1:]
    if not TOKEN_PATTERN.match(token) or not 2 <= len(sizes_text) <= MOST_PARTS:
        return None
    if not all(SIZE_PATTERN.match(text) for text in sizes_text):
        return None
    sizes = [int(text) for text in sizes_text]
    most = MOST_BYTES if max_size is None else min(max_size, MOST_BYTES)
    if sizes.count(length) != 1 or sum(sizes) > most:
        return None
    offset = sum(sizes[: sizes.index(length)])
    if offset % ALIGNMENT:
        return None
    return Placement(group_of(principal, token), offset)
