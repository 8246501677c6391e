"""Framework-agnostic upload server core (tus 1.0.0 and the IETF draft).

Never import Zope, Plone or WebOb from here: hosts live in
:mod:`collective.tusupload.adapters`. The floors, from the bottom:

- :mod:`.errors`, :mod:`.sizes`, :mod:`.info` (an upload: its id, its info and its
  state), :mod:`.request` (the request model and its header map),
  :mod:`.metadata`;
- :mod:`.store` and :mod:`.locks` (interfaces), :mod:`.regions`,
  :mod:`.disk`, :mod:`.transfer` (the chunk writer), :mod:`.removal`;
- the file store (:mod:`.filestore`) and :mod:`.compose`;
- :mod:`.finish` (the states and their transitions), :mod:`.hooks`,
  :mod:`.wire` (what both wire layers share), :mod:`.engine`;
- the wire layers :mod:`.tus` and :mod:`.ietf`, and :mod:`.protocol`, the
  handler a host calls, on top.

:mod:`.cleanup` and :mod:`.sweep` work beside them on any store. The names
below are the library's public face; inside the package every module
imports a name from where it is defined.
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
from collective.tusupload.core.tus.layer import TUS_VERSION


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
