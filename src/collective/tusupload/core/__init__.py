"""Framework-agnostic upload server core (tus 1.0.0 and the IETF draft).

Never import Zope, Plone or WebOb from here: adapters live in
:mod:`collective.tusupload.adapters`. The floors, from the bottom: errors,
ids, info, request; store and locks (interfaces), transfer; the file store
(:mod:`.filestore`) and :mod:`.compose`; finishing, hooks, the
:mod:`.engine`; the wire layers :mod:`.tus` and :mod:`.ietf`; the
:mod:`.protocol` handler on top. :mod:`.cleanup` works on any store.
"""

from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.filestore.locker import FileLocker
from collective.tusupload.core.filestore.store import FileStore
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.locks import MemoryLocker
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.store import Store
from collective.tusupload.core.tus.handler import TUS_VERSION


__all__ = [
    "TUS_VERSION",
    "FileLocker",
    "FileStore",
    "Handler",
    "HookRefused",
    "Hooks",
    "Locker",
    "MemoryLocker",
    "Store",
    "TusError",
    "TusRequest",
    "TusResponse",
    "UploadInfo",
]
