"""What Plone knows of one upload: :class:`UploadRecord`, and where it is kept.

The core keeps a host's own facts about an upload in ``UploadInfo.extra``
(a JSON dict stored with the upload). Plone's facts are typed here, and
this is the only module that reads or writes them: how the upload ends
(a new item, or a new file for an item), where, as which type and field,
and the UID its item will have (decided at creation, so that a finish can
be recognised after a crash, see :mod:`.content`).
"""

from __future__ import annotations

from collective.tusupload.core.info import UploadInfo
from dataclasses import dataclass
from plone.uuid.interfaces import IUUID


#: The upload becomes a new item in the folder it was made in.
MODE_CREATE = "create"
#: The upload becomes the new file of the item it was made for.
MODE_REPLACE = "replace"
#: The upload is a file of an upload session: its finish stages it, and
#: the session's publish makes it an item (see :mod:`.sessions`).
MODE_STAGE = "stage"


def context_key(context) -> str:
    """What binds an upload to its folder or item: the UID, else the path."""
    uid = IUUID(context, None)
    if uid:
        return uid
    return "/".join(context.getPhysicalPath())


@dataclass(frozen=True)
class UploadRecord:
    """Plone's facts about one upload.

    :ivar mode: :data:`MODE_CREATE` or :data:`MODE_REPLACE`.
    :ivar context: the folder's (or item's) :func:`context_key`.
    :ivar context_path: its physical path (the pending list shows it).
    :ivar portal_type: the type the new item will be (create mode).
    :ivar field: the file field to fill; None for the primary one.
    :ivar content_uid: the UID the new item will have (create mode).
    :ivar session_id: the upload session (stage mode).
    :ivar file_id: the session's file the upload brings (stage mode).
    """

    mode: str
    context: str
    context_path: str
    portal_type: str | None = None
    field: str | None = None
    content_uid: str | None = None
    session_id: str | None = None
    file_id: str | None = None

    @classmethod
    def of(cls, info: UploadInfo) -> UploadRecord:
        """The record kept with ``info`` (an upload made before reads as create)."""
        extra = info.extra
        return cls(
            mode=extra.get("mode", MODE_CREATE),
            context=extra.get("context", ""),
            context_path=extra.get("context_path", ""),
            portal_type=extra.get("portal_type"),
            field=extra.get("fieldname"),
            content_uid=extra.get("content_uid"),
            session_id=extra.get("session_id"),
            file_id=extra.get("file_id"),
        )

    def keep_in(self, info: UploadInfo) -> None:
        """Store the record with ``info`` (before the store writes it)."""
        info.extra.update(
            {
                "mode": self.mode,
                "context": self.context,
                "context_path": self.context_path,
                "portal_type": self.portal_type,
                "fieldname": self.field,
                "content_uid": self.content_uid,
            }
        )
        if self.session_id:
            info.extra.update({"session_id": self.session_id, "file_id": self.file_id})
