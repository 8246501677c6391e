"""One upload: its id and what is known about it (:class:`UploadInfo`).

Upload ids are capabilities of 128 random bits, checked before they touch a
path; the info is the same for every store.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import enum
import re
import secrets


UPLOAD_ID_PATTERN = re.compile(r"^[0-9a-f]{32,64}\Z")


def new_upload_id() -> str:
    """Return a fresh upload id of 128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


def is_valid_upload_id(upload_id: object) -> bool:
    """Tell whether ``upload_id`` has the strict shape of an upload id."""
    return isinstance(upload_id, str) and UPLOAD_ID_PATTERN.match(upload_id) is not None


def check_upload_id(upload_id: object) -> str:
    """Return ``upload_id`` if well-formed.

    :raises errors.NotFound: for anything else (never build a path from it).
    """
    if not is_valid_upload_id(upload_id):
        raise errors.NotFound()
    return upload_id  # type: ignore[return-value]


class State(enum.StrEnum):
    """Where an upload is in its life; :mod:`.finish` has the transitions."""

    #: Bytes arrive; ``offset`` says how many are stored.
    RECEIVING = "receiving"
    #: All bytes are stored and the host's finish has begun; ``offset``
    #: still says where the last chunk began.
    FINISHING = "finishing"
    #: The host has taken the upload; ``offset`` equals ``length``.
    FINISHED = "finished"


@dataclass
class UploadInfo:
    """Everything known about one upload; JSON-serialisable.

    ``length`` is ``None`` while the length is deferred (or, for a final
    upload, while a partial's length is unknown).

    ``state``
        see :class:`State`; only :mod:`.finish` changes it.
    ``content``
        what the host made of a finished upload, e.g. ``{"url": ..., "uid": ...}``.
    ``repr_digests``
        digests of the whole upload a client announced (IETF ``Repr-Digest``),
        as ``{hashlib name: base64 digest}``; checked when the upload completes.
    ``extra``
        the host's own record of the upload (Plone: :mod:`...record`).
    ``join_group``, ``join_offset``
        a partial upload whose bytes a store keeps in the file of its join
        group, at ``join_offset`` (see :mod:`.joins`); None: its own data.
    """

    id: str
    length: int | None = None
    offset: int = 0
    metadata: dict[str, str | None] = field(default_factory=dict)
    created: float = 0.0
    expires: float | None = None
    principal: str | None = None
    is_partial: bool = False
    is_final: bool = False
    partial_ids: list[str] = field(default_factory=list)
    state: State = State.RECEIVING
    content: dict[str, Any] = field(default_factory=dict)
    final_ids: list[str] = field(default_factory=list)
    repr_digests: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    join_group: str | None = None
    join_offset: int = 0

    @property
    def is_deferred(self) -> bool:
        """True while the length is not known yet."""
        return self.length is None

    @property
    def is_complete(self) -> bool:
        """True when all bytes have arrived."""
        return self.length is not None and self.offset >= self.length

    @property
    def finishing(self) -> bool:
        """True in :attr:`State.FINISHING`."""
        return self.state is State.FINISHING

    @property
    def finished(self) -> bool:
        """True in :attr:`State.FINISHED`."""
        return self.state is State.FINISHED

    def is_expired(self, now: float) -> bool:
        """True when the upload's expiry time has passed at ``now``."""
        return self.expires is not None and now >= self.expires

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict.

        It also says ``finishing`` and ``finished`` as the previous release
        wrote them, so that its processes read a record right while a site
        changes over (they share the upload directory).
        """
        values = asdict(self)
        values["state"] = self.state.value
        values["finishing"] = self.finishing
        values["finished"] = self.finished
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> UploadInfo:
        """Build from :meth:`to_dict` output, ignoring unknown keys.

        Records written before the state existed say ``finishing`` and
        ``finished`` instead; they read as the same state.
        """
        known = {
            name: values[name] for name in cls.__dataclass_fields__ if name in values
        }
        if "state" in known:
            known["state"] = State(known["state"])
        elif values.get("finished"):
            known["state"] = State.FINISHED
        elif values.get("finishing"):
            known["state"] = State.FINISHING
        return cls(**known)


def total_length(partials: list[UploadInfo]) -> int | None:
    """Sum of the partials' lengths, or None while one is unknown."""
    lengths = [partial.length for partial in partials]
    if any(length is None for length in lengths):
        return None
    return sum(lengths)  # type: ignore[arg-type]
