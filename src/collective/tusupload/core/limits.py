"""How many bytes an upload may take: the size limit, its length, one request's share.

tus 1.0: "If the Server receives a request with a body larger than the
length it knows, it MUST NOT accept it", and an upload over ``Tus-Max-Size``
is refused with 413. Every rule is checked before a byte of the body is
read (limits before bytes), and the chunk writer is told how many bytes it
may store at most.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.info import UploadInfo
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The limits of the uploads of one engine.

    :ivar max_size: largest upload in bytes; None = no limit.
    """

    max_size: int | None = None

    def room(self, info: UploadInfo) -> int | None:
        """How many more bytes the upload may take (None = unlimited)."""
        if info.length is not None:
            return info.length - info.offset
        if self.max_size is not None:
            return self.max_size - info.offset
        return None

    def room_for_body(self, info: UploadInfo, max_append: int | None) -> int | None:
        """The most bytes one request may store: the room, or less per request."""
        room = self.room(info)
        if room is None:
            return max_append
        if max_append is None:
            return room
        return min(room, max_append)

    def check_length(self, length: int | None) -> None:
        """Refuse a length over the maximum (413)."""
        if length is not None and self.max_size is not None and length > self.max_size:
            raise errors.TooLarge(
                f"upload larger than the maximum of {self.max_size} bytes"
            )

    def check_body(
        self, info: UploadInfo, content_length: int | None, max_append: int | None
    ) -> None:
        """Refuse a body that can't fit, before reading it (413)."""
        if content_length is None:
            return
        if max_append is not None and content_length > max_append:
            raise errors.TooLarge(
                f"one request may carry at most {max_append} bytes of the upload"
            )
        room = self.room(info)
        if room is not None and content_length > room:
            raise errors.PastLength()

    def set_length(self, info: UploadInfo, length: int | None) -> None:
        """Set a deferred length (once); the same value again is accepted.

        tus creation-defer-length: the length, once known, "MUST" not change.
        """
        if length is None:
            return
        if info.length is not None:
            if length != info.length:
                raise errors.InconsistentLength("Upload-Length can't be changed")
            return
        if length < info.offset:
            raise errors.InconsistentLength(
                "Upload-Length is smaller than the upload's offset"
            )
        self.check_length(length)
        info.length = length
