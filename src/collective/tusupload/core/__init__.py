"""Framework-agnostic tus 1.0.0 server core (standard library only).

Never import Zope, Plone or WebOb from here: adapters live in
:mod:`collective.tusupload.adapters`.
"""

from collective.tusupload.core.errors import HookRefused, TusError
from collective.tusupload.core.locks import FileLocker, Locker
from collective.tusupload.core.protocol import TUS_VERSION, Handler, Hooks, TusRequest, TusResponse
from collective.tusupload.core.store import FileStore, Store, UploadInfo


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
