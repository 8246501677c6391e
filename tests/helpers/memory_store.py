"""A store that keeps uploads in a dict: the smallest complete Store.

It implements only the required methods, so every optional ability
(append_region, concatenate, local_path, the cleanup questions) runs its
generic default; docs/core.rst points here as the example of a new store.
"""

from collective.tusupload.core import errors
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.store import Store

import copy
import io


class MemoryStore(Store):
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
