"""Framework-agnostic tus 1.0.0 server core (standard library only).

Never import Zope, Plone or WebOb from here: adapters live in
:mod:`collective.tusupload.adapters`.
"""

from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.locks import FileLocker
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.protocol import Hooks
from collective.tusupload.core.protocol import TUS_VERSION
from collective.tusupload.core.protocol import TusRequest
from collective.tusupload.core.protocol import TusResponse
from collective.tusupload.core.store import FileStore
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import UploadInfo


__all__ = [
    "TUS_VERSION",
    "FileLocker",
    "FileStore",
    "Handler",
    "HookRefused",
    "Hooks",
    "Locker",
    "Store",
    "TusError",
    "TusRequest",
    "TusResponse",
    "UploadInfo",
]
