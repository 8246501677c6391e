"""Stores that keep uploads in a dict: the smallest complete stores.

:class:`BareMemoryStore` implements only :class:`Store`: no protocol
extension, the generic ``append_region`` and ``local_path``, nothing left
over for the cleanup. :class:`MemoryStore` also allows termination,
concatenation (with the generic join) and deferred lengths;
docs/core.rst points here as the example of a new store.
"""

from collective.tusupload.core import errors
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.store import Concatenation
from collective.tusupload.core.store import DeferredLength
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import Termination

import copy
import io


class BareMemoryStore(Store):
    def __init__(self):
        self.infos: dict[str, UploadInfo] = {}
        self.data: dict[str, bytearray] = {}

    def create(self, info):
        self.infos[info.id] = copy.deepcopy(info)
        self.data[info.id] = bytearray()
        return info

    def get_info(self, upload_id):
        try:
            return copy.deepcopy(self.infos[upload_id])
        except KeyError:
            raise errors.NotFound() from None

    def update_info(self, info):
        self.infos[info.id] = copy.deepcopy(info)

    def append(self, upload_id, offset, blocks):
        data = self.data[upload_id]
        del data[offset:]
        written = 0
        for block in blocks:
            data += block
            written += len(block)
        return written

    def truncate(self, upload_id, offset):
        del self.data[upload_id][offset:]

    def open_data(self, upload_id):
        if upload_id not in self.data:
            raise errors.NotFound()
        return io.BytesIO(bytes(self.data[upload_id]))

    def remove(self, upload_id):
        freed = len(self.data.pop(upload_id, b""))
        self.infos.pop(upload_id, None)
        return freed

    def remove_data(self, upload_id):
        return len(self.data.pop(upload_id, b""))

    def list_ids(self):
        return sorted(self.infos)


class MemoryStore(BareMemoryStore, Termination, Concatenation, DeferredLength):
    """:class:`BareMemoryStore` with every protocol extension."""
