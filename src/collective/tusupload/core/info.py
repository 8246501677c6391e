"""What is known about one upload: :class:`UploadInfo`, the same for every store."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any


@dataclass
class UploadInfo:
    """Everything known about one upload; JSON-serialisable.

    ``length`` is ``None`` while the length is deferred (or, for a final
    upload, while a partial's length is unknown).

    Finishing takes two steps, so that an upload is only ever reported
    complete once the host really has it:

    ``finishing``
        all bytes are in the data, and the host's finish has started; the
        ``offset`` still says where the last chunk began, so a client whose
        finish failed (crash, refusal) sends that chunk again.
    ``finished``
        the host has taken the upload (committed its content); ``offset``
        equals ``length``. The record stays, without data, until it expires,
        so that a client whose last reply was lost learns the outcome.
    ``content``
        what the host made of it, e.g. ``{"url": ..., "uid": ...}``.
    ``repr_digests``
        digests of the whole upload a client announced (IETF ``Repr-Digest``),
        as ``{hashlib name: base64 digest}``; checked when the upload completes.
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
    finishing: bool = False
    finished: bool = False
    content: dict[str, Any] = field(default_factory=dict)
    final_ids: list[str] = field(default_factory=list)
    repr_digests: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_deferred(self) -> bool:
        """True while the length is not known yet."""
        return self.length is None

    @property
    def is_complete(self) -> bool:
        """True when all bytes have arrived."""
        return self.length is not None and self.offset >= self.length

    def is_expired(self, now: float) -> bool:
        """True when the upload's expiry time has passed at ``now``."""
        return self.expires is not None and now >= self.expires

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> UploadInfo:
        """Build from :meth:`to_dict` output, ignoring unknown keys."""
        known = {
            name: values[name] for name in cls.__dataclass_fields__ if name in values
        }
        return cls(**known)


def as_finished(info: UploadInfo, content: dict[str, Any] | None) -> UploadInfo:
    """``info`` as it reads once the host has taken it (in memory only)."""
    return replace(
        info,
        offset=info.length if info.length is not None else info.offset,
        finishing=False,
        finished=True,
        content=dict(content or {}),
    )


def is_replay(info: UploadInfo, client_offset: int, content_length: int | None) -> bool:
    """An append to a finished upload that ends where the upload ends."""
    if info.length is None or client_offset > info.length:
        return False
    if content_length is None:
        return client_offset == info.length
    return client_offset + content_length == info.length


def total_length(partials: list[UploadInfo]) -> int | None:
    """Sum of the partials' lengths, or None while one is unknown."""
    lengths = [partial.length for partial in partials]
    if any(length is None for length in lengths):
        return None
    return sum(lengths)  # type: ignore[arg-type]
